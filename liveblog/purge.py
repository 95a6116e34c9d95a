"""Purging the CDN after a commit: readers get a change within one poll, not a cache lifetime.

The contract:

- Whatever changes what readers see says so inside its transaction:
  `entry_changed(entry_id)` for an entry's page, its poll answers (every
  `since`) and its older pages (every `before`); `listing=True` adds `/`.
  The change log calls it for every write to updates (updates/changes.py,
  lock_entry), Entry.save and Entry.delete for the entry itself. Purges are
  registered with transaction.on_commit: a rolled-back write purges
  nothing, and nothing is purged before the commit (a CDN refetching then
  would store the old state again).
- Every reader response names what it depends on
  (liveblog.http.cache_publicly): `entry-<id>` or `index`, in
  `Surrogate-Key` (Fastly), `Cache-Tag` (Cloudflare) and `xkey` (Varnish's
  xkey module). The CDN removes them before delivery. A 404 under
  /entries/<slug>/ is named by its slug alone (`slug_tag`), whether a draft
  has it or nobody; an entry becoming visible there (created or going live,
  or given that slug) purges it.
- Each tag is purged twice: at once, and again
  LIVEBLOG_POLL_MEMO_SECONDS + FOLLOW_UP_MARGIN later. A worker may answer a
  poll or a page from the entry it read up to LIVEBLOG_POLL_MEMO_SECONDS
  before the commit (entries/remembered.py), and a CDN miss just after the first
  purge would store that answer for its whole lifetime. The second purge
  removes it: by then no worker answers from a state older than the commit,
  and the margin covers a request still on its way back from the origin.
  Purging only once, later, would make every delivery that much later;
  purging only at once would leave the unlucky stale answer for 10 s.
- The author never waits: one daemon thread per process sends the purges;
  callers only add tags to a bounded set of pending ones. A tag is purged at
  most once per PURGE_SPACING seconds, whatever the number of commits, so a
  burst of 20 posts to one entry costs a handful of purges (each covering
  every commit before it), not 20 queued requests.
- A failing CDN is retried RETRIES times with a doubling backoff, then
  logged at ERROR; nothing is ever raised to the caller. Readers then get
  the change when their cached answer expires (LIVEBLOG_CACHE_SECONDS), as
  without purging. More than MAX_PENDING tags waiting: new ones are dropped
  with a warning, with the same fallback.
- Backends come from settings (docs/deploy.md): VARNISH_URLS (each server
  gets `PURGE /` with an `xkey-purge` header and LIVEBLOG_PURGE_TOKEN in
  X-Liveblog-Token), FASTLY_API_TOKEN and
  FASTLY_SERVICE_ID (batch purge by surrogate key), CLOUDFLARE_API_TOKEN and
  CLOUDFLARE_ZONE_ID (purge by cache tag). None configured: nothing is
  queued and no thread starts. The API base URLs are settings too, so the
  tests send the vendors' requests to a local server that checks them.
- A process that exits (a command such as post_update right after its
  commit, a worker being stopped) first waits up to EXIT_WAIT seconds
  for what it has pending.
- The same thread publishes each change to the readers' streams
  (liveblog/push.py), after the purge registered with it has been sent:
  a reader told to poll by an event must not get the CDN's old answer.
"""

import atexit
import hashlib
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

INDEX_TAG = "index"
# Where Varnish looks for LIVEBLOG_PURGE_TOKEN (deploy/varnish.vcl).
TOKEN_HEADER = "X-Liveblog-Token"
# deploy/varnish.vcl refuses shorter tokens.
MIN_TOKEN_LENGTH = 32
# A tag is purged at most this often; commits in between wait for the next one.
PURGE_SPACING = 0.5
# Added to the poll memo's lifetime before the second purge: an origin
# answer read before the commit may still be on its way to the CDN.
FOLLOW_UP_MARGIN = 0.25
RETRIES = 3
FIRST_BACKOFF = 0.25
TIMEOUT = 5
MAX_PENDING = 1000
# How long a process that is ending (a management command such as
# post_update, a worker being stopped) waits for its pending purges and
# pushes: a command ends right after its commit, before the thread runs.
EXIT_WAIT = 5
# Moments a purge is needed are rounded up to this, so a tag keeps a few
# dozen of them at most however fast commits come.
GRANULARITY = 0.05
# Vendors' limits on tags per request.
FASTLY_BATCH = 256
CLOUDFLARE_BATCH = 30


