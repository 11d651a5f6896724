"""Where a statement of law holds and when it was last checked: codes, the learner's note, staleness."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

#: Everywhere, or no jurisdiction in particular.
GLOBAL = "global"

#: Jurisdiction codes an item may name: the EU, the UK, and ISO 3166 codes of countries a course
#: is likely to speak about. Written in upper case (except `global`); authors may use any case.
JURISDICTIONS: frozenset[str] = frozenset({
    GLOBAL, "EU", "EEA", "UK", "US",
    "AT", "AU", "BE", "BG", "BR", "CA", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
    "GR", "HK", "HU", "IE", "IN", "IS", "JP", "LI", "LT", "LU", "LV", "MT", "MX",
    "NL", "NO", "NZ", "PL", "PT", "RO", "SE", "SG", "SI", "SK", "ZA",
})

#: How long a review stays current before the validator says it is overdue.
REVIEW_VALID_FOR = timedelta(days=365)


def canonical_jurisdiction(code: str) -> str | None:
    """Return the code as the course writes it (`uk` -> `UK`), or None when it is not known."""
    written = code.strip()
    candidate = GLOBAL if written.lower() == GLOBAL else written.upper()
    return candidate if candidate in JURISDICTIONS else None


def review_overdue(reviewed: date, today: date) -> bool:
    """Tell whether a review date is more than a year before today."""
    return today - reviewed > REVIEW_VALID_FOR


def law_note(jurisdictions: Sequence[str], reviewed: date | None) -> str:
    """Return the line shown above a law note: as of when, for where, and to ask counsel."""
    places = [code for code in jurisdictions if code != GLOBAL]
    where = "/".join(places) if places else ("general principles" if jurisdictions else "")
    when = f"Law as of {reviewed.day} {reviewed:%B %Y}" if reviewed is not None else "Law not dated"
    scope = f", for {where}" if where else ""
    return f"{when}{scope}; ask counsel where you operate."
