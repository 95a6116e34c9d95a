"""An entry's summary, "What we know so far" (issue 22, item 2): edited from
the desk, shown above the key events, kept live through the change feed,
and the article's description for search engines."""

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from entries.models import Entry
from tests.factories import make_entry, make_update
from tests.helpers import polled as poll
from updates import stream
from updates.changes import EditConflict, set_flags, set_summary

pytestmark = pytest.mark.django_db


def desk_summary_url(entry) -> str:
    return reverse("admin:entries_entry_desk_summary", args=[entry.pk])


def page(client, entry) -> str:
    response = client.get(entry.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def summary_block(html: str) -> str:
    return re.search(r'<details class="entry-summary"[^>]*>(.*?)</details>', html, re.S).group(0)


def revision_of(entry) -> int:
    entry.refresh_from_db(fields=["revision"])
    return entry.revision


def test_the_summary_shows_open_above_the_key_events_with_its_time_sanitised(client):
    entry = make_entry(timezone="America/Los_Angeles")
    set_flags(make_update(entry, "Goal."), key_event=True)

    saved = set_summary(entry.pk, "- Spain lead 1-0\n- <script>alert(1)</script>Rain delay")
    html = page(client, entry)
    updated = saved.summary_updated.astimezone(saved.zone)

    block = summary_block(html)
    assert block.startswith('<details class="entry-summary" open>')
    assert "<summary><h2>What we know so far</h2></summary>" in block
    assert "<li>Spain lead 1-0</li>" in block
    assert "<script>" not in block
    assert (
        f'Updated <time datetime="{updated.isoformat(timespec="seconds")}">{updated:%-I:%M %p}</time>'
    ) in block
    assert html.index('class="entry-summary"') < html.index('class="key-events"')


def test_without_a_summary_the_block_is_hidden_and_empty(client):
    entry = make_entry()

    block = summary_block(page(client, entry))
    assert block.startswith('<details class="entry-summary" open hidden>')
    assert '<div class="entry-summary-content"></div>' in block


def test_an_edit_takes_a_revision_and_the_poll_carries_the_summary_only_when_it_changed(client):
    entry = make_entry()
    make_update(entry, "First")
    before = revision_of(entry)

    set_summary(entry.pk, "**One** key point")

    assert revision_of(entry) == before + 1
    changed = poll(client, entry, since=before)
    assert "<strong>One</strong> key point" in changed["summary"]
    assert changed["revision"] == before + 1
    assert "summary" not in poll(client, entry, since=before + 1)
    make_update(entry, "Second")
    assert "summary" not in poll(client, entry, since=before + 1)
    assert "<strong>One</strong>" in poll(client, entry)["summary"]


def test_clearing_the_summary_sends_an_empty_one_that_hides_the_block(client):
    entry = make_entry()
    set_summary(entry.pk, "Something")
    before = revision_of(entry)

    set_summary(entry.pk, "   ")

    assert poll(client, entry, since=before)["summary"] == ""
    assert '<details class="entry-summary" open hidden>' in summary_block(page(client, entry))


def test_saving_the_same_summary_again_takes_no_revision():
    entry = make_entry()
    set_summary(entry.pk, "Same")
    before = revision_of(entry)

    set_summary(entry.pk, "Same")

    assert revision_of(entry) == before


def test_a_pushed_event_carries_the_changed_summary():
    entry = make_entry()
    make_update(entry, "First")
    before = revision_of(entry)

    set_summary(entry.pk, "Pushed point")

    event = stream.published_event(entry.pk, before)
    assert "Pushed point" in event.data["summary"]
    assert event.data["revision"] == before + 1


def test_a_poll_carrying_the_summary_takes_no_extra_query(client, django_assert_num_queries):
    entry = make_entry()
    make_update(entry, "First")
    before = revision_of(entry)
    set_summary(entry.pk, "A point")

    # The entry (with its summary), the changed rows: as for any poll with changes.
    with django_assert_num_queries(2):
        body = poll(client, entry, since=before)

    assert "A point" in body["summary"]


def test_the_summary_is_the_articles_description_and_its_edit_a_modification_in_the_json_ld(client):
    entry = make_entry(intro="The intro.")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    make_update(entry, "An update", published=an_hour_ago)
    Entry.objects.filter(pk=entry.pk).update(modified=an_hour_ago)
    set_summary(entry.pk, "- Spain lead\n- Rain **delay**")

    html = page(client, entry)
    (found,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)

    data = json.loads(found)
    assert data["description"] == "Spain lead Rain delay"
    saved = Entry.objects.get(pk=entry.pk)
    assert data["dateModified"] == saved.summary_updated.astimezone(saved.zone).isoformat(
        timespec="seconds"
    )
    assert '<meta name="description" content="The intro.">' in html


def test_a_summary_over_its_limit_is_refused_naming_it_and_nothing_changes():
    entry = make_entry()

    with pytest.raises(ValidationError, match="at most 5,000 characters"):
        set_summary(entry.pk, "x" * 5_001)

    assert Entry.objects.get(pk=entry.pk).summary_revision == 0


def test_an_edit_from_an_older_summary_revision_is_a_conflict():
    entry = make_entry()
    seen = Entry.objects.get(pk=entry.pk).summary_revision
    set_summary(entry.pk, "Theirs", seen)

    with pytest.raises(EditConflict):
        set_summary(entry.pk, "Mine", seen)
    assert Entry.objects.get(pk=entry.pk).summary == "Theirs"


def test_saving_the_entry_form_keeps_a_summary_saved_since_it_was_read():
    entry = make_entry()
    stale = Entry.objects.get(pk=entry.pk)
    set_summary(entry.pk, "Kept")

    stale.title = "Renamed"
    stale.save()

    assert Entry.objects.get(pk=entry.pk).summary == "Kept"


class TestTheDesk:
    def test_the_desk_shows_the_summary_box_and_saves_it(self, staff_client):
        entry = make_entry()
        desk = staff_client.get(reverse("admin:entries_entry_desk", args=[entry.pk]))
        assert 'name="summary"' in desk.content.decode()

        response = staff_client.post(
            desk_summary_url(entry), {"summary": "- A point", "revision": "0"}
        )

        assert response.status_code == 200
        assert response.json()["summary"] == "- A point"
        assert response.json()["revision"] == revision_of(entry)
        assert "<li>A point</li>" in Entry.objects.get(pk=entry.pk).summary_html

    def test_bad_input_is_a_400_in_json_and_a_conflict_a_409(self, staff_client):
        entry = make_entry()
        url = desk_summary_url(entry)

        no_revision = staff_client.post(url, {"summary": "A"})
        too_long = staff_client.post(url, {"summary": "x" * 5_001, "revision": "0"})
        staff_client.post(url, {"summary": "Theirs", "revision": "0"})
        conflict = staff_client.post(url, {"summary": "Mine", "revision": "0"})

        assert no_revision.status_code == 400 and "revision" in no_revision.json()["error"]
        assert too_long.status_code == 400
        assert "5,000" in too_long.json()["errors"]["summary"][0]
        assert conflict.status_code == 409
        assert conflict.json()["summary"] == "Theirs"
        assert Entry.objects.get(pk=entry.pk).summary == "Theirs"

    def test_the_stream_carries_the_summary_only_when_it_changed_since(self, staff_client):
        entry = make_entry()
        make_update(entry, "Doors open")
        set_summary(entry.pk, "- **Theirs**")
        changed = revision_of(entry)
        make_update(entry, "Later")
        stream = reverse("admin:entries_entry_desk_stream", args=[entry.pk])

        before = staff_client.get(stream, {"since": changed - 1}).json()
        after = staff_client.get(stream, {"since": changed}).json()

        assert before["summary"] == {
            "summary": "- **Theirs**",
            "revision": changed,
            "updated": timezone.localtime(
                Entry.objects.get(pk=entry.pk).summary_updated, entry.zone
            ).strftime("%-I:%M %p"),  # American English (issue 23)
        }
        assert "summary" not in after

    def test_an_author_who_may_not_change_entries_may_not_change_the_summary(
        self, client, django_user_model
    ):
        entry = make_entry()
        author = django_user_model.objects.create_user("author", is_staff=True)
        client.force_login(author)

        response = client.post(desk_summary_url(entry), {"summary": "A", "revision": "0"})

        assert response.status_code in (302, 403)
        assert Entry.objects.get(pk=entry.pk).summary == ""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_open_page_shows_a_new_summary_and_its_removal_without_reload_and_keeps_it_folded(
    reader,
):
    entry = make_entry()
    make_update(entry, "Doors open")
    page = reader.open(entry)
    page.evaluate("window.notReloaded = true")
    summary = page.locator("details.entry-summary")
    assert summary.is_hidden()

    set_summary(entry.pk, "- **Spain** lead")
    page.locator("details.entry-summary strong", has_text="Spain").wait_for()
    page.locator("details.entry-summary > summary").click()  # the reader folds it
    set_summary(entry.pk, "- **Spain** lead 2-0")
    page.locator("details.entry-summary li", has_text="lead 2-0").wait_for(state="attached")
    assert summary.get_attribute("open") is None
    set_summary(entry.pk, "")
    summary.wait_for(state="hidden")

    assert page.evaluate("window.notReloaded") is True
    assert reader.errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_desk_saves_the_summary_with_ctrl_enter_and_says_when_readers_see_it(desk):
    entry = make_entry()
    page = desk.open(entry)

    page.locator(".desk-summary > summary").click()
    page.fill("#desk-summary", "- Doors open\n- Keynote at 10")
    page.locator("#desk-summary").press("Control+Enter")

    page.locator(".desk-summary-sending", has_text="Saved: readers see it").wait_for()
    assert Entry.objects.get(pk=entry.pk).summary == "- Doors open\n- Keynote at 10"
    assert desk.errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_open_desk_picks_up_another_authors_summary_until_its_author_edits_the_box(desk):
    entry = make_entry()
    set_summary(entry.pk, "- Doors open")
    page = desk.open(entry)
    page.evaluate("window.notReloaded = true")
    page.locator(".desk-summary > summary").click()
    box = page.locator("#desk-summary")

    set_summary(entry.pk, "- Doors open\n- Keynote at 10")
    page.wait_for_function(
        "() => document.querySelector('#desk-summary').value.includes('Keynote at 10')"
    )
    assert page.locator(".desk-summary-changed").is_hidden()
    # What it picked up is the summary it saves from: no conflict.
    box.fill("- Keynote at 10:30")
    page.get_by_role("button", name="Save summary").click()
    page.locator(".desk-summary-sending", has_text="Saved").wait_for()
    assert Entry.objects.get(pk=entry.pk).summary == "- Keynote at 10:30"

    box.fill("- Keynote at 10:30\n- My unsaved point")
    set_summary(entry.pk, "- Their point")
    notice = page.locator(".desk-summary-changed")
    notice.wait_for()

    assert box.input_value() == "- Keynote at 10:30\n- My unsaved point"
    assert "- Their point" in notice.inner_text()
    assert page.evaluate("window.notReloaded") is True
    assert desk.errors == []
