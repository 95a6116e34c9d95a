"""Photos in updates (issue 7): accepted by content, resized, stripped of
metadata, rendered into the stored fragment, served for a year, removed
with their update."""

import io
import tracemalloc
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from PIL import Image

from tests.checks import assert_shared
from tests.factories import make_entry, make_update
from tests.images import HEIC, SVG, display_p3_profile, encoded, phone_jpeg, png_claiming
from updates import photos as photo_files
from updates.changes import PhotoUpload, post_update
from updates.models import LiveUpdate, Photo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def post_photo(entry, upload, alt="Slide: the roadmap", caption="", content=""):
    return post_update(entry, content, photos=[PhotoUpload(upload, alt, caption)])


def fetch(client, url: str):
    response = client.get(url)
    return response, b"".join(response.streaming_content) if response.streaming else b""


def test_a_phone_photo_is_stored_in_web_sizes_never_wider_than_the_original():
    entry = make_entry()

    big = post_photo(entry, phone_jpeg(2000, 1500)).photos.get()
    small = post_photo(make_entry(), phone_jpeg(700, 500)).photos.get()

    assert [(f["width"], f["height"]) for f in big.files] == [(480, 360), (960, 720), (1600, 1200)]
    assert [(f["width"], f["height"]) for f in small.files] == [(480, 343), (700, 500)]
    assert all(f["name"].startswith(f"photos/{big.key}-") for f in big.files)


def test_served_files_carry_no_exif_and_no_position(client):
    update = post_photo(make_entry(), phone_jpeg(1200, 900))

    for size in update.photos.get().sizes():
        response, body = fetch(client, size["url"])
        assert response.status_code == 200
        image = Image.open(io.BytesIO(body))
        assert image.format == "WEBP"
        assert dict(image.getexif()) == {}
        assert not image.info.get("exif") and not image.info.get("xmp")
        assert b"Exif" not in body and b"PhoneMaker" not in body


def test_the_exif_orientation_is_applied_before_it_is_dropped(client, media_root):
    # Orientation 6: the camera was turned; the picture must stand upright.
    update = post_photo(make_entry(), phone_jpeg(800, 600, orientation=6))

    sizes = update.photos.get().sizes()
    assert [(size["width"], size["height"]) for size in sizes] == [(480, 640), (600, 800)]
    image = Image.open(media_root / sizes[0]["name"]).convert("RGB")
    # The blue left half of the sensor is now the top.
    top, bottom = image.getpixel((240, 20)), image.getpixel((240, 620))
    assert top[2] > 150 > top[0] and bottom[0] > 150 > bottom[2]


def test_png_webp_and_the_first_frame_of_a_gif_are_accepted(media_root):
    entry = make_entry()
    frames = [Image.new("RGB", (600, 400), colour) for colour in ("green", "red")]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])

    for upload in [
        encoded(Image.new("RGBA", (600, 400), (0, 0, 0, 0)), "PNG", "clear.png"),
        encoded(Image.new("RGB", (600, 400)), "WEBP", "a.webp"),
        SimpleUploadedFile("anim.gif", gif.getvalue()),
    ]:
        post_photo(entry, upload)

    clear, _, gif_photo = Photo.objects.order_by("pk")
    first = Image.open(media_root / gif_photo.files[0]["name"])
    assert first.convert("RGB").getpixel((10, 10))[1] > 100  # green, the first frame
    assert Image.open(media_root / clear.files[0]["name"]).mode == "RGBA"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SVG, "SVG images are not accepted"),
        (SimpleUploadedFile("IMG_0001.heic", HEIC), "HEIC photos are not accepted"),
        (SimpleUploadedFile("notes.jpg", b"just some text " * 100), "not a photo in a format"),
        (encoded(Image.new("RGB", (60, 40)), "BMP", "old.bmp"), "BMP images are not accepted"),
        (png_claiming(10_000, 6_000), "too large (10000 × 6000): at most 24 megapixels for a PNG"),
        (SimpleUploadedFile("huge.jpg", b"\xff" * (20 * 1024 * 1024 + 1)), "at most 20 MB"),
    ],
    ids=["svg", "heic", "text", "bmp", "60-megapixels", "over-20-MB"],
)
def test_what_is_not_an_accepted_photo_is_refused_with_a_reason_and_nothing_is_stored(
    upload, message, media_root
):
    entry = make_entry()

    with pytest.raises(ValidationError) as refused:
        post_photo(entry, upload)

    assert message in str(refused.value)
    assert not LiveUpdate.objects.exists()
    assert stored_files(media_root) == []


