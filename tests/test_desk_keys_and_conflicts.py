"""The desk never drops a correction nor overwrites another author's edit
unseen, and answers every failure in JSON (issue 19, updates/desk.py)."""

import importlib
import re

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse

from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from updates import admin as update_admin
from updates import changes
from updates.models import LiveUpdate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def url(name, *args):
    return reverse(f"admin:entries_entry_desk{name}", args=args)


@pytest.fixture
def other_client(django_user_model):
    other = django_user_model.objects.create_user("grace", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(other)
    client.user = other
    return client


def post(client, entry, content, key="composition-1", **fields):
    return client.post(url("_post", entry.pk), {"content": content, "key": key, **fields})


# Composition keys


def test_the_same_key_with_new_text_is_a_409_with_the_update_it_made_and_changes_nothing(
    staff_client,
):
    entry = make_entry()
    first = post(staff_client, entry, "Score 1-0")

    corrected = post(staff_client, entry, "Score 2-0")

    assert corrected.status_code == 409
    body = corrected.json()
    assert "already posted, with other content" in body["error"]
    assert body["existing"]["id"] == first.json()["id"]
    assert "Score 1-0" in body["existing"]["html"]
    assert body["can_apply_as_edit"] is True
    assert body["edit_url"] == url("_edit", entry.pk, first.json()["id"])
    assert list(LiveUpdate.objects.values_list("content", flat=True)) == ["Score 1-0"]


def test_the_same_key_with_the_same_text_and_photo_is_the_same_update(staff_client):
    entry = make_entry()
    fields = {"alt-0": "The stage", "caption-0": "Hall A"}

    first = post(staff_client, entry, "Look", **fields, **{"photo-0": phone_jpeg()})
    again = post(staff_client, entry, "Look", **fields, **{"photo-0": phone_jpeg()})

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert LiveUpdate.objects.count() == 1


def test_the_same_key_with_another_photo_is_a_409_that_cannot_become_an_edit(staff_client):
    entry = make_entry()
    post(staff_client, entry, "Look", **{"photo-0": phone_jpeg(), "alt-0": "The stage"})

    other_photo = post(
        staff_client, entry, "Look", **{"photo-0": phone_jpeg(800, 600), "alt-0": "The stage"}
    )

    assert other_photo.status_code == 409
    # An edit cannot add or replace photos: only "Post as a new update" helps.
    assert other_photo.json()["can_apply_as_edit"] is False


def test_another_authors_key_posts_their_own_update_never_returns_someone_elses(
    staff_client, other_client
):
    entry = make_entry()
    mine = post(staff_client, entry, "Ada’s update")

    theirs = post(other_client, entry, "Grace’s update")

    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]
    assert "Grace’s update" in theirs.json()["html"]
    assert sorted(LiveUpdate.objects.values_list("author__username", "content")) == [
        ("editor", "Ada’s update"),
        ("grace", "Grace’s update"),
    ]


def test_the_key_of_a_deleted_update_starts_a_new_post(staff_client):
    entry = make_entry()
    first = post(staff_client, entry, "Posted, then deleted")
    staff_client.post(url("_delete", entry.pk, first.json()["id"]))

    again = post(staff_client, entry, "Posted again with the same key")

    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert list(LiveUpdate.objects.values_list("content", flat=True)) == [
        "Posted again with the same key"
    ]


def test_the_migration_frees_the_keys_of_updates_deleted_before_it():
    entry = make_entry()
    deleted, kept = make_update(entry, idempotency_key="old-key-1"), make_update(entry)
    LiveUpdate.all_objects.filter(pk=kept.pk).update(idempotency_key="live-key-1")
    deleted.delete()
    # As a deletion left it before LiveUpdate.delete cleared the key.
    LiveUpdate.all_objects.filter(pk=deleted.pk).update(idempotency_key="old-key-1")

    keys_per_author = importlib.import_module("updates.migrations.0009_composition_keys_per_author")
    before = MigrationLoader(connection).project_state(("updates", "0007_fragments_state_their_id"))
    keys_per_author.free_the_keys_of_deleted_updates(before.apps, None)

    keys = LiveUpdate.all_objects.order_by("pk").values_list("idempotency_key", flat=True)
    assert list(keys) == ["", "live-key-1"]


# Asking whether a composition landed


def test_a_composition_that_landed_is_answered_with_its_update(staff_client):
    entry = make_entry()
    posted = post(staff_client, entry, "Landed", key="composition-9")

    answer = staff_client.get(url("_composition", entry.pk, "composition-9"))

    assert answer.status_code == 200
    assert answer.json()["posted"] is True
    assert answer.json()["id"] == posted.json()["id"] and answer.json()["count"] == 1
    assert "Landed" in answer.json()["html"]
    assert "no-cache" in answer["Cache-Control"] or "no-store" in answer["Cache-Control"]


def test_a_composition_that_did_not_land_or_is_another_authors_is_not_posted(
    staff_client, other_client
):
    entry = make_entry()
    post(other_client, entry, "Grace's", key="composition-9")

    mine = staff_client.get(url("_composition", entry.pk, "composition-9"))
    never = staff_client.get(url("_composition", entry.pk, "composition-0"))

    assert mine.json() == {"posted": False} and never.json() == {"posted": False}


