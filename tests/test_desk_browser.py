"""The live desk in real Chromium, driven as an author would (issue 7)."""

import pytest
from django.urls import reverse

from tests.factories import make_entry, make_update
from tests.images import phone_jpeg
from updates.models import LiveUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def stream_texts(page) -> list[str]:
    return page.locator(".desk-stream .desk-item-body").all_inner_texts()


def test_an_update_posted_with_ctrl_enter_appears_at_once_and_the_box_clears_and_keeps_focus(desk):
    entry = make_entry()
    make_update(entry, "Earlier")
    page = desk.open(entry)
    assert page.evaluate("document.activeElement.id") == "desk-content"

    page.keyboard.type("The keynote **starts**")
    page.keyboard.press("Control+Enter")

    page.locator(".desk-stream strong", has_text="starts").wait_for()
    assert page.input_value("#desk-content") == ""
    assert page.evaluate("document.activeElement.id") == "desk-content"
    assert stream_texts(page)[0].startswith("The keynote starts")
    assert LiveUpdate.objects.get(content="The keynote **starts**").entry == entry
    assert page.locator(".desk-count-number").inner_text() == "2"
    assert desk.errors == []


def test_a_photo_chosen_with_the_file_picker_posts_with_its_alt_text(desk):
    entry = make_entry()
    page = desk.open(entry)
    upload = phone_jpeg(1200, 900)

    page.set_input_files(
        ".desk-file",
        files=[{"name": "stage.jpg", "mimeType": "image/jpeg", "buffer": upload.read()}],
    )
    page.locator(".desk-photo .desk-alt").fill("The stage from the back of the hall")
    page.locator(".desk-photo .desk-caption").fill("Hall A")
    page.click(".desk-post")

    page.locator('.desk-stream img[alt="The stage from the back of the hall"]').wait_for()
    assert page.locator(".desk-photos .desk-photo").count() == 0
    photo = LiveUpdate.objects.get().photos.get()
    assert (photo.alt, photo.caption) == ("The stage from the back of the hall", "Hall A")


def test_a_pasted_photo_is_attached_and_posted(desk):
    entry = make_entry()
    page = desk.open(entry)

    page.evaluate(
        """async () => {
            const canvas = document.createElement('canvas');
            canvas.width = 640; canvas.height = 480;
            canvas.getContext('2d').fillRect(0, 0, 320, 480);
            const blob = await new Promise(done => canvas.toBlob(done, 'image/png'));
            const data = new DataTransfer();
            data.items.add(new File([blob], 'image.png', {type: 'image/png'}));
            document.getElementById('desk-content').dispatchEvent(
                new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
        }"""
    )
    page.locator(".desk-photo .desk-alt").fill("A screenshot of the slide")
    page.locator(".desk-photo .desk-alt").press("Control+Enter")

    page.locator('.desk-stream img[alt="A screenshot of the slide"]').wait_for()
    assert LiveUpdate.objects.get().photos.get().files[-1]["width"] == 640


def test_a_photo_without_alt_text_is_refused_next_to_it_and_nothing_is_lost(desk):
    entry = make_entry()
    page = desk.open(entry)
    page.fill("#desk-content", "Look at this")
    page.set_input_files(
        ".desk-file",
        files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg().read()}],
    )

    page.click(".desk-post")

    error = page.locator(".desk-photo .desk-photo-error")
    error.wait_for()
    assert "Describe the photo in its alt text." in error.inner_text()
    assert page.input_value("#desk-content") == "Look at this"
    assert page.locator(".desk-photo").count() == 1
    assert page.evaluate("document.activeElement.className") == "desk-alt"
    assert not LiveUpdate.objects.exists()


