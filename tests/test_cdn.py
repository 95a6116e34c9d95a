"""The CDN design, proved with real servers: Varnish with deploy/varnish.vcl in
front of gunicorn (2 workers) and PostgreSQL, hundreds of simulated readers
polling every 5 s while an author posts through the admin at random moments,
and the application purging Varnish after each commit (VARNISH_URLS).

The origin must see about the same number of requests however many readers
there are; every reader must get every update once, within one poll
interval plus a second of the admin's save for 95 % of deliveries and
within 8 s for all (issue 10). Run with -s for the distributions
(docs/deploy.md quotes them).
"""

import math
import random
import threading
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from entries.models import Entry
from tests.factories import make_entry, make_update
from tests.readers import AdminAuthor, check_phase, delays, distribution, run_readers
from tests.servers import (
    SITE,
    get,
    start_stack,
    wait_until,
)
from updates.changes import post_updates
from updates.models import LiveUpdate

POLL_INTERVAL = 5
# What issue 10 asks of deliveries behind the CDN, from the admin's save.
DELIVERY_BOUND = POLL_INTERVAL + 1
WORST_DELIVERY = 8
# Where the author's requests come from: the CDN limits each address apart.
AUTHOR_ADDRESS = "127.0.6.1"

pytestmark = [pytest.mark.servers, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_database_url):
    env = {
        # The same key as this process, so sessions made here are valid there.
        "SECRET_KEY": settings.SECRET_KEY,
        # The Chromium reader asks for the page by address (its host is 127.0.0.1).
        "ALLOWED_HOSTS": f"{SITE},127.0.0.1",
    }
    with start_stack(
        tmp_path_factory.mktemp("cdn"), database_url=test_database_url, purging=True, env=env
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def content_types(stack, django_db_blocker):
    with django_db_blocker.unblock():
        return list(ContentType.objects.all())


@pytest.fixture(autouse=True)
def _same_content_types(content_types):
    """Each test's database is emptied afterwards, content types included,
    and made again with new ids; the servers' admin remembers the first ids
    (it logs every save with one), so those are put back."""
    ContentType.objects.exclude(pk__in=[kind.pk for kind in content_types]).delete()
    ContentType.objects.bulk_create(content_types, ignore_conflicts=True)
    ContentType.objects.clear_cache()


@pytest.fixture
def author(stack, client, django_user_model):
    """An author signed in to the admin, posting through the CDN."""
    cdn = stack.cdn
    user = django_user_model.objects.create_user("author", is_staff=True, is_superuser=True)
    client.force_login(user)
    return AdminAuthor(cdn.port, client.cookies["sessionid"].value, source=AUTHOR_ADDRESS)


def random_gaps(count: int, seed: int) -> list[float]:
    """Seconds between posts: random moments, the same in runs compared."""
    generator = random.Random(seed)
    return [generator.uniform(1, POLL_INTERVAL) for _ in range(count)]


def within_bounds(values: list[float]) -> bool:
    on_time = sum(value <= DELIVERY_BOUND for value in values)
    return on_time >= math.ceil(0.95 * len(values)) and max(values) <= WORST_DELIVERY


def test_readers_get_each_post_within_a_poll_interval_and_the_origin_load_ignores_their_number(
    stack, author
):
    origin, cdn = stack.origin, stack.cdn
    gaps = random_gaps(8, seed=10)
    phases = {
        readers: run_readers(
            cdn,
            origin,
            readers,
            post=author.post,
            gaps=gaps,
            settle=WORST_DELIVERY + 1,
            spread=True,
        )  # fmt: skip
        for readers in (50, 200)
    }

    for readers, result in phases.items():
        # Every reader: only 200s, every update exactly once, none later than 8 s;
        # each purge may send each URL to the origin once more.
        check_phase(result, lateness_allowed=WORST_DELIVERY, purges_per_post=3)
        print(
            f"\n{readers} readers, {len(result['posted'])} posts through the admin: "
            f"{result['cdn_requests']} requests at the CDN, "
            f"{sum(result['at_origin'].values())} at the origin; "
            f"save to reader: {distribution(delays(result))}"
        )
    for result in phases.values():
        assert within_bounds(delays(result)), distribution(delays(result))
    few, many = (sum(phases[n]["at_origin"].values()) for n in (50, 200))
    assert phases[200]["cdn_requests"] > 3.5 * phases[50]["cdn_requests"]
    # Four times the readers, about the same origin traffic.
    assert many <= few * 1.25 + 3


def test_no_answer_read_before_a_commit_survives_the_purges(stack, author):
    """A worker may answer from the entry state it read up to a second before
    the commit, and the CDN store that answer after the first purge: the
    second purge, once the memo has expired, must remove it."""
    origin, cdn = stack.origin, stack.cdn
    entry = make_entry(title="Memo race")
    make_update(entry, "Before")
    url = f"{entry.poll_url()}?since={Entry.objects.get(pk=entry.pk).revision}"
    # Both workers keep answering this URL from memory, as under load.
    stop = threading.Event()

    def keep_memos_warm():
        while not stop.is_set():
            get(origin.port, url)
            stop.wait(0.02)

    warmer = threading.Thread(target=keep_memos_warm, daemon=True)
    warmer.start()
    try:
        assert get(cdn.port, url).status == 200
        update_id, saved = author.post(entry, "After")

        def has_update():
            body = get(cdn.port, url, source="127.0.7.1").json()
            seen.append((time.monotonic() - saved, body["revision"]))
            return any(update["id"] == update_id for update in body["updates"])

        seen: list = []
        wait_until(has_update, WORST_DELIVERY, "the update through the CDN")
    finally:
        stop.set()
        warmer.join(10)
    arrived = seen[-1][0]
    stale = len(seen) - 1
    # From now until well past the CDN's lifetime, no answer lacks it.
    later = []
    deadline = time.monotonic() + settings.LIVEBLOG_CACHE_SECONDS + 1
    while time.monotonic() < deadline:
        body = get(cdn.port, url, source="127.0.7.1").json()
        later.append(any(update["id"] == update_id for update in body["updates"]))
        time.sleep(0.1)
    print(
        f"\nupdate through the CDN {arrived:.2f}s after the save, "
        f"{stale} answers without it before; {len(later)} answers after, all with it"
    )
    assert all(later), later.count(False)
    # Without the second purge a stale answer would stay 10 s.
    assert arrived <= settings.LIVEBLOG_POLL_MEMO_SECONDS + 2


def test_a_purge_storm_leaves_varnish_and_the_origin_healthy_and_every_reader_complete(
    stack, client, django_user_model
):
    origin, cdn = stack.origin, stack.cdn
    user = django_user_model.objects.create_user("storm", is_staff=True, is_superuser=True)
    client.force_login(user)
    # Straight to gunicorn: 50 posts in 10 s are more than the admin's
    # allowance per client at the CDN (60 requests per 10 s, the form included).
    storm = AdminAuthor(origin.port, client.cookies["sessionid"].value)

    result = run_readers(
        cdn, origin, 50, post=storm.post, gaps=[10 / 50] * 50, settle=WORST_DELIVERY + 1,
        spread=True,
    )  # fmt: skip

    check_phase(result, lateness_allowed=WORST_DELIVERY, purges_per_post=3)
    print(
        f"\npurge storm, 50 posts in 10 s, 50 readers: {result['cdn_requests']} requests "
        f"at the CDN, {sum(result['at_origin'].values())} at the origin; "
        f"save to reader: {distribution(delays(result))}"
    )
    assert cdn.process.poll() is None and origin.process.poll() is None
    assert get(cdn.port, "/healthz", cdn.token_header).status == 200
    assert get(origin.port, "/healthz").status == 200
    assert get(cdn.port, result["entry"].get_absolute_url()).status == 200


@pytest.mark.browser
def test_a_chromium_reader_behind_varnish_sees_each_post_within_a_poll_interval(
    stack, author, browser
):
    cdn = stack.cdn
    entry = make_entry(title="Seen in Chromium")
    make_update(entry, "Before the reader came")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"http://127.0.0.1:{cdn.port}{entry.get_absolute_url()}")
        page.locator("#updates .update").first.wait_for()
        seen = []
        for number, gap in enumerate(random_gaps(5, seed=11)):
            time.sleep(gap)
            update_id, saved = author.post(entry, f"Chromium sees {number}")
            page.locator(f"#update-{update_id}").wait_for(timeout=WORST_DELIVERY * 2000)
            seen.append(time.monotonic() - saved)
    finally:
        context.close()
    print(f"\nChromium behind Varnish, save to page: {distribution(seen)}")
    assert within_bounds(seen), seen


