"""Pushing changes to readers' open pages through a GRIP proxy (issue 21).

GRIP proxies (Pushpin, or Fastly Fanout at Fastly's edge) hold the readers'
connections; the origin answers each new one once and publishes each change
once, whatever the number of readers. The contract:

- An entry's stream (`/entries/<slug>/events`, updates/stream.py) answers
  only a request whose Grip-Sig the proxy signed with the key in
  GRIP_VERIFY_KEY (`verified_proxy`): once, with `hold_stream`'s headers
  (Grip-Hold: stream, the entry's channel, a keep-alive) and an opening
  event. Without the key, or without a valid signature, it is a 404 and
  pages poll as before; pages offer the stream only when the key is set.
- Whatever changes what readers of an entry see says so inside its
  transaction, where it registers the entry's purge: `entry_changed(id,
  base)`, `base` being the entry's revision before the transaction
  (updates/revisions.py lock_entry), or None for a change that takes no
  revision (a status change, Entry.save). After the commit the purging
  thread (liveblog/purge.py) builds one event per entry and publishes it
  to every target, after sending the purge registered with it, so that a
  reader told to poll gets the new answer from the CDN. Pushes of several
  commits merge (from the lowest base) while they wait, as purges do.
- An event is a server-sent event whose `id:` is the revision it brings a
  page to, so a reconnecting browser's Last-Event-ID resumes from there;
  its data is the poll's answer at `base` plus `base` (docs/api.md), or,
  when that would be larger than MAX_EVENT_BYTES (an import), only the
  revision, and pages then poll. The app above this layer builds it
  (`build_events_with`, updates/apps.py): this module knows no updates.
- Targets come from settings: PUSHPIN_PUBLISH_URLS (each Pushpin's HTTP
  control endpoint, `POST /publish/`), and FASTLY_FANOUT=true with
  FASTLY_API_TOKEN and FASTLY_SERVICE_ID (Fastly's publish API). A failing
  target is retried like a purge, then logged at ERROR; nothing is ever
  raised to the author, and readers get the change by their safety-net
  poll. No target: nothing is registered and no event is built.

gripcontrol (Fanout's library) checks Grip-Sig, writes the channel header
and the publish items. Its publishing client is not used: it posts without
a timeout from a thread of its own, where a hung proxy would stop every
later push; the purging thread sends them with purge.py's timeout and
retries instead.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.request import Request

from django.conf import settings
from django.db import DatabaseError, connections
from gripcontrol import HttpStreamFormat, create_grip_channel_header, validate_sig
from pubcontrol import Item

from liveblog import purge

logger = logging.getLogger(__name__)

# Pushpin's HTTP control endpoint takes up to 1 MB; Fastly documents a
# smaller limit for a message. Past this, an event carries only the revision.
MAX_EVENT_BYTES = 60_000
# A comment line every 20 s keeps idle connections open through proxies
# and load balancers that close them after 30 to 60 s of silence.
KEEP_ALIVE = ":\\n\\n; format=cstring; timeout=20"


@dataclass(frozen=True)
class Event:
    channel: str
    revision: int
    data: dict

    def text(self) -> str:
        """The server-sent event, as a browser's EventSource reads it."""
        # json.dumps escapes line breaks: the data is one `data:` line.
        return f"id: {self.revision}\ndata: {json.dumps(self.data, separators=(',', ':'))}\n\n"


def channel(entry_id: int) -> str:
    return f"entry-{entry_id}"


def enabled() -> bool:
    """Whether pages offer the stream: a GRIP proxy's key is configured."""
    return bool(settings.GRIP_VERIFY_KEY)


def verified_proxy(request) -> bool:
    """Whether the request came through the GRIP proxy: its Grip-Sig is a
    token signed with GRIP_VERIFY_KEY, unexpired (and from GRIP_VERIFY_ISS)."""
    token = request.headers.get("Grip-Sig", "")
    if not enabled() or not token:
        return False
    return validate_sig(token, settings.GRIP_VERIFY_KEY, iss=settings.GRIP_VERIFY_ISS or None)


def hold_stream(response, entry_id: int):
    """Tell the proxy to keep the reader's connection open on the entry's channel."""
    response["Grip-Hold"] = "stream"
    response["Grip-Channel"] = create_grip_channel_header(channel(entry_id))
    response["Grip-Keep-Alive"] = KEEP_ALIVE
    # Every reader's stream is their own; nothing may cache it.
    response["Cache-Control"] = "no-store"
    return response