def test_a_decompression_bomb_is_refused_from_its_header_in_bounded_memory():
    bomb = png_claiming(60_000, 60_000)  # 3.6 gigapixels: 10 GB decoded

    tracemalloc.start()
    with pytest.raises(ValidationError):
        post_photo(make_entry(), bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert peak < 5 * 1024 * 1024


def test_a_photo_without_alt_text_is_refused_and_nothing_is_posted(media_root):
    with pytest.raises(ValidationError) as refused:
        post_photo(make_entry(), phone_jpeg(), alt="  ")

    assert refused.value.message_dict == {"photo-0": ["Describe the photo in its alt text."]}
    assert not LiveUpdate.objects.exists()
    assert stored_files(media_root) == []


def test_the_fragment_shows_a_figure_with_sizes_alt_caption_and_a_link_to_the_largest():
    update = post_photo(
        make_entry(),
        phone_jpeg(2000, 1500),
        alt='The roadmap slide: "2027" in large type',
        caption="The last slide",
        content="",
    )
    update.refresh_from_db()
    photo = update.photos.get()
    small, middle, large = photo.sizes()

    assert '<figure class="update-photo">' in update.fragment
    assert f'<a href="{large["url"]}"><img src="{middle["url"]}"' in update.fragment
    assert (
        f'srcset="{small["url"]} 480w, {middle["url"]} 960w, {large["url"]} 1600w"'
        in update.fragment
    )
    assert 'width="960" height="720"' in update.fragment
    assert 'alt="The roadmap slide: &quot;2027&quot; in large type"' in update.fragment
    assert 'loading="lazy" decoding="async"' in update.fragment
    assert "<figcaption>The last slide</figcaption>" in update.fragment
    assert large["url"].startswith("/media/photos/")


@pytest.mark.parametrize(
    ("width", "shown"), [(400, 400), (700, 700), (1200, 960)], ids=["one", "two", "three"]
)
def test_browsers_without_srcset_get_the_middle_size_or_the_photo_itself(width, shown):
    # A photo narrower than a size is stored only up to its own width: one,
    # two or three sizes. The plain src is the second when there is one.
    update = post_photo(make_entry(), phone_jpeg(width, width * 3 // 4))
    update.refresh_from_db()

    assert '<img src="/media/photos/' in update.fragment
    assert f'width="{shown}" height="{shown * 3 // 4}" alt=' in update.fragment


def test_a_post_the_database_refuses_after_its_photos_were_stored_leaves_no_files(
    media_root, admin_user
):
    # The same composition, committed by another request a moment earlier.
    entry = make_entry()
    make_update(
        entry, "Posted a moment earlier", author=admin_user, idempotency_key="composition-1"
    )

    with pytest.raises(IntegrityError):
        post_update(
            entry,
            "",
            author=admin_user,
            photos=[PhotoUpload(phone_jpeg(), "Stage")],
            idempotency_key="composition-1",
        )

    assert stored_files(media_root) == []


def test_a_refused_post_of_a_photo_another_update_shows_keeps_that_updates_files(
    media_root, admin_user
):
    entry = make_entry()
    shown = post_photo(entry, phone_jpeg())
    files = stored_files(media_root)
    make_update(
        entry, "Posted a moment earlier", author=admin_user, idempotency_key="composition-2"
    )

    with pytest.raises(IntegrityError):
        post_update(
            entry,
            "",
            author=admin_user,
            photos=[PhotoUpload(phone_jpeg(), "Again")],
            idempotency_key="composition-2",
        )

    assert files and stored_files(media_root) == files
    assert shown.photos.get().files


def test_a_storage_failure_reaches_the_caller_and_leaves_no_files(media_root, monkeypatch):
    store = photo_files.store

    def store_one_then_fail(processed):
        if stored_files(media_root):
            raise OSError("No space left on device")
        return store(processed)

    monkeypatch.setattr(photo_files, "store", store_one_then_fail)
    photos = [
        PhotoUpload(phone_jpeg(1200, 900), "Stage"),
        PhotoUpload(phone_jpeg(800, 600), "Hall"),
    ]

    with pytest.raises(OSError, match="No space left on device"):
        post_update(make_entry(), "", photos=photos)

    assert stored_files(media_root) == []
    assert not LiveUpdate.all_objects.exists()


def test_the_page_and_the_poll_show_the_photo_from_one_revision(client):
    entry = make_entry()
    make_update(entry, "Before")
    update = post_photo(entry, phone_jpeg(), content="The slide")

    body = client.get(reverse("updates:poll", kwargs={"slug": entry.slug}), {"since": 1}).json()
    page = client.get(entry.get_absolute_url()).content.decode()

    (item,) = body["updates"]
    assert item["id"] == update.pk and body["revision"] == 2
    assert "<figure" in item["html"]
    assert item["html"] in page


def test_photo_files_are_served_for_a_year_with_the_usual_headers(client):
    update = post_photo(make_entry(), phone_jpeg())
    url = update.photos.get().sizes()[0]["url"]

    response, body = fetch(client, url)

    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Referrer-Policy" in response
    assert_shared(response)
    assert len(body) == int(response["Content-Length"])


def test_unknown_and_made_up_media_paths_are_404(client):
    assert client.get("/media/photos/" + "0" * 64 + "-480.webp").status_code == 404
    assert client.get("/media/../settings.py").status_code == 404
    assert client.get("/media/photos/x.svg").status_code == 404


def test_deleting_an_update_removes_its_files_once_committed(
    media_root, django_capture_on_commit_callbacks
):
    entry = make_entry()
    kept = post_photo(entry, phone_jpeg(1000, 800))
    doomed = post_photo(entry, phone_jpeg(1200, 900))
    assert len(stored_files(media_root)) == 6

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        doomed.delete()
    assert len(stored_files(media_root)) == 6  # not before the commit
    for callback in callbacks:
        callback()

    assert len(stored_files(media_root)) == 3
    assert {p.name for p in stored_files(media_root)} == {
        Path(f["name"]).name for f in kept.photos.get().files
    }
    assert not Photo.objects.filter(update=doomed).exists()


def test_the_same_file_in_two_updates_is_stored_once_and_kept_while_used(
    media_root, django_capture_on_commit_callbacks
):
    entry = make_entry()
    upload = phone_jpeg(1000, 800)
    first = post_photo(entry, upload)
    upload.seek(0)
    second = post_photo(entry, upload)
    assert len(stored_files(media_root)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        first.delete()
    assert len(stored_files(media_root)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        second.delete()
    assert stored_files(media_root) == []


def test_deleting_an_entry_removes_its_photos_files(media_root, django_capture_on_commit_callbacks):
    entry = make_entry()
    post_photo(entry, phone_jpeg())

    with django_capture_on_commit_callbacks(execute=True):
        entry.delete()

    assert stored_files(media_root) == []


def test_a_photo_is_named_by_its_alt_text_cut_to_sixty_characters():
    alt = "The keynote stage from the back of the hall, with the slide about the roadmap"

    assert str(Photo(alt=alt)) == alt[:60]


def test_the_stock_admin_adds_a_photo_with_its_alt_text_in_an_inline(staff_client, media_root):
    entry = make_entry()
    form = {
        "entry": entry.pk,
        "content": "From the stock form",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-0-image": phone_jpeg(),
        "photos-0-alt": "The stage",
        "photos-0-caption": "",
        "photos-0-position": "0",
    }

    response = staff_client.post(reverse("admin:updates_liveupdate_add"), form)

    assert response.status_code == 302
    update = LiveUpdate.objects.get()
    assert update.photos.get().alt == "The stage"
    assert 'alt="The stage"' in update.fragment
    assert len(stored_files(media_root)) == 3


def test_a_stock_admin_save_that_fails_after_storing_a_photo_leaves_no_files(
    staff_client, media_root, monkeypatch
):
    # The admin's inline stores by the same path as the desk (changes.PhotoFiles):
    # the first photo's files, written in the save's transaction, go with it.
    store = photo_files.store

    def store_one_then_fail(processed):
        if stored_files(media_root):
            raise OSError("No space left on device")
        return store(processed)

    monkeypatch.setattr(photo_files, "store", store_one_then_fail)
    form = {"entry": make_entry().pk, "content": "Two photos", "photos-TOTAL_FORMS": "2",
            "photos-INITIAL_FORMS": "0"}  # fmt: skip
    for index, (width, alt) in enumerate([(1200, "The stage"), (800, "The hall")]):
        form |= {f"photos-{index}-image": phone_jpeg(width, width * 3 // 4),
                 f"photos-{index}-alt": alt, f"photos-{index}-position": str(index)}  # fmt: skip

    with pytest.raises(OSError, match="No space left on device"):
        staff_client.post(reverse("admin:updates_liveupdate_add"), form)

    assert stored_files(media_root) == []
    assert not LiveUpdate.all_objects.exists()


def test_the_stock_admin_refuses_a_photo_without_alt_text_or_of_the_wrong_kind(staff_client):
    entry = make_entry()
    form = {
        "entry": entry.pk,
        "content": "Text",
        "photos-TOTAL_FORMS": "2",
        "photos-INITIAL_FORMS": "0",
        "photos-0-image": phone_jpeg(),
        "photos-0-alt": "",
        "photos-0-position": "0",
        "photos-1-image": SimpleUploadedFile("x.svg", SVG.read()),
        "photos-1-alt": "A logo",
        "photos-1-position": "1",
    }

    page = staff_client.post(reverse("admin:updates_liveupdate_add"), form).content.decode()

    assert "This field is required." in page
    assert "SVG images are not accepted" in page
    assert not LiveUpdate.objects.exists()


def test_a_new_file_for_a_photo_in_the_stock_admin_replaces_the_old_files(
    staff_client, media_root, django_capture_on_commit_callbacks
):
    update = post_photo(make_entry(), phone_jpeg(1000, 800), content="Text")
    photo = update.photos.get()
    old = {f["name"] for f in photo.files}
    form = {
        "content": "Text",
        "published_0": update.published.strftime("%Y-%m-%d"),
        "published_1": update.published.strftime("%H:%M:%S"),
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "1",
        "photos-0-id": photo.pk,
        "photos-0-update": update.pk,
        "photos-0-image": phone_jpeg(1200, 900),
        "photos-0-alt": "The stage, closer",
        "photos-0-position": "0",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:updates_liveupdate_change", args=[update.pk]), form
        )

    assert response.status_code == 302
    photo.refresh_from_db()
    names = {p.relative_to(media_root).as_posix() for p in stored_files(media_root)}
    assert names == {f["name"] for f in photo.files} and not names & old
    assert 'alt="The stage, closer"' in LiveUpdate.objects.get().fragment


def test_a_long_screenshot_is_stored_no_taller_than_webp_allows(media_root):
    # 1,000 × 20,000: its 960- and 1,000-wide sizes would be over WebP's 16,383.
    screenshot = Image.linear_gradient("L").resize((1000, 20000))

    photo = post_photo(make_entry(), encoded(screenshot, "PNG", "long.png")).photos.get()

    assert [(f["width"], f["height"]) for f in photo.files] == [(480, 9600), (819, 16380)]
    assert Image.open(media_root / photo.files[-1]["name"]).size == (819, 16380)


def test_a_16_bit_greyscale_png_keeps_its_greys(media_root):
    # Mid-grey in 16 bits is 32,896; clipped to 8 bits it was white.
    grey = Image.new("I", (600, 400), 32896).convert("I;16")
    upload = encoded(grey, "PNG", "scan.png")
    assert Image.open(upload).mode == "I;16"

    photo = post_photo(make_entry(), upload).photos.get()

    stored = Image.open(media_root / photo.files[0]["name"]).convert("RGB")
    assert all(abs(channel - 128) <= 2 for channel in stored.getpixel((100, 100)))


def test_a_display_p3_photo_is_converted_to_srgb_before_its_profile_is_dropped(media_root):
    # A saturated red in Display P3; in sRGB it needs more red, less green
    # and blue (worked out by hand from the two spaces' primaries).
    p3_red = Image.new("RGB", (600, 400), (220, 60, 50))
    upload = encoded(p3_red, "PNG", "phone.png", icc_profile=display_p3_profile())

    photo = post_photo(make_entry(), upload).photos.get()

    stored = Image.open(media_root / photo.files[0]["name"])
    assert "icc_profile" not in stored.info
    red, green, blue = stored.convert("RGB").getpixel((100, 100))
    assert abs(red - 241) <= 3 and abs(green - 30) <= 3 and abs(blue - 30) <= 3
