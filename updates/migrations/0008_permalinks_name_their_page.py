import re

from django.db import migrations

OLD = re.compile(r'(class="update-permalink" href=")#update-([0-9]+)"')
NEW = re.compile(r'(class="update-permalink" href=")\?update=([0-9]+)#update-\2"')


def rewrite(apps, marker, pattern, replacement) -> None:
    """Each stored fragment holding `marker`, rewritten, 500 rows at a time."""
    LiveUpdate = apps.get_model("updates", "LiveUpdate")
    rows = LiveUpdate.objects.filter(fragment__contains=marker).only("id", "fragment")
    batch = []
    for update in rows.iterator(chunk_size=500):
        update.fragment = pattern.sub(replacement, update.fragment, count=1)
        batch.append(update)
        if len(batch) == 500:
            LiveUpdate.objects.bulk_update(batch, ["fragment"])
            batch = []
    LiveUpdate.objects.bulk_update(batch, ["fragment"])


def link_to_the_page(apps, schema_editor):
    """An update's time links to its permalink, `?update=<id>#update-<id>`
    (updates/fragments.py), which the server answers at any age (issue 20):
    `#update-<id>` alone found nothing once the update left the latest page.
    In place, without new revisions, like 0007: pages already open get the
    new link with the update's next change."""
    rewrite(apps, 'class="update-permalink" href="#', OLD, r'\1?update=\2#update-\2"')


def link_to_the_anchor(apps, schema_editor):
    rewrite(apps, 'class="update-permalink" href="?', NEW, r'\1#update-\2"')


class Migration(migrations.Migration):
    dependencies = [("updates", "0007_fragments_state_their_id")]

    operations = [migrations.RunPython(link_to_the_page, link_to_the_anchor)]
