"""Small pieces of English shared by every screen: counts with the right noun."""

from __future__ import annotations


def counted(number: int, one: str, many: str) -> str:
    """Return `number` with the singular noun for exactly one, else the plural: "1 answer", "0 answers"."""
    return f"{number} {one if number == 1 else many}"