_build: Callable[[int, int | None], Event | None] | None = None


def build_events_with(builder: Callable[[int, int | None], Event | None]) -> None:
    """Install what builds an entry's event from `(entry_id, base)` (updates/apps.py)."""
    global _build
    _build = builder


def entry_changed(entry_id: int, base: int | None = None, *, using: str | None = None) -> None:
    """After the current transaction commits, publish the entry's changes
    since `base` to its readers' streams (None: since its current revision)."""
    if not targets():
        return
    purge.push_after_commit(
        channel(entry_id),
        base,
        lambda merged_base: publish_entry(entry_id, merged_base),
        after=purge.entry_tag(entry_id),
        using=using,
    )


def publish_entry(entry_id: int, base: int | None) -> None:
    """In the purging thread: build the entry's event and publish it."""
    if _build is None:
        return
    # Reading the entry can fail for a moment (a database restarting, a
    # lock on SQLite): tried again as a failed publish is, else the change
    # is lost to the stream until the readers' next poll.
    for attempt in range(purge.RETRIES + 1):
        try:
            event = _build(entry_id, base)
            break
        except DatabaseError as error:
            if attempt == purge.RETRIES:
                logger.error(
                    "Reading the changes of %s failed %d times (%s); readers get them by "
                    "their next poll.",
                    channel(entry_id), attempt + 1, error,
                )  # fmt: skip
                return
            time.sleep(purge.FIRST_BACKOFF * 2**attempt)
        finally:
            # Closed, not kept: this thread has no request cycle to recycle
            # its connection, and sits idle for minutes between bursts. Its
            # own connections only (they are per thread); a broken one is
            # opened afresh for the next attempt.
            connections.close_all()
    if event is not None:
        publish_everywhere(event)


class PushFailed(Exception):
    pass


def publish_request(url: str, event: Event, headers: dict) -> Request:
    """The GRIP publish request: `{"items": [...]}`, one http-stream item."""
    item = Item(HttpStreamFormat(event.text())).export(formats_field=True)
    item["channel"] = event.channel
    body = json.dumps({"items": [item]}).encode()
    headers = {**headers, "Content-Type": "application/json"}
    return Request(url, data=body, method="POST", headers=headers)


class Pushpin:
    """Pushpin's HTTP control endpoint (push_in_http_port): POST /publish/."""

    def __init__(self, url: str):
        self.url = url.rstrip("/") + "/publish/"

    def __str__(self):
        return f"Pushpin at {self.url}"

    def publish(self, event: Event) -> None:
        purge.send(publish_request(self.url, event, {}))


class Fanout:
    """Fastly Fanout: POST /service/{id}/publish/ (the trailing slash is
    required) with the API token in Fastly-Key."""

    def __init__(self, api_url: str, token: str, service_id: str):
        self.url = f"{api_url.rstrip('/')}/service/{service_id}/publish/"
        self.token = token

    def __str__(self):
        return f"Fastly Fanout ({self.url})"

    def publish(self, event: Event) -> None:
        purge.send(publish_request(self.url, event, {"Fastly-Key": self.token}))


def targets() -> list:
    """Where to publish, from settings; empty when push is off."""
    found: list = [Pushpin(url) for url in settings.PUSHPIN_PUBLISH_URLS]
    if settings.FASTLY_FANOUT and settings.FASTLY_API_TOKEN and settings.FASTLY_SERVICE_ID:
        found.append(
            Fanout(settings.FASTLY_API_URL, settings.FASTLY_API_TOKEN, settings.FASTLY_SERVICE_ID)
        )
    return found


def publish_everywhere(event: Event) -> None:
    for target in targets():
        for attempt in range(purge.RETRIES + 1):
            try:
                target.publish(event)
                logger.debug(
                    "Pushed revision %d of %s to %s.", event.revision, event.channel, target
                )
                break
            except Exception as error:
                if attempt == purge.RETRIES:
                    logger.error(
                        "Pushing revision %d of %s to %s failed %d times (%s); readers get "
                        "the change by their next poll.",
                        event.revision, event.channel, target, attempt + 1, error,
                    )  # fmt: skip
                else:
                    time.sleep(purge.FIRST_BACKOFF * 2**attempt)
