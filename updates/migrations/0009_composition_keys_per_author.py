"""Composition keys unique per entry and author, and free again once deleted (issue 19)."""

from django.db import migrations, models


def free_the_keys_of_deleted_updates(apps, schema_editor):
    # LiveUpdate.delete clears the key from now on; tombstones written
    # before kept theirs, and a desk holding one could never post again.
    LiveUpdate = apps.get_model("updates", "LiveUpdate")
    LiveUpdate.objects.filter(deleted__isnull=False).exclude(idempotency_key="").update(
        idempotency_key=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("updates", "0008_permalinks_name_their_page"),
    ]

    operations = [
        migrations.RunPython(free_the_keys_of_deleted_updates, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="liveupdate",
            name="one_update_per_composition",
        ),
        migrations.AddConstraint(
            model_name="liveupdate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("idempotency_key", ""), _negated=True),
                fields=("entry", "author", "idempotency_key"),
                name="one_update_per_composition",
            ),
        ),
    ]
