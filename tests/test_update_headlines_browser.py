"""A headline on the live desk (issue 22), in real Chromium: optional, kept
in the draft, never in the way of a quick post."""

import pytest

from tests.factories import make_entry
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
