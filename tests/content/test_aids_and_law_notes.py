"""Law notes (jurisdiction, reviewed) and job aids (aids/*.md): parsing, links, review dates, safety."""

from __future__ import annotations

from datetime import date

import pytest

from course.content.loader import load_course
from course.domain.diagnostics import Code, Severity
from course.domain.law import law_note, review_overdue
from course.domain.model import AidPartKind
from tests.conftest import MODULE, TreeWriter
from tests.content.test_xss import PAYLOADS, _one_line, _yaml, unsafe_fields

TODAY = date(2026, 12, 4)

LAW_MODULE = MODULE.replace("competencies: [crisis]\n", "competencies: [crisis]\njurisdiction: [US, uk]\n"
                            "reviewed: 2026-03-31\naids: [first-hour]\n")

AID = """\
---
id: first-hour
title: The first hour
summary: What to do first
reviewed: 2026-06-01
---

## First 15 minutes

Keep calm.

- [ ] Screenshot the post
- [ ] Tell the duty lead

1. Check facts
2. Draft a holding line
   - keep it short

| Who | Decides |
|---|---|
| Duty lead | Reply now or not |
|  | Left cell empty |

::: warning
Do not delete the post.
:::
"""


def _codes(result: object, code: Code) -> list[tuple[str, int]]:
    return [(d.path, d.line) for d in result.diagnostics if d.code is code]  # type: ignore[attr-defined]


def test_a_law_note_carries_its_jurisdiction_and_review_date(write_tree: TreeWriter) -> None:
    root = write_tree({"modules/intro.md": LAW_MODULE, "aids/first-hour.md": AID})
    result = load_course(root, today=TODAY)
    assert [d.format() for d in result.diagnostics] == []
    assert result.course is not None
    meta = result.course.modules["intro"].meta
    assert meta.jurisdiction == ("US", "UK")
    assert meta.reviewed == date(2026, 3, 31)
    assert law_note(meta.jurisdiction, meta.reviewed) == (
        "Law as of 31 March 2026, for US/UK; ask counsel where you operate.")


def test_files_without_the_new_keys_stay_valid(write_tree: TreeWriter) -> None:
    result = load_course(write_tree(), today=TODAY)
    assert result.course is not None and result.diagnostics == ()
    assert result.course.modules["intro"].meta.reviewed is None
    assert result.course.aids == {}


@pytest.mark.parametrize(("line", "expected"), [
    ("reviewed: 2026-02-30", "'reviewed': '2026-02-30' is not a date; write it as YYYY-MM-DD"),
    ("reviewed: 31/03/2026", "'reviewed': '31/03/2026' is not a date"),
    ("reviewed: \"2026-3-1\"", "'reviewed': '2026-3-1' is not a date"),
])
def test_a_bad_review_date_is_an_error_on_its_line(write_tree: TreeWriter, line: str, expected: str) -> None:
    text = LAW_MODULE.replace("reviewed: 2026-03-31", line)
    result = load_course(write_tree({"modules/intro.md": text, "aids/first-hour.md": AID}), today=TODAY)
    found = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert [(d.path, d.line, d.code) for d in found] == [("modules/intro.md", 7, Code.FM_TYPE)]
    assert found[0].message.startswith(expected)


def test_an_unquoted_date_elsewhere_is_still_refused(write_tree: TreeWriter) -> None:
    text = MODULE.replace("title: Introduction", "title: 2026-03-31")
    result = load_course(write_tree({"modules/intro.md": text}), today=TODAY)
    assert _codes(result, Code.FM_COERCION) == [("modules/intro.md", 3)]


def test_an_unknown_jurisdiction_is_an_error_on_its_line(write_tree: TreeWriter) -> None:
    text = LAW_MODULE.replace("[US, uk]", "[US, GB, Narnia]")
    result = load_course(write_tree({"modules/intro.md": text, "aids/first-hour.md": AID}), today=TODAY)
    found = [d for d in result.diagnostics if d.code is Code.JURISDICTION_UNKNOWN]
    assert [(d.path, d.line) for d in found] == [("modules/intro.md", 6)] * 2
    assert "write UK for the United Kingdom" in found[0].message


@pytest.mark.parametrize("value", ["5", "{a: b}", "[5, US]"])
def test_a_jurisdiction_of_the_wrong_type_is_one_error(write_tree: TreeWriter, value: str) -> None:
    text = LAW_MODULE.replace("[US, uk]", value)
    result = load_course(write_tree({"modules/intro.md": text, "aids/first-hour.md": AID}), today=TODAY)
    found = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert [(d.line, d.code, d.message) for d in found] == [
        (6, Code.FM_TYPE, "'jurisdiction': expected a code such as US, or a list of codes such as [US, UK]")]


def test_a_single_jurisdiction_may_be_written_as_text(write_tree: TreeWriter) -> None:
    text = LAW_MODULE.replace("[US, uk]", "global")
    result = load_course(write_tree({"modules/intro.md": text, "aids/first-hour.md": AID}), today=TODAY)
    assert result.course is not None
    assert result.course.modules["intro"].meta.jurisdiction == ("global",)


def test_review_overdue_warns_a_year_and_a_day_later_not_a_year(write_tree: TreeWriter) -> None:
    root = write_tree({"modules/intro.md": LAW_MODULE, "aids/first-hour.md": AID})
    assert _codes(load_course(root, today=date(2027, 3, 31)), Code.REVIEW_OVERDUE) == []
    late = load_course(root, today=date(2027, 4, 1))
    assert _codes(late, Code.REVIEW_OVERDUE) == [("modules/intro.md", 7)]
    both = load_course(root, today=date(2027, 6, 3))
    assert _codes(both, Code.REVIEW_OVERDUE) == [("aids/first-hour.md", 5), ("modules/intro.md", 7)]
    assert all(d.severity is Severity.WARNING for d in both.diagnostics)
    assert review_overdue(date(2025, 12, 3), TODAY) and not review_overdue(date(2025, 12, 4), TODAY)


