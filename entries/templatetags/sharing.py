from django import template

from entries import sharing

register = template.Library()


@register.simple_tag(takes_context=True)
def share_meta(context) -> sharing.ShareMeta:
    """Canonical URL, preview meta and structured data for the entry page (entries/sharing.py)."""
    return sharing.share_meta(
        context["request"], context["entry"], context["updates_html"], context["older_page"]
    )
