"""Text as authors send it: what may be stored, and how much (issue 17).

Every text field readers or feed readers see goes through xml_safe when it
is saved (the models' save(), and the change log's bulk writes, which skip
save()): XML 1.0 allows no control characters but tab and the line breaks,
nor U+FFFE, U+FFFF or lone surrogates, and the Atom feed must parse; and
PostgreSQL refuses NUL in text, which would be a 500 instead of an update.
The feed writer drops them again for text stored before this rule, and for
names that come from the auth user (updates/feeds.py).

The length of what an author writes is checked where it arrives, against
LIVEBLOG_MAX_UPDATE_CHARS (check_length); what it renders to is bounded by
liveblog/markdown.py.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

# Everything outside XML 1.0's Char production (https://www.w3.org/TR/xml/#charsets).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Word pastes a line break within a paragraph as a vertical tab, and a page
# break as a form feed: dropping them would join two words.
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 does not allow."""
    if not text:
        return text
    return _NOT_XML.sub("", text.translate(_BREAKS))


def check_length(text: str, what: str = "", limit: int | None = None) -> None:
    """Refuse text longer than `limit` characters (LIVEBLOG_MAX_UPDATE_CHARS by default).

    `what` names it with its article, translated ("An intro", "Eine Einleitung"):
    the message's grammar then holds in every language we ship."""
    limit = settings.LIVEBLOG_MAX_UPDATE_CHARS if limit is None else limit
    if len(text or "") > limit:
        raise ValidationError(
            _("%(what)s may hold at most %(limit)s characters; this one has %(length)s.")
            % {
                "what": what or _("An update"),
                "limit": number_format(limit, force_grouping=True),
                "length": number_format(len(text), force_grouping=True),
            },
            code="too_long",
        )