def entry_tag(entry_id: int) -> str:
    return f"entry-{entry_id}"


def slug_tag(slug: str) -> str:
    """The tag of every 404 under /entries/<slug>/, a draft's or no entry's alike.

    It must not say whether an entry has the slug (a draft's used to carry
    its entry's tag: wherever a CDN let the header through, that told which
    draft slugs exist). Hashed: any slug fits the vendors' tag rules
    (Cloudflare: printable ASCII, case-insensitive, 1,024 characters at most).
    """
    return "slug-" + hashlib.sha256(slug.encode()).hexdigest()[:16]


def entry_changed(
    entry_id: int,
    *,
    listing: bool = False,
    slugs: tuple[str, ...] = (),
    using: str | None = None,
) -> None:
    """After the current transaction commits, purge the entry's cached answers
    (and `/`, and the 404s kept for `slugs`)."""
    tags = [entry_tag(entry_id)]
    if listing:
        tags.append(INDEX_TAG)
    tags.extend(slug_tag(slug) for slug in slugs)
    purge_after_commit(tags, using=using)


def purge_after_commit(tags: list[str], using: str | None = None) -> None:
    if not backends():
        return
    transaction.on_commit(lambda: _queue().add(tags), using=using)


def push_after_commit(
    key: str,
    base: int | None,
    send: Callable[[int | None], None],
    after: str,
    using: str | None = None,
) -> None:
    """After the current transaction commits, have this process's purging
    thread call `send(base)` once the purge of tag `after` is sent
    (liveblog/push.py: one thread, one order for both)."""
    transaction.on_commit(lambda: _queue().add_push(key, base, send, after), using=using)


class PurgeFailed(Exception):
    pass


def send(request: Request) -> bytes:
    try:
        with urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (URLs from settings)
            return response.read()
    except HTTPError as error:
        body = error.read()[:300].decode(errors="replace")
        raise PurgeFailed(f"{error.code} {body}") from error


class Varnish:
    """`PURGE /` with the tags in `xkey-purge`: deploy/varnish.vcl hard-purges
    every object carrying one of them (xkey.purge), for this address only if
    it is in the VCL's `purgers` ACL and the request carries the token both
    sides read from LIVEBLOG_PURGE_TOKEN (in X-Liveblog-Token)."""

    def __init__(self, url: str, token: str = ""):
        self.url = url.rstrip("/") + "/"
        self.token = token

    def __str__(self):
        return f"Varnish at {self.url}"

    def purge(self, tags: list[str]) -> None:
        headers = {"xkey-purge": " ".join(tags)}
        if self.token:
            headers[TOKEN_HEADER] = self.token
        send(Request(self.url, method="PURGE", headers=headers))


class Fastly:
    """Batch purge by surrogate key: POST /service/{id}/purge with the keys
    in a Surrogate-Key header (space-separated, 256 at most), token in
    Fastly-Key. A hard purge (no Fastly-Soft-Purge): no stale copy is served."""

    def __init__(self, api_url: str, token: str, service_id: str):
        self.url = f"{api_url.rstrip('/')}/service/{service_id}/purge"
        self.token = token

    def __str__(self):
        return f"Fastly ({self.url})"

    def purge(self, tags: list[str]) -> None:
        for start in range(0, len(tags), FASTLY_BATCH):
            keys = tags[start : start + FASTLY_BATCH]
            headers = {
                "Fastly-Key": self.token,
                "Surrogate-Key": " ".join(keys),
                "Accept": "application/json",
            }
            answer = json.loads(send(Request(self.url, method="POST", headers=headers)))
            # The answer maps each key to its purge id.
            if not isinstance(answer, dict) or not set(keys) <= set(answer):
                raise PurgeFailed(f"unexpected answer {answer!r}")