def test_an_aid_is_read_for_screen_and_for_print(write_tree: TreeWriter) -> None:
    result = load_course(write_tree({"modules/intro.md": LAW_MODULE, "aids/first-hour.md": AID}), today=TODAY)
    assert result.course is not None
    aid = result.course.aids["first-hour"]
    assert (aid.title, aid.summary, aid.reviewed) == ("The first hour", "What to do first", date(2026, 6, 1))
    assert "<h3>First 15 minutes</h3>" in aid.blocks[0].html
    assert "<li>\u2610 Screenshot the post</li>" in aid.blocks[0].html
    assert [b.kind.value for b in aid.blocks] == ["text", "warning"]
    kinds = [(p.kind, p.text, p.depth) for p in aid.parts if p.kind is not AidPartKind.TABLE]
    assert kinds == [
        (AidPartKind.HEADING, "First 15 minutes", 2), (AidPartKind.PARAGRAPH, "Keep calm.", 0),
        (AidPartKind.CHECK, "Screenshot the post", 0), (AidPartKind.CHECK, "Tell the duty lead", 0),
        (AidPartKind.NUMBERED, "Check facts", 0), (AidPartKind.NUMBERED, "Draft a holding line", 0),
        (AidPartKind.BULLET, "keep it short", 1), (AidPartKind.NOTE, "Do not delete the post.", 0),
    ]
    table = next(p for p in aid.parts if p.kind is AidPartKind.TABLE)
    assert table.rows == (("Who", "Decides"), ("Duty lead", "Reply now or not"), ("", "Left cell empty"))
    assert result.course.modules["intro"].aids == ("first-hour",)


def test_a_link_to_a_missing_aid_is_an_error_and_an_unused_aid_a_warning(write_tree: TreeWriter) -> None:
    module = LAW_MODULE.replace("aids: [first-hour]", "aids: [first-our]")
    result = load_course(write_tree({"modules/intro.md": module, "aids/first-hour.md": AID}), today=TODAY)
    missing = [d for d in result.diagnostics if d.code is Code.UNKNOWN_AID]
    assert [(d.path, d.line, d.severity) for d in missing] == [("modules/intro.md", 8, Severity.ERROR)]
    assert "did you mean 'first-hour'?" in missing[0].message
    assert result.course is not None and result.course.modules["intro"].aids == ()
    unused = load_course(write_tree({"modules/intro.md": MODULE, "aids/first-hour.md": AID}), today=TODAY)
    assert [(d.path, d.line, d.severity) for d in unused.diagnostics] == [
        ("aids/first-hour.md", 2, Severity.WARNING)]
    assert unused.diagnostics[0].code is Code.AID_UNUSED


@pytest.mark.parametrize(("body", "code"), [
    ("![A chart](chart.png)\n", Code.AID_IMAGE),
    ("::: for legal\nOnly some.\n:::\n", Code.UNKNOWN_BLOCK),
    ("::: video clip.mp4\nA clip.\n:::\n", Code.UNKNOWN_BLOCK),
])
def test_an_aid_refuses_what_a_printed_page_cannot_hold(write_tree: TreeWriter, body: str,
                                                        code: Code) -> None:
    files = {"modules/intro.md": LAW_MODULE, "aids/first-hour.md": AID + "\n" + body}
    result = load_course(write_tree(files), today=TODAY)
    assert code in {d.code for d in result.diagnostics if d.severity is Severity.ERROR}
    assert result.course is not None and "first-hour" not in result.course.aids


def test_an_aid_needs_a_summary_and_two_aids_may_not_share_an_id(write_tree: TreeWriter) -> None:
    no_summary = AID.replace("summary: What to do first\n", "")
    result = load_course(write_tree({"modules/intro.md": LAW_MODULE, "aids/first-hour.md": no_summary}),
                         today=TODAY)
    assert ("aids/first-hour.md", Code.FM_MISSING_KEY) in {(d.path, d.code) for d in result.diagnostics}
    twice = load_course(write_tree({"modules/intro.md": LAW_MODULE, "aids/first-hour.md": AID,
                                    "aids/second.md": AID}), today=TODAY)
    assert _codes(twice, Code.ID_DUPLICATE) == [("aids/second.md", 2)]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_an_aid_is_inert(write_tree: TreeWriter, payload: str) -> None:
    line = _one_line(payload)
    aid = f"""\
---
id: first-hour
title: {_yaml(line)}
summary: {_yaml(line)}
---

## {line}

{payload}

- [ ] {line}

| {line} | b |
|---|---|
| {line} | c |

::: tip
{payload}
:::
"""
    result = load_course(write_tree({"modules/intro.md": LAW_MODULE, "aids/first-hour.md": aid}), today=TODAY)
    assert result.course is not None
    assert unsafe_fields(result.course) == {}
    if Code.AID_IMAGE in {d.code for d in result.diagnostics}:  # an image payload: refused, not shown
        assert "first-hour" not in result.course.aids
        return
    assert "first-hour" in result.course.aids, [d.format() for d in result.diagnostics]
    assert unsafe_fields(result.course) == {}
    assert result.course.aids["first-hour"].title == line
