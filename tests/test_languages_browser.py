"""The scripts speak the page's language (issue 23), in real Chromium.

live.js announces new updates and the end of coverage with the texts the
page carries (liveblog/i18n.py), choosing the plural form by
Intl.PluralRules; desk.js shows its count and messages in the author's
language. Debian's Chromium is required: .ci/run installs it; locally these
tests skip without it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from entries.models import Entry
from tests import pseudo_locale
from tests.accessibility import PHONE, assert_no_axe_violations
from tests.desk_tabs import open_desk, sign_in
from tests.english import english_in
from tests.factories import make_entry, make_update
from updates.changes import post_updates
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAID = {
    "de": ["1 neuer Eintrag", "2 neue Einträge", "5 neue Einträge", "Dieser Liveblog ist beendet"],
    "es": [
        "1 nueva actualización", "2 nuevas actualizaciones", "5 nuevas actualizaciones",
        "Este directo ha finalizado",
    ],
}  # fmt: skip


def said(page, count: int) -> None:
    """Until the announcer has said `count` things (a function: CSP forbids eval)."""
    page.wait_for_function(
        "count => window.__announced.filter(Boolean).length === count", arg=count
    )


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_reader_script_announces_in_the_entrys_language_with_its_plurals(reader, language):
    entry = make_entry(language=language)
    make_update(entry, "Anpfiff")
    page = reader.open(entry)
    reader.record_announcements()

    for announced, count in enumerate((1, 2, 5), start=1):
        # Posted in one transaction: they arrive with one poll, one announcement.
        posted = post_updates(entry, [LiveUpdate(content=f"Tor {n}") for n in range(count)])
        page.locator(f"#update-{posted[-1].pk}").wait_for()
        said(page, announced)
    Entry.objects.get(pk=entry.pk).end()
    page.locator(".badge-ended:not([hidden])").wait_for()
    said(page, 4)

    assert reader.announcements() == SAID[language]
    assert reader.errors == []


def test_the_desk_script_counts_and_asks_in_the_authors_language(
    browser, live_server, settings, author
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    entry = make_entry(language="de")
    context = browser.new_context(locale="de-DE")
    sign_in(context, live_server, author)
    page = open_desk(context.new_page(), live_server, entry)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))

    page.fill("#desk-content", "Anpfiff")
    page.keyboard.press("Control+Enter")
    page.locator(".desk-stream .desk-item").wait_for()
    one = page.locator(".desk-count").inner_text()
    page.fill("#desk-content", "Tor!")
    page.keyboard.press("Control+Enter")
    page.locator(".desk-count-number", has_text="2").wait_for()
    two = page.locator(".desk-count").inner_text()
    page.locator(".desk-stream [data-action=delete]").first.click()
    context.close()

    assert (one, two) == ("1 Eintrag", "2 Einträge")
    assert asked == ["Diesen Eintrag löschen? Er verschwindet von den Leserseiten."]


def test_a_german_and_a_right_to_left_page_are_clean_for_axe(new_reader, settings, tmp_path):
    settings.LANGUAGES = [*settings.LANGUAGES, pseudo_locale.LANGUAGE]
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, pseudo_locale.write_catalog(tmp_path)]
    entries = [
        make_entry(language="de", title="Pokalfinale"),
        make_entry(language="he", title="גמר"),
    ]
    for entry in entries:
        make_update(entry, "Tor!", key_event=True, pinned=True, headline="Tor")
        make_update(entry, "Halbzeit")

    for entry in entries:
        tab = new_reader(viewport=PHONE)
        tab.open(entry).locator(".order-toggle:not([hidden])").wait_for()
        assert_no_axe_violations(tab.page)
        assert tab.errors == []


# Every text the script adds, and every name it gives: what a reader sees or hears.
SCRIPT_TEXTS = """() => [
  ...Array.from(document.querySelectorAll(
    ".update-share, .update-age, .share-note, .visit-news, .visit-divider, .new-updates, .connection-status"
  )).map((node) => node.textContent),
  ...Array.from(document.querySelectorAll("[aria-label]")).map((node) => node.getAttribute("aria-label")),
].map((text) => text.trim()).filter(Boolean)"""


@pytest.mark.parametrize("language", ["de", "es"])
def test_what_the_reader_script_adds_to_a_page_is_in_the_entrys_language(reader, language):
    entry = make_entry(language=language)
    post_updates(entry, [LiveUpdate(content="Anpfiff"), LiveUpdate(content="Tor")])
    page = reader.open(entry)
    page.locator(".update-share").first.wait_for()
    page.goto("about:blank")  # the reader leaves; the script remembers what they saw
    post_updates(entry, [LiveUpdate(content=f"Tor {n}") for n in range(2)])

    page = reader.open(entry)
    page.locator(".visit-news:not([hidden])").wait_for()
    said = page.evaluate(SCRIPT_TEXTS)

    assert english_in(said, language) == []
    assert any(text.startswith("2 ") for text in said), said
    assert reader.errors == []


def test_on_a_right_to_left_page_an_updates_age_stays_beside_its_time_not_inside_its_digits(
    new_reader, settings, tmp_path
):
    # "15:25" then "13 min ago" in an RTL paragraph: without isolation the
    # bidi algorithm runs the two numbers together as "15:2513".
    settings.LANGUAGES = [*settings.LANGUAGES, pseudo_locale.LANGUAGE]
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, pseudo_locale.write_catalog(tmp_path)]
    entry = make_entry(language="he", title="גמר")
    make_update(entry, "שער!", published=timezone.now() - timedelta(minutes=13))

    tab = new_reader()
    age = tab.open(entry).locator(".update-age").first
    age.wait_for()
    time_box = tab.page.locator(".update-permalink time").first.bounding_box()
    age_boxes = age.evaluate("node => Array.from(node.getClientRects(), (r) => [r.left, r.right])")

    # Right to left: the age reads after the time, so it lies wholly left of it.
    assert all(right <= time_box["x"] + 0.5 for _, right in age_boxes), (age_boxes, time_box)
    assert tab.errors == []
