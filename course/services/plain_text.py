"""The plain text of rendered HTML, for tables and exports that show content as text."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")


def plain(markup: str) -> str:
    """Return the text of rendered HTML, on one line."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())
