import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from entries.models import Entry
from tests.checks import assert_shared
from tests.factories import make_entry, make_update
from tests.helpers import poll
from updates.models import LiveUpdate

pytestmark = pytest.mark.django_db


def test_without_since_it_returns_the_whole_current_state(client):
    entry = make_entry()
    first = make_update(entry, "First")
    second = make_update(entry, "Second")
    make_update(entry, "Gone").delete()

    response = poll(client, entry)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["revision"] == 4
    assert body["status"] == "live"
    assert body["poll_interval"] == 5
    assert [u["id"] for u in body["updates"]] == [first.pk, second.pk]
    assert body["deleted"] == []
    assert body["more"] is False


def test_each_update_carries_its_html_times_revision_and_permalink(client):
    entry = make_entry(slug="launch", timezone="America/Los_Angeles")
    update = make_update(
        entry, "Rocket is **up**", published=datetime(2026, 7, 1, 16, 5, tzinfo=UTC)
    )

    (item,) = poll(client, entry).json()["updates"]

    assert item["id"] == update.pk
    assert item["revision"] == 1
    assert item["published"] == "2026-07-01T09:05:00-07:00"
    assert datetime.fromisoformat(item["updated"]).utcoffset() is not None
    assert item["url"] == f"/entries/launch/?update={update.pk}#update-{update.pk}"
    assert f'id="update-{update.pk}"' in item["html"]
    assert "<strong>up</strong>" in item["html"]
    assert '<time datetime="2026-07-01T09:05:00-07:00">9:05 AM</time>' in item["html"]


def test_since_returns_only_what_changed_after_it_in_revision_order(client):
    entry = make_entry()
    edited = make_update(entry, "Typo")
    deleted = make_update(entry, "Mistake")
    untouched = make_update(entry, "Fine")
    since = entry_revision(entry)
    added = make_update(entry, "New")
    edited.content = "Fixed"
    edited.save()
    deleted.delete()

    body = poll(client, entry, since=since).json()

    assert body["revision"] == since + 3
    assert [(u["id"], u["revision"]) for u in body["updates"]] == [
        (added.pk, since + 1),
        (edited.pk, since + 2),
    ]
    assert "Fixed" in body["updates"][1]["html"]
    assert body["deleted"] == [deleted.pk]
    assert untouched.pk not in [u["id"] for u in body["updates"]]


def test_since_zero_still_reports_deletions(client):
    # A page rendered at revision 0 can already show an update posted just
    # after: its reader must hear when that update is deleted.
    entry = make_entry()
    update = make_update(entry)
    update.delete()

    body = poll(client, entry, since=0).json()

    assert body["updates"] == []
    assert body["deleted"] == [update.pk]


def test_an_up_to_date_reader_gets_an_empty_answer(client):
    entry = make_entry()
    make_update(entry)

    body = poll(client, entry, since=1).json()

    assert body == {
        "revision": 1,
        "status": "live",
        "poll_interval": 5,
        "updates": [],
        "deleted": [],
        "more": False,
    }


def test_since_beyond_the_current_revision_is_answered_as_current(client):
    entry = make_entry()
    make_update(entry)

    body = poll(client, entry, since=999).json()

    assert body["revision"] == 1
    assert body["updates"] == []


def test_an_ended_entry_says_so(client):
    entry = make_entry(status=Entry.Status.ENDED)

    assert poll(client, entry, since=0).json()["status"] == "ended"


@override_settings(LIVEBLOG_POLL_BATCH=3)
def test_a_client_far_behind_gets_a_bounded_batch_and_more(client):
    entry = make_entry()
    updates = [make_update(entry, f"Update {n}") for n in range(7)]

    first = poll(client, entry, since=0).json()
    second = poll(client, entry, since=first["revision"]).json()
    third = poll(client, entry, since=second["revision"]).json()

    assert [len(b["updates"]) for b in (first, second, third)] == [3, 3, 1]
    assert [b["more"] for b in (first, second, third)] == [True, True, False]
    assert (first["revision"], second["revision"], third["revision"]) == (3, 6, 7)
    seen = [u["id"] for b in (first, second, third) for u in b["updates"]]
    assert seen == [u.pk for u in updates]


@override_settings(LIVEBLOG_POLL_BATCH=3)
def test_exactly_one_batch_of_changes_comes_in_one_answer_without_more(client):
    entry = make_entry()
    updates = [make_update(entry, f"Update {n}") for n in range(3)]

    body = poll(client, entry, since=0).json()

    assert [u["id"] for u in body["updates"]] == [u.pk for u in updates]
    assert (body["revision"], body["more"]) == (3, False)


