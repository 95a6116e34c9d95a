"""What a new connection to the origin costs each Varnish miss.

deploy/varnish.vcl as shipped (`Connection: close`, so that Varnish never
resends a POST; docs/deploy.md) against the same VCL reusing connections,
both in front of one gunicorn (2 workers) and a throwaway PostgreSQL on
loopback, rounds interleaved. Every request is a miss (a `since` never
asked before), 25 per client address to stay under the VCL's limit.

Run: `.venv/bin/python scripts/miss_cost.py` (needs varnish, varnish-modules
and PostgreSQL 15, as the server tests do).
"""

import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import PROJECT, Connection, start_stack  # noqa: E402

SEED = """
from entries.models import Entry
from updates.changes import post_update
entry = Entry.objects.create(title="Cost", slug="cost", status="live")
for n in range(20):
    post_update(entry, f"Update {n}")
"""
ROUNDS, PER_ROUND, CLIENTS = 5, 400, 4
address = iter(f"127.0.{a}.{b}" for a in range(100, 200) for b in range(1, 250))


def misses(port: int, count: int, clients: int, start: int) -> tuple[list[float], float]:
    """`count` misses (unseen since values), from `clients` threads, 25 per address."""
    times, lock = [], threading.Lock()
    per = count // clients

    def client(base):
        conn = None
        for n in range(per):
            if n % 25 == 0:
                if conn:
                    conn.close()
                conn = Connection(port, next(address))
            began = time.perf_counter()
            answer = conn.get(f"/entries/cost/updates.json?since={10**9 + base + n}")
            elapsed = time.perf_counter() - began
            assert answer.status == 200 and answer.headers["x-cache"] == "MISS", answer.status
            with lock:
                times.append(elapsed)
        conn.close()

    threads = [threading.Thread(target=client, args=(start + c * per,)) for c in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, count / (time.perf_counter() - began)


def main():
    folder = Path(tempfile.mkdtemp(prefix="liveblog-miss-cost-"))
    try:
        measure(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(folder: Path):
    shipped = (PROJECT / "deploy" / "varnish.vcl").read_text()
    assert 'set bereq.http.Connection = "close";' in shipped
    env = {"LIVEBLOG_POLL_MEMO_SECONDS": "0"}
    with start_stack(folder, seed=SEED, env=env) as stack:
        closing = stack.cdn
        reusing = stack.another_cdn()
        reusing.vcl.write_text(
            reusing.vcl.read_text().replace('set bereq.http.Connection = "close";', "")
        )
        with reusing:
            results = {"close": ([], []), "reuse": ([], [])}
            start = 0
            for _ in range(ROUNDS):
                for name, cdn in (("close", closing), ("reuse", reusing)):
                    for clients in (1, CLIENTS):
                        times, rate = misses(cdn.port, PER_ROUND, clients, start)
                        start += PER_ROUND
                        results[name][clients > 1].append((times, rate))
            reused = {
                n: c.counter("MAIN.backend_reuse")
                for n, c in (("close", closing), ("reuse", reusing))
            }
    for name, (alone, together) in results.items():
        lat = sorted(t for times, _ in alone for t in times)
        rates = [rate for _, rate in together]
        print(
            f"{name}: one at a time p50 {statistics.median(lat) * 1000:.2f} ms, "
            f"p95 {lat[int(0.95 * len(lat))] * 1000:.2f} ms; "
            f"{CLIENTS} clients {statistics.median(rates):.0f} misses/s "
            f"(rounds {', '.join(f'{r:.0f}' for r in rates)}); connections reused {reused[name]}"
        )


if __name__ == "__main__":
    main()
