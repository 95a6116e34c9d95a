"""Photos on a reader's page in real Chromium: a tall photo and its caption fit
on a laptop screen together, in the space reserved before it loads (issue 20)."""

import pytest

from tests.factories import make_entry
from tests.images import phone_jpeg
from updates.changes import PhotoUpload, post_update

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]

LAPTOP = {"width": 1280, "height": 800}

# The photo's box, the picture drawn in it (object-fit), and its caption.
MEASURE = """figure => {
  const image = figure.querySelector("img");
  const box = image.getBoundingClientRect();
  const caption = figure.querySelector("figcaption").getBoundingClientRect();
  const style = getComputedStyle(image);
  return { top: box.top, width: box.width, height: box.height, captionBottom: caption.bottom,
           fit: style.objectFit, natural: [image.naturalWidth, image.naturalHeight] };
}"""


def test_a_3_by_4_photo_and_its_caption_fit_in_a_1280_by_800_window(new_reader):
    entry = make_entry()
    update = post_update(
        entry, "", photos=[PhotoUpload(phone_jpeg(width=1200, height=1600), "The CEO", "Day one")]
    )
    figure_selector = f"#update-{update.pk} figure"
    waiting = new_reader(viewport=LAPTOP)
    waiting.page.route("**/media/**", lambda route: None)  # the photo never arrives
    waiting.open(entry)
    reserved = waiting.page.locator(figure_selector).evaluate(MEASURE)
    tab = new_reader(viewport=LAPTOP)
    page = tab.open(entry)
    figure = page.locator(figure_selector)
    figure.scroll_into_view_if_needed()
    page.wait_for_function(
        "selector => document.querySelector(selector + ' img').naturalWidth > 0",
        arg=figure_selector,
    )
    page.evaluate("selector => document.querySelector(selector).scrollIntoView()", figure_selector)

    shown = figure.evaluate(MEASURE)

    assert shown["captionBottom"] - shown["top"] <= LAPTOP["height"]
    assert shown["height"] <= 0.8 * LAPTOP["height"] + 0.5
    # The same box before and after it loads: nothing below it jumps.
    assert (reserved["width"], reserved["height"]) == (shown["width"], shown["height"])
    # Drawn whole in its box, in its own shape (3:4), neither cut nor stretched.
    assert shown["fit"] == "contain"
    assert shown["natural"][0] / shown["natural"][1] == pytest.approx(3 / 4, rel=0.01)
    assert tab.errors == []