def test_a_permalink_through_the_cdn_shows_an_old_update_and_its_spellings_share_one_copy(stack):
    cdn = stack.cdn
    entry = make_entry(title="Long day")
    first, *_ = post_updates(
        entry, [LiveUpdate(content=f"Update {n}") for n in range(settings.LIVEBLOG_PAGE_SIZE + 5)]
    )
    source = "127.0.8.2"

    answers = [
        get(cdn.port, f"{entry.get_absolute_url()}?{query}", source=source)
        for query in (f"update={first.pk}", f"update=000{first.pk}&utm_source=x",
                      f"fbclid=y&update={first.pk}")
    ]  # fmt: skip

    assert [answer.status for answer in answers] == [200, 200, 200]
    assert all(f'id="update-{first.pk}"'.encode() in answer.body for answer in answers)
    assert [answer.headers["x-cache"] for answer in answers] == ["MISS", "HIT", "HIT"]


def test_only_the_purgers_acl_with_the_token_may_purge_and_a_purge_empties_every_variant_at_once(
    stack,
):
    cdn = stack.cdn
    entry, other = make_entry(title="Purged"), make_entry(title="Left alone")
    one = make_update(entry, "One")
    make_update(other, "Two")
    older = f"{entry.poll_url()}?before=9999999999-1"
    urls = [
        entry.get_absolute_url(), f"{entry.poll_url()}?since=0", f"{entry.poll_url()}?since=1",
        older, f"{entry.get_absolute_url()}?before=9999999999-1",
        f"{entry.get_absolute_url()}?update={one.pk}", "/", other.get_absolute_url(),
    ]  # fmt: skip
    source = "127.0.8.1"
    for url in urls:
        get(cdn.port, url, source=source)
    assert all(get(cdn.port, url, source=source).headers["x-cache"] == "HIT" for url in urls)

    purge_entry = {"xkey-purge": f"entry-{entry.pk}", **cdn.token_header}
    stranger = get(cdn.port, "/", purge_entry, method="PURGE", source=source)
    assert stranger.status == 405
    tokenless = get(cdn.port, "/", {"xkey-purge": f"entry-{entry.pk}"}, method="PURGE")
    assert tokenless.status == 403
    assert get(cdn.port, urls[0], source=source).headers["x-cache"] == "HIT"

    purged = get(cdn.port, "/", purge_entry, method="PURGE")
    assert purged.status == 200
    after = {url: get(cdn.port, url, source=source).headers["x-cache"] for url in urls}
    assert after == {**{url: "MISS" for url in urls[:6]}, "/": "HIT", urls[7]: "HIT"}

    index = get(cdn.port, "/", {"xkey-purge": "index", **cdn.token_header}, method="PURGE")
    assert index.status == 200
    assert get(cdn.port, "/", source=source).headers["x-cache"] == "MISS"


