"""The glossary: terms with definitions, checked for empty and repeated terms across files."""

from __future__ import annotations

from course.content.glossary import parse_glossary
from course.content.loader import load_course
from tests.conftest import TreeWriter

GLOSSARY = """\
---
title: Glossary
---

## Share of voice

How much of the conversation mentions you.

## Listening

Following what people say, *before* speaking.
"""


def test_terms_load_in_alphabetical_order_with_their_definitions(write_tree: TreeWriter) -> None:
    result = load_course(write_tree({"glossary/terms.md": GLOSSARY}))
    assert result.course is not None
    assert not [d for d in result.diagnostics if d.path.startswith("glossary/")]
    (listening, share) = result.course.glossary
    assert (listening.term, listening.id, listening.line, listening.source) == (
        "Listening", "listening", 9, "glossary/terms.md")
    assert listening.html == "<p>Following what people say, <em>before</em> speaking.</p>"
    assert listening.text == "Following what people say, before speaking."
    assert share.term == "Share of voice"


def test_a_term_without_a_definition_is_an_error() -> None:
    parsed = parse_glossary(GLOSSARY + "\n## Sentiment\n", source="glossary/terms.md")
    assert parsed.item is None
    assert [d.format() for d in parsed.diagnostics] == [
        "glossary/terms.md:13: error: the term 'Sentiment' has no definition; write it under the heading "
        "[glossary-empty]"]


def test_a_term_defined_twice_is_an_error_in_one_file_or_across_files(write_tree: TreeWriter) -> None:
    again = GLOSSARY.replace("## Listening", "## share  OF voice")
    other = "---\ntitle: More terms\n---\n\n## LISTENING\n\nAgain.\n\n## Share of Voice\n\nAgain.\n"
    result = load_course(write_tree({"glossary/terms.md": again, "glossary/z.md": other}))
    problems = [d.format() for d in result.diagnostics if d.path.startswith("glossary/")]
    assert problems == [
        "glossary/terms.md:9: error: the term 'share  OF voice' is already defined (line 5); keep one "
        "definition [glossary-duplicate]",
        "glossary/z.md:9: error: the term 'Share of Voice' is already defined (glossary/terms.md line 5); "
        "keep one definition [glossary-duplicate]",
    ]
    assert result.course is not None and [e.term for e in result.course.glossary] == [
        "LISTENING", "Share of voice"]


def test_unknown_front_matter_text_before_the_first_term_and_blocks_are_reported() -> None:
    text = GLOSSARY.replace("title: Glossary", "title: Glossary\nid: words").replace(
        "## Share of voice", "Stray words.\n\n## Share of voice").replace(
        "Following", "::: tip\nHint.\n:::\n\nFollowing")
    parsed = parse_glossary(text, source="glossary/terms.md")
    assert [(d.line, d.code.value) for d in parsed.diagnostics] == [
        (3, "fm-unknown-key"), (14, "unknown-block"), (6, "content-ignored")]


def test_a_glossary_without_terms_or_front_matter_is_refused() -> None:
    assert [d.code.value for d in parse_glossary("---\ntitle: G\n---\n\n", source="g.md").diagnostics] == [
        "no-sections"]
    assert "fm-missing" in [d.code.value for d in parse_glossary("## A\n\nB\n", source="g.md").diagnostics]


def test_hostile_terms_and_definitions_reach_the_page_as_text_only() -> None:
    text = ("---\ntitle: G\n---\n\n## <img src=x onerror=alert(1)> **term**\n\n"
            "<script>alert(1)</script> [x](javascript:alert(1)) ![p](https://evil.example/p.png)\n")
    parsed = parse_glossary(text, source="glossary/g.md")
    assert parsed.item is not None, parsed.diagnostics
    (entry,) = parsed.item
    assert entry.term == "<img src=x onerror=alert(1)> term"  # headings keep their words only
    assert "<script" not in entry.html and "<img" not in entry.html and "href" not in entry.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in entry.html
