"""Small pieces of English shared by every screen: counts with the right noun, text out of markup."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")


def counted(number: int, one: str, many: str) -> str:
    """Return `number` with the singular noun for exactly one, else the plural: "1 answer", "0 answers"."""
    return f"{number} {one if number == 1 else many}"


def plain(markup: str) -> str:
    """Return the text of rendered HTML, on one line."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())
