"""Embeds in real Chromium (issue 22, item 3): a reader's page asks nothing of
the provider until the reader presses "Load from <provider>"; then the
player comes, from the provider's origin only; without JavaScript the
preview links to the original.

The provider is the stand-in on 127.0.0.1 (tests/oembed_stand_in.py): its
origin differs from the live server's by its port, as a provider's would.
"""

import pytest

from tests.accessibility import assert_no_axe_violations
from tests.factories import make_entry
from updates.changes import post_update

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
VIMEO = "https://vimeo.com/76979871"


def requests_of(tab) -> list[str]:
    """Every request the tab makes, from now on, its frames' too."""
    seen = []
    tab.page.on("request", lambda request: seen.append(request.url))
    return seen


def test_the_page_asks_no_other_origin_until_the_reader_loads_the_player(new_reader, providers):
    entry = make_entry()
    update = post_update(entry, f"Watch the keynote:\n\n{YOUTUBE}")
    providers.requests.clear()
    tab = new_reader()
    seen = requests_of(tab)
    page = tab.open(entry)
    button = page.get_by_role("button", name="Load from YouTube")
    button.wait_for()
    page.locator(".embed-thumbnail").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.embed-thumbnail').naturalWidth > 0")
    tab.wait_for_polls(1)
    assert_no_axe_violations(page)

    before = list(seen)
    button.focus()
    page.keyboard.press("Enter")
    frame = page.locator(f"#update-{update.pk} iframe")
    frame.wait_for()

    own = tab.live_server.url + "/"
    assert [url for url in before if not url.startswith(own)] == []
    assert frame.get_attribute("src") == f"{providers.origin}/embed/dQw4w9WgXcQ"
    assert frame.get_attribute("title") == "YouTube: Keynote <live> & more"
    # The keyboard is where the button was: on the player.
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"
    # The way to the original stays, below the player.
    assert page.locator(".embed-preview").get_attribute("href") == YOUTUBE
    assert tab.errors == []


def test_the_player_loads_after_the_click_from_the_providers_origin(new_reader, providers):
    entry = make_entry()
    post_update(entry, YOUTUBE)
    providers.requests.clear()
    tab = new_reader()
    seen = requests_of(tab)
    page = tab.open(entry)

    page.get_by_role("button", name="Load from YouTube").click()
    page.frame_locator("iframe").locator("text=Player").wait_for()
    assert_no_axe_violations(page)

    others = [url for url in seen if not url.startswith(tab.live_server.url + "/")]
    assert others == [f"{providers.origin}/embed/dQw4w9WgXcQ"]
    assert providers.requests == [("/embed/dQw4w9WgXcQ", {})]
    assert tab.errors == []


def test_an_embed_that_arrives_by_poll_gets_its_button_too(new_reader, providers):
    entry = make_entry()
    post_update(entry, "Doors open.")
    tab = new_reader()
    page = tab.open(entry)
    tab.wait_for_polls(1)

    update = post_update(entry, VIMEO)
    page.locator(f"#update-{update.pk}").wait_for()
    page.get_by_role("button", name="Load from Vimeo").click()

    frame = page.locator(f"#update-{update.pk} iframe")
    frame.wait_for()
    assert frame.get_attribute("src") == f"{providers.origin}/video/76979871"
    assert tab.errors == []


def test_without_javascript_the_preview_links_to_the_original(new_reader, providers):
    entry = make_entry()
    post_update(entry, YOUTUBE)
    providers.requests.clear()
    tab = new_reader(java_script_enabled=False)
    seen = requests_of(tab)
    page = tab.open(entry)

    preview = page.get_by_role("link", name="YouTube Keynote <live> & more Liveblog Channel")
    assert preview.get_attribute("href") == YOUTUBE
    assert page.locator(".embed-thumbnail").is_visible()
    assert page.get_by_role("button").count() == 0
    assert [url for url in seen if not url.startswith(tab.live_server.url + "/")] == []
    assert providers.requests == []
