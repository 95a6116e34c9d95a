"""Nothing typed or attached on the desk is lost across reloads, and no one
else sees it (issue 19): in real Chromium."""

import pytest
from django.core.signals import request_started
from django.urls import reverse

from tests.browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from tests.desk_tabs import attach, open_desk, sign_in, stored_files, wait_for_stored_files
from tests.factories import make_entry
from tests.images import large_phone_jpeg, phone_jpeg
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def desk_settings(settings, media_root):
    settings.LIVEBLOG_POLL_INTERVAL = 1
    # The live server speaks plain HTTP: cookies must not need HTTPS.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False


def make_author(django_user_model, username: str):
    return django_user_model.objects.create_user(username, is_staff=True, is_superuser=True)


@pytest.fixture
def ada(django_user_model):
    return make_author(django_user_model, "ada")


@pytest.fixture
def tab(browser, live_server, ada):
    """Ada's tab on a shared machine's browser."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    sign_in(context, live_server, ada)
    yield context.new_page()
    context.close()


def photo_fields(page) -> list[tuple[str, str]]:
    return [
        (photo.locator(".desk-alt").input_value(), photo.locator(".desk-caption").input_value())
        for photo in page.locator(".desk-photos .desk-photo").all()
    ]


def thumbnail_loaded(page) -> bool:
    return page.eval_on_selector(".desk-photo .desk-thumb", "img => img.naturalWidth > 0")


def test_photos_with_their_alt_text_and_caption_survive_a_reload_and_a_browser_restart(
    browser, live_server, ada, tmp_path
):
    entry = make_entry()
    profile = tmp_path / "profile"

    def start_browser():
        context = browser.browser_type.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        sign_in(context, live_server, ada)
        return context, open_desk(context.pages[0], live_server, entry)

    context, page = start_browser()
    page.fill("#desk-content", "The stage, before the keynote")
    attach(page, "stage.jpg", phone_jpeg(1200, 900).read())
    page.fill(".desk-photo .desk-alt", "An empty stage under blue lights")
    page.fill(".desk-photo .desk-caption", "Hall A, 9:55")
    wait_for_stored_files(page, 1)

    page.reload()
    page.locator(".desk-photo").wait_for()
    assert photo_fields(page) == [("An empty stage under blue lights", "Hall A, 9:55")]
    context.close()

    context, page = start_browser()
    try:
        page.locator(".desk-photo").wait_for()
        assert page.input_value("#desk-content") == "The stage, before the keynote"
        assert photo_fields(page) == [("An empty stage under blue lights", "Hall A, 9:55")]
        assert thumbnail_loaded(page)
        page.click(".desk-post")
        page.locator('.desk-stream img[alt="An empty stage under blue lights"]').wait_for()
        photo = LiveUpdate.objects.get().photos.get()
        assert (photo.alt, photo.caption) == ("An empty stage under blue lights", "Hall A, 9:55")
        assert photo.files[-1]["width"] == 1200

        # Confirmed by the server: nothing of it is restored any more.
        wait_for_stored_files(page, 0)
        page.reload()
        page.locator("#desk-content").wait_for()
        page.wait_for_timeout(300)
        assert page.input_value("#desk-content") == ""
        assert page.locator(".desk-photo").count() == 0
    finally:
        context.close()


def test_a_removed_photo_stays_removed_after_a_reload(tab, live_server):
    page = open_desk(tab, live_server, make_entry())
    attach(page, "a.jpg", phone_jpeg(800, 600).read())
    attach(page, "b.jpg", phone_jpeg(600, 800).read())
    page.locator(".desk-photo .desk-alt").nth(0).fill("First")
    page.locator(".desk-photo .desk-alt").nth(1).fill("Second")
    page.locator(".desk-photo").nth(0).get_by_role("button", name="Remove this photo").click()
    wait_for_stored_files(page, 1)

    page.reload()
    page.locator(".desk-photo").wait_for()
    assert photo_fields(page) == [("Second", "")]


def test_the_next_author_on_the_same_browser_does_not_see_the_draft(
    tab, live_server, ada, django_user_model
):
    entry = make_entry()
    page = open_desk(tab, live_server, entry)
    page.fill("#desk-content", "Ada's unsent notes")
    attach(page, "a.jpg", phone_jpeg(800, 600).read())
    page.fill(".desk-photo .desk-alt", "Ada's photo")
    wait_for_stored_files(page, 1)

    sign_in(page.context, live_server, make_author(django_user_model, "grace"))
    open_desk(page, live_server, entry)
    page.wait_for_timeout(300)
    assert page.input_value("#desk-content") == ""
    assert page.locator(".desk-photo").count() == 0
    page.fill("#desk-content", "Grace's own")

    sign_in(page.context, live_server, ada)
    open_desk(page, live_server, entry)
    page.locator(".desk-photo").wait_for()
    assert page.input_value("#desk-content") == "Ada's unsent notes"
    assert photo_fields(page) == [("Ada's photo", "")]


def test_signing_out_forgets_the_draft_and_its_photos(tab, live_server, ada):
    entry = make_entry()
    page = open_desk(tab, live_server, entry)
    page.fill("#desk-content", "Not for the next person")
    attach(page, "a.jpg", phone_jpeg(800, 600).read())
    wait_for_stored_files(page, 1)

    page.locator("#logout-form button").click()
    page.wait_for_url("**" + reverse("admin:logout"))
    sign_in(page.context, live_server, ada)
    open_desk(page, live_server, entry)
    page.wait_for_timeout(300)

    assert page.input_value("#desk-content") == ""
    assert page.locator(".desk-photo").count() == 0
    assert stored_files(page) == 0


def test_leaving_warns_while_photos_are_attached_that_the_browser_cannot_keep(tab, live_server):
    # A browser without IndexedDB (or with its storage refused).
    tab.add_init_script("Object.defineProperty(window, 'indexedDB', {value: undefined})")
    page = open_desk(tab, live_server, make_entry())
    page.keyboard.type("With a photo")
    attach(page, "a.jpg", phone_jpeg(800, 600).read())
    page.locator(".desk-photo").wait_for()
    page.wait_for_timeout(200)

    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)

    assert asked.value.type == "beforeunload"
    asked.value.accept()


def test_leaving_does_not_warn_when_the_photos_are_kept(tab, live_server):
    page = open_desk(tab, live_server, make_entry())
    attach(page, "a.jpg", phone_jpeg(800, 600).read())
    wait_for_stored_files(page, 1)

    warned = page.evaluate(
        """() => {
            const leaving = new Event('beforeunload', {cancelable: true});
            window.dispatchEvent(leaving);
            return leaving.defaultPrevented;
        }"""
    )
    assert warned is False


@pytest.fixture
def posted_bytes():
    """The size of each post's body as the server received it (its
    Content-Length: Chromium tells Playwright nothing of a body with files)."""
    sizes = []

    def record(sender, environ, **kwargs):
        if environ.get("PATH_INFO", "").endswith("/desk/post/"):
            sizes.append(int(environ.get("CONTENT_LENGTH") or 0))

    request_started.connect(record, weak=False)
    yield sizes
    request_started.disconnect(record)


def test_a_large_phone_photo_is_shrunk_and_turned_upright_before_it_is_sent(
    tab, live_server, posted_bytes
):
    entry = make_entry()
    page = open_desk(tab, live_server, entry)
    # A conference hall's uplink (scripts/desk_upload_timing.py times it):
    # the original takes some 15 s to send, this shrunk copy under 5.
    network = tab.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 40, "uploadThroughput": 3e6 / 8, "downloadThroughput": -1},
    )
    # Taken in portrait: stored 4,000 × 3,000 with EXIF saying "turn it".
    original = large_phone_jpeg(orientation=6)

    attach(page, "IMG_2041.jpg", original)
    page.fill(".desk-photo .desk-alt", "The speaker at the lectern")
    page.click(".desk-post")

    page.locator('.desk-stream img[alt="The speaker at the lectern"]').wait_for()
    assert len(posted_bytes) == 1 and posted_bytes[0] < len(original) / 3, posted_bytes
    largest = LiveUpdate.objects.get().photos.get().files[-1]
    # Upright, and as large as the server stores from the original (1600 ×
    # 2133), give or take the rounding of one more resize.
    assert largest["width"] == 1600 and abs(largest["height"] - 2133) <= 1


def test_where_the_browser_cannot_shrink_a_photo_the_original_is_sent(
    tab, live_server, posted_bytes
):
    tab.add_init_script("delete window.createImageBitmap")
    entry = make_entry()
    page = open_desk(tab, live_server, entry)
    original = large_phone_jpeg(orientation=6)

    attach(page, "IMG_2041.jpg", original)
    page.fill(".desk-photo .desk-alt", "The speaker at the lectern")
    page.click(".desk-post")

    page.locator('.desk-stream img[alt="The speaker at the lectern"]').wait_for()
    assert posted_bytes[0] > len(original)
    largest = LiveUpdate.objects.get().photos.get().files[-1]
    assert (largest["width"], largest["height"]) == (1600, 2133)