def test_readers_never_see_the_tags_and_the_applications_purges_are_not_limited_at_its_pace(
    stack,
):
    cdn = stack.cdn
    entry = make_entry()
    make_update(entry)

    for url in (entry.get_absolute_url(), entry.poll_url(), "/"):
        response = get(cdn.port, url)
        assert response.status == 200
        assert not {"xkey", "surrogate-key", "cache-tag"} & set(response.headers), url
    # Far more than the application sends in 10 s (two purges a post); a
    # storm beyond the VCL's limit gets 429 (tests/test_cdn_purge_access.py).
    purge_entry = {"xkey-purge": f"entry-{entry.pk}", **cdn.token_header}
    statuses = {get(cdn.port, "/", purge_entry, method="PURGE").status for _ in range(100)}
    assert statuses == {200}


def test_staff_previews_pass_the_cdn_under_the_admin_prefix_and_public_urls_ignore_sessions(
    stack, client, django_user_model
):
    cdn = stack.cdn
    draft = make_entry(status=Entry.Status.DRAFT, title="Embargoed")
    make_update(draft, "Not yet")
    editor = django_user_model.objects.create_user("editor", is_staff=True)
    # A preview needs view (or change) on Entry, as the admin's change view.
    # Made here: the content types put back above dropped the permissions.
    view_entry, _ = Permission.objects.get_or_create(
        codename="view_entry",
        content_type=ContentType.objects.get_for_model(Entry),
        defaults={"name": "Can view entry"},
    )
    editor.user_permissions.add(view_entry)
    client.force_login(editor)
    session = {"Cookie": f"_ga=1; sessionid={client.cookies['sessionid'].value}"}
    preview = reverse("entry_preview", kwargs={"slug": draft.slug})

    anonymous = get(cdn.port, draft.get_absolute_url())
    staff_public = get(cdn.port, draft.get_absolute_url(), session)
    staff_preview = get(cdn.port, preview, session)
    anonymous_preview = get(cdn.port, preview)

    assert anonymous.status == staff_public.status == 404
    assert staff_preview.status == 200 and b"Embargoed" in staff_preview.body
    assert "no-store" in staff_preview.headers["cache-control"]
    assert anonymous_preview.status == 302


