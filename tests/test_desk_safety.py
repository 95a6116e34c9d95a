"""The desk is safe to run with one thumb (issue 19): status changes are
confirmed with their consequence, every control is large enough to tap, and
after the end the desk says so. In real Chromium."""

import pytest

from entries.models import Entry
from tests.browser import WAIT_MS
from tests.desk_tabs import attach, open_desk, sign_in
from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def desk_settings(settings, media_root):
    settings.LIVEBLOG_POLL_INTERVAL = 1
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def phone(browser, live_server, django_user_model):
    """An editor's desk on a 390-px phone."""
    editor = django_user_model.objects.create_user(
        "ada", first_name="Ada", is_staff=True, is_superuser=True
    )
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    context.set_default_timeout(WAIT_MS)
    sign_in(context, live_server, editor)
    yield context.new_page()
    context.close()


def status_of(entry) -> str:
    return Entry.objects.get(pk=entry.pk).status


@pytest.mark.parametrize(
    ("status", "button", "consequence", "after"),
    [
        ("draft", "Go live", "readers' pages update as you post", "live"),
        ("live", "End coverage", "Readers' pages stop updating", "ended"),
        ("ended", "Reopen coverage", "Readers' pages start updating again", "live"),
    ],
)
def test_a_status_change_acts_only_once_a_dialog_stating_its_consequence_is_confirmed(
    phone, live_server, status, button, consequence, after
):
    entry = make_entry(status=status)
    page = open_desk(phone, live_server, entry)

    page.locator(".desk-coverage").get_by_role("button", name=button).click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert consequence in dialog.inner_text()
    # Cancel has the focus: Enter after a stray tap changes nothing.
    assert page.evaluate("document.activeElement.textContent") == "Cancel"
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    assert status_of(entry) == status

    page.locator(".desk-coverage").get_by_role("button", name=button).click()
    dialog.get_by_role("button", name=button).click()
    page.locator(f".desk-status-{after}").wait_for()
    assert status_of(entry) == after


def test_end_coverage_sits_below_the_stream_far_from_the_compose_box(phone, live_server):
    entry = make_entry(status="live")
    make_update(entry, "One")
    page = open_desk(phone, live_server, entry)

    compose = page.locator(".desk-compose").bounding_box()
    end = page.get_by_role("button", name="End coverage").bounding_box()
    stream = page.locator(".desk-stream").bounding_box()

    assert end["y"] >= stream["y"] + stream["height"]
    assert end["y"] - (compose["y"] + compose["height"]) > 200


def test_after_the_end_the_compose_box_says_so_and_posts_a_correction(phone, live_server):
    entry = make_entry(status="ended")
    page = open_desk(phone, live_server, entry)

    assert "Coverage has ended" in page.locator(".desk-compose").inner_text()
    assert page.locator(".desk-post").inner_text() == "Post correction"
    page.fill("#desk-content", "Correction: the speaker was Grace Hopper")
    page.click(".desk-post")

    page.locator(".desk-stream .desk-item", has_text="Correction").wait_for()
    assert LiveUpdate.objects.get().entry == entry


def test_the_compose_box_learns_from_the_stream_that_another_editor_ended_coverage(
    phone, live_server
):
    entry = make_entry(status="live")
    page = open_desk(phone, live_server, entry)
    assert page.locator(".desk-post").inner_text() == "Post"
    assert page.locator(".desk-ended-note").is_hidden()

    entry.end()
    entry.save()

    page.locator(".desk-ended-note").wait_for()
    assert page.locator(".desk-post").inner_text() == "Post correction"


# Every control a thumb may need on the desk page: the admin's header and
# breadcrumbs included, as they are on the page. Left out: links in the
# text of an update (inline in a sentence, as WCAG 2.5.8 exempts them),
# and what is not shown. A file input drawn as its label is its label.
SMALL_CONTROLS = """() => {
  const small = [];
  for (const node of document.querySelectorAll("a[href], button, input, textarea, select, summary")) {
    if (node.closest(".desk-item-body")) continue;
    const target = node.matches(".desk-file") ? node.closest("label") : node;
    if (!target.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.width < 44 || box.height < 44) {
      small.push(`${target.tagName} "${(target.textContent || target.name || target.className).trim()
        .slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


def test_every_control_on_the_desk_is_at_least_44_px_square_at_390_px_wide(phone, live_server):
    entry = make_entry(status="live")
    make_update(entry, "Slides at [the conference site](https://example.com/slides)")
    pinned = make_update(entry, "Doors open")
    pinned.pinned = True
    pinned.save()
    page = open_desk(phone, live_server, entry)
    attach(page, "stage.jpg", phone_jpeg(800, 600).read())
    page.locator(".desk-photo").wait_for()
    small = page.evaluate(SMALL_CONTROLS)

    # An open inline editor, and an open confirmation dialog.
    page.locator(f"#desk-update-{pinned.pk}").get_by_role("button", name="Edit").click()
    small += page.evaluate(SMALL_CONTROLS)
    page.get_by_role("button", name="End coverage").click()
    page.get_by_role("dialog").wait_for()
    small += page.evaluate(SMALL_CONTROLS)

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert small == []
