"""`make bench`: what the origin costs, measured with wrk against real servers.

Starts a throwaway PostgreSQL 15, gunicorn (production settings, 2 workers)
and Varnish with deploy/varnish.vcl, all on 127.0.0.1, as the deployment
tests start them (tests/servers.py's start_stack); seeds entries of 10, 200, 1,000 and
10,000 updates through the change log; starts a stock `django-admin
startproject` beside them as the framework's ceiling (issue 25), and a
gunicorn of the other worker class; then measures each target with wrk
in interleaved rounds and takes medians. Ratios between rows of one run are
what count: the machine is shared, so absolute figures move between runs.
Beside requests per second, each row reports the CPU time its server's
workers spent per request (/proc/<pid>/stat), which moves much less with
what else runs on the machine: the noise-robust confirmation of a ratio.
Writes docs/benchmarks.md and prints it. Not a test: nothing here asserts a
time (issue 8).
"""

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SIZES = [10, 200, 1_000, 10_000]
# Also measured on a second gunicorn that remembers nothing.
COLD = ["poll-10000", "page-200", "page-10000"]
CONNECTIONS = 16
THREADS = 2
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
# Five rounds: on a shared 2-core machine one round in three or four is
# disturbed by something else; the median of five shrugs that off.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
# Above this share of the CPU busy while the servers sit idle (other work on
# the machine), or this spread between rounds in a ratio's row, the report
# says its figures are unsure. (The load average would count the bench's own
# set-up: installing, migrating and seeding just before.)
BUSY_SHARE = 0.15
NOISY_SPREAD = 0.5
IDLE_SAMPLE_SECONDS = 3
OUTPUT = PROJECT / "docs" / "benchmarks.md"
# What `make bench` installs when missing, as .ci/run does.
TOOLS = {
    "/usr/bin/wrk": "wrk",
    "/usr/sbin/varnishd": "varnish",
    "/usr/lib/postgresql/15/bin/initdb": "postgresql-15",
}

# The other worker class, measured beside the configured one on the same rows.
OTHER_WORKER_CLASS = {"sync": "gthread", "gthread": "sync"}
WORKER_ROWS = ["poll-10000", "page-200"]

# What `django-admin startproject` gets to become the stock baseline: one
# JSON view, the same as liveblog/bench.py's, and production's DEBUG off.
STOCK_VIEW = """
from django.http import JsonResponse


def trivial(request):
    return JsonResponse({"status": "ok"})


urlpatterns.append(path("bench/trivial.json", trivial))
"""

SAMPLE_UPDATES = [
    "The lights go down and the **keynote starts**. The hall is full.",
    "> We shipped more this year than in the three before it.\n\nA big claim to open with.",
    "First announcement: the new release is out today. [Release notes](https://example.com/notes).",
    "Three things they stress:\n\n1. Long-term support\n2. Async views\n3. A faster admin",
    "The demo works first time; the room applauds, mostly out of relief. " * 3,
    "A question about `select_for_update` gets a name-check from the stage.",
]


def install_missing_tools() -> None:
    packages = [package for path, package in TOOLS.items() if not Path(path).exists()]
    if packages:
        print(f"Installing {', '.join(packages)}", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
            check=True,
            env=env,
        )
    if os.geteuid() == 0 and subprocess.run(["id", "postgres"], capture_output=True).returncode:
        subprocess.run(["useradd", "--system", "--create-home", "postgres"], check=True)


def seed() -> dict[int, str]:
    """An entry per size, its updates a minute apart up to now: {size: slug}."""
    from django.db import connection

    from entries.models import Entry
    from updates.changes import post_updates
    from updates.models import LiveUpdate

    slugs = {}
    now = datetime.now(UTC).replace(microsecond=0)
    for size in SIZES:
        entry = Entry.objects.create(
            title=f"An event with {size} updates",
            slug=f"bench-{size}",
            intro="Follow it as it happens.",
            status=Entry.Status.LIVE,
            timezone="Europe/London",
        )
        for start in range(0, size, 1_000):
            post_updates(
                entry,
                [
                    LiveUpdate(
                        content=f"{SAMPLE_UPDATES[n % len(SAMPLE_UPDATES)]}\n\nUpdate {n + 1}.",
                        published=now - timedelta(minutes=size - n),
                    )
                    for n in range(start, min(size, start + 1_000))
                ],
            )
        slugs[size] = entry.slug
    # Statistics as autovacuum would soon leave them: without, the planner
    # may sort a whole table rather than walk the page's index.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return slugs


