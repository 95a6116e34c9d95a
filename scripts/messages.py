"""The translation catalogs: `make messages`, and the check that they are current.

Django's makemessages extracts every translatable string of the Python
files and templates (the scripts' texts are among the Python ones:
updates/script_text.py) and merges them into each language's
locale/<lang>/LC_MESSAGES/django.po; compilemessages writes the .mo files,
which are committed so that running the site needs no GNU gettext.

Both run in a copy of the sources in a temporary directory, so that they
see exactly the project's own files (not .venv, tests or staticfiles) and
so that tests/test_languages.py can run the same extraction and compare
its result with what is committed, without touching the working tree.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("entries", "updates", "liveblog", "templates", "manage.py")
# Locations by file only: a string moving within a file changes no catalog.
MAKEMESSAGES = ["makemessages", "--all", "--no-obsolete", "--add-location=file"]


def manage(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "SECRET_KEY": "unused-for-messages",
        "DATABASE_URL": f"sqlite:///{root / 'unused.sqlite3'}",
        "DEBUG": "false",
    }
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def extract(into: Path) -> Path:
    """The catalogs as `make messages` would write them, in `into`/locale."""
    ignore = shutil.ignore_patterns("__pycache__", "migrations")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=ignore)
        else:
            shutil.copy2(source, into / name)
    shutil.copytree(ROOT / "locale", into / "locale")
    manage(into, *MAKEMESSAGES)
    manage(into, "compilemessages")
    return into / "locale"


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        fresh = extract(Path(temporary))
        for catalog in fresh.glob("*/LC_MESSAGES/django.[pm]o"):
            shutil.copy2(catalog, ROOT / "locale" / catalog.relative_to(fresh))
            print(f"locale/{catalog.relative_to(fresh)}")


if __name__ == "__main__":
    main()
