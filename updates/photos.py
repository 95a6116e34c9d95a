"""Photos in updates: what is accepted, what is stored, and when it goes.

- Accepted by content, never by name: Pillow must recognise a JPEG, PNG,
  WebP or GIF (its first frame). SVG, HEIC and anything else are refused
  with a message saying so, and so are files over MAX_BYTES, images over
  MAX_PIXELS (JPEG) or MAX_DECODED_PIXELS (the others), and images more
  than MAX_ASPECT times longer than wide or the reverse. All of it is read
  from the header before any pixel is decoded, so a decompression bomb is
  refused at the cost of reading its header.
- Bounded cost (issue 17): JPEGs are decoded at the smallest scale that
  still covers the largest web size (Pillow's draft mode); the other
  formats cannot be, hence their lower cap. The decoded image is reduced to
  the largest stored size at once, and only that small copy is turned,
  colour-converted and resized. At most SLOTS photos are decoded at once
  per process; a photo that waits more than WAIT_SECONDS for a slot raises
  Busy, which the desk and the admin answer with a 503 and Retry-After.
- Stored: EXIF orientation applied, colours converted to sRGB from the
  file's ICC profile (a Display P3 phone photo would otherwise look dull
  or shifted), 16-bit greyscale scaled to 8 bits, then nothing but the
  pixels is written (no EXIF, GPS, XMP or ICC data: a phone's position is
  never published), as WebP at WIDTHS that are narrower than the original
  (never upscaled) and never taller than WebP's MAX_HEIGHT, under names
  derived from the uploaded file's SHA-256 (Photo.key):
  photos/<key>-<width>.webp. A name always means the same bytes (a file
  that exists is never written again) and may be cached forever; the same
  file posted twice shares its files.
- Gone: files are removed once the deletion of their photo (or of its
  update, or entry) has committed, and only if no photo uses them then
  (Photo.remove_files_after_commit, updates/models.py). The CDN forgets
  them by their tag, `photo-<key>` (photo_tag), purged after each deletion.
- One writer or remover of a key's files at a time: claim() (in the
  transaction that inserts the photo row) and Photo.remove_unused_files
  (which decides to remove them) take the key's lock (lock_files), so a
  deletion never removes the files of a photo of the same file being
  posted: either it sees that photo's row, or the post writes the files again.

Files are written to STORAGES["default"] before the rows that name them are
committed (by the desk and commands before the transaction, by the admin
in it), and claimed again under the lock with them; a save that does not
commit removes them again (updates/changes.py, PhotoFiles: the one path
every photo is stored by).
"""

import hashlib
import io
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from liveblog import purge

MAX_BYTES = 20 * 1024 * 1024
# Photos in one update, on the desk and in the admin's inline.
MAX_PHOTOS = 10
# JPEGs decode at 1/8 scale at most: a 50-megapixel one needs under 30 MB.
MAX_PIXELS = 50_000_000
# PNG, WebP and GIF decode whole, at up to 4 bytes a pixel, and reducing
# RGBA takes a premultiplied copy; Pillow's WebP decoder holds two more
# copies. These keep a worker under 300 MB (scripts/photo_timing.py).
# A phone's 12-megapixel photo is 4,032 × 3,024.
MAX_DECODED_PIXELS = {"PNG": 24_000_000, "GIF": 24_000_000, "WEBP": 12_500_000}
# A 1 × 50,000,000 PNG is no photo; a long screenshot is 1 × 20 or so.
MAX_ASPECT = 40
# WebP's own limit on either side.
MAX_HEIGHT = 16_383
WIDTHS = (480, 960, 1600)
QUALITY = 80
ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF"}
# Pillow refuses to open anything larger outright (and warns from half of
# it); our own check on the header's dimensions comes first.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Photos decoded at once per process, and how long another waits for a turn.
SLOTS = 2
WAIT_SECONDS = 5
RETRY_AFTER_SECONDS = 10
_slots = threading.BoundedSemaphore(SLOTS)
# The first number of the photo files' PostgreSQL advisory locks (lock_files).
PHOTO_LOCKS = 1717
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
ORIENTATION = 0x0112


