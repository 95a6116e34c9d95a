"""The translation catalogs are current and complete (issue 23).

`make messages` (scripts/messages.py) extracts our strings and merges them
into locale/<lang>/LC_MESSAGES/django.po, then compiles the .mo files that
are committed. These tests run the same extraction on a copy of the
sources and fail when a string was added, changed or removed without it,
when a shipped language leaves a string untranslated or fuzzy, or when a
.mo file is not the compiled .po. They need GNU gettext: skipped locally
without it, a failure in CI (.ci/run installs it).
"""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from scripts import messages
from tests.tools import missing

LOCALE = Path(settings.BASE_DIR) / "locale"
SHIPPED = [code for code, _name in settings.LANGUAGES if code != "en"]
# The one line of a catalog that changes at every extraction.
CREATION_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


@pytest.fixture(scope="module")
def gettext_tools():
    for tool in ("xgettext", "msgmerge", "msgfmt"):
        if shutil.which(tool) is None:
            missing(f"needs GNU gettext's {tool} for the catalogs (apt-get install gettext)")


@pytest.fixture(scope="module")
def fresh(gettext_tools, tmp_path_factory) -> Path:
    """The locale folder as `make messages` would leave it now."""
    return messages.extract(tmp_path_factory.mktemp("messages"))


def po(folder: Path, language: str) -> str:
    return (folder / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")


def compiled(path: Path) -> dict:
    with path.open("rb") as file:
        return gettext.GNUTranslations(file)._catalog


@pytest.mark.parametrize("language", SHIPPED)
def test_the_catalog_holds_exactly_the_strings_of_the_sources(fresh, language):
    committed = CREATION_DATE.sub("", po(LOCALE, language))
    current = CREATION_DATE.sub("", po(fresh, language))

    assert committed == current, f"locale/{language} is out of date: run `make messages`"


@pytest.mark.parametrize("language", SHIPPED)
def test_every_string_is_translated_and_none_is_fuzzy(gettext_tools, language):
    catalog = LOCALE / language / "LC_MESSAGES" / "django.po"
    # --check: placeholders kept, plural forms as the header says.
    run = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", catalog],
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert "fuzzy" not in run.stderr and "untranslated" not in run.stderr, run.stderr


@pytest.mark.parametrize("language", SHIPPED)
def test_the_committed_mo_file_is_the_compiled_catalog(fresh, language):
    committed = compiled(LOCALE / language / "LC_MESSAGES" / "django.mo")
    # Compiled from the committed .po (the extraction above merged into a copy of it).
    current = compiled(fresh / language / "LC_MESSAGES" / "django.mo")

    assert committed == current, f"locale/{language}'s .mo is stale: run `make messages`"
