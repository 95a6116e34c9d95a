"""A headline on the live desk (issue 22), in real Chromium: optional, kept
in the draft, never in the way of a quick post."""

import pytest

from tests.factories import make_entry, make_update
from updates.changes import edit_update
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_quick_post_needs_no_headline_and_a_typed_one_survives_a_reload_and_posts(desk):
    entry = make_entry()
    page = desk.open(entry)

    # The text box has the focus: typing and Ctrl+Enter post without a headline.
    page.keyboard.type("Doors open")
    page.keyboard.press("Control+Enter")
    page.locator(".desk-stream .desk-item-body", has_text="Doors open").wait_for()
    page.fill("#desk-headline", "Keynote starts")
    page.fill("#desk-content", "The CEO is on stage.")
    page.reload()
    page.locator("#desk-headline").wait_for()
    assert page.input_value("#desk-headline") == "Keynote starts"
    assert page.input_value("#desk-content") == "The CEO is on stage."
    page.focus("#desk-content")
    page.keyboard.press("Control+Enter")

    page.locator(".desk-stream .desk-item-headline", has_text="Keynote starts").wait_for()
    assert page.input_value("#desk-headline") == ""
    assert page.input_value("#desk-content") == ""
    assert list(LiveUpdate.objects.order_by("pk").values_list("headline", "content")) == [
        ("", "Doors open"),
        ("Keynote starts", "The CEO is on stage."),
    ]
    assert desk.errors == []


def test_a_headline_edited_inline_meets_another_authors_headline_in_the_conflict_and_keeps_mine(
    desk,
):
    entry = make_entry()
    update = make_update(entry, "The CEO is on stage.", headline="Keynote strats")
    page = desk.open(entry)
    item = page.locator(f"#desk-update-{update.pk}")
    item.get_by_role("button", name="Edit").click()
    item.locator(".desk-edit [name=headline]").fill("Keynote starts (Ada)")
    edit_update(LiveUpdate.objects.get(pk=update.pk), update.content, headline="Keynote starts")

    item.locator(".desk-edit [name=headline]").press("Control+Enter")
    conflict = item.locator(".desk-edit-conflict")
    conflict.wait_for()
    assert (
        conflict.locator(".desk-edit-theirs .desk-item-headline").inner_text() == "Keynote starts"
    )
    conflict.get_by_role("button", name="Keep mine").click()

    item.locator(".desk-item-headline", has_text="Keynote starts (Ada)").wait_for()
    assert LiveUpdate.objects.get(pk=update.pk).headline == "Keynote starts (Ada)"
    assert desk.errors == []
