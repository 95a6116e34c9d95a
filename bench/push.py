"""How fast a post reaches readers' streams through Pushpin, and what it costs (issue 21).

Run by `make bench` after bench/run.py, which adds this report to
docs/benchmarks.md as its push section (`--write`); alone:
`.venv/bin/python -m bench.push` (`--readers 1000 --posts 20`, the
defaults; about a minute). Starts what the server tests start
(tests/servers.py: PostgreSQL, gunicorn with the production settings and 2
workers, Varnish, and Debian's Pushpin in front of gunicorn, publishing on),
opens READERS stream connections straight to Pushpin (as readers behind
Varnish would reach it), then an author posts POSTS updates through the
admin's add form, one every half second. For each update it records when
every reader received the event carrying its revision, and prints:

- from the author sending the post to the last reader's receipt: p50, p95
  and max over the posts (an upper bound on "from commit": the commit is
  inside that request);
- every reader's receipt delay, p50/p95/max over all (reader, post) pairs;
- origin requests per update (gunicorn's access log: stream requests and
  polls while posting; the author's own requests not counted);
- Pushpin's memory per held connection (the resident memory of its
  processes with the readers connected, minus before, divided by READERS).

`--without-purging`: the application does not purge Varnish, so events
do not wait for purges (what that wait costs).

Not part of `make test` (the timing depends on the machine and its load);
tests/test_push_pushpin.py bounds it loosely instead. The target (issue
21): p95 at most 1 s from the post to the last reader.
"""

import argparse
import asyncio
import os
import re
import resource
import secrets
import statistics
import tempfile
import threading
import time
from pathlib import Path

import django
import psycopg

from tests.servers import SITE, Pushpin, children_of, start_stack

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

PASSWORD = secrets.token_urlsafe(16)
SEED = f"""
from django.contrib.auth import get_user_model
from entries.models import Entry
get_user_model().objects.create_superuser("author", password={PASSWORD!r})
Entry.objects.create(title="Timed", slug="timed", status="live")
"""
EVENT_ID = re.compile(rb"^id: (\d+)$", re.MULTILINE)


