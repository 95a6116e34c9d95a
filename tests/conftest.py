from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from entries import remembered, sharing
from liveblog import purge
from tests.browser import CHROMIUM, Chromium, Reader
from tests.tools import PURGE_TIME_SCALE, missing
from updates import entry_state, paging


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
    paging.forget_pages()
    entry_state.forget_all()
    remembered.forget_all()
    sharing.forget()


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
