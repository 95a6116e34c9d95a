from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from entries.models import Entry
from liveblog import memo, purge
from tests.browser import CHROMIUM, WAIT_MS, Chromium, Reader
from tests.factories import make_entry, make_update
from tests.helpers import Clock
from tests.oembed_stand_in import StandIn
from tests.servers import database_url
from tests.tools import PURGE_TIME_SCALE, missing


def using_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture(autouse=True, scope="session")
def _test_environment():
    """What differs from production in the in-process tests, and why.

    Static files are served from the source folders (no collectstatic run
    before each test session), and the test client speaks plain HTTP, which
    the production HTTPS redirect would otherwise bounce. Polls read the
    entry every time: a test that posts and polls at once would otherwise
    see the entry as it was up to a second before (tests/test_entry_memo.py
    covers the memo). The tests that start real servers run with the
    production settings.
    """
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        SECURE_SSL_REDIRECT=False,
        LIVEBLOG_POLL_MEMO_SECONDS=0,
    ):
        yield


@pytest.fixture(autouse=True, scope="session")
def _purge_delays():
    """The purger's waits (retry backoff, spacing, follow-up margin), scaled
    by PURGE_TIME_SCALE: `make mutation` shrinks them, or every mutant the
    purge tests cover would wait out real retries (docs/mutation.md)."""
    names = ("FIRST_BACKOFF", "PURGE_SPACING", "FOLLOW_UP_MARGIN", "GRANULARITY")
    documented = {name: getattr(purge, name) for name in names}
    for name, seconds in documented.items():
        setattr(purge, name, seconds * PURGE_TIME_SCALE)
    yield
    for name, seconds in documented.items():
        setattr(purge, name, seconds)


@pytest.fixture(autouse=True)
def _own_purger():
    """Each test that purges starts its own purger thread: the previous
    test's (idle, blocked on its condition for good) sends nothing more, and
    `make mutation` sees which tests run the thread's loop, not only the
    first one that started it."""
    yield
    purge._the_queue = None


