"""Embeds without trackers (issue 22, item 3): fetching and storing previews.

The contract: `remember(text)` is called before a post or an edit takes
the entry's lock or opens a transaction (updates/changes.py), never under
them. It asks the providers about the text's embeddable links
(updates/oembed.py: which links, which requests, which bounds) that no
Embed remembers yet, MAX_PER_UPDATE at most, and waits
LIVEBLOG_EMBED_TIMEOUT at most in all; it stores each preview whose
answer and thumbnail are good, and never raises: whatever fails leaves
its link a plain link, and the post goes on. The save that follows shows
the remembered previews (Embed.previews_in, in LiveUpdate.save).

Thumbnails go through the photo pipeline (updates/photos.py: decided by
content, bounded, stripped, resized, served by us), with a tighter pixel
cap: a thumbnail is small.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from PIL import Image, UnidentifiedImageError

from liveblog.markdown import render_markdown
from liveblog.text import xml_safe
from updates import oembed, photos
from updates.models import Embed, Photo

logger = logging.getLogger(__name__)

# Providers answer maxwidth=640 with thumbnails of 480 × 360 (YouTube) or
# 640 wide (Vimeo); a full-HD frame is the most we accept: decoding and
# resizing one costs a worker about 70 MB at worst (scripts/embed_cost.py).
MAX_THUMBNAIL_PIXELS = 1920 * 1080


def remember(text: str) -> list[Embed]:
    """Fetch and store the previews `text`'s embeddable links still need; the ones stored."""
    if not settings.LIVEBLOG_EMBEDS:
        return []
    try:
        html = render_markdown(text)
    except ValidationError:
        return []  # refused anyway, by the write's own checks
    links = {}
    for url in oembed.alone_in_paragraphs(html):
        link = oembed.match(url)
        if link is not None:
            links.setdefault(url, link)
    if not links:
        return []
    known = set(Embed.objects.filter(url__in=links).values_list("url", flat=True))
    wanted = [link for url, link in links.items() if url not in known][: oembed.MAX_PER_UPDATE]
    if not wanted:
        return []
    stored = []
    for preview in oembed.fetch_all(wanted, settings.LIVEBLOG_EMBED_TIMEOUT):
        try:
            stored.append(store(preview))
        except (oembed.Failed, ValidationError, photos.Busy) as error:
            logger.warning("No preview for %s: %s", preview.link.url, error)
        except IntegrityError:
            pass  # another post stored the same link's preview meanwhile
        except DatabaseError:
            logger.exception("No preview for %s", preview.link.url)
    return stored


def store(preview: oembed.Preview) -> Embed:
    """Store a preview and its thumbnail; Failed or ValidationError if the thumbnail is refused."""
    processed = process_thumbnail(preview.thumbnail) if preview.thumbnail else None
    fields = {
        "url": preview.link.url,
        "provider": preview.link.provider,
        "title": xml_safe(preview.title),
        "text": xml_safe(preview.text),
        "author": xml_safe(preview.author),
        "player": preview.player,
    }
    try:
        if processed is not None:
            photos.store(processed)
        # A savepoint: a caller's transaction (a command's) survives the
        # IntegrityError of a preview stored meanwhile by another post.
        with transaction.atomic():
            if processed is None:
                return Embed.objects.create(**fields)
            # As a photo's files: claimed under the key's lock, in the
            # transaction that inserts the row naming them.
            files = photos.claim(processed)
            return Embed.objects.create(
                **fields, thumbnail_key=processed.key, thumbnail_files=files
            )
    except BaseException:
        if processed is not None:
            Photo.remove_unused_files(processed.key, photos.file_names(processed))
        raise


def process_thumbnail(data: bytes) -> photos.Processed:
    """The thumbnail's web sizes, by the photo pipeline, if it is a small enough image."""
    try:
        with Image.open(ContentFile(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise oembed.Failed("the thumbnail is not an image") from None
    if width * height > MAX_THUMBNAIL_PIXELS:
        raise oembed.Failed(
            f"a thumbnail of {width} × {height}, over {MAX_THUMBNAIL_PIXELS:,} pixels"
        )
    return photos.process(ContentFile(data))
