from django import template

from updates import sharing

register = template.Library()


@register.simple_tag(takes_context=True)
def share_meta(context) -> sharing.ShareMeta:
    """Canonical URL, preview meta and structured data for the entry page (updates/sharing.py)."""
    return sharing.share_meta(
        context["request"],
        context["entry"],
        context["updates_html"],
        context["older_page"],
        context.get("shared_update"),
    )