@pytest.fixture(autouse=True)
def _forget_remembered_pages():
    """Rolled-back test databases hand out the same ids and revisions again."""
    memo.forget_all()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Tests marked `postgres` need the production database.

    Checked before any fixture is set up, module-scoped servers included:
    on SQLite they would start against a database that does not exist.
    """
    if item.get_closest_marker("postgres") and not using_postgres():
        missing("needs PostgreSQL: set DATABASE_URL=postgres://… (as .ci/run does)")
    if item.get_closest_marker("timing") and PURGE_TIME_SCALE != 1:
        pytest.skip("measures the documented delays, which LIVEBLOG_TEST_FAST_PURGES shrinks")


@pytest.fixture(scope="session")
def test_database_url(django_db_setup, django_db_blocker) -> str:
    """The test database's URL, for real servers that share it
    (tests/servers.py's start_stack): they read what a test writes."""
    with django_db_blocker.unblock():
        return database_url(connection.settings_dict)


@pytest.fixture
def providers(settings, media_root):
    """The embed providers, played by a stand-in on 127.0.0.1
    (tests/oembed_stand_in.py), which the page's CSP allows frames from."""
    with StandIn() as stand_in:
        settings.LIVEBLOG_EMBED_PROVIDERS = stand_in.providers()
        directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
        settings.CONTENT_SECURITY_POLICY = {
            "DIRECTIVES": {**directives, "frame-src": [stand_in.origin]}
        }
        yield stand_in


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """Photo files in a folder of the test's own (modules that store photos
    use it with `pytest.mark.usefixtures("media_root")`)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def public_route_names() -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns:
        # The admin and the staff previews under its prefix are not public.
        if str(pattern.pattern).startswith(settings.ADMIN_URL):
            continue
        inner = pattern.url_patterns if isinstance(pattern, URLResolver) else [pattern]
        for route in inner:
            assert isinstance(route, URLPattern)
            prefix = f"{pattern.namespace}:" if isinstance(pattern, URLResolver) else ""
            names.add(prefix + route.name)
    return names


@pytest.fixture
def public_urls() -> dict[str, list[str]]:
    """URLs of every public route, by route name: a live entry ("keynote")
    and an ended one ("final"), each with an update."""
    entry = make_entry(slug="keynote")
    make_update(entry)
    ended = make_entry(slug="final", status=Entry.Status.ENDED)
    make_update(ended)
    urls = {
        "entries:index": ["/"],
        "entries:detail": [entry.get_absolute_url(), ended.get_absolute_url()],
        "updates:poll": [
            entry.poll_url(),
            entry.poll_url() + "?since=0",
            entry.poll_url() + "?since=1",
            ended.poll_url() + "?since=1",
        ],
        # A 404 unless a GRIP proxy asks (tests/test_push_stream.py).
        "updates:events": [reverse("updates:events", kwargs={"slug": entry.slug})],
        "updates:feed": [
            reverse("updates:feed", kwargs={"slug": entry.slug}),
            reverse("updates:feed", kwargs={"slug": ended.slug}),
        ],
        "healthz": [reverse("healthz")],
        "favicon": ["/favicon.ico"],
        # Photo files are public and cacheable too (tests/test_photos.py);
        # a missing one answers 404 here.
        "media": ["/media/photos/" + "0" * 64 + "-480.webp"],
    }
    # A new public route must be added here, so this walk stays complete.
    assert set(urls) == public_route_names()
    return urls


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user(
        "editor", password="unused-password", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    client.user = user
    return client


_chromium = Chromium()


@pytest.fixture
def browser():
    """Debian's Chromium, started by the first of a run of browser tests."""
    if not Path(CHROMIUM).exists():
        missing(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    return _chromium.browser()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Stop Chromium, and Playwright's event loop with it, once the next test
    does not need it (see tests/browser.py's Chromium): after the test's own
    fixtures have closed their tabs."""
    try:
        return (yield)
    finally:
        if nextitem is None or "browser" not in nextitem.fixturenames:
            _chromium.stop()


@pytest.fixture
def new_reader(browser, live_server, settings):
    """Opens readers' tabs on the live server, polling every second:
    new_reader(**options) with Playwright's browser context options."""
    settings.LIVEBLOG_POLL_INTERVAL = 1
    tabs = []

    def open_tab(**context_options):
        tabs.append(Reader(browser, live_server, **context_options))
        return tabs[-1]

    yield open_tab
    for tab in tabs:
        tab.context.close()


@pytest.fixture
def reader(new_reader):
    """A reader's tab on the live server, polling every second."""
    return new_reader()


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_user(
        "ada", first_name="Ada", last_name="Lovelace", is_staff=True, is_superuser=True
    )


@pytest.fixture
def desk(browser, live_server, settings, client, author, media_root):
    """A signed-in author's tab in Chromium (the desk's browser tests);
    desk.open(entry) opens that entry's desk."""
    settings.LIVEBLOG_POLL_INTERVAL = 1
    # The live server speaks plain HTTP: cookies must not need HTTPS.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    client.force_login(author)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    class Desk:
        def open(self, entry, path="admin:entries_entry_desk"):
            page.goto(live_server.url + reverse(path, args=[entry.pk]))
            if path == "admin:entries_entry_desk":
                page.locator("#desk-content").wait_for()
            return page

        def route(self, name, entry, handler, *args):
            # Any query string too (the stream's ?since=).
            path = reverse(f"admin:entries_entry_desk_{name}", args=[entry.pk, *args])
            pattern = f"**{path}*"
            page.route(pattern, handler)
            return pattern

    tab = Desk()
    tab.page, tab.errors, tab.author, tab.url = page, errors, author, live_server.url
    tab.context = context
    yield tab
    context.close()


@pytest.fixture
def clock(monkeypatch):
    """The one-second memos (liveblog/memo.py) on a hand-moved clock, empty
    before and after, with the entry's memo at one second."""
    clock = Clock()
    monkeypatch.setattr(memo.time, "monotonic", clock)
    memo.forget_all()
    with override_settings(LIVEBLOG_POLL_MEMO_SECONDS=1.0):
        yield clock
    memo.forget_all()
