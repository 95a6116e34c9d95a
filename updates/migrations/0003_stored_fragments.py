from zoneinfo import ZoneInfo

from django.db import migrations, models

from updates.fragments import render_fragment


def render_existing_fragments(apps, schema_editor):
    """Fragments for the updates saved before they were stored (issue 8)."""
    LiveUpdate = apps.get_model("updates", "LiveUpdate")
    updates = LiveUpdate.objects.filter(deleted__isnull=True).select_related("entry")
    batch = []
    for update in updates.iterator(chunk_size=500):
        update.fragment = render_fragment(update, ZoneInfo(update.entry.timezone))
        batch.append(update)
        if len(batch) == 500:
            LiveUpdate.objects.bulk_update(batch, ["fragment"])
            batch = []
    LiveUpdate.objects.bulk_update(batch, ["fragment"])


class Migration(migrations.Migration):
    dependencies = [
        ("entries", "0001_initial"),
        ("updates", "0002_published_to_the_second"),
    ]

    operations = [
        migrations.AddField(
            model_name="liveupdate",
            name="fragment",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(render_existing_fragments, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="liveupdate",
            index=models.Index(
                models.F("entry"),
                models.OrderBy(models.F("published"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("deleted__isnull", True)),
                name="visible_newest_first",
            ),
        ),
    ]
