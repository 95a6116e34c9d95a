"""Every page a reader or an author reaches is clean for axe-core (WCAG 2.0
and 2.1 A and AA, and axe's best practices), in light and dark, on a phone
and a desktop (issue 22). One page load per state: tests/accessibility.py
runs axe in each look on the page as loaded.

New page states (a new script's markup, a new control) get a test here, or
a call to assert_no_axe_violations(page) in their own browser test.
"""

import pytest
from django.urls import reverse

from entries.models import Entry
from tests.accessibility import PHONE, assert_no_axe_violations, axe_violations, describe
from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from updates.changes import PhotoUpload, edit_update, post_update, set_summary

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]


def fill(entry: Entry) -> dict:
    """Every kind of update an entry can show: plain and Markdown text, a
    headline, pinned, key events, photos with alt text and captions, an
    edited one, and the summary; returns some of them by name."""
    for n in range(3):
        make_update(entry, f"Earlier update number {n}.")
    make_update(
        entry, "Doors open at **nine**.", headline="Doors open", key_event=True, pinned=True
    )
    make_update(entry, "> A quote.\n\nAnd [a link](https://example.com/notes).", key_event=True)
    photos = post_update(
        entry,
        "On stage:",
        headline="The keynote starts",
        photos=[
            PhotoUpload(phone_jpeg(), "The CEO on stage", "Day one"),
            PhotoUpload(phone_jpeg(), "The crowd"),
        ],
    )
    edited = make_update(entry, "A tyop.")
    edit_update(edited, "A typo, corrected.")
    set_summary(entry.pk, "- One key point\n- **Another**")
    return {"photos": photos, "edited": edited}


def open_page(new_reader, path: str):
    tab = new_reader(viewport=PHONE)
    page = tab.page
    page.goto(tab.live_server.url + path)
    return tab, page


def wait_for_photos(page):
    # A photo still loading has no size yet: axe would check a box without it.
    page.wait_for_function(
        "() => Array.from(document.images).every(image => image.complete && image.naturalWidth > 0)"
    )


def test_a_live_entry_with_every_kind_of_update_is_clean(new_reader, settings):
    settings.LIVEBLOG_PAGE_SIZE = 5
    entry = make_entry(title="Keynote", intro="Follow the *keynote* live.")
    fill(entry)
    tab, page = open_page(new_reader, entry.get_absolute_url())
    page.get_by_role("button", name="Newest first").wait_for()
    assert page.get_by_role("link", name="Load earlier updates").is_visible()
    page.locator("img").last.scroll_into_view_if_needed()
    wait_for_photos(page)

    assert_no_axe_violations(page)
    assert tab.errors == []


def test_an_ended_entry_and_its_older_page_are_clean(new_reader, settings):
    settings.LIVEBLOG_PAGE_SIZE = 5
    entry = make_entry(title="Launch day", status=Entry.Status.ENDED)
    fill(entry)
    tab, page = open_page(new_reader, entry.get_absolute_url())
    page.get_by_role("link", name="Load earlier updates").wait_for()
    page.locator("img").last.scroll_into_view_if_needed()
    wait_for_photos(page)

    assert_no_axe_violations(page)

    # The page a reader without JavaScript (or a search engine) gets to.
    older = page.get_by_role("link", name="Load earlier updates").get_attribute("href")
    page.goto(tab.live_server.url + older)
    page.get_by_role("link", name="Back to the latest updates").wait_for()
    assert_no_axe_violations(page)
    assert tab.errors == []


def test_an_updates_permalink_is_clean(new_reader, settings):
    settings.LIVEBLOG_PAGE_SIZE = 5
    entry = make_entry(title="Keynote")
    first = make_update(entry, "The first update.", headline="Kick-off")
    fill(entry)
    tab, page = open_page(new_reader, first.permalink(entry.get_absolute_url()))
    page.locator(f"#update-{first.pk}").wait_for()
    # The arrival glow is over: axe judges the colours a reader reads in.
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")

    assert_no_axe_violations(page)
    assert tab.errors == []


