"""What an entry page tells search engines, feed readers and link previews.

A canonical link, Open Graph and Twitter card meta, the feed's address, and
schema.org LiveBlogPosting structured data (JSON-LD) for the latest 100
updates. All of it comes from the entry and the stored fragments the page
already read, so the page takes no extra query; the structured data is
built once per entry revision and change of the entry (a small per-process
memo, liveblog/memo.py), not per request.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from liveblog.memo import Recent
from liveblog.site import absolute_url
from updates import fragments
from updates.summary import summarise

STRUCTURED_UPDATES = 100
DESCRIPTION_LENGTH = 200
ARTICLE_DESCRIPTION_LENGTH = 1_000
# Inside <script>, "<", ">" and "&" as JSON escapes: no text can close the
# element or open a comment (what Django's json_script filter does, but
# that one writes type="application/json").
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class PreviewImage:
    """The image a link preview shows: the latest photo's, absolute."""

    url: str
    alt: str


@dataclass(frozen=True)
class Structured:
    json_ld: SafeString
    image: PreviewImage | None


@dataclass(frozen=True)
class ShareMeta:
    canonical: str
    title: str  # the shared update's headline on its permalink (issue 22), else the entry's
    url: str  # the entry's, for sharing, even from an older page
    description: str
    image: PreviewImage | None
    feed_url: str | None
    json_ld: SafeString | None
    site_name: str
    locale: str  # og:locale, such as de or en_US: the entry's language


def locale_of(entry) -> str:
    return translation.to_locale(entry.language_code)


def shorten(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


def json_script(data: dict) -> SafeString:
    payload = json.dumps(data, ensure_ascii=False).translate(SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308


def iso(moment: datetime, zone) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def structured_data(request, entry, updates_html: str, url: str, description: str) -> Structured:
    """LiveBlogPosting for the entry, with its latest updates as BlogPosting items."""
    # Only the latest are read as HTML (the costly part); the page may list
    # twice as many, oldest first once ended.
    articles = fragments.split(updates_html)
    latest = sorted(articles, key=fragments.order_of, reverse=True)[:STRUCTURED_UPDATES]
    read = fragments.read_fragments("".join(latest))
    items, image = [], None
    for fragment in read:
        summary = fragment.summary
        item = {
            "@type": "BlogPosting",
            "headline": fragment.headline or summary.headline or entry.title,
            "datePublished": fragment.published,
            "url": fragments.permalink(fragment.id, url),
            "articleBody": summary.text,
        }
        if fragment.embeds:
            # What its embeds show (issue 22): a link to each original, never the player.
            item["sharedContent"] = [{"@type": "WebPage", "url": href} for href in fragment.embeds]
        if summary.images:
            item["image"] = [absolute_url(request, found.src) for found in summary.images]
            if image is None:
                image = PreviewImage(item["image"][0], summary.images[0].alt)
        items.append(item)
    zone = entry.zone
    # The summary is edited without saving the entry (updates/changes.py).
    summarised = [entry.summary_updated] if entry.summary_updated else []
    modified = max(
        [entry.modified, *summarised, *(datetime.fromisoformat(f.published) for f in read[:1])]
    )
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": url,
        "url": url,
        "headline": entry.title,
        "description": description,
        "dateModified": iso(modified, zone),
        "inLanguage": locale_of(entry).replace("_", "-"),
    }
    if entry.coverage_start:
        data["datePublished"] = data["coverageStartTime"] = iso(entry.coverage_start, zone)
    if entry.has_ended and entry.coverage_end:
        data["coverageEndTime"] = iso(entry.coverage_end, zone)
    if image:
        data["image"] = image.url
    data["liveBlogUpdate"] = items
    return Structured(json_script(data), image)


# Keyed by everything the structured data depends on: each change to an
# update takes a revision, each change to the entry sets `modified`.
MAX_MEMO = 32
_memo: Recent[Structured] = Recent(lambda: MAX_MEMO)


def shared_title(entry, updates_html: str, update_id: int | None) -> str:
    """What a link preview of the page calls it: on an update's permalink
    (`?update=`), the headline its author gave it; else the entry's title."""
    found = update_id is not None and fragments.find(updates_html, update_id)
    if found:
        (read,) = fragments.read_fragments(found)
        if read.headline:
            return read.headline
    return entry.title


def share_meta(
    request, entry, updates_html: str, older_page: bool, update_id: int | None = None
) -> ShareMeta:
    url = absolute_url(request, entry.get_absolute_url())
    description = shorten(summarise(entry.intro_html).text, DESCRIPTION_LENGTH) or entry.title
    # The article's description for search engines: what we know so far,
    # when the authors keep a summary (issue 22); its edits take a revision,
    # which the memo's key holds.
    article_description = (
        shorten(summarise(entry.summary_html).text, ARTICLE_DESCRIPTION_LENGTH) or description
    )
    # Older pages hold older updates: they carry no structured data.
    structured = None
    if not older_page:
        structured = _memo.get(
            (entry.pk, entry.revision, entry.modified, url),
            lambda: structured_data(request, entry, updates_html, url, article_description),
        )
    return ShareMeta(
        # An older page's URL always means the same updates (updates/paging.py).
        canonical=absolute_url(request, request.get_full_path()) if older_page else url,
        title=shared_title(entry, updates_html, update_id),
        url=url,
        description=description,
        # Older pages hold older updates: the latest photo is the entry's.
        image=None if older_page else structured.image,
        feed_url=reverse("updates:feed", kwargs={"slug": entry.slug})
        if entry.is_published
        else None,
        json_ld=None if older_page else structured.json_ld,
        site_name=settings.LIVEBLOG_SITE_NAME,
        locale=locale_of(entry),
    )
