import io
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from entries.models import Entry
from updates import photos
from updates.changes import post_update, set_flags, set_summary
from updates.models import Embed

KEYNOTE = [
    "Doors are open and the hall is filling up. We'll be posting every few minutes.",
    "Lights down. The keynote is **starting**.",
    "> We've shipped more in the last year than in the three before it.\n\nBig claim to open with.",
    "First announcement: the new release is out today. Notes: [release notes](https://www.djangoproject.com/weblog/).",
    "Demo time. The live coding starts with a model:\n\n```python\nclass Entry(models.Model):\n    title = models.CharField(max_length=200)\n```",
    "Three things they are stressing:\n\n1. Long-term support\n2. Async views everywhere\n3. Faster admin",
    "The demo worked first time. The room applauds, mostly out of relief.",
    'Q&A is open. First question is about upgrades from the last LTS: *"a weekend, not a quarter"*.',
    "A question about the database layer: `select_for_update` gets a name-check.",
    "Last slide: the roadmap for the next year. We'll add a photo when we have one.",
    "The talks are recorded, and this one is up already:\n\n"
    "https://www.youtube.com/watch?v=LiveblogDmo",
    "That's the keynote. Thanks for following along; a summary follows shortly.",
]
# The recording's preview (issue 22, item 3), remembered as if YouTube had
# answered: the demo asks no provider anything.
DEMO_EMBED = {
    "url": "https://www.youtube.com/watch?v=LiveblogDmo",
    "provider": "youtube",
    "title": "Keynote: the big release (full recording)",
    "author": "Liveblog demo channel",
    "player": "https://www.youtube-nocookie.com/embed/LiveblogDmo",
}
# Headlines for some of them (issue 22), by position: the moments a reader scans for.
KEYNOTE_HEADLINES = {3: "The new release is out today", 6: "The live demo works first time"}
KEYNOTE_SUMMARY = (
    "- The new release is **out today**\n"
    "- Long-term support, async views everywhere and a faster admin\n"
    "- The keynote's recording is online; the other talks follow this week"
)


class Command(BaseCommand):
    help = "Create demo entries and a local admin account, and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=8000, help="The port the server will listen on."
        )

    def handle(self, **options):
        if not settings.DEBUG:
            raise CommandError(
                _("demo makes an admin account with a printed password: run it with DEBUG=true.")
            )
        with transaction.atomic():
            self.make_demo_entries()
        password = self.admin_password()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready.\n"
                f"  Site:  http://127.0.0.1:{options['port']}/\n"
                f"  Admin: http://127.0.0.1:{options['port']}/admin/  user: admin  password: "
                + password
            )
        )

    def make_demo_entries(self):
        if Entry.objects.filter(slug="keynote").exists():
            return
        now = timezone.now()
        keynote = Entry.objects.create(
            title="Keynote live: the big release",
            slug="keynote",
            intro="Follow the opening keynote as it happens. Newest updates appear by themselves.",
            status=Entry.Status.LIVE,
            timezone="America/Los_Angeles",
        )
        remember_demo_embed()
        start = now - timedelta(minutes=5 * len(KEYNOTE))
        posted = [
            post_update(
                keynote,
                text,
                published=start + timedelta(minutes=5 * minutes),
                headline=KEYNOTE_HEADLINES.get(minutes, ""),
            )
            for minutes, text in enumerate(KEYNOTE)
        ]
        set_summary(keynote.pk, KEYNOTE_SUMMARY)
        # The page's top: what to read first, and the moments that mattered.
        set_flags(posted[0], pinned=True)
        for update in posted[2::4]:
            set_flags(update, key_event=True)
        ended = Entry.objects.create(
            title="Launch day, as it happened",
            slug="launch-day",
            intro="Our coverage of last week's launch.",
            status=Entry.Status.ENDED,
            timezone="Europe/London",
        )
        for minutes, text in enumerate(
            ["Launch is go.", "All systems nominal.", "Coverage ends here."]
        ):
            post_update(ended, text, published=now - timedelta(days=7, minutes=30 - 10 * minutes))

    def admin_password(self) -> str:
        # Kept in a git-ignored file so the printed password stays the same
        # across runs and a signed-in session survives a restart.
        path = settings.BASE_DIR / ".dev-admin-password"
        if path.exists():
            password = path.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            path.write_text(password + "\n")
            path.chmod(0o600)
        user, _created = get_user_model().objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if not user.check_password(password):
            user.set_password(password)
            user.is_staff = user.is_superuser = True
            user.save()
        return password


def remember_demo_embed() -> None:
    """The demo recording's preview, with a thumbnail drawn here: a play
    button on a dark stage, through the photo pipeline like a fetched one."""
    image = Image.linear_gradient("L").resize((480, 360)).convert("RGB")
    image = Image.blend(image, Image.new("RGB", image.size, (20, 30, 60)), 0.7)
    ImageDraw.Draw(image).polygon([(210, 140), (210, 220), (280, 180)], fill=(230, 40, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    processed = photos.process(ContentFile(out.getvalue()))
    Embed.objects.get_or_create(
        url=DEMO_EMBED["url"],
        defaults={
            **DEMO_EMBED,
            "thumbnail_key": processed.key,
            "thumbnail_files": photos.store(processed),
        },
    )
