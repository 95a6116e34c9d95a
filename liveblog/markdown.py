"""Markdown to safe HTML, done once when content is saved, never per request.

For an entry's intro and its updates alike: `validate_markdown` is what a
form or a write checks (the length where the text arrives, then the size
of what it renders to), `render_markdown` what a save stores.
"""

from functools import lru_cache

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block.table import table

from liveblog.text import check_length


class _TooLarge(Exception):
    pass


class _BoundedRenderer(RendererHTML):
    """Stops as soon as the HTML passes env["budget"] characters.

    Markdown's output is not bounded by its input: a reference definition
    with a long URL is written out again at every `[r]` (3 characters), and
    a table's missing cells are filled in. Counting each token's HTML as it
    is produced refuses such text after at most the budget (plus one
    token's HTML, itself bounded by the input's length), instead of after
    building, and then sanitising, megabytes (issue 17).
    """

    def render(self, tokens, options, env):
        out = []
        for index, token in enumerate(tokens):
            if token.type == "inline":
                # Counted token by token in renderInline.
                out.append(self.renderInline(token.children or [], options, env))
            else:
                out.append(self._spend(self._token(tokens, index, options, env), env))
        return "".join(out)

    def renderInline(self, tokens, options, env):
        return "".join(
            self._spend(self._token(tokens, index, options, env), env)
            for index in range(len(tokens))
        )

    def _token(self, tokens, index, options, env) -> str:
        rule = self.rules.get(tokens[index].type)
        if rule is not None:
            return rule(tokens, index, options, env)
        return self.renderToken(tokens, index, options, env)

    @staticmethod
    def _spend(html: str, env) -> str:
        env["budget"] -= len(html)
        if env["budget"] < 0:
            raise _TooLarge
        return html


def _table_within_budget(state, start_line, end_line, silent):
    """The table rule, refusing once the document's tables alone pass the budget.

    A table fills in the cells its rows leave out (up to 65,536 a table), so
    a few lines of pipes parse into hundreds of thousands of tokens, seconds
    and a gigabyte before rendering starts. Each token a table makes renders
    to 3 characters or more (`<td></td>` is 3 tokens): charged as each table
    ends, the work stops after at most one table past the budget.
    """
    before = len(state.tokens)
    found = table(state, start_line, end_line, silent)
    if "table_budget" in state.env:
        state.env["table_budget"] -= 3 * (len(state.tokens) - before)
        if state.env["table_budget"] < 0:
            raise _TooLarge
    return found


# Raw HTML in the source is escaped by the parser, and whatever Markdown can
# produce is then cleaned by nh3 against this list: defence in depth.
_markdown = MarkdownIt(
    "commonmark",
    {"html": False, "linkify": True, "typographer": True},
    renderer_cls=_BoundedRenderer,
).enable(["linkify", "strikethrough", "table", "replacements", "smartquotes"])
# The same place and options as markdown-it's own rule (parser_block.py).
_markdown.block.ruler.at("table", _table_within_budget, {"alt": ["paragraph", "reference"]})

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str) -> str:
    """Render Markdown to HTML that is safe to insert into any page as is.

    Raises ValidationError when the HTML would be over
    LIVEBLOG_MAX_UPDATE_HTML_BYTES: every page and poll would carry it.
    """
    return _render(source or "", settings.LIVEBLOG_MAX_UPDATE_HTML_BYTES)


# A write validates (clean) and then saves the same text: the second
# render is this memo's, not markdown-it's (up to a second of CPU for the
# worst text the limits accept). A refusal is an exception, never kept.
@lru_cache(maxsize=8)
def _render(source: str, limit: int) -> str:
    try:
        # Characters are never more than UTF-8 bytes: over in characters is over.
        html = _markdown.render(source, {"budget": limit, "table_budget": limit})
    except _TooLarge:
        raise too_large(limit) from None
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
        # Images in a long stream should not all load at once.
        set_tag_attribute_values={"img": {"loading": "lazy"}},
    ).strip()
    # nh3 adds rel and loading attributes: the stored HTML is what counts.
    if len(html.encode()) > limit:
        raise too_large(limit)
    return html


def validate_markdown(source: str, what: str = "") -> str:
    """The HTML of `source`, or ValidationError if it is too long or renders too large."""
    check_length(source, what)
    return render_markdown(source)


def too_large(limit: int) -> ValidationError:
    return ValidationError(
        _(
            "This text would make more than %(size)s KB of HTML, the limit: a link or "
            "image defined once ([name]: URL) counts again at every [name]."
        )
        % {"size": number_format(round(limit / 1024), force_grouping=True)},
        code="too_large",
    )
