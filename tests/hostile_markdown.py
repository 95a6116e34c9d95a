"""Markdown that costs far more to render than its length (issue 17).

Each builds at most `size` characters (the default update limit): used by
tests/test_text_limits.py and measured by scripts/markdown_cost.py.
"""

SIZE = 20_000


def repeated_reference(size: int = SIZE) -> str:
    """A long URL defined once and used at every `[r]`: 3 characters, 10,000 bytes out."""
    head = f"[r]: https://example.com/{'a' * (size // 2)}\n\n"
    return head + "[r]" * ((size - len(head)) // 3)


def repeated_image_reference(size: int = SIZE) -> str:
    """The same with an image whose URL escapes to five times its length (`&` is `&amp;`)."""
    head = f"[r]: https://example.com/{'&' * (size * 3 // 10)}\n\n"
    return head + "![r]" * ((size - len(head)) // 4)


def filled_in_tables(size: int = SIZE) -> str:
    """Tables whose rows leave out all but one cell: markdown-it fills in the rest.

    181 columns and 362 one-cell rows is 65,000 cells (markdown-it's limit
    for one table) in 1,450 characters; thirteen such tables are 850,000.
    """
    columns, rows = 181, 362
    table = "|" + "a|" * columns + "\n|" + "-|" * columns + "\n" + "a\n" * rows + "\n"
    return table * (size // len(table))


def open_brackets(size: int = SIZE) -> str:
    """Links that never close: markdown-it looks for the end from each `[`."""
    return "[" * size


def open_autolinks(size: int = SIZE) -> str:
    """Autolinks that never close, each scanned to the end of the text."""
    return "<http://" * (size // 8)


WORST = {
    "repeated reference": repeated_reference,
    "repeated image reference": repeated_image_reference,
    "filled-in tables": filled_in_tables,
    "open brackets": open_brackets,
    "open autolinks": open_autolinks,
}