def test_a_reader_revalidating_the_page_or_a_poll_gets_304_from_the_cache(stack):
    cdn = stack.cdn
    entry = make_entry()
    make_update(entry, "Revalidated")
    source = "127.0.8.3"

    for url in (entry.get_absolute_url(), f"{entry.poll_url()}?since=0"):
        first = get(cdn.port, url, source=source)
        etag = first.headers["etag"]
        same = get(cdn.port, url, {"If-None-Match": etag}, source=source)
        changed = get(cdn.port, url, {"If-None-Match": '"an-older-answer"'}, source=source)
        # Purged without a change: the origin's answer has the same ETag.
        purge_entry = {"xkey-purge": f"entry-{entry.pk}", **cdn.token_header}
        assert get(cdn.port, "/", purge_entry, method="PURGE").status == 200
        after_purge = get(cdn.port, url, {"If-None-Match": etag}, source=source)

        assert first.status == 200 and changed.status == 200, url
        assert changed.body == first.body, url
        assert (same.status, same.body, same.headers["x-cache"]) == (304, b"", "HIT"), url
        assert same.headers["etag"] == etag, url
        assert (after_purge.status, after_purge.headers["x-cache"]) == (304, "MISS"), url


def test_a_purge_without_tags_is_refused_and_a_purge_says_how_many_answers_it_removed(stack):
    cdn = stack.cdn
    entry = make_entry()
    make_update(entry)
    urls = [entry.get_absolute_url(), f"{entry.poll_url()}?since=0", f"{entry.poll_url()}?since=1"]
    source = "127.0.8.4"
    for url in urls:
        get(cdn.port, url, source=source)
    purge_entry = {"xkey-purge": f"entry-{entry.pk}", **cdn.token_header}

    untagged = get(cdn.port, "/", cdn.token_header, method="PURGE")
    still = [get(cdn.port, url, source=source).headers["x-cache"] for url in urls]
    purged = get(cdn.port, "/", purge_entry, method="PURGE")
    again = get(cdn.port, "/", purge_entry, method="PURGE")

    assert untagged.status == 400 and b"no xkey-purge header" in untagged.body
    assert still == ["HIT"] * 3
    assert purged.status == 200 and purged.headers["x-purged-objects"] == "3"
    assert again.status == 200 and again.headers["x-purged-objects"] == "0"