def queries_per_request(path: str) -> str:
    """Queries one GET of `path` runs, counted in this process with the same settings:
    with nothing remembered / with the entry state and page remembered."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from liveblog import memo
    from tests.servers import SITE

    client = Client(HTTP_HOST=SITE)
    client.get(path)  # the connection set up
    counts = []
    for forget in (True, False):
        if forget:  # nothing remembered, then what a busy process has
            memo.forget_all()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts.append(len(queries))
    return "{} / {}".format(*counts)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)([a-z]+)", text).groups()
    return float(number) * UNITS[unit]


def wrk(port: int, path: str, seconds: int = SECONDS) -> dict:
    from tests.servers import SITE

    result = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s",
         "--latency", "-H", f"Host: {SITE}", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = result.stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
        "p50": milliseconds(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": milliseconds(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "errors": (int(errors.group(1)) if errors else 0),
        "socket_errors": sockets.group(1) if sockets else "",
    }


def machine() -> dict:
    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    versions = {
        "Python": platform.python_version(),
        "Django": __import__("django").get_version(),
        "gunicorn": __import__("gunicorn").__version__,
        "PostgreSQL": run_text(["/usr/lib/postgresql/15/bin/postgres", "--version"]),
        "Varnish": run_text(["varnishd", "-V"]).splitlines()[0],
        "wrk": run_text(["wrk", "-v"]).splitlines()[0].split(" [")[0],
    }
    return {
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "cores": os.cpu_count(),
        "versions": versions,
    }


def cpu_busy_share(seconds: float = IDLE_SAMPLE_SECONDS) -> float:
    """The share of all cores' time spent working over `seconds` (/proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle, iowait
        return sum(fields[:8]), idle  # user … steal; guest time is counted in user

    total_before, idle_before = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    total = total_after - total_before
    return 1 - (idle_after - idle_before) / total if total else 0.0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: set[int]) -> float:
    """User and system CPU time the processes have used so far, all their
    threads included (/proc/<pid>/stat's utime and stime)."""
    total = 0
    for pid in pids:
        # The command name may hold spaces and parentheses: count after its last ")".
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def run_text(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    return (result.stdout or result.stderr).strip()


def settle(ports: list[int]) -> None:
    """Wait until the origins have finished what wrk left queued (slow pages)."""
    from tests.servers import get

    for port in ports:
        for _ in range(120):
            start = time.perf_counter()
            get(port, "/healthz", {"Host": "127.0.0.1"}, timeout=120)
            if time.perf_counter() - start < 0.05:
                break


def measure(
    targets: dict[str, tuple[int, str]],
    origins: list[int],
    before_each=None,
    workers: dict[int, set[int]] | None = None,
) -> dict[str, list[dict]]:
    """Every target once per round, rounds interleaved so that noise hits all alike.

    `workers` maps a port to the processes serving it: each round of that
    port also records their CPU time per request wrk completed, `cpu_us`.
    The requests wrk leaves in flight when it stops (at most one per
    connection) are served after the reading, so they are not counted.
    """
    workers = workers or {}
    for port, path in targets.values():
        wrk(port, path, seconds=1)  # warm-up: imports, connections, caches
        settle(origins)
    results = {name: [] for name in targets}
    for round_number in range(ROUNDS):
        for name, (port, path) in targets.items():
            if before_each:
                before_each(name)
            pids = workers.get(port)
            before = cpu_seconds(pids) if pids else None
            result = wrk(port, path)
            if pids and result["requests"]:
                result["cpu_us"] = (cpu_seconds(pids) - before) / result["requests"] * 1e6
            results[name].append(result)
            settle(origins)
        print(f"round {round_number + 1}/{ROUNDS} done", flush=True)
    return results


@contextmanager
def stock_django(folder: Path, workers: int = 2):
    """A stock Django project served by `gunicorn -w 2`: the framework's ceiling
    on this machine, in this run (issue 25).

    `django-admin startproject` with its default settings and middleware
    (sessions, CSRF, authentication, messages, clickjacking), DEBUG off,
    one JSON view, and gunicorn's defaults: sync workers, no access log.
    Yields its port and its workers' process ids.
    """
    from tests.servers import SITE, answers, children_of, free_port, wait_until

    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "stock", str(folder)],
        check=True, env=env,
    )  # fmt: skip
    with (folder / "stock" / "urls.py").open("a") as urls:
        urls.write(STOCK_VIEW)
    with (folder / "stock" / "settings.py").open("a") as settings:
        settings.write(f"\nDEBUG = False\nALLOWED_HOSTS = [{SITE!r}]\n")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "stock.wsgi"],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(
            lambda: (
                process.poll() is not None or answers(port, "/bench/trivial.json", {"Host": SITE})
            ),
            60,
            "the stock Django project",
        )
        assert process.poll() is None, "the stock Django project did not start"
        yield port, children_of(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def one_at_a_time(port: int, path: str) -> float:
    """Milliseconds one request takes with nothing else running, median of 5."""
    from tests.servers import get

    times = []
    for _ in range(5):
        start = time.perf_counter()
        get(port, path, timeout=60)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def median(rounds: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


def cpu_per_request(rounds: list[dict]) -> float | None:
    """The median of the rounds' worker CPU µs per request, if measured."""
    measured = [r["cpu_us"] for r in rounds if "cpu_us" in r]
    return statistics.median(measured) if measured else None


def spread(rounds: list[dict], trim: int = 0) -> float:
    """(max - min) / median of requests per second over the rounds, leaving
    out the `trim` highest and lowest."""
    values = sorted(r["rps"] for r in rounds)
    middle = statistics.median(values)
    if trim and len(values) > 2 * trim:
        values = values[trim:-trim]
    return (values[-1] - values[0]) / middle if middle else 0.0


def unsteady(rounds: list[dict]) -> bool:
    """Whether the median itself is in doubt: with five rounds or more, one
    disturbed round at either end does not move it, so only the middle
    rounds have to agree."""
    return spread(rounds, trim=1 if len(rounds) >= 5 else 0) > NOISY_SPREAD


def warnings(info: dict, results: dict, targets: list) -> list[str]:
    """Why this run's ratios may be off: other work on the machine, or rounds that disagree."""
    found = []
    busy = [share for share in info["idle_busy"] if share > BUSY_SHARE]
    if busy:
        found.append(
            f"other work used {max(busy):.0%} of the CPU while the servers sat idle "
            "before or after the rounds: it shared the cores with them"
        )
    noisy = sorted({name for *_, names in targets for name in names if unsteady(results[name])})
    if noisy:
        found.append(
            f"the middle rounds of {', '.join(noisy)} differ by more than {NOISY_SPREAD:.0%} "
            "of their median"
        )
    if not found:
        return []
    return [
        "",
        "**Unsure figures:** " + "; ".join(found) + ". Run `make bench` again on a quiet machine.",
    ]


def report(info: dict, results: dict, extra: dict) -> str:
    stock = median(results["stock"], "rps")
    trivial = median(results["trivial"], "rps")
    poll = median(results["poll-10000"], "rps")
    worker_class = info.get("worker_class", "gthread")
    other_class = OTHER_WORKER_CLASS[worker_class]
    varnish = median(results["poll-varnish"], "rps")
    page = {size: median(results[f"page-{size}"], "rps") for size in SIZES}
    cold = {name: median(results[f"{name}-cold"], "rps") for name in COLD}
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py); see issues 8 and 25 for the targets.",
        "Ratios compare rows of this one run, the stock Django project (row 0) included;",
        "absolute figures depend on the machine and on what else runs on it.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {info['cpu']}, {info['cores']} cores; CPU busy while the servers sat "
        f"idle for {IDLE_SAMPLE_SECONDS} s before and after the rounds (other work): "
        + " and ".join(f"{share:.0%}" for share in info["idle_busy"]),
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
        f"- Setup: gunicorn with production settings (DEBUG off, collectstatic done), "
        f"2 workers as gunicorn.conf.py runs them ({worker_class}"
        + (
            f", {os.environ.get('GUNICORN_THREADS', '4')} threads each"
            if worker_class == "gthread"
            else ""
        )
        + ", access log on), worker recycling off; the rows marked "
        f"{other_class} on a second such gunicorn with GUNICORN_WORKER_CLASS={other_class}; "
        "the stock baseline (row 0) is `django-admin startproject` with one JSON view, "
        "its default settings and middleware but DEBUG off, under `gunicorn -w 2` "
        "(sync, no access log: gunicorn's defaults), started by the bench in a "
        "temporary folder; PostgreSQL 15 and Varnish "
        f"(deploy/varnish.vcl) on 127.0.0.1; wrk {THREADS} threads, {CONNECTIONS} "
        f"connections, {SECONDS} s per round, {ROUNDS} interleaved rounds, medians; spread = "
        "(max − min) / median of the rounds' req/s; one alone = the median time of 5 "
        "requests sent one at a time (for requests too slow to complete in a round); "
        "worker CPU = the user and system time of the server's worker processes "
        "(/proc/<pid>/stat) over a round divided by the requests wrk completed in it, "
        "median of the rounds (none for Varnish: that row's work is Varnish's).",
        "",
        "| request | req/s | spread | worker CPU µs / request | p50 ms | p99 ms "
        "| one alone, ms | queries cold / warm | bytes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [("stock", "0. stock Django project, one JSON view (the ceiling)")]
    rows += [("trivial", "1. trivial Django JSON view in this project")]
    rows += [
        (f"poll-{size}", f"2. poll at the current revision, {size:,} updates")
        for size in (10, 10_000)
    ]
    rows += [("poll-varnish", "3. poll through Varnish (cache hits), 10,000 updates")]
    rows += [(f"page-{size}", f"4. entry page, {size:,} updates") for size in SIZES]
    rows += [
        ("poll-10000-cold", "2. poll at the current revision, 10,000 updates, nothing remembered"),
        ("page-200-cold", "4. entry page, 200 updates, nothing remembered"),
        ("page-10000-cold", "4. entry page, 10,000 updates, nothing remembered"),
        (
            f"poll-10000-{other_class}",
            f"2. poll at the current revision, 10,000 updates, {other_class}",
        ),
        (f"page-200-{other_class}", f"4. entry page, 200 updates, {other_class}"),
    ]
    for name, label in rows:
        if name not in results:
            continue
        rounds = results[name]
        errors = sum(r["errors"] for r in rounds)
        note = f" ({errors} non-2xx)" if errors else ""
        cpu = cpu_per_request(rounds)
        lines.append(
            f"| {label}{note} | {median(rounds, 'rps'):,.0f} | {spread(rounds):.0%} "
            f"| {'' if cpu is None else format(cpu, ',.0f')} "
            f"| {median(rounds, 'p50'):.2f} | {median(rounds, 'p99'):.2f} "
            f"| {format(extra['alone'][name], '.1f') if name in extra['alone'] else ''} "
            f"| {extra['queries'].get(name, '')} | {extra['bytes'].get(name, '')} |"
        )
    stock_p99 = median(results["stock"], "p99")
    poll_p99 = median(results["poll-10000"], "p99")
    # (label, value, target or None, the rows it divides); a target is
    # (">=", x) or ("<=", x)
    targets = [
        (
            "poll at current revision / stock (2 / 0)",
            poll / stock,
            (">=", 0.8),
            ["poll-10000", "stock"],
        ),
        (
            "page with 200 updates / stock (4 / 0)",
            page[200] / stock,
            (">=", 0.3),
            ["page-200", "stock"],
        ),
        (
            "poll p99 / stock p99 (2 / 0)",
            poll_p99 / stock_p99,
            ("<=", 2.0),
            ["poll-10000", "stock"],
        ),
        ("trivial view in this project / stock (1 / 0)", trivial / stock, None, []),
        (
            "poll at current revision / trivial (2 / 1)",
            poll / trivial,
            (">=", 0.8),
            ["poll-10000", "trivial"],
        ),
        ("poll through Varnish / poll at origin (3 / 2)", varnish / poll, None, []),
        (
            "page with 200 updates / trivial",
            page[200] / trivial,
            (">=", 0.2),
            ["page-200", "trivial"],
        ),
        (
            "page at 10,000 / page at 200",
            page[10_000] / page[200],
            (">=", 0.8),
            ["page-10000", "page-200"],
        ),
        ("nothing remembered: poll / trivial", cold["poll-10000"] / trivial, None, []),
        ("nothing remembered: page with 200 / trivial", cold["page-200"] / trivial, None, []),
        (
            "nothing remembered: page at 10,000 / page at 200",
            cold["page-10000"] / cold["page-200"],
            None,
            [],
        ),
    ]
    # The same targets from the workers' CPU time per request, inverted so
    # that more is better as with req/s: the noise-robust confirmation.
    cpu = {name: cpu_per_request(results[name]) for name in ("stock", "poll-10000", "page-200")}
    for label, name, bound in (
        ("poll at current revision / stock (2 / 0)", "poll-10000", 0.8),
        ("page with 200 updates / stock (4 / 0)", "page-200", 0.3),
    ):
        if cpu["stock"] and cpu[name]:
            targets.append(
                (
                    f"by worker CPU per request: {label}",
                    cpu["stock"] / cpu[name],
                    (">=", bound),
                    [],
                )
            )
    for name in WORKER_ROWS:
        other = f"{name}-{other_class}"
        if other in results:
            targets.append(
                (
                    f"{other_class} / {worker_class}: {name}",
                    median(results[other], "rps") / median(results[name], "rps"),
                    None,
                    [],
                )
            )
    lines += [
        "",
        "Targets are judged on requests per second, the figure issue 25 names. The rows "
        '"by worker CPU per request" are the same ratios from the workers\' CPU time '
        "(stock's over the row's, so that more is better here too): what other work "
        "on the machine barely moves, the confirmation of a ratio taken on a busy one.",
        "",
        "| ratio | value | target | holds |",
        "| --- | ---: | --- | --- |",
    ]
    for label, value, target, _ in targets:
        if target is None:
            lines.append(f"| {label} | {value:.2f} | (report) | |")
        else:
            sign, bound = target
            holds = value >= bound if sign == ">=" else value <= bound
            shown = "≥" if sign == ">=" else "≤"
            lines.append(
                f"| {label} | {value:.2f} | {shown} {bound} | {'yes' if holds else 'NO'} |"
            )
    lines += warnings(info, results, targets)
    queries = extra["queries"]
    body = extra["bytes"]
    lines += [
        "",
        "Constant costs (also pinned in tests): queries per poll "
        f"{queries['poll-10']} at 10 and {queries['poll-10000']} at 10,000 updates; "
        f"queries per page {queries['page-10']} at 10 and {queries['page-10000']} at 10,000; "
        f"up-to-date poll body {body['poll-10']} bytes at 10 and {body['poll-10000']} at 10,000 "
        "(the difference is the digits of the revision, 10 against 10000). Queries: cold is a "
        "process that remembers nothing, warm one that served the same URL within the second "
        "(the entry: entries/remembered.py, for polls and pages) "
        "and at the same revision (page fragments, updates/paging.py); wrk measures the "
        "warm case.",
        "",
    ]
    return "\n".join(lines)


def configured_worker_class(env: dict) -> str:
    """The worker class gunicorn.conf.py gives the servers with this environment."""
    result = subprocess.run(
        [sys.executable, "-c", "import runpy; print(runpy.run_path('gunicorn.conf.py')['worker_class'])"],
        cwd=PROJECT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def main() -> None:
    install_missing_tools()
    sys.path.insert(0, str(PROJECT))
    from tests.servers import Gunicorn, get, start_stack

    folder = Path(tempfile.mkdtemp(prefix="liveblog-bench-"))
    try:
        env = {"LIVEBLOG_BENCH": "true", "GUNICORN_MAX_REQUESTS": "0", "LOG_LEVEL": "WARNING"}
        with start_stack(folder, env=env) as stack:
            gunicorn, varnish = stack.origin, stack.cdn
            os.environ.update(stack.env)
            os.environ["DJANGO_SETTINGS_MODULE"] = "liveblog.settings"
            import django

            django.setup()
            print("Seeding…", flush=True)
            slugs = seed()
            info = machine()
            from django.urls import reverse

            from entries.models import Entry

            def poll_path(size: int) -> str:
                entry = Entry.objects.get(slug=slugs[size])
                return f"{reverse('updates:poll', args=[entry.slug])}?since={entry.revision}"

            paths = {"trivial": "/bench/trivial.json"}
            paths.update({f"poll-{size}": poll_path(size) for size in (10, 10_000)})
            paths.update({f"page-{size}": f"/entries/{slugs[size]}/" for size in SIZES})
            extra = {
                "queries": {
                    name: queries_per_request(path)
                    for name, path in paths.items()
                    if name != "trivial"
                },
                "bytes": {},
                "alone": {},
            }
            # The same, remembering nothing: what a poll and a page cost the
            # first time (or with the memos turned off).
            cold_env = {
                **stack.env,
                "LIVEBLOG_POLL_MEMO_SECONDS": "0",
                "LIVEBLOG_PAGE_MEMO_SIZE": "0",
            }
            (folder / "cold").mkdir()
            cold_paths = {f"{name}-cold": paths[name] for name in COLD}
            for name in COLD:
                extra["queries"][f"{name}-cold"] = extra["queries"][name].split(" / ")[0]
            worker_class = info["worker_class"] = configured_worker_class(stack.env)
            other_class = OTHER_WORKER_CLASS[worker_class]
            other_env = {**stack.env, "GUNICORN_WORKER_CLASS": other_class}
            (folder / "other").mkdir()
            other_paths = {f"{name}-{other_class}": paths[name] for name in WORKER_ROWS}
            with (
                Gunicorn(cold_env, folder / "cold") as cold,
                Gunicorn(other_env, folder / "other") as other,
                stock_django(folder / "stock") as (stock_port, stock_workers),
            ):
                everything = [
                    (gunicorn.port, paths),
                    (cold.port, cold_paths),
                    (other.port, other_paths),
                    (stock_port, {"stock": "/bench/trivial.json"}),
                ]
                for port, named in everything:
                    for name, path in named.items():
                        response = get(port, path, timeout=60)
                        assert response.status == 200, (path, response.status, response.body[:300])
                        extra["bytes"][name] = len(response.body)
                        extra["alone"][name] = one_at_a_time(port, path)
                polled = paths["poll-10000"]

                def warm_varnish(name: str) -> None:
                    # Only cache hits are measured through Varnish: a miss
                    # would measure the origin (and may be rate-limited).
                    if name == "poll-varnish":
                        get(varnish.port, polled, timeout=60)
                        hit = get(varnish.port, polled, timeout=60)
                        assert hit.status == 200, hit.status

                targets = {"stock": (stock_port, "/bench/trivial.json")}
                targets.update({name: (gunicorn.port, path) for name, path in paths.items()})
                targets.update({name: (cold.port, path) for name, path in cold_paths.items()})
                targets.update({name: (other.port, path) for name, path in other_paths.items()})
                targets["poll-varnish"] = (varnish.port, polled)
                warm_varnish("poll-varnish")
                print("Measuring…", flush=True)
                info["idle_busy"] = [cpu_busy_share()]
                workers = {server.port: server.worker_pids() for server in (gunicorn, cold, other)}
                workers[stock_port] = stock_workers
                results = measure(
                    targets,
                    [gunicorn.port, cold.port, other.port, stock_port],
                    before_each=warm_varnish,
                    workers=workers,
                )
                info["idle_busy"].append(cpu_busy_share())
        Path(os.environ.get("BENCH_RESULTS", folder / "results.json")).write_text(
            json.dumps({"info": info, "results": results, "extra": extra})
        )
        markdown = report(info, results, extra)
        OUTPUT.write_text(markdown)
        print(markdown)
        print(f"Written to {OUTPUT.relative_to(PROJECT)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
