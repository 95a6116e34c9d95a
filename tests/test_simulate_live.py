"""simulate_live: the live demo posts plausible updates until it is stopped."""

import io
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import CommandError, call_command

from entries.models import Entry
from tests.factories import make_entry
from tests.servers import PROJECT
from updates.management.commands import simulate_live

pytestmark = pytest.mark.django_db


def test_it_posts_updates_through_the_change_log_that_readers_poll(client):
    entry = make_entry(slug="demo")
    out = io.StringIO()

    call_command("simulate_live", "--entry", "demo", "--every", "0", "--count", "3", stdout=out)

    answer = client.get(entry.poll_url() + "?since=0").json()
    assert [item["revision"] for item in answer["updates"]] == [1, 2, 3]
    assert all("<p>" in item["html"] or "<pre>" in item["html"] for item in answer["updates"])
    assert "Stopped after 3 updates." in out.getvalue()


def test_without_an_entry_it_picks_the_live_one():
    make_entry(slug="over", status=Entry.Status.ENDED)
    live = make_entry(slug="on-air")

    call_command("simulate_live", "--every", "0", "--count", "1", stdout=io.StringIO())

    assert live.updates.count() == 1


@pytest.mark.parametrize("status", [Entry.Status.DRAFT, Entry.Status.ENDED])
def test_it_refuses_an_entry_that_is_not_live(status):
    make_entry(slug="demo", status=status)

    with pytest.raises(CommandError, match=f"'demo' is {status}, not live"):
        call_command("simulate_live", "--entry", "demo", "--count", "1")


def test_it_says_when_no_entry_is_live():
    make_entry(status=Entry.Status.DRAFT)

    with pytest.raises(CommandError, match="No entry is live"):
        call_command("simulate_live", "--count", "1")


def test_it_stops_when_the_entry_ends_while_it_runs(monkeypatch):
    entry = make_entry(slug="demo")
    monkeypatch.setattr(simulate_live.time, "sleep", lambda seconds: entry.end())
    out = io.StringIO()

    call_command("simulate_live", "--entry", "demo", "--count", "5", stdout=out)

    assert entry.updates.count() == 1
    assert "no longer live" in out.getvalue()


def test_the_mix_has_text_quotes_and_code():
    import random

    rng = random.Random(7)
    posts = [simulate_live.plausible_update(n, rng) for n in range(200)]

    assert any(post.startswith(">") for post in posts)
    assert any("```" in post for post in posts)
    assert sum("Demo update" in post for post in posts) > 100


def test_ctrl_c_stops_it_cleanly_without_a_traceback(tmp_path):
    env = {
        "SECRET_KEY": "unused",
        "DEBUG": "true",
        # Lines as they are written, not when a pipe's buffer fills.
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=PROJECT, env=env, check=True, timeout=120)
    subprocess.run(
        [*manage, "shell", "-c",
         "from entries.models import Entry; Entry.objects.create(title='D', slug='d', status='live')"],
        cwd=PROJECT, env=env, check=True, timeout=60,
    )  # fmt: skip
    process = subprocess.Popen(
        [*manage, "simulate_live", "--every", "0.2"],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Run from a background job (`make mutation &`), the suite inherits an
        # ignored SIGINT, and so would the command: Ctrl+C as in a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not process.stdout.readline().startswith("Posted update"):
            assert time.monotonic() < deadline
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()

    assert process.returncode == 0
    assert "Traceback" not in err
    assert "Stopped after" in out
