"""Photos in updates: what is accepted, what is stored, and when it goes.

- Accepted by content, never by name: Pillow must recognise a JPEG, PNG,
  WebP or GIF (its first frame). SVG, HEIC and anything else are refused
  with a message saying so, and so are files over MAX_BYTES and images over
  MAX_PIXELS. The dimensions are read from the header before any pixel is
  decoded, so a decompression bomb is refused at the cost of reading its
  header; JPEGs are decoded at the smallest scale that still covers the
  largest web size (Pillow's draft mode), so memory stays bounded.
- Stored: EXIF orientation applied, then nothing but the pixels is written
  (no EXIF, GPS, XMP or ICC data: a phone's position is never published),
  as WebP at WIDTHS that are narrower than the original (never upscaled),
  under names derived from the uploaded file's SHA-256 (Photo.key):
  photos/<key>-<width>.webp. A name always means the same bytes (a file
  that exists is never written again) and may be cached forever; the same
  file posted twice shares its files.
- Gone: files are removed once the deletion of their photo (or of its
  update, or entry) has committed, and only if no other photo uses them
  (delete_files_after_commit).

Files are written to STORAGES["default"] before the rows that name them are
committed; a post that fails afterwards removes them again (updates/changes.py).
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
WIDTHS = (480, 960, 1600)
QUALITY = 80
ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF"}
# Pillow refuses to open anything larger outright (and warns from half of
# it); our own check on the header's dimensions comes first.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


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
        return "SVG images are not accepted: export the image as PNG or JPEG."
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return (
            "HEIC photos are not accepted: choose JPEG in the camera's settings, or export as JPEG."
        )
    return "This file is not a photo in a format we accept (JPEG, PNG, WebP or GIF)."


def process(upload) -> Processed:
    """Validate an uploaded file and make its web sizes, smallest first."""
    if upload.size is not None and upload.size > MAX_BYTES:
        refuse(f"This file is {upload.size / 1048576:.0f} MB; photos may be at most 20 MB.")
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
    if width * height > MAX_PIXELS:
        refuse(too_large_message(width, height))
    try:
        sizes = resize(image)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        refuse(f"This photo could not be read ({error}); it may be damaged.")
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    return Processed(digest.hexdigest(), sizes)


def too_large_message(width: int = 0, height: int = 0) -> str:
    size = f" ({width} × {height})" if width else ""
    return f"This image is too large{size}: at most 50 megapixels."


def unsupported(format_name: str) -> str:
    return f"{format_name} images are not accepted: use JPEG, PNG, WebP or GIF."


def resize(image: Image.Image) -> list[Size]:
    largest = WIDTHS[-1]
    if image.format == "JPEG":
        # Decode at 1/2, 1/4 or 1/8 scale when that still covers the largest
        # width: a 12-megapixel phone photo then needs a quarter of the memory.
        image.draft("RGB", (largest, largest))
    image.seek(0)  # an animated GIF: its first frame
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if has_alpha(image) else "RGB")
    sizes = []
    widths = [w for w in WIDTHS if w < image.width] + [min(image.width, largest)]
    for width in dict.fromkeys(widths):
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize((width, height), Image.LANCZOS)
        # Only pixels are written: no EXIF, XMP or ICC data is passed on.
        resized.info = {}
        out = io.BytesIO()
        resized.save(out, "WEBP", quality=QUALITY, method=4)
        sizes.append(Size(width, height, out.getvalue()))
    return sizes


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def store(processed: Processed) -> list[dict]:
    """Write the sizes to the default storage; what Photo.files records."""
    stored = []
    for size in processed.sizes:
        name = f"photos/{processed.key}-{size.width}.webp"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(size.data))
        stored.append({"name": name, "width": size.width, "height": size.height})
    return stored


def delete_files_after_commit(key: str, files: list[dict]) -> None:
    """Remove a deleted photo's files once the transaction commits, unless
    another photo of the same file still uses them."""
    names = [file["name"] for file in files]
    if names:
        transaction.on_commit(lambda: delete_unused(key, names))


def delete_unused(key: str, names: list[str]) -> None:
    from updates.models import Photo

    if not Photo.objects.filter(key=key).exists():
        for name in names:
            default_storage.delete(name)