def rss_kb(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(match[1]) if match else 0
    return total


class Readers:
    """READERS raw connections to Pushpin, each noting when each event id arrived."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.received: list[dict[int, float]] = [{} for _ in range(count)]
        self.connected = 0
        self.reconnects = 0
        self.silent = 0
        self.tasks = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def reader(self, number: int):
        # As EventSource does: a stream Pushpin closes is opened again.
        while True:
            await self.listen(number)
            self.reconnects += 1
            await asyncio.sleep(0.5)

    async def listen(self, number: int):
        try:
            stream, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return
        writer.write(
            f"GET /entries/timed/events HTTP/1.1\r\nHost: {SITE}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        try:
            # A connection Pushpin accepted but never answers is given up
            # on; the page would poll meanwhile (live.js).
            chunk = await asyncio.wait_for(stream.read(65536), 10)
        except TimeoutError:
            self.silent += 1
            writer.close()
            return
        buffer = b""
        while chunk:
            now = time.monotonic()
            buffer += chunk
            for match in EVENT_ID.finditer(buffer):
                revision = int(match[1])
                if revision not in self.received[number]:
                    self.received[number][revision] = now
                    if len(self.received[number]) == 1:
                        self.connected += 1
                        if self.connected == self.count:
                            self.ready.set()
            buffer = buffer[buffer.rfind(b"\n\n") + 2 :] if b"\n\n" in buffer else buffer
            chunk = await stream.read(65536)
        writer.close()

    def start(self):
        self.thread.start()
        # Readers arrive over a few seconds (50 every quarter second).
        for number in range(self.count):
            # Kept: asyncio holds its tasks weakly, and a collected one
            # closes its reader's connection.
            self.tasks.append(asyncio.run_coroutine_threadsafe(self.reader(number), self.loop))
            if number % 50 == 49:
                time.sleep(0.25)
        assert self.ready.wait(120), f"only {self.connected} of {self.count} readers connected"

    def stop(self):
        async def close_all():
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=20)
    # Each event waits for its commit's purge, sent at most every 0.5 s per
    # entry (liveblog/purge.py): this shows what that wait costs.
    parser.add_argument("--without-purging", action="store_true")
    parser.add_argument("--write", action="store_true", help="add the report to docs/benchmarks.md")
    args = parser.parse_args()
    # One file descriptor per reader's connection, and room for the rest.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.readers + 1024)), hard))
    with tempfile.TemporaryDirectory(prefix="liveblog-push-timing-") as folder:
        folder = Path(folder)
        pushpin = Pushpin(folder / "pushpin")
        with (
            start_stack(
                folder,
                seed=SEED,
                purging=not args.without_purging,
                env=pushpin.publishing_env(),
                pushpin_port=pushpin.port,
            ) as stack,
            pushpin.routing_to(stack.origin.port),
        ):
            # tests/readers.py's author reverses the admin's URLs: Django set
            # up as the servers are, as bench/run.py does.
            os.environ.update(stack.env)
            os.environ["DJANGO_SETTINGS_MODULE"] = "liveblog.settings"
            django.setup()
            from tests.readers import AdminAuthor

            author = AdminAuthor.sign_in(stack.origin.port, "author", PASSWORD)
            with psycopg.connect(stack.database.url(), autocommit=True) as connection:
                query = "SELECT id FROM entries_entry WHERE slug = 'timed'"
                entry_id = connection.execute(query).fetchone()[0]
            pushpin_pids = children_of(pushpin.process.pid) | {pushpin.process.pid}
            memory_before = rss_kb(pushpin_pids)
            readers = Readers(pushpin.port, args.readers)
            readers.start()
            time.sleep(2)
            reconnects, silent = readers.reconnects, readers.silent
            memory_after = rss_kb(pushpin_pids)
            log_before = stack.origin.access_log.read_text().count("\n")
            sent = {}
            for n in range(args.posts):
                started = time.monotonic()
                answer = author.submit(entry_id, f"Timed update {n} {secrets.token_hex(4)}")
                assert answer.status == 302, answer.status
                sent[n] = started
                time.sleep(0.5)
            time.sleep(3)
            readers.stop()
            log = stack.origin.access_log.read_text().splitlines()[log_before:]
    reader_requests = [line for line in log if "/entries/timed/" in line]
    # Revision n + 1 is post n's: the entry starts at 0 and each post takes one.
    last, every, missing = [], [], 0
    for n, started in sent.items():
        # Pushes of commits close together merge: an event may bring several.
        times = [
            min((moment for revision, moment in got.items() if revision >= n + 1), default=None)
            for got in readers.received
        ]
        arrived = [moment - started for moment in times if moment is not None]
        missing += len(times) - len(arrived)
        if arrived:
            last.append(max(arrived))
            every.extend(arrived)
    p95 = percentile(last, 0.95)
    report = []
    report.append(
        f"{args.readers} stream readers held by Pushpin, {args.posts} posts, one every 0.5 s"
    )
    report.append(
        "post sent to last reader's event: "
        f"p50 {statistics.median(last) * 1000:.0f} ms, p95 {percentile(last, 0.95) * 1000:.0f} ms, "
        f"max {max(last) * 1000:.0f} ms"
    )
    report.append(
        "post sent to each reader's event: "
        f"p50 {statistics.median(every) * 1000:.0f} ms, p95 {percentile(every, 0.95) * 1000:.0f} ms, "
        f"max {max(every) * 1000:.0f} ms"
    )
    events = sum(len(got) - 1 for got in readers.received) / args.readers
    report.append(f"updates never received: {missing} of {args.readers * args.posts}")
    report.append(f"events per reader for {args.posts} updates: {events:.1f} (pushes merge)")
    report.append(
        f"connections reopened while readers arrived: {reconnects} "
        f"({silent} of them unanswered for 10 s, the rest closed by Pushpin)"
    )
    report.append(
        f"origin requests from readers while posting: {len(reader_requests)} "
        f"({len(reader_requests) / args.posts:.1f} per update)"
    )
    report.append(
        f"Pushpin resident memory: {memory_before / 1024:.1f} MB idle, "
        f"{memory_after / 1024:.1f} MB with the readers, "
        f"{(memory_after - memory_before) / args.readers:.1f} KB per connection"
    )
    print("\n".join(report))
    if args.write:
        write(report, p95, args)


def write(report: list[str], p95: float, args) -> None:
    """Add the report to docs/benchmarks.md, which bench/run.py has just written."""
    target = "holds" if p95 <= 1.0 else "MISSED"
    section = (
        "\n## Push (issue 21)\n\n"
        "Written by `python -m bench.push --write` (`make bench`): the servers as above "
        "(gunicorn with 2 workers, PostgreSQL, Varnish purged) and Debian's Pushpin in front "
        f"of gunicorn, {args.readers} stream connections held by Pushpin, an author posting "
        f"{args.posts} updates through the admin, one every 0.5 s. Target: p95 at most 1 s "
        f"from the post to the last reader: **{target}**.\n\n"
        + "".join(f"- {line}\n" for line in report)
    )
    text = OUTPUT.read_text()
    text = text.split("\n## Push (issue 21)\n", 1)[0].rstrip("\n") + "\n"
    OUTPUT.write_text(text + section)


if __name__ == "__main__":
    main()
