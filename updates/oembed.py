"""Which links are embeds, and what their providers say about them (oEmbed).

No database here: updates/embeds.py stores what this fetches, and
updates/models.py (Embed.previews_in) finds the links to show it for.

- A link is an embed when it is alone in its paragraph (its text is the
  URL itself, as a bare or <autolinked> URL renders) and it matches one of
  LIVEBLOG_EMBED_PROVIDERS by its https URL: a YouTube or Vimeo video, a
  post on one of LIVEBLOG_MASTODON_INSTANCES, on Bluesky or on X. A link
  inside a sentence stays a link.
- The only URLs fetched are the provider's oEmbed endpoint from the
  settings, with the link as its `url` parameter (never the link itself:
  an author cannot make the server request an address of their choosing),
  and a thumbnail only from that provider's `thumbnails` origins; over
  HTTPS (plain HTTP to loopback only, for the tests' stand-in). Redirects
  are not followed (they would lead anywhere).
- Bounded: every fetch of one update shares one deadline (the post waits
  at most LIVEBLOG_EMBED_TIMEOUT), answers are read up to MAX_JSON_BYTES
  and MAX_THUMBNAIL_BYTES, and they are fetched in a thread of their own
  so that even a name lookup that hangs costs the post no more than the
  deadline. Whatever fails is left out: its link stays a link.
"""

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from urllib.error import URLError
from urllib.parse import unquote, urlencode, urlsplit
from urllib.request import HTTPRedirectHandler, ProxyHandler, Request, build_opener

from django.conf import settings

logger = logging.getLogger(__name__)

# oEmbed answers are a few hundred bytes to a few KB (X's carries its
# post's HTML): 64 KB is plenty and caps what a hostile answer costs.
MAX_JSON_BYTES = 64 * 1024
# Thumbnails are a few hundred KB at most (YouTube's largest, 1280 × 720).
MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024
# Fetched and shown for one update at most: each may cost a request or
# two, and adds about a kilobyte to every page and poll.
MAX_PER_UPDATE = 3
MAX_URL_CHARS = 2_000
# What we ask players for: the width of the page's column.
MAX_WIDTH = 640
MAX_HEIGHT = 480
# How much of a title, a post's text and an author's name is kept.
TITLE_CHARS = 300
TEXT_CHARS = 500
AUTHOR_CHARS = 200
USER_AGENT = "liveblog (oEmbed previews)"
LOOPBACK = ("127.0.0.1", "::1", "localhost")

# A paragraph holding one link and nothing else, as liveblog/markdown.py
# renders it (nh3 writes the attributes in this order).
ALONE = re.compile(r'<p><a href="([^"]+)" rel="nofollow noopener">([^<]+)</a></p>')

YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
NUMBER = re.compile(r"[0-9]{1,30}")
BLUESKY_POST = re.compile(r"/profile/([A-Za-z0-9.:_-]{1,253})/post/([a-z0-9]{1,64})")
BLUESKY_URI = re.compile(
    r"at://(did:[a-z0-9]+:[A-Za-z0-9._:%-]{1,200})/app\.bsky\.feed\.post/([a-z0-9]{1,64})"
)
MASTODON_POST = re.compile(r"/@([A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9.-]{1,253})?)/([0-9]{1,30})")
X_POST = re.compile(r"/([A-Za-z0-9_]{1,15})/status/([0-9]{1,30})")


@dataclass(frozen=True)
class Link:
    """An embeddable link and where its provider's data and player are."""

    url: str  # as the author wrote it (unescaped)
    provider: str  # the key in LIVEBLOG_EMBED_PROVIDERS
    name: str  # the provider's name, for readers
    oembed: str  # the provider's endpoint
    frame: str  # the player's origin
    thumbnails: tuple[str, ...]  # origins a thumbnail may come from
    player: str = ""  # the player's URL, when the link alone says it (else from oEmbed)

    @property
    def kind(self) -> str:
        return "video" if self.provider in ("youtube", "vimeo") else "post"


@dataclass(frozen=True)
class Preview:
    """What a provider said about a link, cut to size; the thumbnail's bytes as sent."""

    link: Link
    title: str
    text: str
    author: str
    player: str
    thumbnail: bytes | None


class Failed(Exception):
    """A provider's answer we do not use: the link stays a link."""


def alone_in_paragraphs(html: str) -> list[str]:
    """The URLs of links alone in their paragraph in rendered HTML, in order."""
    return [url for found in ALONE.finditer(html) if (url := bare_link(found))]


def replace_alone(html: str, render) -> str:
    """`html` with each lone link's paragraph replaced by render(url), unless that is None."""

    def replace(found):
        url = bare_link(found)
        shown = render(url) if url else None
        return found.group(0) if shown is None else shown

    return ALONE.sub(replace, html)


def bare_link(found: re.Match) -> str:
    """The URL of an ALONE match whose text is the URL itself, else "".

    markdown-it decodes %-escapes in the text it shows; a link the author
    named, [like this](…), stays a link."""
    href, text = unescape(found.group(1)), unescape(found.group(2))
    return href if unquote(href) == unquote(text.strip()) else ""


