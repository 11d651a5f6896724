"""Course search for learners: titles, sections and the glossary, limited to the learner's tracks.

The course is small (tens of modules, a few hundred sections), so a search reads it through
rather than keeping an index: every word of the query must appear in an entry's title or text,
letter case and accents aside. The text of a section is taken once from its sanitised HTML and
remembered, so a search costs a scan of plain strings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from html.parser import HTMLParser

from course.domain.model import Course, GlossaryEntry
from course.domain.permissions import Action, Actor
from course.services.learner import get_person
from course.services.permissions import require
from course.store.engine import Engine

#: Longest query read, in characters; anything after it is ignored.
MAX_QUERY = 100
#: Most results returned.
MAX_HITS = 50
#: Characters of text shown around the first match.
SNIPPET = 160


class HitKind(StrEnum):
    """What a search result points at."""

    MODULE = "module"
    SECTION = "section"
    QUIZ = "quiz"
    SCENARIO = "scenario"
    TERM = "term"


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: what it is, its title, where it leads and a piece of its text around the match.

    `item_id` is the module, quiz or scenario id, or the glossary term's id; `section` is the
    index of a module section.
    """

    kind: HitKind
    title: str
    item_id: str
    snippet: str
    section: int | None = None
    in_title: bool = False


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")


@lru_cache(maxsize=8192)
def text_of(html: str) -> str:
    """Return the words of sanitised HTML on one line."""
    reader = _Text()
    reader.feed(html)
    reader.close()
    return " ".join("".join(reader.parts).split())


def fold(text: str) -> str:
    """Fold text for matching: lower case, accents removed, so "Tomás" is found by "tomas"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def query_words(query: str) -> tuple[str, ...]:
    """Return the folded words of a query, at most MAX_QUERY characters of it."""
    return tuple(dict.fromkeys(fold(query[:MAX_QUERY]).split()))


def _snippet(text: str, words: tuple[str, ...]) -> str:
    folded = fold(text)
    at = min((found for word in words if (found := folded.find(word)) >= 0), default=0)
    if len(folded) != len(text):  # folding changed the length: show the start instead
        at = 0
    start = max(0, at - SNIPPET // 3)
    piece = text[start:start + SNIPPET].strip()
    return ("…" if start else "") + piece + ("…" if start + SNIPPET < len(text) else "")


def _entries(course: Course, tracks: frozenset[str]) -> Iterator[tuple[Hit, str]]:
    """Yield every searchable entry the learner may see, with its text."""
    for module in course.modules.values():
        if not module.meta.is_for(tracks):
            continue
        yield Hit(HitKind.MODULE, module.meta.title, module.meta.id, ""), module.meta.summary
        for section in module.sections:
            text = " ".join(text_of(block.html) for block in section.blocks if block.is_for(tracks))
            yield (Hit(HitKind.SECTION, section.title, module.meta.id, "", section=section.index), text)
    for kind, items in ((HitKind.QUIZ, course.quizzes), (HitKind.SCENARIO, course.scenarios)):
        for item in items.values():
            if item.meta.is_for(tracks):
                yield Hit(kind, item.meta.title, item.meta.id, ""), item.meta.summary


def _term(entry: GlossaryEntry) -> tuple[Hit, str]:
    return Hit(HitKind.TERM, entry.term, entry.id, ""), entry.text


def search_course(course: Course, query: str, *, tracks: frozenset[str]) -> tuple[Hit, ...]:
    """Return what matches every word of the query: glossary terms, then titles, then texts."""
    words = query_words(query)
    if not words:
        return ()
    hits = []
    for hit, text in [*map(_term, course.glossary), *_entries(course, tracks)]:
        title, body = fold(hit.title), fold(text)
        if all(word in title or word in body for word in words):
            in_title = all(word in title for word in words)
            shown = text if text and not in_title else (text or hit.title)
            hits.append(Hit(hit.kind, hit.title, hit.item_id, _snippet(shown, words), hit.section, in_title))
    hits.sort(key=lambda h: (h.kind is not HitKind.TERM, not h.in_title))
    return tuple(hits[:MAX_HITS])


def search_for_learner(engine: Engine, actor: Actor, course: Course, query: str) -> tuple[Hit, ...]:
    """Search the course as the signed-in learner sees it: their tracks, their role blocks."""
    require(engine, actor, Action.READ_SECTION)
    person = get_person(engine, actor)
    return search_course(course, query, tracks=frozenset(person.tracks))