def test_asking_about_a_composition_needs_the_add_permission_and_a_wellformed_key(
    staff_client, django_user_model
):
    entry = make_entry()
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_liveupdate"))
    client = Client()
    client.force_login(viewer)

    refused = client.get(url("_composition", entry.pk, "composition-9"))
    malformed = staff_client.get(url("_composition", entry.pk, "bad key!"))
    no_entry = staff_client.get(url("_composition", entry.pk + 1, "composition-9"))

    assert refused.status_code == 403 and "may not post" in refused.json()["error"]
    assert malformed.status_code == 400 and malformed.json()["error"]
    assert no_entry.status_code == 404 and no_entry.json()["error"]


# Edit conflicts on the desk


def edit(client, update, content, revision):
    return client.post(
        url("_edit", update.entry_id, update.pk), {"content": content, "revision": revision}
    )


def test_an_edit_from_an_older_revision_is_a_409_with_the_current_version_and_saves_nothing(
    staff_client, other_client
):
    entry = make_entry()
    update = make_update(entry, "Tpyo")
    opened_at = update.revision
    assert edit(other_client, update, "Typo, fixed by Grace", opened_at).status_code == 200

    mine = edit(staff_client, update, "Typo, fixed by Ada", opened_at)

    assert mine.status_code == 409
    assert "Another author changed this update" in mine.json()["error"]
    assert "Typo, fixed by Grace" in mine.json()["current"]["html"]
    update.refresh_from_db()
    assert update.content == "Typo, fixed by Grace"


def test_keeping_mine_after_a_conflict_saves_it_from_the_revision_just_shown(
    staff_client, other_client
):
    entry = make_entry()
    update = make_update(entry, "Tpyo")
    opened_at = update.revision
    edit(other_client, update, "Theirs", opened_at)
    conflict = edit(staff_client, update, "Mine", opened_at)

    kept = edit(staff_client, update, "Mine", conflict.json()["current"]["revision"])

    assert kept.status_code == 200
    update.refresh_from_db()
    assert update.content == "Mine"


def test_the_same_edit_saved_twice_is_no_conflict(staff_client):
    entry = make_entry()
    update = make_update(entry, "Tpyo")
    opened_at = update.revision

    first = edit(staff_client, update, "Typo", opened_at)
    second = edit(staff_client, update, "Typo", opened_at)

    assert (first.status_code, second.status_code) == (200, 200)


def edit_alt(client, update, photo, alt, revision):
    return client.post(
        url("_edit", update.entry_id, update.pk),
        {"content": update.content, f"alt-{photo.pk}": alt, "revision": revision},
    )


def test_an_edit_over_another_authors_new_alt_text_is_a_409_and_keeps_theirs(
    staff_client, other_client
):
    posted = post(staff_client, make_entry(), "Look", **{"photo-0": phone_jpeg(), "alt-0": "Stage"})
    update = LiveUpdate.objects.get(pk=posted.json()["id"])
    photo = update.photos.get()
    opened_at = update.revision
    assert edit_alt(other_client, update, photo, "The main stage", opened_at).status_code == 200

    # The same text, and the alt text as it was when this desk read it.
    mine = edit_alt(staff_client, update, photo, "Stage", opened_at)

    assert mine.status_code == 409
    assert "Another author changed this update" in mine.json()["error"]
    photo.refresh_from_db()
    assert photo.alt == "The main stage"


def test_the_same_alt_text_edit_saved_twice_is_no_conflict(staff_client):
    posted = post(staff_client, make_entry(), "Look", **{"photo-0": phone_jpeg(), "alt-0": "Stage"})
    update = LiveUpdate.objects.get(pk=posted.json()["id"])
    photo = update.photos.get()
    opened_at = update.revision

    first = edit_alt(staff_client, update, photo, "The main stage", opened_at)
    second = edit_alt(staff_client, update, photo, "The main stage", opened_at)

    assert (first.status_code, second.status_code) == (200, 200)
    photo.refresh_from_db()
    assert photo.alt == "The main stage"


def test_an_edit_without_its_revision_is_refused(staff_client):
    update = make_update(make_entry(), "Tpyo")

    response = staff_client.post(url("_edit", update.entry_id, update.pk), {"content": "Typo"})

    assert response.status_code == 400
    assert "revision" in response.json()["error"]
    update.refresh_from_db()
    assert update.content == "Tpyo"


# Edit conflicts in the stock admin form


def admin_form(client, update) -> dict:
    page = client.get(reverse("admin:updates_liveupdate_change", args=[update.pk]))
    seen = re.search(r'name="seen_revision" value="(\d+)"', page.content.decode())
    return {
        "content": update.content,
        "published_0": update.published.strftime("%Y-%m-%d"),
        "published_1": update.published.strftime("%H:%M:%S"),
        "seen_revision": seen[1],
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
    }


def save_admin_form(client, update, form):
    return client.post(reverse("admin:updates_liveupdate_change", args=[update.pk]), form)