class Busy(Exception):
    """Every slot for decoding photos stayed taken for WAIT_SECONDS."""

    message = gettext_lazy("The server is busy with other photos; try again in a few seconds.")


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class Processed:
    key: str  # the SHA-256 of the uploaded file, hex
    sizes: list[Size]  # smallest first


def refuse(message: str):
    raise ValidationError(message, code="photo")


def sniff_refusal(head: bytes) -> str:
    """Why a file Pillow cannot read is refused, in the author's terms."""
    text = head.lstrip()[:256].lower()
    if text.startswith((b"<svg", b"<?xml")) or b"<svg" in text:
        return _("SVG images are not accepted: export the image as PNG or JPEG.")
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return _(
            "HEIC photos are not accepted: choose JPEG in the camera's settings, or export as JPEG."
        )
    return _("This file is not a photo in a format we accept (JPEG, PNG, WebP or GIF).")


@contextmanager
def slot():
    """One of the process's SLOTS for decoding, or Busy."""
    if not _slots.acquire(timeout=WAIT_SECONDS):
        raise Busy(str(Busy.message))
    try:
        yield
    finally:
        _slots.release()


def process(upload) -> Processed:
    """Validate an uploaded file and make its web sizes, smallest first.

    Raises ValidationError for a file that is refused, Busy when no slot
    for decoding it freed up in time."""
    if upload.size is not None and upload.size > MAX_BYTES:
        refuse(
            _("This file is %(size)s MB; photos may be at most 20 MB.")
            % {"size": round(upload.size / 1048576)}
        )
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns from MAX_PIXELS (and refuses from twice that):
            # the check below refuses with a message instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)
    except UnidentifiedImageError:
        refuse(sniff_refusal(head))
    except Image.DecompressionBombError:
        refuse(too_large_message())
    if image.format not in ACCEPTED:
        refuse(sniff_refusal(head) if image.format is None else unsupported(image.format))
    width, height = image.size
    if max(width, height) > MAX_ASPECT * min(width, height):
        refuse(
            _(
                "This image is %(width)s × %(height)s: too long and thin to show "
                "(at most %(ratio)s times longer than wide); crop it."
            )
            % {"width": width, "height": height, "ratio": MAX_ASPECT}
        )
    limit = MAX_DECODED_PIXELS.get(image.format, MAX_PIXELS)
    if width * height > limit:
        refuse(too_large_message(width, height, limit, image.format))
    try:
        with slot():
            sizes = resize(image)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        refuse(_("This photo could not be read (%(error)s); it may be damaged.") % {"error": error})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    return Processed(digest.hexdigest(), sizes)


