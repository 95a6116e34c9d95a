"""The live desk's views (updates/desk.py): what an author's browser asks
and gets; tests/test_desk_browser.py drives the page in Chromium."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from entries.models import Entry
from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from updates import changes
from updates.models import LiveUpdate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def url(name, *args):
    return reverse(f"admin:entries_entry_desk{name}", args=args)


def test_the_desk_shows_compose_box_controls_and_the_stream_newest_first(staff_client):
    entry = make_entry(title="Keynote")
    make_update(entry, "Older")
    make_update(entry, "Newer")

    response = staff_client.get(url("", entry.pk))
    page = response.content.decode()

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert '<textarea id="desk-content" name="content" rows="5" autofocus' in page
    assert 'accept="image/*"' in page
    assert page.index("Newer") < page.index("Older")
    assert 'data-action="delete"' in page and 'data-action="edit"' in page
    assert "View as a reader" in page and "End coverage" in page
    assert '<span class="desk-count-number">2</span>' in page
    # Under the CSP: no inline script or style of its own (its texts are a
    # JSON data block, which no browser runs: issue 23).
    assert (
        re.findall(
            r"<script(?![^>]*\s(?:src=|type=\"application/json\"))[^>]*>(?!\s*</script>)", page
        )
        == []
    )
    assert "/static/liveblog/desk.js" in page


def test_the_entry_list_and_form_link_to_the_desk(staff_client):
    entry = make_entry()

    listing = staff_client.get(reverse("admin:entries_entry_changelist")).content.decode()
    form = staff_client.get(reverse("admin:entries_entry_change", args=[entry.pk])).content.decode()

    assert f'href="{url("", entry.pk)}"' in listing
    assert f'href="{url("", entry.pk)}"' in form


def test_anonymous_visitors_are_sent_to_the_login(client):
    entry = make_entry()

    response = client.get(url("", entry.pk))

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client.post(url("_post", entry.pk), {"content": "x"}).status_code == 302
    assert not LiveUpdate.objects.exists()


def test_an_author_without_the_delete_permission_sees_no_delete_and_cannot_delete(
    client, django_user_model
):
    author = django_user_model.objects.create_user("author", is_staff=True)
    author.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_liveupdate", "change_liveupdate", "view_liveupdate"]
        )
    )
    client.force_login(author)
    entry = make_entry()
    update = make_update(entry)

    page = client.get(url("", entry.pk)).content.decode()
    response = client.post(url("_delete", entry.pk, update.pk))

    assert 'data-action="delete"' not in page and 'data-action="edit"' in page
    assert response.status_code == 403
    assert LiveUpdate.objects.filter(pk=update.pk).exists()


def test_posting_answers_with_the_new_items_html_and_sets_the_author(staff_client):
    entry = make_entry()

    response = staff_client.post(
        url("_post", entry.pk), {"content": "**Hello**", "key": "k-00000001"}
    )

    assert response.status_code == 201
    body = response.json()
    update = LiveUpdate.objects.get()
    assert update.author == staff_client.user
    assert body["id"] == update.pk and body["count"] == 1
    assert f'id="desk-update-{update.pk}"' in body["html"]
    assert "<strong>Hello</strong>" in body["html"]


def test_the_same_composition_posted_twice_makes_one_update(staff_client):
    entry = make_entry()
    form = {"content": "Once", "key": "composition-1"}

    first = staff_client.post(url("_post", entry.pk), form)
    second = staff_client.post(url("_post", entry.pk), form)

    assert first.json()["id"] == second.json()["id"]
    assert LiveUpdate.objects.count() == 1
    assert Entry.objects.get(pk=entry.pk).revision == 1


def test_a_composition_committed_by_another_request_a_moment_earlier_is_answered_with_it(
    staff_client, monkeypatch
):
    # A retry racing the first request: both find no update with the key,
    # the first commits, and the second's insert meets the constraint.
    entry = make_entry()
    post_update = changes.post_update
    earlier = []

    def post_just_after_another_request(entry, content, **fields):
        earlier.append(
            make_update(
                entry, content, author=fields["author"], idempotency_key=fields["idempotency_key"]
            )
        )
        return post_update(entry, content, **fields)

    monkeypatch.setattr(changes, "post_update", post_just_after_another_request)
    response = staff_client.post(
        url("_post", entry.pk), {"content": "Once", "key": "composition-7"}
    )

    assert response.status_code == 201
    assert response.json()["id"] == earlier[0].pk
    assert LiveUpdate.objects.count() == 1


@pytest.mark.parametrize(
    ("view", "change", "form"),
    [
        ("_edit", "edit_update", {"content": "Fixed", "revision": "1"}),
        ("_flags", "set_flags", {"pinned": "1"}),
    ],
    ids=["edit", "pin"],
)
def test_a_change_to_an_update_another_author_deleted_a_moment_earlier_is_a_404(
    staff_client, monkeypatch, view, change, form
):
    # Both read the update; the other author's delete commits first.
    entry = make_entry()
    update = make_update(entry, "Tpyo")
    make_the_change = getattr(changes, change)

    def change_just_after_a_delete(update, *args, **kwargs):
        LiveUpdate.objects.get(pk=update.pk).delete()
        return make_the_change(update, *args, **kwargs)

    monkeypatch.setattr(changes, change, change_just_after_a_delete)
    response = staff_client.post(url(view, entry.pk, update.pk), form)

    assert response.status_code == 404
    assert response.json() == {"error": "This update has just been deleted; nothing was saved."}
    assert not LiveUpdate.objects.exists()
    assert Entry.objects.get(pk=entry.pk).revision == 2


def test_the_database_refuses_a_second_update_with_the_same_key_by_the_same_author(
    django_user_model,
):
    from django.db import IntegrityError

    entry = make_entry()
    author = django_user_model.objects.create_user("author")
    make_update(entry, author=author, idempotency_key="composition-1")

    with pytest.raises(IntegrityError):
        make_update(entry, author=author, idempotency_key="composition-1")


def test_a_post_without_a_key_or_with_nothing_in_it_is_refused(staff_client):
    entry = make_entry()

    no_key = staff_client.post(url("_post", entry.pk), {"content": "x"})
    empty = staff_client.post(url("_post", entry.pk), {"content": " ", "key": "composition-2"})

    assert no_key.status_code == 400 and "key" in no_key.json()["error"]
    assert empty.status_code == 400
    assert empty.json()["errors"] == {"content": ["Write something or add a photo."]}


def test_a_photo_posts_with_its_alt_text_and_caption_and_may_stand_alone(staff_client):
    entry = make_entry()

    response = staff_client.post(
        url("_post", entry.pk),
        {
            "key": "composition-3",
            "photo-0": phone_jpeg(),
            "alt-0": "The stage",
            "caption-0": "Hall A",
        },
    )

    assert response.status_code == 201
    photo = LiveUpdate.objects.get().photos.get()
    assert (photo.alt, photo.caption) == ("The stage", "Hall A")
    assert 'alt="The stage"' in response.json()["html"]


def test_a_photo_without_alt_text_is_refused_with_the_reason_for_that_photo(staff_client):
    entry = make_entry()

    response = staff_client.post(
        url("_post", entry.pk),
        {
            "content": "Two photos",
            "key": "composition-4",
            "photo-0": phone_jpeg(),
            "alt-0": "Fine",
            "photo-1": phone_jpeg(),
            "alt-1": "",
        },
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"photo-1": ["Describe the photo in its alt text."]}
    assert not LiveUpdate.objects.exists()


def test_editing_saves_the_text_and_alt_texts_in_one_revision(staff_client):
    entry = make_entry()
    staff_client.post(
        url("_post", entry.pk),
        {"content": "Tpyo", "key": "composition-5", "photo-0": phone_jpeg(), "alt-0": "Stage"},
    )
    update = LiveUpdate.objects.get()
    photo = update.photos.get()

    response = staff_client.post(
        url("_edit", entry.pk, update.pk),
        {"content": "Typo", f"alt-{photo.pk}": "The stage", "revision": update.revision},
    )

    assert response.status_code == 200
    update.refresh_from_db()
    assert (update.content, update.revision, update.edited is not None) == ("Typo", 2, True)
    assert 'alt="The stage"' in update.fragment
    assert "Edited" in update.fragment


def test_an_edit_that_empties_an_alt_text_is_refused(staff_client):
    entry = make_entry()
    staff_client.post(
        url("_post", entry.pk),
        {"content": "Text", "key": "composition-6", "photo-0": phone_jpeg(), "alt-0": "Stage"},
    )
    update = LiveUpdate.objects.get()
    photo = update.photos.get()

    response = staff_client.post(
        url("_edit", entry.pk, update.pk),
        {"content": "x", f"alt-{photo.pk}": "", "revision": update.revision},
    )

    assert response.status_code == 400
    assert f"alt-{photo.pk}" in response.json()["errors"]
    assert LiveUpdate.objects.get().content == "Text"


def test_pin_key_event_and_delete_answer_with_the_new_state(staff_client):
    entry = make_entry()
    update = make_update(entry)

    pinned = staff_client.post(
        url("_flags", entry.pk, update.pk), {"pinned": "1", "key_event": "1"}
    )
    bad = staff_client.post(url("_flags", entry.pk, update.pk), {"pinned": "yes"})
    deleted = staff_client.post(url("_delete", entry.pk, update.pk))

    assert 'aria-pressed="true">Unpin' in pinned.json()["html"]
    assert bad.status_code == 400
    assert deleted.json() == {"deleted": update.pk, "count": 0}
    assert LiveUpdate.all_objects.get(pk=update.pk).deleted is not None


def test_the_stream_sends_changes_since_a_revision_drafts_included(staff_client):
    entry = make_entry(status=Entry.Status.DRAFT)
    first = make_update(entry, "First")
    second = make_update(entry, "Second")
    first.delete()

    response = staff_client.get(url("_stream", entry.pk), {"since": 1})
    bad = staff_client.get(url("_stream", entry.pk), {"since": "abc"})

    body = response.json()
    assert [item["id"] for item in body["updates"]] == [second.pk]
    assert body["deleted"] == [first.pk] and body["revision"] == 3 and body["count"] == 1
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "query",
    [{}, {"since": ["1", "2"]}, {"since": str(2**63)}, {"since": "-1"}],
    ids=["missing", "twice", "above-bigint", "negative"],
)
def test_the_stream_reads_since_as_the_poll_does_and_refuses_the_rest_in_json(staff_client, query):
    entry = make_entry()
    make_update(entry, "First")

    response = staff_client.get(url("_stream", entry.pk), query)

    assert response.status_code == 400
    assert "'since' parameter" in response.json()["error"]


def test_go_live_and_end_coverage_from_the_desk(staff_client):
    entry = make_entry(status=Entry.Status.DRAFT)

    live = staff_client.post(url("_status", entry.pk), {"action": "live"})
    entry.refresh_from_db()
    assert entry.status == Entry.Status.LIVE
    staff_client.post(url("_status", entry.pk), {"action": "end"})
    entry.refresh_from_db()

    assert live.status_code == 302 and live["Location"] == url("", entry.pk)
    assert entry.status == Entry.Status.ENDED
