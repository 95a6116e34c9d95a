"""How long transcript imports and exports take: `python -m bench.transcripts`.

Imports a transcript of 200 updates (images, quotes, code, lists) and one of
10,000 with `manage.py import_liveblog` as an author would run it, imports
each again (everything skipped), exports both, and checks that the 200 come
back as the same text. A throwaway SQLite file unless DATABASE_URL is set
(then that database gets two entries, bench-transcript-200 and -10000).
Wall-clock times include starting Python and Django; the machine is shared,
so compare rows of one run. Not a test: nothing here asserts a time.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SIZES = [200, 10_000]


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="liveblog-transcripts-"))
    env = {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "liveblog.settings",
    }

    def manage(*args: str) -> float:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        return time.perf_counter() - start

    sys.path.insert(0, str(PROJECT))
    os.environ.update(env)
    import django

    django.setup()
    try:
        run(folder, env, manage)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, env: dict, manage) -> None:
    from tests.transcripts import long_transcript

    manage("migrate", "--noinput")
    startup = manage("check")
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}")
    print(f"starting Python and Django (manage.py check): {startup:.2f} s")
    for size in SIZES:
        slug = f"bench-transcript-{size}"
        source = folder / f"{size}.md"
        source.write_text(long_transcript(size))
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from entries.models import Entry; Entry.objects.get_or_create("
             f"slug={slug!r}, defaults=dict(title={slug!r}, status='live', timezone='Europe/London'))"],
            cwd=PROJECT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        args = [str(source), "--entry", slug, "--date", "2026-06-01", "--intro"]
        first = manage("import_liveblog", *args)
        again = manage("import_liveblog", *args)
        exported = folder / f"{size}.out.md"
        export = manage("export_liveblog", slug, "--output", str(exported))
        same = exported.read_text() == source.read_text()
        print(
            f"{size:>6} updates: import {first:.2f} s, again (all skipped) {again:.2f} s, "
            f"export {export:.2f} s, exported text {'identical' if same else 'DIFFERENT'}"
        )


if __name__ == "__main__":
    main()