def too_large_message(width: int = 0, height: int = 0, limit=MAX_PIXELS, format_name="") -> str:
    values = {"width": width, "height": height, "limit": limit // 1_000_000, "format": format_name}
    # Whole sentences, one per case, so that each language can order its own.
    if format_name and limit != MAX_PIXELS:
        return (
            _(
                "This image is too large (%(width)s × %(height)s): at most %(limit)s megapixels "
                "for a %(format)s: save it as JPEG, or make it smaller."
            )
            % values
        )
    if width:
        return (
            _("This image is too large (%(width)s × %(height)s): at most %(limit)s megapixels.")
            % values
        )
    return _("This image is too large: at most %(limit)s megapixels.") % values


def unsupported(format_name: str) -> str:
    return _("%(format)s images are not accepted: use JPEG, PNG, WebP or GIF.") % {
        "format": format_name
    }


def largest_size(width: int, height: int, turned: bool) -> tuple[int, int]:
    """The largest stored size of a file of width × height, as the file lies
    (before EXIF turns it): at most WIDTHS[-1] wide and MAX_HEIGHT tall once
    turned, never larger than the file."""
    upright_width, upright_height = (height, width) if turned else (width, height)
    scale = min(1, WIDTHS[-1] / upright_width, MAX_HEIGHT / upright_height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def resize(image: Image.Image) -> list[Size]:
    turned = image.getexif().get(ORIENTATION) in (5, 6, 7, 8)
    box = largest_size(*image.size, turned)
    if image.format == "JPEG":
        # Decode at 1/2, 1/4 or 1/8 scale when that still covers the largest
        # size: a 12-megapixel phone photo then needs a quarter of the memory.
        image.draft("RGB", box)
    image.seek(0)  # an animated GIF: its first frame
    image.load()
    profile = image.info.get("icc_profile")
    # The pixels alone, without the file object: Pillow's WebP decoder keeps
    # two canvases and the raw frame alive as long as the file object lives.
    image = modes_that_resize(image._new(image.im))
    # The one large copy is the decoded image: reduced before anything else
    # (Pillow's reduce, then Lanczos), then turned and converted small.
    image.thumbnail(box, Image.LANCZOS, reducing_gap=3.0)
    ImageOps.exif_transpose(image, in_place=True)
    image = to_srgb(image, profile)
    sizes = []
    widths = [w for w in WIDTHS if w < image.width] + [image.width]
    for width in dict.fromkeys(widths):
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize((width, height), Image.LANCZOS)
        # Only pixels are written: no EXIF, XMP or ICC data is passed on.
        resized.info = {}
        out = io.BytesIO()
        resized.save(out, "WEBP", quality=QUALITY, method=4)
        sizes.append(Size(width, height, out.getvalue()))
    return sizes


def modes_that_resize(image: Image.Image) -> Image.Image:
    """The image in a mode Pillow reduces and resizes faithfully."""
    if image.mode == "I;16":
        # 16-bit greyscale: 0–65535 to 0–255 (convert("L") clips: white).
        return image.point(lambda value: value / 256).convert("L")
    if image.mode.startswith("I"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("P", "PA", "1", "LAB", "HSV", "F"):
        # Palette and bilevel images resize by nearest neighbour only.
        return image.convert("RGBA" if has_alpha(image) else "RGB")
    return image


def to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """RGB or RGBA in sRGB, from the file's ICC profile when it has one."""
    mode = "RGBA" if has_alpha(image) else "RGB"
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if image.mode in ("RGB", "RGBA", "CMYK") and source.profile.xcolor_space.strip() in (
                "RGB",
                "CMYK",
            ):
                return ImageCms.profileToProfile(
                    image,
                    source,
                    SRGB,
                    renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                    outputMode=mode,
                )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are, as browsers show them
    return image if image.mode == mode else image.convert(mode)


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def photo_tag(key: str) -> str:
    """What the CDN knows a photo's files by (updates/views.py media)."""
    return f"photo-{key}"


def lock_files(keys) -> None:
    """In the caller's transaction: wait for whoever else writes or removes
    these keys' files, until their transaction ends."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("lock_files() needs a transaction.")
    # One order for every caller, so two of them cannot deadlock.
    ordered = sorted(set(keys))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for key in ordered:
                # The two-number form: PHOTO_LOCKS says whose locks these are.
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [PHOTO_LOCKS, int(key[:8], 16) - 2**31]
                )
    # SQLite: every transaction begins IMMEDIATE (liveblog/settings.py), so
    # writers already run one at a time.


def file_name(key: str, width: int) -> str:
    return f"photos/{key}-{width}.webp"


def file_names(processed: Processed) -> list[str]:
    """What store() writes: known before it starts, so a failure half-way can be undone."""
    return [file_name(processed.key, size.width) for size in processed.sizes]


def store(processed: Processed) -> list[dict]:
    """Write the sizes to the default storage; what Photo.files records."""
    stored = []
    for size in processed.sizes:
        name = file_name(processed.key, size.width)
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(size.data))
        stored.append({"name": name, "width": size.width, "height": size.height})
    return stored


def claim(processed: Processed) -> list[dict]:
    """store() again, under the key's lock, in the transaction that inserts
    the Photo naming the files: a deletion of the same file that decided
    before this lock has removed them, and they are written again; one that
    decides after it sees the new row once this commits."""
    lock_files([processed.key])
    # A CDN may keep a 404 for these names a few seconds.
    purge.purge_after_commit([photo_tag(processed.key)])
    return store(processed)
