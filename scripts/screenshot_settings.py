"""The site's settings for `make screenshots`, plus a right-to-left language:
the Hebrew test catalog (tests/pseudo_locale.py, written by the script into
LIVEBLOG_PSEUDO_LOCALE) for docs/screenshots/entry-rtl.png. None ships."""

import os
from pathlib import Path

from liveblog.settings import *  # noqa: F403
from liveblog.settings import LANGUAGES, LOCALE_PATHS
from tests.pseudo_locale import LANGUAGE

LANGUAGES = [*LANGUAGES, LANGUAGE]
LOCALE_PATHS = [*LOCALE_PATHS, Path(os.environ["LIVEBLOG_PSEUDO_LOCALE"])]