def test_an_update_is_edited_inline_and_escape_cancels(desk):
    entry = make_entry()
    update = make_update(entry, "Tpyo here")
    page = desk.open(entry)
    item = page.locator(f"#desk-update-{update.pk}")

    item.get_by_role("button", name="Edit").click()
    editor = item.locator(".desk-edit textarea")
    editor.fill("Typo fixed")
    editor.press("Control+Enter")
    page.locator(f"#desk-update-{update.pk} .desk-item-body", has_text="Typo fixed").wait_for()
    page.locator(f"#desk-update-{update.pk}").get_by_role("button", name="Edit").click()
    page.locator(f"#desk-update-{update.pk} .desk-edit textarea").fill("Not this")
    page.keyboard.press("Escape")

    assert page.locator(f"#desk-update-{update.pk} .desk-edit").is_hidden()
    update.refresh_from_db()
    assert update.content == "Typo fixed" and update.edited is not None


def test_pin_key_event_and_delete_from_the_stream(desk):
    entry = make_entry()
    keep, doomed = make_update(entry, "Keep me"), make_update(entry, "Delete me")
    page = desk.open(entry)
    page.on("dialog", lambda dialog: dialog.accept())

    page.locator(f"#desk-update-{keep.pk}").get_by_role("button", name="Pin").click()
    page.locator(f"#desk-update-{keep.pk}.is-pinned").wait_for()
    page.locator(f"#desk-update-{keep.pk}").get_by_role("button", name="Key event").click()
    page.locator(f"#desk-update-{keep.pk}.is-key-event").wait_for()
    page.locator(f"#desk-update-{doomed.pk}").get_by_role("button", name="Delete").click()
    page.locator(f"#desk-update-{doomed.pk}").wait_for(state="detached")

    keep.refresh_from_db()
    assert (keep.pinned, keep.key_event) == (True, True)
    assert not LiveUpdate.objects.filter(pk=doomed.pk).exists()
    assert page.locator(".desk-count-number").inner_text() == "1"


def test_a_post_answered_with_503_keeps_the_text_even_across_a_reload(desk):
    entry = make_entry()
    page = desk.open(entry)
    post_url = "**" + reverse("admin:entries_entry_desk_post", args=[entry.pk])
    page.route(post_url, lambda route: route.fulfill(status=503, body="Service Unavailable"))

    page.fill("#desk-content", "Typed during the outage")
    page.keyboard.press("Control+Enter")
    page.locator(".desk-compose .desk-error", has_text="503").wait_for()
    assert page.input_value("#desk-content") == "Typed during the outage"
    page.reload()
    page.locator("#desk-content").wait_for()
    assert page.input_value("#desk-content") == "Typed during the outage"
    page.unroute(post_url)
    page.click(".desk-post")

    page.locator(".desk-stream .desk-item", has_text="Typed during the outage").wait_for()
    assert LiveUpdate.objects.get().content == "Typed during the outage"


def test_a_double_ctrl_enter_posts_once(desk):
    entry = make_entry()
    page = desk.open(entry)
    page.fill("#desk-content", "Only once")
    posts = []
    page.on("request", lambda r: r.method == "POST" and "/desk/post/" in r.url and posts.append(r))

    page.keyboard.press("Control+Enter")
    page.keyboard.press("Control+Enter")
    page.locator(".desk-stream .desk-item", has_text="Only once").wait_for()
    # Every post sent has been answered, then a stream poll sent after that
    # has been applied (the desk sends the next only once it has): a second
    # update would show by now.
    for request in posts:
        assert request.response() is not None
    stream = reverse("admin:entries_entry_desk_stream", args=[entry.pk])
    for _ in range(2):
        with page.expect_request(lambda r: stream in r.url):
            pass

    assert LiveUpdate.objects.filter(content="Only once").count() == 1
    assert page.locator(".desk-stream .desk-item").count() == 1


def test_another_authors_update_appears_from_the_stream(desk):
    entry = make_entry()
    page = desk.open(entry)

    other = make_update(entry, "From the other author")

    page.locator(f"#desk-update-{other.pk}").wait_for()
    other.delete()
    page.locator(f"#desk-update-{other.pk}").wait_for(state="detached")
