"""An optional headline per update (issue 22)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("updates", "0009_composition_keys_per_author"),
    ]

    operations = [
        migrations.AddField(
            model_name="liveupdate",
            name="headline",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Optional, plain text: shown in bold above the update.",
                max_length=120,
            ),
        ),
    ]
