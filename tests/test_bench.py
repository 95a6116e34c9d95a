"""`make bench` (bench/run.py): what it reports, and what it leaves behind.

The measuring itself needs wrk, gunicorn, Varnish and PostgreSQL and is not
a test (issue 8); its report is plain arithmetic on the rounds, checked here.
"""

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from bench import run
from tests.servers import PROJECT, SITE

MACHINE = {"cpu": "Test CPU", "cores": 2, "versions": {"Python": "3"}, "idle_busy": [0.02, 0.05]}


def rounds(*rps: float) -> list[dict]:
    return [
        {"rps": value, "p50": 1.0, "p99": 2.0, "errors": 0, "socket_errors": ""} for value in rps
    ]


def results(**rps: float) -> dict:
    """Five steady rounds per row, at the given requests per second."""
    names = ["stock", "trivial", "poll-10", "poll-10000", "poll-varnish"]
    names += [f"page-{size}" for size in run.SIZES]
    names += [f"{name}-cold" for name in run.COLD]
    return {name: rounds(*[rps.get(name.replace("-", "_"), 100.0)] * 5) for name in names}


EXTRA = {
    "queries": {
        "poll-10": "1 / 0",
        "poll-10000": "1 / 0",
        "page-10": "3 / 1",
        "page-10000": "3 / 1",
    },
    "bytes": {"poll-10": 99, "poll-10000": 102},
    "alone": {},
}


def ratio_rows(markdown: str) -> dict[str, list[str]]:
    rows = {}
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 4 and cells[2].startswith(("≥", "≤", "(report)")):
            rows[cells[0]] = cells[1:]
    return rows


def test_the_report_divides_the_rows_and_says_which_targets_hold():
    measured = results(trivial=2000, poll_10000=1700, page_200=300, page_10000=330)

    rows = ratio_rows(run.report(MACHINE, measured, EXTRA))

    assert rows["poll at current revision / trivial (2 / 1)"] == ["0.85", "≥ 0.8", "yes"]
    assert rows["page with 200 updates / trivial"] == ["0.15", "≥ 0.2", "NO"]
    assert rows["page at 10,000 / page at 200"] == ["1.10", "≥ 0.8", "yes"]


def test_the_report_divides_by_the_stock_django_project_measured_in_the_same_run():
    measured = results(stock=2000, trivial=1800, poll_10000=1500, page_200=700)
    measured["stock"] = [{**r, "p99": 10.0} for r in measured["stock"]]
    measured["poll-10000"] = [{**r, "p99": 25.0} for r in measured["poll-10000"]]

    markdown = run.report(MACHINE, measured, EXTRA)
    rows = ratio_rows(markdown)

    assert "| 0. stock Django project, one JSON view (the ceiling) | 2,000 |" in markdown
    assert rows["poll at current revision / stock (2 / 0)"] == ["0.75", "≥ 0.8", "NO"]
    assert rows["page with 200 updates / stock (4 / 0)"] == ["0.35", "≥ 0.3", "yes"]
    assert rows["poll p99 / stock p99 (2 / 0)"] == ["2.50", "≤ 2.0", "NO"]
    assert rows["trivial view in this project / stock (1 / 0)"] == ["0.90", "(report)", ""]
    assert rows["poll at current revision / trivial (2 / 1)"] == ["0.83", "≥ 0.8", "yes"]


def test_the_other_worker_class_is_reported_beside_the_configured_one():
    measured = results(poll_10000=1000, page_200=500)
    measured["poll-10000-gthread"] = rounds(*[800] * 5)
    measured["page-200-gthread"] = rounds(*[450] * 5)

    markdown = run.report({**MACHINE, "worker_class": "sync"}, measured, EXTRA)
    rows = ratio_rows(markdown)

    assert rows["gthread / sync: poll-10000"] == ["0.80", "(report)", ""]
    assert rows["gthread / sync: page-200"] == ["0.90", "(report)", ""]
    assert "| 2. poll at the current revision, 10,000 updates, gthread | 800 |" in markdown


def test_a_quiet_steady_run_carries_no_warning():
    markdown = run.report(MACHINE, results(), EXTRA)

    assert "Unsure figures" not in markdown


def test_a_run_beside_other_work_says_its_figures_are_unsure():
    busy = {**MACHINE, "idle_busy": [0.02, 0.40]}

    markdown = run.report(busy, results(), EXTRA)

    assert (
        "**Unsure figures:** other work used 40% of the CPU while the servers sat idle" in markdown
    )


def test_the_cpu_share_counts_work_done_while_it_samples():
    def spin():
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:
            pass

    spinner = threading.Thread(target=spin)
    spinner.start()
    # One busy core of the machine's cores for most of the sample.
    busy = run.cpu_busy_share(0.5)
    spinner.join()

    assert busy > 0.6 / (os.cpu_count() or 1)


def test_rounds_that_disagree_in_a_ratios_row_are_named():
    measured = results()
    measured["poll-10000"] = rounds(100, 40, 100, 45, 100)  # two disturbed rounds
    measured["page-1000"] = rounds(100, 10, 100, 15, 100)  # in no ratio

    markdown = run.report(MACHINE, measured, EXTRA)

    assert "the middle rounds of poll-10000 differ by more than 50%" in markdown
    assert "page-1000" not in markdown.split("**Unsure figures:**")[1]


def test_one_disturbed_round_of_five_leaves_the_median_sure():
    measured = results()
    measured["poll-10000"] = rounds(100, 40, 100, 100, 100)
    measured["trivial"] = rounds(100, 100, 190, 100, 100)

    markdown = run.report(MACHINE, measured, EXTRA)

    assert "Unsure figures" not in markdown
    assert "| 60% |" in markdown  # the spread column still shows the whole range


