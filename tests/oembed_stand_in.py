"""The embed providers, played on 127.0.0.1: no test reaches the internet.

A real HTTP server in a thread of the test process. Each provider's oEmbed
endpoint checks requests as the provider documents them (GET, `url` one
of its own links, `format=json`, `maxwidth` and `maxheight` numbers) and
answers what that provider answers, with a thumbnail on this same server
(YouTube, Vimeo) or not; any other path is the providers' players, a
small HTML page. `misbehave` makes every endpoint fail one way.
"""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from tests.images import png_claiming

# What each endpoint (a path here) accepts as `url`, and answers.
ENDPOINTS = {
    "/youtube/oembed": ("https://www.youtube.com/", "https://youtu.be/"),
    "/vimeo/api/oembed.json": ("https://vimeo.com/",),
    "/mastodon/mastodon.social/api/oembed": ("https://mastodon.social/@",),
    "/bluesky/oembed": ("https://bsky.app/profile/",),
    "/x/oembed": ("https://x.com/", "https://twitter.com/"),
}

# How every endpoint fails, with `misbehave`.
FAILURES = (
    "never answers",
    "server error",
    "not found",
    "not JSON",
    "too large",
    "redirect",
    "thumbnail elsewhere",
    "thumbnail is a decompression bomb",
    "thumbnail is not an image",
    "thumbnail is larger than full HD",
)


def thumbnail_jpeg(width=480, height=360) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG", quality=80)
    return out.getvalue()


class StandIn:
    """The stand-in server: `providers()` is LIVEBLOG_EMBED_PROVIDERS for it."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []  # (path, query) as received
        self.refused: list[str] = []  # requests not as the providers document them
        self.failure = ""
        self.thumbnail_body: bytes | None = None  # instead of thumbnail_jpeg()'s
        self.during_request = None  # called in the server's thread on each oEmbed request
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def misbehave(self, failure: str) -> None:
        assert failure in FAILURES, failure
        self.failure = failure

    def providers(self) -> dict:
        here = self.origin
        return {
            "youtube": {
                "name": "YouTube",
                "oembed": f"{here}/youtube/oembed",
                "frame": here,
                "thumbnails": [here],
            },
            "vimeo": {
                "name": "Vimeo",
                "oembed": f"{here}/vimeo/api/oembed.json",
                "frame": here,
                "thumbnails": [here],
            },
            "mastodon": {
                "name": "Mastodon",
                "oembed": f"{here}/mastodon/{{instance}}/api/oembed",
                "frame": here,
                "thumbnails": [here],
            },
            "bluesky": {
                "name": "Bluesky",
                "oembed": f"{here}/bluesky/oembed",
                "frame": here,
                "thumbnails": [here],
            },
            "x": {"name": "X", "oembed": f"{here}/x/oembed", "frame": here, "thumbnails": [here]},
        }

    def oembed_requests(self) -> list[tuple[str, dict]]:
        return [(path, query) for path, query in self.requests if path in ENDPOINTS]

    def answer(self, path: str, link: str) -> dict:
        here = self.origin
        if path == "/youtube/oembed":
            return {
                "type": "video",
                "version": "1.0",
                "title": "Keynote <live> & more",
                "author_name": "Liveblog Channel",
                "provider_name": "YouTube",
                "thumbnail_url": f"{here}/vi/dQw4w9WgXcQ/hqdefault.jpg",
                "thumbnail_width": 480,
                "thumbnail_height": 360,
                "html": '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
            }
        if path == "/vimeo/api/oembed.json":
            return {
                "type": "video",
                "version": "1.0",
                "title": "The launch film",
                "author_name": "Studio",
                "thumbnail_url": f"{here}/video/76979871_640.jpg",
                "html": '<iframe src="https://player.vimeo.com/video/76979871"></iframe>',
            }
        if path.startswith("/mastodon/"):
            return {
                "type": "rich",
                "version": "1.0",
                "author_name": "Alice",
                "html": '<blockquote class="mastodon-embed"><p>Doors open at nine.</p></blockquote>',
            }
        if path == "/bluesky/oembed":
            return {
                "type": "rich",
                "version": "1.0",
                "author_name": "Bob",
                "html": '<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:abc123/'
                'app.bsky.feed.post/3kabc"><p lang="en">Queue is long &amp; cold.</p>'
                '&mdash; Bob (<a href="https://bsky.app/profile/did:plc:abc123">@bob</a>)'
                '</blockquote><script async src="https://embed.bsky.app/static/embed.js"></script>',
            }
        return {
            "type": "rich",
            "version": "1.0",
            "url": link,
            "author_name": "Carol",
            "html": '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">On stage now.</p>'
            "&mdash; Carol (@carol)</blockquote>\n",
        }

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {name: values[0] for name, values in parse_qs(parts.query).items()}
                stand_in.requests.append((parts.path, query))
                if parts.path in ENDPOINTS:
                    self.oembed(parts.path, query)
                elif parts.path.endswith(".jpg"):
                    self.thumbnail()
                else:
                    player = (
                        b'<!doctype html><html lang="en"><title>Player</title><main>Player</main>'
                    )
                    self.send(200, player, "text/html")

            def oembed(self, path, query):
                if stand_in.during_request is not None:
                    stand_in.during_request()
                link = query.get("url", "")
                documented = (
                    link.startswith(ENDPOINTS[path])
                    and query.get("format") == "json"
                    and query.get("maxwidth", "").isdigit()
                    and query.get("maxheight", "").isdigit()
                )
                if not documented:
                    stand_in.refused.append(self.path)
                    return self.send(400, b"Bad request", "text/plain")
                failure = stand_in.failure
                if failure == "never answers":
                    stand_in.released.wait(30)
                    return None
                if failure in ("server error", "not found"):
                    return self.send(500 if failure == "server error" else 404, b"", "text/plain")
                if failure == "redirect":
                    self.send_response(302)
                    self.send_header("Location", f"{stand_in.origin}/youtube/oembed?url={link}")
                    self.end_headers()
                    return None
                if failure == "not JSON":
                    return self.send(200, b"<html>Sorry</html>", "application/json")
                answer = stand_in.answer(path, link)
                if failure == "too large":
                    answer["html"] = "<p>" + "x" * 100_000 + "</p>"
                if failure == "thumbnail elsewhere":
                    answer["thumbnail_url"] = "http://127.0.0.2:9/thumbnail.jpg"
                elif failure.startswith("thumbnail is"):
                    answer["thumbnail_url"] = f"{stand_in.origin}/hostile.jpg"
                return self.send(200, json.dumps(answer).encode(), "application/json")

            def thumbnail(self):
                if stand_in.failure == "thumbnail is a decompression bomb":
                    body = png_claiming(30_000, 30_000).read()
                elif stand_in.failure == "thumbnail is larger than full HD":
                    body = thumbnail_jpeg(1920, 1081)
                elif stand_in.failure == "thumbnail is not an image":
                    body = b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"
                else:
                    body = stand_in.thumbnail_body or thumbnail_jpeg()
                self.send(200, body, "image/jpeg")

            def send(self, status, body, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
