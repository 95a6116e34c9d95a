"""Time and peak memory of rendering the worst Markdown found (issue 17).

Each input of tests/hostile_markdown.py (at most 20,000 characters, the
default update limit) is rendered with liveblog/markdown.py in a fresh
Python, which reports the wall time of render_markdown and its peak
resident memory (getrusage) above what Django's start-up used.

Run: `.venv/bin/python scripts/markdown_cost.py`
"""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

ONE = """
import resource, sys, time
import django
django.setup()
from django.core.exceptions import ValidationError
from tests.hostile_markdown import WORST
from liveblog.markdown import render_markdown

source = WORST[sys.argv[1]]()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    outcome = f"{len(render_markdown(source).encode()):,} bytes of HTML"
except ValidationError:
    outcome = "refused"
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(f"{sys.argv[1]:<26} {len(source):>7,} {seconds:>8.2f} s {peak / 1024:>7.0f} MB  {outcome}")
"""


def main() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liveblog.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "measure-only",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "sqlite:///:memory:",
    }
    sys.path.insert(0, str(PROJECT))
    from tests.hostile_markdown import WORST

    print(f"{'input':<26} {'chars':>7} {'time':>10} {'peak':>10}  outcome")
    for name in WORST:
        subprocess.run([sys.executable, "-c", ONE, name], cwd=PROJECT, env=env, check=True)


if __name__ == "__main__":
    main()
