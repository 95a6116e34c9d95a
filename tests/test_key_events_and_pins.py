"""Key events, the pinned update, "Edited" and bylines (issue 7): each is a
change with its revision, stored in the fragment, and at the top of the page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from tests.factories import make_entry, make_update
from tests.helpers import polled as poll
from tests.images import phone_jpeg
from updates.changes import (
    PhotoUpload,
    edit_update,
    post_update,
    post_updates,
    set_flags,
)
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db


def page(client, entry) -> str:
    return client.get(entry.get_absolute_url()).content.decode()


def revision_of(entry) -> int:
    entry.refresh_from_db(fields=["revision"])
    return entry.revision


def test_marking_a_key_event_takes_a_revision_and_shows_in_the_fragment(client):
    entry = make_entry()
    update = make_update(entry, "Goal!")
    before = revision_of(entry)

    set_flags(update, key_event=True)

    assert revision_of(entry) == before + 1
    (item,) = poll(client, entry, since=before)["updates"]
    assert item["key_event"] is True
    assert 'class="update key-event"' in item["html"]
    assert "Key event" in item["html"]


def test_pinning_another_update_unpins_the_first_and_both_take_revisions(client):
    entry = make_entry()
    first, second = make_update(entry, "First"), make_update(entry, "Second")
    set_flags(first, pinned=True)
    before = revision_of(entry)

    set_flags(second, pinned=True)

    assert list(LiveUpdate.objects.filter(pinned=True)) == [second]
    assert revision_of(entry) == before + 2
    changed = {item["id"]: item for item in poll(client, entry, since=before)["updates"]}
    assert changed[first.pk]["pinned"] is False
    assert "Pinned" not in changed[first.pk]["html"]
    assert changed[second.pk]["pinned"] is True


def test_pinning_takes_one_revision_per_changed_update_and_leaves_other_entries_alone(client):
    entry, elsewhere = make_entry(), make_entry()
    first, second, _third = (make_update(entry, text) for text in ("First", "Second", "Third"))
    pinned_elsewhere = make_update(elsewhere, "Pinned elsewhere", pinned=True)
    set_flags(first, pinned=True)
    before = revision_of(entry)

    set_flags(second, pinned=True)

    assert revision_of(entry) == before + 2
    changed = {item["id"] for item in poll(client, entry, since=before)["updates"]}
    assert changed == {first.pk, second.pk}
    assert LiveUpdate.objects.get(pk=pinned_elsewhere.pk).pinned


def test_editing_the_pinned_update_takes_one_revision_and_keeps_it_pinned():
    entry = make_entry()
    update = make_update(entry, "Doors open at nine", pinned=True)
    before = revision_of(entry)

    update.content = "Doors open at half past nine"
    update.save()

    assert revision_of(entry) == before + 1
    assert LiveUpdate.objects.get(pk=update.pk).pinned


def test_pinning_from_a_copy_read_before_another_authors_edit_keeps_the_edit(client):
    # Two authors at the desk: one pins the update while the other fixes its
    # text. The pin must not write the old text back.
    entry = make_entry()
    update = make_update(entry, "Doors open at nine")
    read_before_the_edit = LiveUpdate.objects.get(pk=update.pk)
    edit_update(update, "Doors open at half past nine")
    edited = update.edited - timedelta(minutes=5)  # the edit was a while ago
    LiveUpdate.objects.filter(pk=update.pk).update(edited=edited)

    set_flags(read_before_the_edit, pinned=True)

    (item,) = poll(client, entry, since=0)["updates"]
    assert "half past nine" in item["html"]
    assert item["pinned"] is True
    # Pinning is not an edit: the reader still sees when the text changed.
    assert datetime.fromisoformat(item["edited"]) == edited
    assert LiveUpdate.objects.get(pk=update.pk).content == "Doors open at half past nine"


def test_pinning_from_a_copy_read_before_another_author_deleted_it_leaves_it_deleted(client):
    entry = make_entry()
    update = make_update(entry, "Doors open at nine")
    read_before_the_delete = LiveUpdate.objects.get(pk=update.pk)
    update.delete()
    deleted_at = revision_of(entry)

    set_flags(read_before_the_delete, pinned=True, key_event=True)

    assert revision_of(entry) == deleted_at
    assert poll(client, entry, since=0)["deleted"] == [update.pk]
    assert not LiveUpdate.all_objects.get(pk=update.pk).pinned


def test_posting_in_bulk_by_two_authors_gives_every_update_its_byline(django_user_model):
    ada = django_user_model.objects.create_user("ada")
    bob = django_user_model.objects.create_user("bob")
    entry = make_entry()

    post_updates(entry, [LiveUpdate(content="By Ada", author=ada)])
    post_updates(entry, [LiveUpdate(content="By Bob", author=bob)])
    post_updates(entry, [LiveUpdate(content="Ada again", author=ada)])

    fragments = {u.content: u.fragment for u in LiveUpdate.objects.all()}
    assert '<span class="update-byline">ada</span>' in fragments["By Ada"]
    assert '<span class="update-byline">bob</span>' in fragments["By Bob"]
    assert '<span class="update-byline">ada</span>' in fragments["Ada again"]


def test_the_database_refuses_two_pinned_updates_in_one_entry():
    from django.db import IntegrityError, transaction

    entry = make_entry()
    make_update(entry, pinned=True)
    other = make_update(entry)

    with pytest.raises(IntegrityError), transaction.atomic():
        LiveUpdate.objects.filter(pk=other.pk).update(pinned=True)


def test_deleting_the_pinned_update_leaves_nothing_pinned(client):
    entry = make_entry()
    update = make_update(entry, "Pinned then gone", pinned=True)

    update.delete()

    body = poll(client, entry, since=0)
    assert body["pinned"] == ""
    assert "Pinned then gone" not in page(client, entry)


def test_the_pinned_update_is_on_top_of_the_page_even_when_older_than_the_first_page(
    client, settings
):
    settings.LIVEBLOG_PAGE_SIZE = 5
    entry = make_entry()
    old = make_update(entry, "Doors open at nine", published=datetime(2026, 5, 1, 8, tzinfo=UTC))
    post_updates(entry, [LiveUpdate(content=f"Later {n}") for n in range(10)])
    set_flags(old, pinned=True)

    html = page(client, entry)

    top, stream = html.split('<section id="updates"')
    assert "Doors open at nine" in top
    assert "Doors open at nine" not in stream
    # The copy links to the update without taking its id.
    assert f'id="update-{old.pk}"' not in top
    assert f'href="?update={old.pk}#update-{old.pk}"' in top


def test_the_key_events_list_shows_each_time_and_first_line_linking_to_it(client):
    entry = make_entry(timezone="Europe/Paris")
    goal = make_update(
        entry,
        "**Goal** for the home side\n\nA long run down the left.",
        published=datetime(2026, 5, 1, 19, 12, tzinfo=UTC),
        key_event=True,
    )
    make_update(entry, "Nothing much")

    html = page(client, entry)

    assert '<h2 id="key-events-title">Key events</h2>' in html
    assert (
        f'<li><a href="?update={goal.pk}#update-{goal.pk}"><time datetime="2026-05-01T21:12:00+02:00">9:12 PM</time>'
        " Goal for the home side</a></li>"
    ) in html
    assert "Nothing much</a>" not in html


def test_key_events_are_listed_by_their_time_even_when_posted_out_of_order(client):
    entry = make_entry()
    second = make_update(
        entry, "Second goal", published=datetime(2026, 5, 1, 19, 40, tzinfo=UTC), key_event=True
    )
    # Posted afterwards about an earlier moment.
    first = make_update(
        entry, "First goal", published=datetime(2026, 5, 1, 19, 12, tzinfo=UTC), key_event=True
    )

    html = page(client, entry)

    assert html.index(f'href="?update={first.pk}#update-{first.pk}"') < html.index(
        f'href="?update={second.pk}#update-{second.pk}"'
    )


def test_a_key_event_with_only_a_photo_is_listed_as_update(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = make_entry()
    photo = post_update(entry, "", photos=[PhotoUpload(phone_jpeg(), "The stage")], key_event=True)

    html = page(client, entry)

    assert f'<a href="?update={photo.pk}#update-{photo.pk}"><time' in html
    assert "</time> Update</a></li>" in html


def test_a_poll_lists_key_events_oldest_first_with_long_first_lines_cut_to_100(client):
    entry = make_entry()
    kick_off = make_update(
        entry, "Kick-off", published=datetime(2026, 5, 1, 19, 0, tzinfo=UTC), key_event=True
    )
    long = "A long run down the left wing, " * 5
    goal = make_update(
        entry, long, published=datetime(2026, 5, 1, 19, 12, tzinfo=UTC), key_event=True
    )

    key_events = poll(client, entry)["key_events"]

    assert key_events == (
        f'<li><a href="?update={kick_off.pk}#update-{kick_off.pk}"><time datetime="2026-05-01T19:00:00+00:00">'
        "7:00 PM</time> Kick-off</a></li>"
        f'<li><a href="?update={goal.pk}#update-{goal.pk}"><time datetime="2026-05-01T19:12:00+00:00">'
        f"7:12 PM</time> {long[:99].rsplit(' ', 1)[0].rstrip(',')}…</a></li>"
    )


def test_the_pinned_copy_is_the_fragment_without_its_id(client):
    entry = make_entry()
    update = make_update(entry, "Doors open", pinned=True)
    fragment = LiveUpdate.objects.get(pk=update.pk).fragment

    pinned = poll(client, entry)["pinned"]

    assert pinned == fragment.replace(f' id="update-{update.pk}"', "")


def test_without_key_events_or_a_pin_their_places_are_hidden(client):
    entry = make_entry()
    make_update(entry)

    html = page(client, entry)

    assert '<div class="pinned-slot" hidden></div>' in html
    assert '<nav class="key-events" aria-labelledby="key-events-title" hidden>' in html


def test_a_poll_with_changes_carries_the_current_pin_and_key_events(client):
    entry = make_entry()
    update = make_update(entry, "Half time")
    before = revision_of(entry)
    up_to_date = poll(client, entry, since=before)

    set_flags(update, key_event=True, pinned=True)
    body = poll(client, entry, since=before)

    assert "pinned" not in up_to_date and "key_events" not in up_to_date
    assert "Half time" in body["pinned"]
    assert f'href="?update={update.pk}#update-{update.pk}"' in body["key_events"]


def test_editing_the_text_says_edited_but_flags_do_not(client):
    entry = make_entry()
    update = make_update(entry, "Score 1-0")
    set_flags(update, key_event=True)
    assert "Edited" not in LiveUpdate.objects.get(pk=update.pk).fragment

    update = LiveUpdate.objects.get(pk=update.pk)
    update.content = "Score 2-0"
    update.save()

    update.refresh_from_db()
    assert update.edited is not None
    edited_at = update.edited.isoformat(timespec="seconds")
    assert f'Edited <time datetime="{edited_at}">' in update.fragment
    (item,) = poll(client, entry, since=0)["updates"]
    assert item["edited"] is not None


def test_the_update_a_new_pin_unpins_is_not_marked_edited(client):
    entry = make_entry()
    first, second = make_update(entry, "First"), make_update(entry, "Second")
    set_flags(first, pinned=True)
    before = revision_of(entry)

    set_flags(second, pinned=True)

    changed = {item["id"]: item for item in poll(client, entry, since=before)["updates"]}
    assert changed[first.pk]["pinned"] is False
    assert changed[first.pk]["edited"] is None
    assert "Edited" not in changed[first.pk]["html"]


def test_the_poll_gives_the_edit_time_in_the_entrys_time_zone(client):
    entry = make_entry(timezone="Asia/Kolkata")
    update = make_update(entry, "Score 1-0")

    update.content = "Score 2-0"
    update.save()

    (item,) = poll(client, entry, since=0)["updates"]
    assert item["edited"].endswith("+05:30")
    assert item["published"].endswith("+05:30")


def test_bylines_appear_on_every_update_once_a_second_author_posts(django_user_model):
    ada = django_user_model.objects.create_user("ada", first_name="Ada", last_name="Lovelace")
    bob = django_user_model.objects.create_user("bob")
    entry = make_entry()
    first = make_update(entry, "By Ada", author=ada)
    make_update(entry, "Ada again", author=ada)
    assert "update-byline" not in LiveUpdate.objects.get(pk=first.pk).fragment
    before = revision_of(entry)

    make_update(entry, "By Bob", author=bob)

    fragments = {u.content: u.fragment for u in LiveUpdate.objects.all()}
    assert '<span class="update-byline">Ada Lovelace</span>' in fragments["By Ada"]
    assert '<span class="update-byline">Ada Lovelace</span>' in fragments["Ada again"]
    assert '<span class="update-byline">bob</span>' in fragments["By Bob"]
    # Open pages receive the re-rendered fragments through the feed.
    batch = LiveUpdate.all_objects.changes_since(
        entry.__class__.objects.get(pk=entry.pk), before, limit=10
    )
    assert len(batch.updates) == 3


def test_a_photo_posted_to_an_entry_with_bylines_shows_its_authors_name(
    django_user_model, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    ada = django_user_model.objects.create_user("ada")
    bob = django_user_model.objects.create_user("bob")
    entry = make_entry()
    make_update(entry, "By Ada", author=ada)
    make_update(entry, "By Bob", author=bob)

    photo = post_update(entry, "", author=ada, photos=[PhotoUpload(phone_jpeg(), "The stage")])

    fragment = LiveUpdate.objects.get(pk=photo.pk).fragment
    assert "<figure" in fragment
    assert '<span class="update-byline">ada</span>' in fragment


def test_an_edit_in_an_entry_with_bylines_keeps_the_byline_and_takes_one_revision(
    django_user_model,
):
    ada = django_user_model.objects.create_user("ada")
    bob = django_user_model.objects.create_user("bob")
    entry = make_entry()
    first = make_update(entry, "By Ada", author=ada)
    make_update(entry, "By Bob", author=bob)
    before = revision_of(entry)

    first.content = "By Ada, corrected"
    first.save()
    make_update(entry, "Bob again", author=bob)

    assert revision_of(entry) == before + 2
    fragments = {u.content: u.fragment for u in LiveUpdate.objects.all()}
    assert '<span class="update-byline">ada</span>' in fragments["By Ada, corrected"]
    assert '<span class="update-byline">bob</span>' in fragments["Bob again"]


def test_authors_of_other_entries_and_posts_without_an_author_bring_no_bylines(
    django_user_model,
):
    ada = django_user_model.objects.create_user("ada")
    bob = django_user_model.objects.create_user("bob")
    elsewhere = make_entry()
    make_update(elsewhere, "By Bob, elsewhere", author=bob)
    entry = make_entry()
    make_update(entry, "From the command line")  # post_update: no author

    make_update(entry, "By Ada", author=ada)

    assert not LiveUpdate.objects.filter(entry=entry, fragment__contains="update-byline").exists()


def test_a_single_author_has_no_byline(django_user_model):
    ada = django_user_model.objects.create_user("ada")
    entry = make_entry()
    make_update(entry, "One", author=ada)
    make_update(entry, "Two", author=ada)

    assert not LiveUpdate.objects.filter(fragment__contains="update-byline").exists()


def test_the_stock_change_form_pins_with_a_checkbox_and_unpins_the_other(staff_client):
    entry = make_entry()
    first = make_update(entry, "First", pinned=True)
    second = make_update(entry, "Second")
    url = reverse("admin:updates_liveupdate_change", args=[second.pk])
    form = staff_client.get(url).content.decode()
    assert 'name="key_event"' in form and 'name="pinned"' in form

    response = staff_client.post(
        url,
        {
            "content": "Second",
            "published_0": second.published.strftime("%Y-%m-%d"),
            "published_1": second.published.strftime("%H:%M:%S"),
            "pinned": "on",
            "key_event": "on",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.pinned, second.pinned, second.key_event) == (False, True, True)


def test_posting_a_pinned_update_unpins_the_other(client):
    # What the desk and the commands call: the pinned update's constraint
    # is save()'s to keep (it unpins the other), never refused as invalid.
    entry = make_entry()
    first = make_update(entry, "First", pinned=True)

    second = post_update(entry, "Second", pinned=True)

    assert poll(client, entry, since=0)["pinned"].count("Second") == 1
    assert [u.pk for u in LiveUpdate.objects.filter(pinned=True)] == [second.pk]
    assert not LiveUpdate.objects.get(pk=first.pk).pinned


def test_the_stock_add_form_posts_a_pinned_update_and_unpins_the_other(staff_client):
    entry = make_entry()
    first = make_update(entry, "First", pinned=True)

    response = staff_client.post(
        reverse("admin:updates_liveupdate_add"),
        {
            "entry": entry.pk,
            "content": "Second",
            "pinned": "on",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    first.refresh_from_db()
    assert not first.pinned
    assert LiveUpdate.objects.get(content="Second").pinned


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_pin_and_a_key_event_reach_an_open_page_and_leave_it(reader):
    entry = make_entry()
    update = make_update(entry, "Doors open")
    page = reader.open(entry)
    assert page.locator(".key-events").is_hidden()

    set_flags(update, key_event=True, pinned=True)
    page.locator(".pinned-slot", has_text="Doors open").wait_for()
    page.locator(".key-events li", has_text="Doors open").wait_for()
    set_flags(update, key_event=False, pinned=False)
    page.locator(".pinned-slot").wait_for(state="hidden")
    page.locator(".key-events").wait_for(state="hidden")

    assert reader.update_ids() == [update.pk]
    assert reader.errors == []


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        ("## Penalty to the visitors\n\nThe referee points to the spot. VAR checks.", "Penalty to the visitors"),
        ("The referee points to the spot. VAR checks it for a minute.", "The referee points to the spot."),
        ("Is it in? Yes! The crowd goes wild.", "Is it in?"),
        ("Possession was 3.5 times theirs in the first half, then even", "Possession was 3.5 times theirs in the first half, then even"),
        ("A long run down the left wing " * 6 + ". Then a cross.", "A long run down the left wing A long run down the left wing A long run down the left wing A long…"),
    ],
    ids=["a heading", "two sentences", "a question", "no full stop", "a long sentence"],
)  # fmt: skip
def test_a_key_event_shows_its_heading_or_first_sentence_cut_at_about_100_characters(
    client, content, shown
):
    entry = make_entry()
    make_update(entry, content, key_event=True)

    key_events = poll(client, entry)["key_events"]

    assert key_events.endswith(f"</time> {shown}</a></li>")
    assert len(shown) <= 100
