import re

from django.db import migrations

ANCHOR = re.compile(r'^(<article [^>]*? id="update-([0-9]+)")(?! data-id=)')


def add_data_id(apps, schema_editor):
    """Stored fragments name their update in `data-id` (updates/fragments.py),
    which the reader script reads: the ones stored before say it only in
    their anchor. Added in place, without new revisions: the rest of each
    fragment is unchanged, and pages rendered before it carry the script
    that reads the anchor."""
    LiveUpdate = apps.get_model("updates", "LiveUpdate")
    rows = LiveUpdate.objects.exclude(fragment="").exclude(fragment__contains=" data-id=")
    batch = []
    for update in rows.only("id", "fragment").iterator(chunk_size=500):
        update.fragment = ANCHOR.sub(r'\1 data-id="\2"', update.fragment, count=1)
        batch.append(update)
        if len(batch) == 500:
            LiveUpdate.objects.bulk_update(batch, ["fragment"])
            batch = []
    LiveUpdate.objects.bulk_update(batch, ["fragment"])


def remove_data_id(apps, schema_editor):
    LiveUpdate = apps.get_model("updates", "LiveUpdate")
    rows = LiveUpdate.objects.filter(fragment__contains=" data-id=")
    batch = []
    for update in rows.only("id", "fragment").iterator(chunk_size=500):
        update.fragment = re.sub(r' data-id="[0-9]+"', "", update.fragment, count=1)
        batch.append(update)
        if len(batch) == 500:
            LiveUpdate.objects.bulk_update(batch, ["fragment"])
            batch = []
    LiveUpdate.objects.bulk_update(batch, ["fragment"])


class Migration(migrations.Migration):
    dependencies = [("updates", "0006_idempotency_key")]

    operations = [migrations.RunPython(add_data_id, remove_data_id)]