def test_the_median_ignores_one_disturbed_round():
    assert run.median(rounds(100, 20, 110, 90, 105), "rps") == 100
    assert run.spread(rounds(100, 20, 110, 90, 105)) == pytest.approx(0.9)


def test_the_trivial_view_exists_only_while_the_bench_runs(client):
    assert client.get("/bench/trivial.json").status_code == 404


# The settings as gunicorn loads them for `make bench` (bench/run.py sets
# LIVEBLOG_BENCH=true in the servers' environment), in a fresh interpreter:
# the URL patterns are fixed when liveblog.urls is first imported.
ASK_TRIVIAL = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
# The 404 page links static files, which no collectstatic has listed.
storages = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    response = Client().get("/bench/trivial.json", headers={"Host": SITE})
body = response.json() if response.status_code == 200 else None
print(json.dumps([response.status_code, body, response.get("X-Content-Type-Options")]))
"""


def ask_the_trivial_view(tmp_path, bench: str) -> list:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="liveblog.settings",
        DEBUG="false",
        SECRET_KEY="insecure-key-for-tests-only",
        ALLOWED_HOSTS=SITE,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SECURE_SSL_REDIRECT="false",
        LIVEBLOG_BENCH=bench,
    )
    result = subprocess.run(
        [sys.executable, "-c", ASK_TRIVIAL.replace("SITE", repr(SITE))],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_while_the_bench_runs_the_trivial_view_answers_through_the_same_middleware(tmp_path):
    assert ask_the_trivial_view(tmp_path, "true") == [200, {"status": "ok"}, "nosniff"]


def test_the_report_gives_worker_cpu_per_request_and_the_targets_by_it():
    measured = results(stock=2000, poll_10000=1000, page_200=500)
    for name, cpu in (("stock", 400.0), ("poll-10000", 480.0), ("page-200", 1600.0)):
        measured[name] = [{**r, "cpu_us": cpu + n} for n, r in enumerate(measured[name])]

    markdown = run.report(MACHINE, measured, EXTRA)
    rows = ratio_rows(markdown)

    # The median of 400…404 µs, in the column after the spread.
    assert "| 0. stock Django project, one JSON view (the ceiling) | 2,000 | 0% | 402 |" in markdown
    assert rows["poll at current revision / stock (2 / 0)"] == ["0.50", "≥ 0.8", "NO"]
    assert rows["by worker CPU per request: poll at current revision / stock (2 / 0)"] == [
        "0.83",
        "≥ 0.8",
        "yes",
    ]
    assert rows["by worker CPU per request: page with 200 updates / stock (4 / 0)"] == [
        "0.25",
        "≥ 0.3",
        "NO",
    ]


def test_a_round_records_its_workers_cpu_time_per_request_wrk_completed(monkeypatch):
    spent = iter([10.0, 10.5, 20.0, 20.9])  # seconds, read before and after each round
    monkeypatch.setattr(run, "ROUNDS", 2)
    monkeypatch.setattr(run, "settle", lambda ports: None)
    monkeypatch.setattr(run, "cpu_seconds", lambda pids: next(spent))
    monkeypatch.setattr(run, "wrk", lambda port, path, seconds=0: {"requests": 1000, "rps": 1.0})

    measured = run.measure({"poll": (8000, "/")}, [8000], workers={8000: {123}})

    assert [r["cpu_us"] for r in measured["poll"]] == pytest.approx([500.0, 900.0])


def test_cpu_seconds_counts_what_a_process_has_spent_on_the_cpu():
    spinner = subprocess.Popen(
        [sys.executable, "-c", "import time\nend = time.process_time() + 0.5\n"
         "while time.process_time() < end: pass\ninput()"],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while run.cpu_seconds({spinner.pid}) < 0.45:
            assert time.monotonic() < deadline, "the spinner never spent its half second"
            time.sleep(0.05)
        spent = run.cpu_seconds({spinner.pid})
    finally:
        spinner.communicate(b"\n", timeout=30)

    assert 0.45 <= spent < 5


WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8000/bench/trivial.json
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.10ms    2.00ms  30.00ms   90.00%
    Req/Sec     1.95k   100.00     2.10k    70.00%
  Latency Distribution
     50%    3.41ms
     75%    4.00ms
     90%    5.00ms
     99%   81.25ms
  11661 requests in 3.00s, 2.10MB read
Requests/sec:   3887.00
Transfer/sec:    700.00KB
"""


def test_wrk_s_output_gives_the_requests_it_completed(monkeypatch):
    monkeypatch.setattr(
        run.subprocess,
        "run",
        lambda *args, **kwargs: subprocess.CompletedProcess(args, 0, WRK_OUTPUT, ""),
    )

    measured = run.wrk(8000, "/bench/trivial.json")

    assert (measured["requests"], measured["rps"], measured["p99"]) == (11661, 3887.0, 81.25)


def test_the_push_report_is_added_once_to_the_benchmarks_page_and_says_whether_its_target_holds(
    tmp_path, monkeypatch
):
    from argparse import Namespace

    from bench import push

    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\n| request | req/s |\n")
    monkeypatch.setattr(push, "OUTPUT", page)
    args = Namespace(readers=1000, posts=20)

    push.write(["post sent to last reader's event: p50 1400 ms, p95 1900 ms"], 1.9, args)
    push.write(["post sent to last reader's event: p50 600 ms, p95 760 ms"], 0.76, args)

    text = page.read_text()
    assert text.startswith("# Benchmarks\n\n| request | req/s |\n")
    assert text.count("## Push (issue 21)") == 1
    assert "p95 760 ms" in text and "1900" not in text
    assert "from the post to the last reader: **holds**" in text
