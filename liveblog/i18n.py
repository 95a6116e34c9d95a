"""Texts for the scripts, in the page's language, without a build step.

live.js and desk.js read a JSON object from a `<script type="application/json">`
block the page carries (Django's json_script: not executed, so CSP's
script-src 'self' holds, and no extra request). Its strings are gettext's,
translated here on the server like the templates', so one catalog per
language (locale/<lang>/LC_MESSAGES/django.po) holds every string and
makemessages finds them in the Python files; `%(name)s` placeholders are
filled in by the script.

A plural message is sent as its form at each of a few sample counts: the
script asks `Intl.PluralRules(<html lang>)` for the category of its count
and takes the form of the first sample in the same category. The samples
reach every CLDR category of every language Django knows (zero 0, one 1,
two 2, few 3, many 5, 11 or a million, other 100), so no table of languages' rules is
needed here; gettext's plural formula and CLDR's agree for them, and a
catalog's plural forms are thereby checked by `msgfmt --check` alone.
"""

from collections.abc import Callable

PLURAL_SAMPLES = (0, 1, 2, 3, 5, 11, 100, 1_000_000)


def plural_forms(form: Callable[[int], str]) -> dict[str, str]:
    """`form` is `lambda n: ngettext(singular, plural, n)`, literal strings
    in place so that makemessages extracts them."""
    return {str(n): form(n) for n in PLURAL_SAMPLES}
