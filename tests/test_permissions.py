"""Every admin action, desk endpoint and the draft preview checks its model permission.

Being staff only lets someone into the admin; what they may do there is
the model permissions Django gives them. Five roles a newsroom hands out,
each tried on every action: the action must happen when the role has the
permission the stock admin would ask for, and be refused (403, nothing
written) when it has not. Desk endpoints refuse in JSON, which the desk
shows.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from entries.models import Entry
from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from updates import changes
from updates.models import LiveUpdate, Photo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

ROLES = {
    # Reads entries and updates in the admin, changes nothing.
    "view-only": ["view_entry", "view_liveupdate", "view_photo"],
    # Posts updates with photos (the stock add form), sees nothing posted.
    "add-only": ["add_liveupdate", "add_photo"],
    # Posts with photos on the desk and watches its stream, changes nothing.
    "add and view": ["add_liveupdate", "add_photo", "view_liveupdate"],
    # Runs the entry and corrects updates, deletes nothing.
    "change without delete": [
        "view_entry",
        "change_entry",
        "add_liveupdate",
        "change_liveupdate",
        "add_photo",
        "change_photo",
    ],
    # Everything on entries and updates, nothing on their photos.
    "no photo permissions": [
        "view_entry",
        "change_entry",
        "add_liveupdate",
        "change_liveupdate",
        "delete_liveupdate",
    ],
}


@pytest.fixture
def as_role(client, django_user_model):
    def sign_in(role: str):
        user = django_user_model.objects.create_user("someone", is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename__in=ROLES[role]))
        client.force_login(user)
        return client

    return sign_in


def desk_url(name, *args):
    return reverse(f"admin:entries_entry_desk{name}", args=args)


def with_photo(entry: Entry, alt: str = "The stage") -> LiveUpdate:
    return changes.post_update(
        entry, "With a photo", photos=[changes.PhotoUpload(phone_jpeg(), alt, "")]
    )


@dataclass
class Attempt:
    response: object
    happened: bool


def run_action(client, name: str, status: str) -> Attempt:
    entry = make_entry(status=status)
    response = client.post(
        reverse("admin:entries_entry_changelist"),
        {"action": name, "_selected_action": [entry.pk]},
    )
    entry.refresh_from_db()
    return Attempt(response, entry.status != status)


def go_live_action(client):
    return run_action(client, "go_live", Entry.Status.DRAFT)


def end_coverage_action(client):
    return run_action(client, "end_coverage", Entry.Status.LIVE)


def open_the_desk(client):
    response = client.get(desk_url("", make_entry().pk))
    return Attempt(response, response.status_code == 200 and b"desk-compose" in response.content)


def read_the_desk_stream(client):
    entry = make_entry()
    make_update(entry, "Seen on the desk")
    response = client.get(desk_url("_stream", entry.pk), {"since": "0"})
    return Attempt(response, b"Seen on the desk" in response.content)


def post_text(client):
    entry = make_entry()
    response = client.post(desk_url("_post", entry.pk), {"content": "Hi", "key": "key-00000001"})
    return Attempt(response, entry.updates.exists())


def post_a_photo(client):
    entry = make_entry()
    response = client.post(
        desk_url("_post", entry.pk),
        {"content": "Look", "key": "key-00000002", "photo-0": phone_jpeg(), "alt-0": "Stage"},
    )
    return Attempt(response, Photo.objects.exists())


def go_live_from_the_desk(client):
    entry = make_entry(status=Entry.Status.DRAFT)
    response = client.post(desk_url("_status", entry.pk), {"action": "live"})
    entry.refresh_from_db()
    return Attempt(response, entry.status == Entry.Status.LIVE)


def end_coverage_from_the_desk(client):
    entry = make_entry(status=Entry.Status.LIVE)
    response = client.post(desk_url("_status", entry.pk), {"action": "end"})
    entry.refresh_from_db()
    return Attempt(response, entry.status == Entry.Status.ENDED)


def edit_text(client):
    entry = make_entry()
    update = make_update(entry, "Tpyo")
    response = client.post(
        desk_url("_edit", entry.pk, update.pk), {"content": "Typo", "revision": update.revision}
    )
    update.refresh_from_db()
    return Attempt(response, update.content == "Typo")


def edit_an_alt_text(client):
    entry = make_entry()
    update = with_photo(entry, alt="Stgae")
    photo = update.photos.get()
    response = client.post(
        desk_url("_edit", entry.pk, update.pk),
        {"content": update.content, f"alt-{photo.pk}": "Stage", "revision": update.revision},
    )
    photo.refresh_from_db()
    return Attempt(response, photo.alt == "Stage")


def pin(client):
    entry = make_entry()
    update = make_update(entry)
    response = client.post(desk_url("_flags", entry.pk, update.pk), {"pinned": "1"})
    update.refresh_from_db()
    return Attempt(response, update.pinned)


def delete_text(client):
    entry = make_entry()
    update = make_update(entry)
    response = client.post(desk_url("_delete", entry.pk, update.pk))
    return Attempt(response, not LiveUpdate.objects.filter(pk=update.pk).exists())


def delete_with_a_photo(client):
    entry = make_entry()
    update = with_photo(entry)
    response = client.post(desk_url("_delete", entry.pk, update.pk))
    return Attempt(response, not LiveUpdate.objects.filter(pk=update.pk).exists())


def preview_a_draft(client):
    entry = make_entry(status=Entry.Status.DRAFT, title="Embargoed launch")
    make_update(entry, "Not yet public")
    response = client.get(reverse("entry_preview", kwargs={"slug": entry.slug}))
    return Attempt(response, b"Not yet public" in response.content)


ACTIONS = {
    go_live_action: {"change without delete", "no photo permissions"},
    end_coverage_action: {"change without delete", "no photo permissions"},
    open_the_desk: {"add and view", "change without delete", "no photo permissions"},
    read_the_desk_stream: {"add and view", "change without delete", "no photo permissions"},
    post_text: {"add-only", "add and view", "change without delete", "no photo permissions"},
    post_a_photo: {"add-only", "add and view", "change without delete"},
    go_live_from_the_desk: {"change without delete", "no photo permissions"},
    end_coverage_from_the_desk: {"change without delete", "no photo permissions"},
    edit_text: {"change without delete", "no photo permissions"},
    edit_an_alt_text: {"change without delete"},
    pin: {"change without delete", "no photo permissions"},
    delete_text: {"no photo permissions"},
    # The admin's cascade check: deleting an update deletes its photos.
    delete_with_a_photo: set(),
    preview_a_draft: {"view-only", "change without delete", "no photo permissions"},
}
DESK_JSON = {
    read_the_desk_stream,
    post_text,
    post_a_photo,
    edit_text,
    edit_an_alt_text,
    pin,
    delete_text,
    delete_with_a_photo,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.__name__)
def test_each_role_does_exactly_what_its_permissions_allow(as_role, role, action):
    attempt = action(as_role(role))

    if role in ACTIONS[action]:
        assert attempt.happened, attempt.response
        assert attempt.response.status_code < 400
    else:
        assert not attempt.happened
        if action in (go_live_action, end_coverage_action):
            # Django refuses the list (403) or ignores an action it does
            # not offer there (back to the list, nothing done).
            assert attempt.response.status_code in (200, 302, 403)
        else:
            assert attempt.response.status_code == 403
        if action in DESK_JSON:
            assert "may not" in attempt.response.json()["error"]


def test_the_entry_list_offers_no_action_to_a_view_only_account(as_role):
    make_entry()

    page = as_role("view-only").get(reverse("admin:entries_entry_changelist")).content.decode()

    assert "go_live" not in page and "end_coverage" not in page


def test_a_desk_without_photo_permissions_offers_no_photo_controls(as_role):
    entry = make_entry()
    with_photo(entry)

    page = as_role("no photo permissions").get(desk_url("", entry.pk)).content.decode()

    assert "Add photos" not in page and 'data-max-photos="0"' in page
    assert "Alt text of photo" not in page
    assert "Edit" in page


def test_a_desk_with_photo_permissions_offers_them(as_role):
    entry = make_entry()
    with_photo(entry)

    page = as_role("change without delete").get(desk_url("", entry.pk)).content.decode()

    assert "Add photos" in page and 'data-max-photos="10"' in page
    assert "Alt text of photo 1" in page
