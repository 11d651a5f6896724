"""Closest known names for a misspelt one: the "did you mean" of every unknown-name message."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, known: Iterable[str]) -> str | None:
    """Return the known name most like `word`, or None when none is close enough to suggest."""
    names = sorted(set(known))
    found = difflib.get_close_matches(word, names, n=1, cutoff=0.75)
    if not found:
        folded = {name.replace("_", "").replace("-", "").lower(): name for name in names}
        found = difflib.get_close_matches(word.replace("_", "").replace("-", "").lower(),
                                          list(folded), n=1, cutoff=0.75)
        found = [folded[f] for f in found]
    if not found:  # two letters swapped, as in 'kye' for 'key', score low on similarity
        found = [name for name in names if sorted(name) == sorted(word)]
    return found[0] if found and found[0] != word else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """Return "; did you mean 'x'?" for the closest known name, or "" when none is close."""
    match = closest(word, known)
    return f"; did you mean '{match}'?" if match else ""