def test_a_poll_never_carries_another_entrys_changes(client):
    keynote, match = make_entry(), make_entry()
    make_update(match, "Goal!")
    ours = make_update(keynote, "Doors open")
    make_update(match, "Half time").delete()

    body = poll(client, keynote, since=0).json()

    assert [u["id"] for u in body["updates"]] == [ours.pk]
    assert body["deleted"] == []


def test_update_times_in_the_answer_are_in_the_entrys_zone(client):
    entry = make_entry(timezone="Asia/Kolkata")
    make_update(entry)

    (item,) = poll(client, entry, since=0).json()["updates"]

    assert datetime.fromisoformat(item["updated"]).utcoffset() == timedelta(hours=5, minutes=30)
    assert datetime.fromisoformat(item["published"]).utcoffset() == timedelta(hours=5, minutes=30)


NOT_A_REVISION = "The 'since' parameter must be a revision: a whole number from 0."
MAX_REVISION = 2**63 - 1
# docs/api.md: "at most 200 changes" in one answer.
DOCUMENTED_BATCH = 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=abc", NOT_A_REVISION),
        ("since=-1", NOT_A_REVISION),
        ("since=1.5", NOT_A_REVISION),
        ("since=", NOT_A_REVISION),
        ("since=%D9%A3", NOT_A_REVISION),  # an Arabic-Indic digit: isdigit(), not ASCII
        (f"since={MAX_REVISION + 1}", NOT_A_REVISION),
        (f"since={10**30}", NOT_A_REVISION),
        ("since=00000000000000000001", NOT_A_REVISION),  # 20 digits
        ("since=1&since=2", "The 'since' parameter must be given at most once."),
    ],
    ids=[
        "letters", "negative", "decimal", "empty", "non-ascii-digit", "just-past-bigint",
        "huge", "twenty-digits", "twice",
    ],
)  # fmt: skip
def test_it_returns_400_naming_the_parameter_for_a_bad_cursor(client, query, message):
    entry = make_entry()

    response = client.get(reverse("updates:poll", kwargs={"slug": entry.slug}) + "?" + query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": message}
    assert "no-store" in response["Cache-Control"]


def test_the_largest_revision_a_bigint_holds_is_a_valid_cursor(client):
    entry = make_entry()
    make_update(entry)

    body = poll(client, entry, since=MAX_REVISION).json()

    assert (body["revision"], body["updates"], body["more"]) == (1, [], False)


def test_unknown_entries_are_404_json(client):
    response = client.get(reverse("updates:poll", kwargs={"slug": "no-such-entry"}))

    assert response.status_code == 404
    assert response.json() == {"error": "No such entry."}
    assert "no-store" in response["Cache-Control"]


def test_drafts_are_404_for_anonymous_readers(client):
    entry = make_entry(status=Entry.Status.DRAFT)
    make_update(entry, "Embargoed")

    response = poll(client, entry)

    assert response.status_code == 404
    assert "Embargoed" not in response.content.decode()


def test_signed_in_staff_get_the_public_404_for_a_draft_too(staff_client):
    entry = make_entry(status=Entry.Status.DRAFT)
    make_update(entry, "Embargoed")

    response = poll(staff_client, entry)

    assert response.status_code == 404
    assert "Embargoed" not in response.content.decode()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_than_get_and_head_are_405(client, method):
    entry = make_entry()

    response = getattr(client, method)(reverse("updates:poll", kwargs={"slug": entry.slug}))

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json() == {"error": f"Method {method.upper()} not allowed; use GET."}
    assert "no-store" in response["Cache-Control"]


def test_head_is_answered_like_get_without_a_body(client):
    entry = make_entry()

    url = reverse("updates:poll", kwargs={"slug": entry.slug})
    make_update(entry)

    head, get = client.head(url), client.get(url)

    assert head.status_code == get.status_code == 200
    assert head.content == b"" and get.content
    for header in ("Content-Type", "Cache-Control", "ETag", "Content-Length"):
        assert head.get(header) == get.get(header), header
    # A cache revalidating with HEAD gets the same cheap answer as with GET.
    assert client.head(url, headers={"If-None-Match": get["ETag"]}).status_code == 304


def test_shared_caches_may_keep_it_ten_seconds_and_it_sets_no_cookie(client):
    entry = make_entry()
    make_update(entry)
    client.cookies["sessionid"] = "stale"
    client.cookies["csrftoken"] = "x" * 32

    response = poll(client, entry, since=0)

    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=0", "s-maxage=10"} <= cache_control
    assert_shared(response)


def test_the_same_url_gives_the_same_body_whoever_asks(client, staff_client):
    entry = make_entry()
    make_update(entry)

    anonymous = poll(client, entry, since=0)
    staff = poll(staff_client, entry, since=0)

    assert anonymous.content == staff.content
    assert_shared(staff)


def test_an_update_saved_in_the_admin_shows_up_at_the_next_revision(client, staff_client):
    entry = make_entry()
    since = poll(client, entry).json()["revision"]

    staff_client.post(
        reverse("admin:updates_liveupdate_add"),
        {
            "entry": entry.pk,
            "content": "From the admin",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
        },
    )
    body = poll(client, entry, since=since).json()

    assert body["revision"] == since + 1
    assert "From the admin" in body["updates"][0]["html"]


def entry_revision(entry) -> int:
    entry.refresh_from_db(fields=["revision"])
    return entry.revision


class TestCostDoesNotGrowWithTheEntry:
    @pytest.mark.parametrize("size", [10, 1000])
    def test_an_up_to_date_poll_takes_one_query(self, client, django_assert_num_queries, size):
        entry = make_entry()
        bulk_add_updates(entry, size, revision_step=1)

        with django_assert_num_queries(1):
            response = poll(client, entry, since=size)

        assert response.status_code == 200
        assert response.json()["updates"] == []

    @pytest.mark.parametrize("size", [10, 1000])
    def test_a_poll_with_changes_takes_three_queries_with_a_pin_and_key_events(
        self, client, django_assert_num_queries, size
    ):
        entry = make_entry()
        bulk_add_updates(entry, size, revision_step=1)
        pinned = LiveUpdate.objects.get(entry=entry, content="Update 0")
        LiveUpdate.objects.filter(pk=pinned.pk).update(pinned=True)
        LiveUpdate.objects.filter(entry=entry, content__endswith="0").update(key_event=True)
        keys = LiveUpdate.objects.filter(entry=entry, key_event=True).order_by("revision")

        with django_assert_num_queries(3):
            body = poll(client, entry, since=size - 5).json()

        assert len(body["updates"]) == 5
        # Both come from outside the batch: the pin is on the first update.
        assert body["pinned"] == '<article class="update"><p>Update 0</p></article>'
        assert re.findall(r'href="\?update=(\d+)#update-\1"', body["key_events"]) == [
            str(update.pk) for update in keys
        ]
        assert len(keys) == size // 10

    @pytest.mark.parametrize("size", [10, 1000])
    def test_the_current_state_takes_three_queries(self, client, django_assert_num_queries, size):
        entry = make_entry()
        bulk_add_updates(entry, size, revision_step=1)
        LiveUpdate.objects.filter(entry=entry, content="Update 0").update(pinned=True)

        with django_assert_num_queries(3):
            body = poll(client, entry).json()

        assert len(body["updates"]) == min(size, 200)

    @pytest.mark.parametrize("size", [10, 10_000])
    def test_a_reader_far_behind_gets_the_oldest_batch_in_three_queries_however_long_the_entry(
        self, client, django_assert_num_queries, size
    ):
        entry = make_entry()
        bulk_add_updates(entry, size, revision_step=1)
        batch = min(size, DOCUMENTED_BATCH)

        with django_assert_num_queries(3):
            body = poll(client, entry, since=0).json()

        # The first batch of changes, oldest first, and `more` to ask for
        # the next at once: never all 10,000 in one answer.
        assert [update["revision"] for update in body["updates"]] == list(range(1, batch + 1))
        assert (body["revision"], body["more"]) == (batch, size > batch)

    @pytest.mark.parametrize("size", [10, 1000])
    def test_an_older_page_takes_two_queries_however_long_the_entry(
        self, client, django_assert_num_queries, size
    ):
        entry = make_entry()
        bulk_add_updates(entry, size, revision_step=1)
        middle = LiveUpdate.objects.get(entry=entry, content=f"Update {size // 2}")
        cursor = f"{int(middle.published.timestamp())}-{middle.pk}"

        with django_assert_num_queries(2):
            body = poll(client, entry, before=cursor).json()

        older = LiveUpdate.objects.filter(entry=entry, pk__lt=middle.pk).order_by("-pk")
        assert [update["id"] for update in body["updates"]] == [u.pk for u in older[:200]]
        assert (body["before"] is None) == (size // 2 <= 200)


def bulk_add_updates(entry, number, revision_step):
    """Many updates at once, as the change log would have numbered them."""
    now = timezone.now().replace(microsecond=0)
    LiveUpdate.objects.bulk_create(
        LiveUpdate(
            entry=entry,
            content=f"Update {n}",
            html=f"<p>Update {n}</p>",
            fragment=f'<article class="update"><p>Update {n}</p></article>',
            published=now,
            updated=now,
            revision=(n + 1) * revision_step,
        )
        for n in range(number)
    )
    Entry.objects.filter(pk=entry.pk).update(revision=number * revision_step)
