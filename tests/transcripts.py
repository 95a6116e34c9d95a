"""Transcripts in the Markdown form import_liveblog reads: for the
import/export tests and bench/transcripts.py, which must not import a test module."""

from datetime import datetime, timedelta


def long_transcript(count: int) -> str:
    """Canonical notes of `count` updates a minute apart, with images, quotes, code and lists."""
    kinds = [
        "Doors open, {n} people in already.",
        "![The stage, update {n}](https://example.com/photos/{n}.jpg)\n\nThe stage is set.",
        "> We shipped more this year than ever. ({n})\n\nA big claim.",
        "The demo, part {n}:\n\n```python\nclass Entry(models.Model):\n    pass\n```",
        "Three points:\n\n1. Speed\n2. Safety\n3. [Docs](https://example.com/{n})",
        "```\n**10:00** a marker inside code stays code ({n})\n```",
    ]
    start = datetime(2026, 6, 1, 9, 0)
    parts = ["Our notes from the *keynote*."]
    for n in range(count):
        clock = start + timedelta(minutes=n)
        text = kinds[n % len(kinds)].format(n=n)
        separator = "\n" if text.startswith("```") else " "
        parts.append(f"**{clock:%H:%M}**{separator}{text}")
    return "\n\n".join(parts) + "\n"
