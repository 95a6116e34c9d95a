"""An update's permalink, `/entries/<slug>/?update=<id>#update-<id>`: the
server answers it at any age with the page of updates that holds the update
(issue 20), and everything that links to an update uses it. The reader
script's part is in tests/test_permalinks.py."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from liveblog import memo
from tests.checks import assert_shared
from tests.factories import make_entry, make_update
from tests.helpers import Clock
from updates.changes import edit_update, post_updates
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def long_entry(settings):
    """250 updates, a minute apart: the latest page holds the newest 200."""
    settings.LIVEBLOG_PAGE_SIZE = 200
    entry = make_entry(slug="keynote")
    updates = post_updates(
        entry,
        [
            LiveUpdate(content=f"Update {n}", published=START + timedelta(minutes=n))
            for n in range(250)
        ],
    )
    return entry, updates


def shown_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'<article [^>]*data-id="([0-9]+)"', page)]


def permalink(update) -> str:
    return f"{update.entry.get_absolute_url()}?update={update.pk}"


def test_the_first_of_250_updates_is_on_the_page_its_permalink_answers(client, long_entry):
    entry, updates = long_entry

    response = client.get(permalink(updates[0]))

    assert response.status_code == 200
    page = response.content.decode()
    # What came after it, newest first, down to it: it is the page's oldest.
    assert shown_ids(page) == [update.pk for update in updates[199::-1]]
    assert 'data-poll-url="' not in page  # an older page: no polling
    newer = f'href="?update={updates[199].pk}#update-{updates[199].pk}"'
    assert f'<p class="newer-link"><a {newer} rel="prev">Newer updates</a></p>' in page
    assert f'href="{entry.get_absolute_url()}">Back to the latest updates</a>' in page
    assert "Load earlier updates" not in page  # nothing is older than the first
    assert_shared(response)
    assert response["xkey"] == f"entry-{entry.pk}"


def test_newer_updates_lead_back_to_the_latest_page(client, long_entry):
    entry, updates = long_entry

    page = client.get(permalink(updates[199])).content.decode()

    assert shown_ids(page) == [update.pk for update in updates[:49:-1]]
    assert f'data-poll-url="{entry.poll_url()}"' in page
    assert "Newer updates" not in page
    assert "Back to the latest updates" not in page


def test_an_older_update_on_an_ended_entry_reads_oldest_first_with_newer_updates_below(
    client, long_entry
):
    entry, updates = long_entry
    entry.end()

    page = client.get(permalink(updates[10])).content.decode()

    assert shown_ids(page) == [update.pk for update in updates[10:210]]
    assert page.index("Load earlier updates") < page.index('id="updates"')
    assert page.index('id="updates"') < page.index("Newer updates")


def test_a_permalink_to_a_recent_update_is_the_latest_page_live(client, long_entry):
    entry, updates = long_entry

    by_permalink = client.get(permalink(updates[240])).content.decode()
    plain = client.get(entry.get_absolute_url()).content.decode()

    assert shown_ids(by_permalink) == shown_ids(plain)
    assert f'data-poll-url="{entry.poll_url()}"' in by_permalink
    assert f'<link rel="canonical" href="http://testserver{entry.get_absolute_url()}">' in (
        by_permalink
    )


@pytest.mark.parametrize(
    "query",
    ["update=abc", "update=-1", "update=0", "update=1.5", "update=1&update=2",
     f"update={2**63}", "update=", "update=%EF%BC%91", "update=1&before=1780000000-1"],
)  # fmt: skip
def test_a_malformed_update_is_a_400_with_a_message(client, query):
    entry = make_entry()

    response = client.get(f"{entry.get_absolute_url()}?{query}")

    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
    assert b"update" in response.content


def test_a_malformed_update_says_what_an_update_must_be(client):
    entry = make_entry()

    response = client.get(f"{entry.get_absolute_url()}?update=abc")

    assert response.status_code == 400
    message = "The 'update' parameter must be an update's number, given once."
    assert f"<p>{message}</p>" in html.unescape(response.content.decode())


def test_the_largest_id_a_bigint_holds_is_a_permalink_not_a_400(client):
    # 19 digits, as every id from 10**18 has: the parser's length bound and
    # its bigint bound both let it through.
    entry = make_entry()
    kept = make_update(entry, "Still here")

    response = client.get(f"{entry.get_absolute_url()}?update={2**63 - 1}")

    assert response.status_code == 200
    page = response.content.decode()
    assert shown_ids(page) == [kept.pk]
    assert "That update is no longer on this live blog" in page


@pytest.mark.parametrize("which", ["deleted", "another entry's", "never written"])
def test_an_update_that_is_not_there_shows_the_latest_updates_and_says_so(client, which):
    entry = make_entry()
    kept = make_update(entry, "Still here")
    gone = make_update(entry, "Withdrawn")
    gone.delete()
    elsewhere = make_update(make_entry(), "Elsewhere")
    update_id = {"deleted": gone.pk, "another entry's": elsewhere.pk, "never written": 10**12}[
        which
    ]

    response = client.get(f"{entry.get_absolute_url()}?update={update_id}")

    assert response.status_code == 200
    page = response.content.decode()
    assert shown_ids(page) == [kept.pk]
    assert "That update is no longer on this live blog" in page
    assert_shared(response)


def test_each_permalink_ends_with_its_update_when_older_updates_were_imported_later(
    client, settings
):
    # A transcript imported after the live updates: older updates with
    # higher ids, so id order is not the page's order.
    settings.LIVEBLOG_PAGE_SIZE = 2
    entry = make_entry()
    live = post_updates(
        entry,
        [LiveUpdate(content=f"Live {n}", published=START + timedelta(minutes=n)) for n in range(5)],
    )
    earlier = START - timedelta(hours=1)
    imported = post_updates(
        entry,
        [
            LiveUpdate(content=f"Before {n}", published=earlier + timedelta(minutes=n))
            for n in (0, 1)
        ],
    )
    oldest_first = imported + live

    # The last two are the latest page's.
    for position, update in enumerate(oldest_first[:-2]):
        page = client.get(permalink(update)).content.decode()
        expected = oldest_first[position + 1], update
        assert shown_ids(page) == [shown.pk for shown in expected], update.content


def test_each_permalink_ends_with_its_update_among_updates_of_the_same_second(client, settings):
    settings.LIVEBLOG_PAGE_SIZE = 2
    entry = make_entry()
    updates = post_updates(
        entry, [LiveUpdate(content=f"Goal {n}", published=START) for n in range(5)]
    )

    for position, update in enumerate(updates[:-2]):
        page = client.get(permalink(update)).content.decode()
        assert shown_ids(page) == [updates[position + 1].pk, update.pk], update.content


@pytest.mark.parametrize("position", [240, 3], ids=["on the latest page", "on an older page"])
def test_a_permalink_shows_its_update_as_last_edited(client, long_entry, position):
    # Pages are remembered by revision: the edit takes the next one.
    entry, updates = long_entry
    update = updates[position]
    client.get(permalink(update))

    edit_update(LiveUpdate.objects.get(pk=update.pk), "Corrected")
    page = client.get(permalink(update)).content.decode()

    assert "<p>Corrected</p>" in page
    assert f"<p>Update {position}</p>" not in page


def test_an_update_posted_while_the_entry_is_remembered_is_on_its_permalinks_page(
    client, settings, monkeypatch
):
    # Within the memo's second the page is built at the entry's revision
    # read before the update was posted (entries/remembered.py), whose
    # latest page does not hold it; its permalink shows it all the same.
    monkeypatch.setattr(memo.time, "monotonic", Clock())
    settings.LIVEBLOG_POLL_MEMO_SECONDS = 1.0
    entry = make_entry()
    kick_off = make_update(entry, "Kick-off")
    client.get(entry.get_absolute_url())

    goal = make_update(entry, "Goal!")
    response = client.get(permalink(goal))

    assert response.status_code == 200
    page = response.content.decode()
    assert shown_ids(page) == [goal.pk, kick_off.pk]
    assert "That update is no longer on this live blog" not in page


def test_a_permalink_page_takes_the_pages_three_queries_or_five_for_an_older_update(
    client, long_entry, django_assert_num_queries
):
    entry, updates = long_entry

    # The entry, the latest page (which holds it) and the key events.
    with django_assert_num_queries(3):
        client.get(permalink(updates[240]))
    memo.forget_all()
    # The same, then where the update's page starts, and that page.
    with django_assert_num_queries(5):
        client.get(permalink(updates[3]))
    # Its page is remembered as other pages are, by revision and cursor;
    # where it starts is asked again.
    with django_assert_num_queries(2):
        client.get(permalink(updates[3]))


def test_everything_that_links_to_an_update_uses_its_permalink(client, settings):
    settings.SITE_URL = "https://live.example.com"
    entry = make_entry(slug="keynote")
    update = make_update(entry, "Goal!", key_event=True)
    link = f"?update={update.pk}#update-{update.pk}"
    absolute = f"https://live.example.com/entries/keynote/{link}"

    page = client.get(entry.get_absolute_url()).content.decode()
    polled = client.get(entry.poll_url()).json()
    feed = client.get(reverse("updates:feed", kwargs={"slug": "keynote"})).content.decode()

    assert f'<a class="update-permalink" href="{link}"' in page
    assert f'<li><a href="{link}">' in page  # the key events
    assert f'"url": "{absolute}"' in page  # JSON-LD
    assert polled["updates"][0]["url"] == f"/entries/keynote/{link}"
    assert f'<li><a href="{link}">' in polled["key_events"]
    assert f'<link href="{absolute}"' in feed.replace("&amp;", "&")
    assert update.get_absolute_url() == f"/entries/keynote/{link}"
