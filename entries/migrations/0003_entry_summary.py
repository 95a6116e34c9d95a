"""An entry's summary, "What we know so far" (issue 22)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("entries", "0002_bylines"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="summary",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="entry",
            name="summary_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="entry",
            name="summary_revision",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="entry",
            name="summary_updated",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