class Cloudflare:
    """Purge by cache tag: POST /zones/{zone_id}/purge_cache with
    {"tags": [...]} (30 at most), a Bearer API token; the answer's
    "success" says whether it was accepted."""

    def __init__(self, api_url: str, token: str, zone_id: str):
        self.url = f"{api_url.rstrip('/')}/zones/{zone_id}/purge_cache"
        self.token = token

    def __str__(self):
        return f"Cloudflare ({self.url})"

    def purge(self, tags: list[str]) -> None:
        for start in range(0, len(tags), CLOUDFLARE_BATCH):
            body = json.dumps({"tags": tags[start : start + CLOUDFLARE_BATCH]}).encode()
            headers = {
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
            answer = json.loads(send(Request(self.url, data=body, method="POST", headers=headers)))
            if not answer.get("success"):
                raise PurgeFailed(f"not accepted: {answer.get('errors')!r}")


def backends() -> list:
    """The CDNs to purge, from settings; empty when none is configured."""
    found: list = [Varnish(url, settings.LIVEBLOG_PURGE_TOKEN) for url in settings.VARNISH_URLS]
    if settings.FASTLY_API_TOKEN and settings.FASTLY_SERVICE_ID:
        found.append(
            Fastly(settings.FASTLY_API_URL, settings.FASTLY_API_TOKEN, settings.FASTLY_SERVICE_ID)
        )
    if settings.CLOUDFLARE_API_TOKEN and settings.CLOUDFLARE_ZONE_ID:
        found.append(
            Cloudflare(
                settings.CLOUDFLARE_API_URL,
                settings.CLOUDFLARE_API_TOKEN,
                settings.CLOUDFLARE_ZONE_ID,
            )
        )
    return found


def _round_up(moment: float) -> float:
    return math.ceil(moment / GRANULARITY) * GRANULARITY


@dataclass
class PendingPush:
    """A publish to readers' streams (liveblog/push.py) waiting its turn."""

    # The oldest revision readers may be at: events of several commits merge.
    base: int | None
    send: Callable[[int | None], None]
    # The tag whose next purge must be sent first; None once it has been.
    waiting_for: str | None


class PurgeQueue:
    """Pending purges by tag and pushes by key, and the thread that sends them."""

    def __init__(self):
        self.condition = threading.Condition()
        # tag → moments at or after which it must be purged
        self.needs: dict[str, set[float]] = {}
        self.last_purged: dict[str, float] = {}
        self.pushes: dict[str, PendingPush] = {}
        self.sending = False
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()

    def add(self, tags: list[str]) -> None:
        now = time.monotonic()
        follow_up = _round_up(now + settings.LIVEBLOG_POLL_MEMO_SECONDS + FOLLOW_UP_MARGIN)
        with self.condition:
            for tag in tags:
                if tag not in self.needs and len(self.needs) >= MAX_PENDING:
                    logger.warning("Too many purges pending; %s left to expire by itself.", tag)
                    continue
                moments = self.needs.setdefault(tag, set())
                moments.add(_round_up(now))
                # Even without the memo: an answer read before the commit
                # may reach the CDN just after the first purge.
                moments.add(follow_up)
            self._ensure_thread()
            self.condition.notify_all()

    def add_push(
        self, key: str, base: int | None, send: Callable[[int | None], None], after: str
    ) -> None:
        """Call `send(base)` from the thread once the purge of tag `after`
        pending now has been sent; pushes for one key merge, from the lower base."""
        with self.condition:
            pending = self.pushes.get(key)
            if pending is None:
                if len(self.pushes) >= MAX_PENDING:
                    logger.warning("Too many pushes pending; %s left to the readers' polls.", key)
                    return
                waiting_for = after if after in self.needs else None
                self.pushes[key] = PendingPush(base, send, waiting_for)
            elif base is not None:
                pending.base = base if pending.base is None else min(pending.base, base)
            self._ensure_thread()
            self.condition.notify_all()

    def _take_pushes(self, purging: list[str]) -> list[PendingPush]:
        """Pushes to send now, after the purges of `purging`."""
        ready = []
        for key, pending in list(self.pushes.items()):
            if pending.waiting_for is None or pending.waiting_for in purging:
                ready.append(pending)
                del self.pushes[key]
        return ready

    def _ensure_thread(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._run, name="cdn-purger", daemon=True)
            self.thread.start()

    def _take_due(self, now: float) -> tuple[list[str], float | None]:
        """Tags to purge now, and when to look again."""
        due, wake = [], None
        for tag, moments in list(self.needs.items()):
            fire_at = max(min(moments), self.last_purged.get(tag, -math.inf) + PURGE_SPACING)
            if fire_at <= now:
                due.append(tag)
                self.last_purged[tag] = now
                moments.difference_update({m for m in moments if m <= now})
                if not moments:
                    del self.needs[tag]
            else:
                wake = fire_at if wake is None else min(wake, fire_at)
        for tag, moment in list(self.last_purged.items()):
            if tag not in self.needs and now - moment > PURGE_SPACING:
                del self.last_purged[tag]
        return due, wake

    def _run(self) -> None:
        while True:
            with self.condition:
                while True:
                    now = time.monotonic()
                    due, wake = self._take_due(now)
                    ready = self._take_pushes(due)
                    if due or ready:
                        self.sending = True
                        break
                    self.sending = False
                    self.condition.notify_all()
                    self.condition.wait(None if wake is None else max(wake - now, 0.001))
            if due:
                try:
                    purge_everywhere(sorted(due))
                except Exception:  # never let the thread die: later purges still matter
                    logger.exception("Purging %s failed unexpectedly.", due)
            for pending in ready:
                try:
                    pending.send(pending.base)
                except Exception:
                    logger.exception("Pushing a change failed unexpectedly.")

    def wait_until_idle(self, timeout: float) -> bool:
        """For tests: True once nothing is pending or being sent."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while self.needs or self.pushes or self.sending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.condition.wait(left)
        return True


def purge_everywhere(tags: list[str]) -> None:
    for backend in backends():
        for attempt in range(RETRIES + 1):
            try:
                backend.purge(tags)
                logger.debug("Purged %s at %s.", " ".join(tags), backend)
                break
            except Exception as error:
                if attempt == RETRIES:
                    logger.error(
                        "Purging %s at %s failed %d times (%s); readers get the change "
                        "when their cached copies expire.",
                        " ".join(tags), backend, attempt + 1, error,
                    )  # fmt: skip
                else:
                    time.sleep(FIRST_BACKOFF * 2**attempt)


_the_queue: PurgeQueue | None = None
_queue_lock = threading.Lock()


def _queue() -> PurgeQueue:
    """This process's queue (a new one after a fork: threads do not survive it)."""
    global _the_queue
    with _queue_lock:
        if _the_queue is None or _the_queue.pid != os.getpid():
            _the_queue = PurgeQueue()
            atexit.register(_send_before_exit, _the_queue)
        return _the_queue


def _send_before_exit(queue: PurgeQueue) -> None:
    if queue.pid == os.getpid() and not queue.wait_until_idle(EXIT_WAIT):
        logger.warning(
            "Exiting with purges or pushes still pending after %d s; readers get those "
            "changes when their cached copies expire, or by their next poll.",
            EXIT_WAIT,
        )


def wait_until_idle(timeout: float = 30) -> bool:
    """For tests: wait until every pending purge and push has been sent (or given up)."""
    return _the_queue is None or _the_queue.wait_until_idle(timeout)