def match(url: str) -> Link | None:
    """The embeddable link `url` is, from the allow-list, or None."""
    if len(url) > MAX_URL_CHARS:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or parts.username or parts.password or port is not None:
        return None
    host = (parts.hostname or "").lower()
    path = parts.path
    providers = settings.LIVEBLOG_EMBED_PROVIDERS
    if host in ("youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"):
        if host == "youtu.be":
            video = path[1:]
        elif path == "/watch":
            query = dict(pair.partition("=")[::2] for pair in parts.query.split("&"))
            video = query.get("v", "")
        else:
            video = path.removeprefix("/shorts/").removeprefix("/live/")
        if YOUTUBE_ID.fullmatch(video):
            return _link(url, "youtube", providers, player_path=f"/embed/{video}")
    elif host in ("vimeo.com", "www.vimeo.com") and NUMBER.fullmatch(path[1:]):
        return _link(url, "vimeo", providers, player_path=f"/video/{path[1:]}")
    elif host in settings.LIVEBLOG_MASTODON_INSTANCES:
        post = MASTODON_POST.fullmatch(path)
        if post:
            return _link(url, "mastodon", providers, instance=host, player_path=f"{path}/embed")
    elif host in ("bsky.app", "www.bsky.app") and BLUESKY_POST.fullmatch(path):
        # The player needs the author's DID, which only the oEmbed answer says.
        return _link(url, "bluesky", providers)
    elif host in ("x.com", "twitter.com", "www.x.com", "www.twitter.com", "mobile.x.com"):
        post = X_POST.fullmatch(path)
        if post:
            return _link(
                url, "x", providers, player_path=f"/embed/Tweet.html?id={post.group(2)}&dnt=true"
            )
    return None


def _link(url, key, providers, instance="", player_path=""):
    provider = providers.get(key)
    if provider is None:
        return None
    frame = provider["frame"].format(instance=instance)
    return Link(
        url=url,
        provider=key,
        name=provider["name"],
        oembed=provider["oembed"].format(instance=instance),
        frame=frame,
        thumbnails=tuple(origin.format(instance=instance) for origin in provider["thumbnails"]),
        player=frame + player_path if player_path else "",
    )


def fetch_all(links: list[Link], timeout: float) -> list[Preview]:
    """The previews of those links that answered well within `timeout` seconds in all."""
    deadline = time.monotonic() + timeout
    previews: list[Preview] = []

    def fetch_each():
        for link in links:
            try:
                previews.append(fetch(link, deadline))
            except (Failed, OSError, URLError, ValueError) as error:
                logger.warning("No preview for %s: %s", link.url, error)

    # A daemon thread: one that is still waiting at the deadline is left
    # to its socket timeouts, and the post goes on without it.
    worker = threading.Thread(target=fetch_each, name="oembed", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        logger.warning("Previews of %s took over %s s: left as links", len(links), timeout)
    return list(previews)


def fetch(link: Link, deadline: float) -> Preview:
    """Ask the provider about `link`, and fetch the thumbnail it names. Raises Failed."""
    query = {"url": link.url, "format": "json", "maxwidth": MAX_WIDTH, "maxheight": MAX_HEIGHT}
    if link.provider == "x":
        # The post's HTML without X's script, and no tracking of the reader.
        query |= {"omit_script": "true", "dnt": "true"}
    body = get(f"{link.oembed}?{urlencode(query)}", "application/json", MAX_JSON_BYTES, deadline)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Failed(f"not JSON ({error})") from None
    if not isinstance(data, dict) or data.get("type") not in ("video", "rich", "photo", "link"):
        raise Failed("not an oEmbed answer")
    title = cut(text_field(data, "title"), TITLE_CHARS)
    text = cut(post_text(text_field(data, "html")), TEXT_CHARS) if link.kind == "post" else ""
    author = cut(text_field(data, "author_name"), AUTHOR_CHARS)
    # Mastodon's answer names the author alone: "Mastodon, Alice" links on.
    if not (title or text or author):
        raise Failed("no title, text or author")
    player = link.player or bluesky_player(link, text_field(data, "html"))
    thumbnail = None
    thumbnail_url = text_field(data, "thumbnail_url")
    if thumbnail_url:
        if origin(thumbnail_url) not in link.thumbnails:
            raise Failed(f"a thumbnail from {origin(thumbnail_url)!r}, not an allowed origin")
        thumbnail = get(thumbnail_url, "image/*", MAX_THUMBNAIL_BYTES, deadline)
    return Preview(link, title, text, author, player, thumbnail)


def bluesky_player(link: Link, html: str) -> str:
    uri = BLUESKY_URI.search(html)
    if uri is None:
        raise Failed("no post's address in Bluesky's answer")
    return f"{link.frame}/embed/{uri.group(1)}/app.bsky.feed.post/{uri.group(2)}"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def text_field(data: dict, name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _PostText(HTMLParser):
    """The text of a post's first paragraph, as Mastodon, Bluesky and X write it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.done = False
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "p" and not self.done:
            self.depth += 1
        elif tag == "br" and self.depth:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag == "p" and self.depth:
            self.depth -= 1
            self.done = not self.depth

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def post_text(html: str) -> str:
    reader = _PostText()
    reader.feed(html)
    reader.close()
    return "".join(reader.parts)


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError for the 3xx


# No proxy from the environment either: the providers are asked directly
# (docs/deploy.md, Embeds).
_opener = build_opener(_NoRedirects, ProxyHandler({}))


def get(url: str, accept: str, limit: int, deadline: float) -> bytes:
    """The body of a 200 answer, at most `limit` bytes, by `deadline`; else Failed."""
    parts = urlsplit(url)
    # Plain HTTP only to loopback, which only the settings can name (the
    # tests' stand-in): a provider is asked over HTTPS.
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise Failed(f"not an https address: {url!r}")
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise Failed("out of time")
    request = Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT})
    with _opener.open(request, timeout=remaining) as response:
        if response.status != 200:
            raise Failed(f"status {response.status}")
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise Failed(f"{length} bytes, over {limit}")
        chunks, size = [], 0
        while chunk := response.read(16_384):
            size += len(chunk)
            if size > limit:
                raise Failed(f"over {limit} bytes")
            if time.monotonic() > deadline:
                raise Failed("out of time")
            chunks.append(chunk)
    return b"".join(chunks)
