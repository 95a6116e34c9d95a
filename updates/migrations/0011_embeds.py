"""Link previews from embed providers, remembered per URL (issue 22, item 3)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("updates", "0010_update_headlines"),
    ]

    operations = [
        migrations.CreateModel(
            name="Embed",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("url", models.CharField(max_length=2000, unique=True)),
                ("provider", models.CharField(max_length=20)),
                ("title", models.CharField(blank=True, max_length=300)),
                ("text", models.CharField(blank=True, max_length=500)),
                ("author", models.CharField(blank=True, max_length=200)),
                ("player", models.CharField(max_length=2000)),
                ("thumbnail_key", models.CharField(blank=True, db_index=True, max_length=64)),
                ("thumbnail_files", models.JSONField(blank=True, default=list)),
                ("fetched", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
