import re
from datetime import datetime

from django.conf import settings
from django.db import migrations
from django.utils import formats, translation

TIME = re.compile(r'(<time datetime="([^"]+)">)([^<]*)(</time>)')


def rewrite_times(apps, format_time) -> None:
    """Each stored fragment's times, as `format_time` writes them, 500 rows at a time."""
    LiveUpdate = apps.get_model("updates", "LiveUpdate")
    rows = LiveUpdate.objects.exclude(fragment="").only("id", "fragment")
    batch = []

    def replace(match):
        local = datetime.fromisoformat(match.group(2))
        return match.group(1) + format_time(local) + match.group(4)

    for update in rows.iterator(chunk_size=500):
        update.fragment = TIME.sub(replace, update.fragment)
        batch.append(update)
        if len(batch) == 500:
            LiveUpdate.objects.bulk_update(batch, ["fragment"])
            batch = []
    LiveUpdate.objects.bulk_update(batch, ["fragment"])


def in_the_languages_format(apps, schema_editor):
    """Stored fragments wrote times as 14:05 whatever the language; since
    issue 23 they follow its format (2:05 PM in American English). Every
    entry is in the site's language until an author picks another, which
    renders its fragments again. In place, without new revisions, like
    0008: pages already open get the new form with the update's next change."""
    with translation.override(settings.LANGUAGE_CODE):
        rewrite_times(apps, formats.time_format)


def in_24_hours(apps, schema_editor):
    rewrite_times(apps, lambda local: f"{local:%H:%M}")


class Migration(migrations.Migration):
    dependencies = [
        ("updates", "0012_verbose_names"),
        ("entries", "0005_verbose_names"),
    ]

    operations = [migrations.RunPython(in_the_languages_format, in_24_hours)]