def test_the_page_is_clean_after_the_script_applies_an_update_from_the_poll(new_reader):
    entry = make_entry(title="Keynote")
    for n in range(12):
        make_update(entry, f"Update number {n}, with enough text to need some room. " * 3)
    tab, page = open_page(new_reader, entry.get_absolute_url())
    page.get_by_role("button", name="Newest first").wait_for()
    # Scrolled down, the reader is offered the new update rather than moved.
    page.mouse.wheel(0, 2000)
    page.wait_for_function("() => scrollY > 1000")

    update = post_update(
        entry,
        "Breaking: **news**.",
        headline="Breaking",
        key_event=True,
        photos=[PhotoUpload(phone_jpeg(), "The scene", "Just now")],
    )
    page.locator(f"#update-{update.pk}").wait_for(state="attached")
    page.locator(".new-updates").wait_for()

    assert_no_axe_violations(page)
    assert tab.errors == []


def test_the_index_is_clean(new_reader):
    make_entry(title="Keynote", intro="Follow the *keynote* live.")
    make_entry(title="Launch day", status=Entry.Status.ENDED)
    tab, page = open_page(new_reader, reverse("entries:index"))

    assert_no_axe_violations(page)


def test_the_404_and_400_pages_are_clean(new_reader):
    entry = make_entry()
    tab, page = open_page(new_reader, "/entries/no-such-entry/")
    page.get_by_role("heading", name="Not found").wait_for()
    assert_no_axe_violations(page)

    page.goto(tab.live_server.url + entry.get_absolute_url() + "?before=abc")
    page.get_by_role("heading", name="Bad request").wait_for()
    assert_no_axe_violations(page)


def test_the_live_desk_with_updates_a_photo_and_the_summary_is_clean(desk):
    entry = make_entry(title="Keynote")
    fill(entry)
    page = desk.open(entry)
    page.locator(".desk-summary > summary").click()
    # Another author's summary arrives while this one has unsaved text.
    page.locator("#desk-summary").fill("- My unsaved point")
    set_summary(entry.pk, "- Their point")
    page.locator(".desk-summary-changed").wait_for()
    # A composition with a photo, refused for its missing alt text: the
    # photo's fields and both error messages are on the page.
    page.locator("#desk-content").fill("The crowd, **cheering**.")
    page.set_input_files(
        ".desk-file",
        files=[{"name": "crowd.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg().read()}],
    )
    page.locator(".desk-photo .desk-caption").fill("Hall A")
    page.click(".desk-post")
    page.locator(".desk-photos .desk-photo-error").wait_for()
    wait_for_photos(page)

    assert_no_axe_violations(page)
    assert desk.errors == []


def test_the_admins_entry_list_is_clean(desk):
    entry = make_entry(title="Keynote")
    make_update(entry)
    make_entry(title="Launch day", status=Entry.Status.ENDED)
    page = desk.page
    page.goto(desk.url + reverse("admin:entries_entry_changelist"))
    page.get_by_role("link", name="Keynote").wait_for()

    assert_no_axe_violations(page)


def test_the_check_names_each_violation_with_its_rule_impact_and_elements(browser):
    # Proof that the check runs the rules and reads their answer: without
    # it, a check that silently ran nothing would pass every page.
    page = browser.new_page()
    try:
        page.set_content(
            '<!doctype html><html lang="en"><title>Broken</title><main><h1>Broken</h1>'
            '<img src="data:," class="no-alt"><img src="data:," alt="">'
            "<button></button></main></html>"
        )
        violations = axe_violations(page)
    finally:
        page.close()

    found = {v["id"]: v for v in violations}
    assert {"image-alt", "button-name"} <= set(found)
    assert found["image-alt"]["impact"] == "critical"
    assert [node["target"] for node in found["image-alt"]["nodes"]] == [".no-alt"]
    report = describe(violations)
    assert "image-alt (critical): Images must have alternative text" in report
    assert "- .no-alt" in report
