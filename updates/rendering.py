"""Markdown to safe HTML, done once when content is saved, never per request."""

import nh3
from markdown_it import MarkdownIt

# Raw HTML in the source is escaped by the parser, and whatever Markdown can
# produce is then cleaned by nh3 against this list: defence in depth.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": True}).enable(
    ["linkify", "strikethrough", "table", "replacements", "smartquotes"]
)

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
    """Render Markdown to HTML that is safe to insert into any page as is."""
    html = _markdown.render(source or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
        # Images in a long stream should not all load at once.
        set_tag_attribute_values={"img": {"loading": "lazy"}},
    ).strip()


def render_fragment(update, zone, bylines: bool = False, photos=None) -> str:
    """An update's <article> as the page and the poll show it, in the entry's time zone.

    Stored with the update when it is saved (updates/changes.py), so that
    neither the page nor the poll renders a template per update.
    """
    from django.template.loader import get_template

    # Historical models (data migrations) have no photos; a caller that knows
    # there are none (a bulk post) says so and saves a query per update.
    if photos is None:
        photos = update.photos.all() if update.pk and hasattr(update, "photos") else []
    context = {
        "update": update,
        "zone": zone,
        "byline": bylines and byline(update.author),
        "photos": photos,
    }
    return get_template("updates/_update.html").render(context).strip()


def byline(user) -> str:
    """An author's name as readers see it: the full name, else the username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
