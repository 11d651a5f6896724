"""Course search: every word must match; terms first, then titles; only the learner's tracks."""

from __future__ import annotations

import pytest

from course.content.loader import load_course
from course.domain.model import Course
from course.services.search import MAX_HITS, MAX_QUERY, HitKind, fold, query_words, search_course, text_of
from course.settings import BUNDLED_ROOT


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT)
    assert loaded.course is not None
    return loaded.course


EVERY_TRACK = frozenset({"legal", "hr", "it", "leadership"})


def test_a_glossary_term_comes_first_then_titles_then_texts(course: Course) -> None:
    hits = search_course(course, "holding STATEMENT", tracks=EVERY_TRACK)
    assert (hits[0].kind, hits[0].title, hits[0].item_id) == (HitKind.TERM, "Holding statement",
                                                              "holding-statement")
    assert hits[0].snippet.startswith("A short public message prepared or posted before")
    ranks = [(h.kind is not HitKind.TERM, not h.in_title) for h in hits]
    assert ranks == sorted(ranks) and len(hits) > 3
    body = [h for h in hits if not h.in_title]
    assert body and all("holding" in fold(h.snippet) or "statement" in fold(h.snippet) for h in body)


def test_every_word_must_match_in_any_order_and_accents_are_folded(course: Course) -> None:
    one = search_course(course, "voice share", tracks=EVERY_TRACK)
    assert "Share of voice" in [h.title for h in one]
    assert search_course(course, "share of voice zzqx", tracks=EVERY_TRACK) == ()
    assert search_course(course, "TOMÁS", tracks=EVERY_TRACK) == search_course(course, "tomas",
                                                                                tracks=EVERY_TRACK)


def test_sections_lead_to_their_module_and_index(course: Course) -> None:
    module = course.modules["conversation-not-broadcast"]
    section = module.sections[1]
    hits = search_course(course, section.title, tracks=EVERY_TRACK)
    assert (HitKind.SECTION, module.meta.id, 1) in [(h.kind, h.item_id, h.section) for h in hits]


def test_a_learner_finds_only_items_and_role_blocks_of_their_tracks(course: Course) -> None:
    legal_only = next(m for m in course.modules.values() if m.meta.roles == ("legal",))
    title = legal_only.meta.title
    assert [h.item_id for h in search_course(course, title, tracks=frozenset({"legal"}))
            if h.kind is HitKind.MODULE][:1] == [legal_only.meta.id]
    assert legal_only.meta.id not in {h.item_id for h in search_course(course, title,
                                                                         tracks=frozenset({"it"}))}
    limited = next((m, s, b) for m in course.modules.values() if m.meta.is_for({"hr", "legal"})
                   for s in m.sections for b in s.blocks if b.roles == frozenset({"legal"}))
    module, section, block = limited
    words = " ".join(text_of(block.html).split()[:6])
    found = search_course(course, words, tracks=frozenset({"legal"}))
    assert (module.meta.id, section.index) in [(h.item_id, h.section) for h in found]
    others = search_course(course, words, tracks=frozenset({"hr"}))
    assert (module.meta.id, section.index) not in [(h.item_id, h.section) for h in others]


def test_empty_huge_and_hostile_queries_are_safe(course: Course) -> None:
    assert search_course(course, "   ", tracks=EVERY_TRACK) == ()
    assert len(query_words("a " * 10_000)) == 1
    assert len(" ".join(query_words("x" * 10_000))) == MAX_QUERY
    assert len(search_course(course, "the", tracks=EVERY_TRACK)) == MAX_HITS
    assert search_course(course, "<script>alert(1)</script> [x](javascript:1)", tracks=EVERY_TRACK) == ()


def test_text_of_html_keeps_words_apart_and_decodes_entities() -> None:
    assert text_of("<p>One&amp;two</p><ul><li>three</li><li>four</li></ul>") == "One&two three four"