def test_the_admin_form_refuses_to_overwrite_an_edit_made_after_it_was_opened(
    staff_client, other_client
):
    update = make_update(make_entry(), "Tpyo")
    form = admin_form(staff_client, update)
    edit(other_client, update, "Typo, fixed by Grace", update.revision)

    refused = save_admin_form(staff_client, update, {**form, "content": "Typo, fixed by Ada"})

    assert refused.status_code == 200
    assert "Another author changed this update after you opened it" in refused.content.decode()
    assert "Typo, fixed by Grace" in refused.content.decode()
    update.refresh_from_db()
    assert update.content == "Typo, fixed by Grace"
    # Saving again keeps the author's version, knowingly.
    seen = re.search(r'name="seen_revision" value="(\d+)"', refused.content.decode())[1]
    saved = save_admin_form(
        staff_client, update, {**form, "content": "Typo, fixed by Ada", "seen_revision": seen}
    )
    assert saved.status_code == 302
    update.refresh_from_db()
    assert update.content == "Typo, fixed by Ada"


def test_the_admin_form_refuses_an_edit_that_commits_between_its_check_and_its_save(
    staff_client, other_client, monkeypatch
):
    update = make_update(make_entry(), "Tpyo")
    form = admin_form(staff_client, update)
    edit(other_client, update, "Theirs", update.revision)
    check = update_admin.LiveUpdateForm.clean
    checks = []

    def check_as_if_before_the_other_save(self):
        # The first check ran just before the other author's save committed.
        checks.append(self)
        return forms.ModelForm.clean(self) if len(checks) == 1 else check(self)

    monkeypatch.setattr(update_admin.LiveUpdateForm, "clean", check_as_if_before_the_other_save)
    refused = save_admin_form(staff_client, update, {**form, "content": "Mine"})

    assert refused.status_code == 200
    assert "Another author changed this update" in refused.content.decode()
    update.refresh_from_db()
    assert update.content == "Theirs"


# Every failure in JSON


def test_a_refused_permission_is_json_not_the_admins_html_page(client, django_user_model):
    entry = make_entry()
    author = django_user_model.objects.create_user("author", is_staff=True)
    author.user_permissions.set(Permission.objects.filter(codename="add_liveupdate"))
    client.force_login(author)

    response = client.post(url("_status", entry.pk), {"action": "end"})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


@pytest.mark.parametrize(
    ("view", "args"),
    [("_post", ()), ("_edit", (1,)), ("_flags", (1,)), ("_delete", (1,)), ("_status", ())],
)
def test_a_missing_entry_or_update_is_a_json_404(staff_client, view, args):
    entry = make_entry()

    response = staff_client.post(
        url(view, entry.pk + 1, *args), {"content": "x", "key": "composition-1", "revision": 0}
    )

    assert response.status_code == 404
    assert response.json()["error"]


def test_the_wrong_method_is_a_json_405(staff_client):
    entry = make_entry()

    response = staff_client.get(url("_post", entry.pk))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "not allowed" in response.json()["error"]


def test_a_body_over_djangos_limit_is_a_json_413(staff_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    entry = make_entry()

    response = post(staff_client, entry, "x" * 2000)

    assert response.status_code == 413
    assert "Too large" in response.json()["error"]
    assert not LiveUpdate.objects.exists()


def test_too_many_fields_is_a_json_400(staff_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    entry = make_entry()

    response = post(staff_client, entry, "x", **{f"field-{n}": "x" for n in range(10)})

    assert response.status_code == 400
    assert response.json()["error"]


def test_an_unexpected_failure_is_a_json_500_and_is_logged(staff_client, monkeypatch, caplog):
    update = make_update(make_entry())

    def fail(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(changes, "set_flags", fail)
    staff_client.raise_request_exception = False
    response = staff_client.post(url("_flags", update.entry_id, update.pk), {"pinned": "1"})

    assert response.status_code == 500
    assert "nothing may have been saved" in response.json()["error"]
    assert "disk on fire" in caplog.text


def test_a_refused_csrf_token_is_json_for_the_desk(django_user_model):
    entry = make_entry()
    client = Client(enforce_csrf_checks=True)
    client.force_login(
        django_user_model.objects.create_user("ada", is_staff=True, is_superuser=True)
    )

    response = client.post(
        url("_post", entry.pk),
        {"content": "x", "key": "composition-1"},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 403
    assert "reload the desk" in response.json()["error"]
    assert not LiveUpdate.objects.exists()


def test_a_body_over_djangos_limit_refused_before_the_view_is_a_json_413(
    django_user_model, settings
):
    # The CSRF check reads the body first, so the view never runs.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    entry = make_entry()
    client = Client(enforce_csrf_checks=True)
    client.force_login(
        django_user_model.objects.create_user("ada", is_staff=True, is_superuser=True)
    )

    client.get(url("", entry.pk))  # the desk page sets the CSRF cookie

    response = client.post(
        url("_post", entry.pk),
        {"content": "x" * 2000, "key": "composition-1"},
        headers={"Accept": "application/json", "X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert response.status_code == 413
    assert "Too large" in response.json()["error"]
