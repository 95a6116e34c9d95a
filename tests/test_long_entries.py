"""Long entries: the latest updates on the page, older ones by a cursor
(`?before=`), on the page without JavaScript and as JSON for the script."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from entries.models import Entry
from tests.factories import make_entry, make_update
from updates.changes import post_updates
from updates.models import LiveUpdate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_pages")]

START = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def small_pages():
    with override_settings(LIVEBLOG_PAGE_SIZE=3):
        yield


def entry_with(count: int, **fields) -> tuple[Entry, list[int]]:
    """An entry with `count` updates a minute apart; their ids, oldest first."""
    entry = make_entry(**fields)
    updates = post_updates(
        entry,
        [
            LiveUpdate(content=f"Minute {n}", published=START + timedelta(minutes=n))
            for n in range(count)
        ],
    )
    return entry, [update.pk for update in updates]


def ids_on(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="update" id="update-(\d+)"', html)]


def earlier_link(html: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="next"[^>]*>Load earlier updates</a>', html)
    return match and match.group(1).replace("&amp;", "&")


def test_a_live_page_shows_the_latest_updates_and_links_to_earlier_ones(client):
    entry, ids = entry_with(7)

    page = client.get(entry.get_absolute_url()).content.decode()

    assert ids_on(page) == ids[:-4:-1]
    link = earlier_link(page)
    assert link == f"{entry.get_absolute_url()}?before={int(START.timestamp()) + 4 * 60}-{ids[4]}"
    # Newest first: earlier updates continue below the list.
    assert page.index('id="updates"') < page.index("Load earlier updates")


# A cursor's time must be aware: Django warns (a log line per page) about a
# naive one, and would read it in the server's zone.
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_following_the_links_walks_back_to_the_first_update_without_gaps(client):
    entry, ids = entry_with(7)
    seen, url = [], entry.get_absolute_url()

    while url:
        response = client.get(url)
        assert response.status_code == 200
        assert "public" in response["Cache-Control"]
        page = response.content.decode()
        seen += ids_on(page)
        url = earlier_link(page)

    assert seen == ids[::-1]


def test_an_entry_of_exactly_one_page_has_no_earlier_link(client):
    entry, ids = entry_with(3)

    page = client.get(entry.get_absolute_url()).content.decode()

    assert ids_on(page) == ids[::-1]
    assert earlier_link(page) is None


def test_older_pages_never_repeat_an_update_posted_later_with_an_earlier_time(client):
    # Ids follow posting, pages follow published times: an update posted
    # afterwards about 18:01 has a higher id than the 18:02 one.
    entry = make_entry()
    first = make_update(entry, "18:00", published=START)
    latest = make_update(entry, "18:02", published=START + timedelta(minutes=2))
    backdated = make_update(entry, "18:01", published=START + timedelta(minutes=1))
    seen, url = [], entry.get_absolute_url()

    with override_settings(LIVEBLOG_PAGE_SIZE=1):
        while url and len(seen) < 5:  # a repeat could loop for ever
            page = client.get(url).content.decode()
            seen += ids_on(page)
            url = earlier_link(page)

    assert seen == [latest.pk, backdated.pk, first.pk]


def test_an_ended_page_reads_oldest_first_with_earlier_updates_above(client):
    entry, ids = entry_with(7)
    entry.end()

    page = client.get(entry.get_absolute_url()).content.decode()
    older = client.get(earlier_link(page)).content.decode()

    assert ids_on(page) == ids[4:]
    assert page.index("Load earlier updates") < page.index('id="updates"')
    assert ids_on(older) == ids[1:4]
    assert ids_on(client.get(earlier_link(older)).content.decode()) == ids[:1]


def test_an_older_page_links_back_to_the_latest_and_does_not_poll(client):
    entry, _ = entry_with(5)
    page = client.get(entry.get_absolute_url()).content.decode()

    older = client.get(earlier_link(page)).content.decode()

    assert "Back to the latest updates" in older
    assert "data-poll-url" not in older
    assert earlier_link(older) is None


def test_deleted_updates_are_skipped_on_older_pages(client):
    entry, ids = entry_with(7)
    LiveUpdate.objects.get(pk=ids[2]).delete()

    page = client.get(entry.get_absolute_url()).content.decode()
    older = client.get(earlier_link(page)).content.decode()

    assert ids_on(older) == [ids[3], ids[1], ids[0]]


def test_the_json_for_older_updates_matches_the_pages(client):
    entry, ids = entry_with(7, timezone="America/New_York")
    poll_url = reverse("updates:poll", kwargs={"slug": entry.slug})
    page = client.get(entry.get_absolute_url()).content.decode()
    cursor = earlier_link(page).split("before=")[1]

    body = client.get(poll_url, {"before": cursor}).json()

    assert [item["id"] for item in body["updates"]] == [ids[3], ids[2], ids[1]]
    assert body["before"] == f"{int(START.timestamp()) + 60}-{ids[1]}"
    assert body["updates"][0]["published"] == "2026-05-01T14:03:00-04:00"
    assert body["updates"][0]["html"] in client.get(earlier_link(page)).content.decode()
    last = client.get(poll_url, {"before": body["before"]}).json()
    assert [item["id"] for item in last["updates"]] == [ids[0]]
    assert last["before"] is None


def test_the_state_without_since_is_bounded_like_the_page(client):
    entry, ids = entry_with(7)
    poll_url = reverse("updates:poll", kwargs={"slug": entry.slug})

    body = client.get(poll_url).json()

    assert sorted(item["id"] for item in body["updates"]) == ids[4:]
    assert body["revision"] == 7
    assert body["before"] == f"{int(START.timestamp()) + 4 * 60}-{ids[4]}"


@pytest.mark.parametrize(
    "query",
    ["before=abc", "before=1-", "before=-1", "before=1.5-2", f"before=1-{10**19}",
     f"before=1-{2**63}", "before=1-1&before=2-2", "before=1-1&since=3",
     f"before={10**12 - 1}-1"],
    ids=["letters", "no-id", "no-time", "decimal", "huge-id", "just-past-bigint-id", "twice",
         "with-since", "far-future"],
)  # fmt: skip
def test_a_bad_cursor_is_400_on_the_page_and_the_json(client, query):
    entry = make_entry()
    make_update(entry)
    poll_url = reverse("updates:poll", kwargs={"slug": entry.slug})

    page = client.get(f"{entry.get_absolute_url()}?{query}")
    json = client.get(f"{poll_url}?{query}")

    assert json.status_code == 400
    assert "before" in json.json()["error"] or "since" in json.json()["error"]
    if "since" not in query:
        assert page.status_code == 400
        assert "before" in page.content.decode()
        assert json.json()["error"] == (
            "The 'before' parameter must be a cursor <published unix seconds>-<update id>."
        )


def test_a_cursor_naming_the_largest_possible_id_is_a_valid_empty_page(client):
    entry = make_entry()
    poll_url = reverse("updates:poll", kwargs={"slug": entry.slug})

    response = client.get(f"{poll_url}?before=1-{2**63 - 1}")

    assert response.status_code == 200
    assert response.json()["updates"] == []


def test_a_time_zone_change_rerenders_every_update_at_new_revisions(client):
    entry, ids = entry_with(2, timezone="UTC")
    LiveUpdate.objects.get(pk=ids[0]).delete()
    poll_url = reverse("updates:poll", kwargs={"slug": entry.slug})

    entry.timezone = "Asia/Tokyo"
    entry.save()

    body = client.get(poll_url, {"since": 3}).json()
    assert body["revision"] == 4
    assert [item["id"] for item in body["updates"]] == [ids[1]]
    assert '<time datetime="2026-05-02T03:01:00+09:00">3:01 AM</time>' in body["updates"][0]["html"]
    assert "3:01 AM</time>" in client.get(entry.get_absolute_url()).content.decode()
