"""An Atom feed of an entry's latest updates, for feed readers.

Cached like the poll (10 seconds live, an hour once ended, never a cookie):
its URL alone decides the answer. Absolute URLs come from SITE_URL, not the
Host header (liveblog/site.py). Three queries: the entry, its updates and
their photos.

Each entry carries what the page shows of its update (issue 20): its text
and its photos (absolute URLs, alt text, caption) as HTML content; an embed is
its preview (issue 22: our thumbnail, the text and a link, never the
provider's player); its title
is the update's headline (issue 22), else its first line, else its first
photo's caption or alt text, else its time in the entry's zone, named ("Update at 1:53 AM CET"). In the
entry's language, as its page (the feed's xml:lang too).
"""

import re
from html import unescape

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils import formats, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext as _

from entries.models import Entry
from liveblog.http import cache_publicly, entry_not_found, read_only
from liveblog.purge import entry_tag
from liveblog.site import absolute_url
from liveblog.text import xml_safe
from updates.models import LiveUpdate
from updates.summary import HEADLINE_LENGTH, shorten, summarise

FEED_SIZE = 50
# Our own thumbnail in an embed's preview, its URL relative to the site.
EMBED_THUMBNAIL = re.compile(r'(<img class="embed-thumbnail" src=")(/[^"]*)')


class AtomWithContent(Atom1Feed):
    """Atom with each update's HTML as <content type="html">, its whole text.

    Django's Atom feed writes only a <summary>; readers show <content>.
    """

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})

    def write(self, outfile, encoding):
        # Text is made XML-safe when saved (liveblog/text.py), but rows saved
        # before that, and names from the auth user, are not: one control
        # character would make the whole feed a 500 (or unparseable XML).
        self.feed = {name: _xml_safe(value) for name, value in self.feed.items()}
        self.items = [
            {name: _xml_safe(value) for name, value in item.items()} for item in self.items
        ]
        super().write(outfile, encoding)


def _xml_safe(value):
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list | tuple):
        return [_xml_safe(part) for part in value]
    return value


class UpdatesFeed(Feed):
    feed_type = AtomWithContent

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, entry):
        return entry

    def title(self, entry):
        return entry.title

    def subtitle(self, entry):
        return summarise(entry.intro_html).text or None

    def link(self, entry):
        return absolute_url(self.request, entry.get_absolute_url())

    def feed_url(self, entry):
        return absolute_url(self.request, self.request.path)

    def author_name(self):
        # Atom needs an author for the feed when an entry has none.
        return settings.LIVEBLOG_SITE_NAME

    def items(self, entry):
        updates = LiveUpdate.objects.filter(entry=entry).select_related("author")
        return updates.order_by("-published", "-pk").prefetch_related("photos")[:FEED_SIZE]

    def item_title(self, update):
        headline = update.headline or summarise(update.html).headline
        if not headline and update.photos.all():
            photo = update.photos.all()[0]
            headline = shorten(photo.caption or photo.alt, HEADLINE_LENGTH)
        if headline:
            return headline
        local = update.published.astimezone(self.zone)
        return _("Update at %(time)s %(zone)s") % {
            "time": formats.time_format(local),
            "zone": local.tzname(),
        }

    def item_description(self, update):
        return None

    def item_extra_kwargs(self, update):
        # Sanitised when saved (liveblog/markdown.py); the feed escapes it as text.
        return {"content_html": self.absolute_thumbnails(update.html) + self.photos_html(update)}

    def absolute_thumbnails(self, html: str) -> str:
        """An embed's thumbnail (templates/updates/_embed.html) with an absolute
        URL, as the photos: a feed reader may not resolve one against the feed."""
        return EMBED_THUMBNAIL.sub(
            lambda found: (
                found.group(1) + escape(absolute_url(self.request, unescape(found.group(2))))
            ),
            html,
        )

    def photos_html(self, update) -> str:
        """The update's photos as the page shows them, with absolute URLs:
        the middle size, linking to the largest."""
        return format_html_join(
            "",
            '<figure><a href="{}"><img src="{}" width="{}" height="{}" alt="{}"></a>{}</figure>',
            (
                (
                    absolute_url(self.request, photo.largest()["url"]),
                    absolute_url(self.request, size["url"]),
                    size["width"],
                    size["height"],
                    photo.alt,
                    format_html("<figcaption>{}</figcaption>", photo.caption)
                    if photo.caption
                    else "",
                )
                for photo in update.photos.all()
                for size in (photo.default_size(),)
            ),
        )

    def item_link(self, update):
        return absolute_url(self.request, update.permalink(self.entry_url))

    def item_pubdate(self, update):
        return update.published

    def item_updateddate(self, update):
        return update.updated

    def item_author_name(self, update):
        # A full name only: a username is half of a login, not a byline.
        return (update.author and update.author.get_full_name()) or None

    def get_feed(self, entry, request):
        self.entry_url = entry.get_absolute_url()
        self.zone = entry.zone
        with translation.override(entry.language_code):
            return super().get_feed(entry, request)


@read_only()
def entry_feed(request, slug: str):
    """An entry's latest updates as Atom; drafts are 404 (no preview in feed readers)."""
    entry = Entry.objects.filter(slug=slug).first()
    if entry is None or not entry.is_published:
        return entry_not_found(slug)
    response = UpdatesFeed()(request, entry=entry)
    return cache_publicly(response, ended=entry.has_ended, tags=(entry_tag(entry.pk),))
