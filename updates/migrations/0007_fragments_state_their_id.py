import re

from django.db import migrations

ANCHOR = re.compile(r'^(<article [^>]*? id="update-([0-9]+)")(?! data-id=)')
DATA_ID = re.compile(r' data-id="[0-9]+"')


def rewrite(apps, rows, change) -> None:
    """Each stored fragment of `rows` through `change`, 500 rows at a time."""
    LiveUpdate = apps.get_model("updates", "LiveUpdate")
    batch = []
    for update in rows(LiveUpdate.objects).only("id", "fragment").iterator(chunk_size=500):
        update.fragment = change(update.fragment)
        batch.append(update)
        if len(batch) == 500:
            LiveUpdate.objects.bulk_update(batch, ["fragment"])
            batch = []
    LiveUpdate.objects.bulk_update(batch, ["fragment"])


def add_data_id(apps, schema_editor):
    """Stored fragments name their update in `data-id` (updates/fragments.py),
    which the reader script reads: the ones stored before say it only in
    their anchor. Added in place, without new revisions: the rest of each
    fragment is unchanged, and pages rendered before it carry the script
    that reads the anchor."""
    rewrite(
        apps,
        lambda rows: rows.exclude(fragment="").exclude(fragment__contains=" data-id="),
        lambda fragment: ANCHOR.sub(r'\1 data-id="\2"', fragment, count=1),
    )


def remove_data_id(apps, schema_editor):
    rewrite(
        apps,
        lambda rows: rows.filter(fragment__contains=" data-id="),
        lambda fragment: DATA_ID.sub("", fragment, count=1),
    )


class Migration(migrations.Migration):
    dependencies = [("updates", "0006_idempotency_key")]

    operations = [migrations.RunPython(add_data_id, remove_data_id)]
