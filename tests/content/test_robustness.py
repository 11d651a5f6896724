"""Robustness as a property: content built from the format's own pieces, then mutated.

A strategy writes modules, quizzes and scenarios from their parts (front matter keys, sections,
admonitions, role blocks, options, explanations, choices, attrs), then drops, duplicates, swaps
and truncates lines. Whatever comes out, the parsers must not raise, every diagnostic must point
at a line of the file, and a file that still loads without error must not have lost a piece
silently: each top-level `## ` heading is a section or node, each choice line is a choice.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from course.content.loader import load_texts
from course.content.manifest import parse_manifest, vocabulary_of
from course.content.modules import parse_module
from course.content.quizzes import parse_quiz
from course.content.scenarios import parse_scenario
from course.domain.diagnostics import Code, Diagnostic, has_errors
from tests.conftest import MANIFEST

PROPERTY = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
VOCABULARY = vocabulary_of(parse_manifest(MANIFEST).item)  # type: ignore[arg-type]
WORDS = st.sampled_from(["Listen", "first", "reply", "in public", "trust", "the thread", "policy"])


def _sentence(draw: st.DrawFn) -> str:
    return " ".join(draw(st.lists(WORDS, min_size=1, max_size=5)))


def _front_matter(draw: st.DrawFn, item_id: str, extra: list[str]) -> list[str]:
    keys = [f"id: {item_id}", f"title: {_sentence(draw)}", "roles: [all]",
            "competencies: [crisis, listening]"]
    keys += draw(st.lists(st.sampled_from(["summary: A short one", "minutes: 10", "order: 2",
                                           "objectives: [Listen first]"]), unique=True, max_size=2))
    return ["---", *keys, *extra, "---", ""]


@st.composite
def modules(draw: st.DrawFn) -> list[str]:
    lines = _front_matter(draw, "intro", [])
    for index in range(draw(st.integers(1, 4))):
        lines += [f"## Section {index} {_sentence(draw)}", "", _sentence(draw) + ".", ""]
        for kind in draw(st.lists(st.sampled_from(["key", "tip", "warning", "example", "for legal",
                                                   "for hr legal", "list", "quote"]), max_size=3)):
            if kind == "list":
                lines += [f"- {_sentence(draw)}", f"- {_sentence(draw)}", ""]
            elif kind == "quote":
                lines += [f"> {_sentence(draw)}", ""]
            else:
                lines += [f"::: {kind}", _sentence(draw) + ".", ":::", ""]
    return lines


@st.composite
def quizzes(draw: st.DrawFn) -> list[str]:
    lines = _front_matter(draw, "intro-quiz", draw(st.lists(st.sampled_from(
        ["pass_mark: 60", "shuffle: false", "max_attempts: 3"]), unique=True, max_size=2)))
    for index in range(draw(st.integers(1, 3))):
        competency = draw(st.sampled_from(["crisis", "listening"]))
        lines += [f"{{#q-{index} competency={competency}}}", f"## Question {index}: {_sentence(draw)}?", ""]
        marks = draw(st.lists(st.booleans(), min_size=2, max_size=4))
        marks[0] = True
        for mark in marks:
            lines += [f"- [{'x' if mark else ' '}] {_sentence(draw)}", f"  > {_sentence(draw)}."]
        lines += [""]
        if draw(st.booleans()):
            lines += ["::: explain", _sentence(draw) + ".", ":::", ""]
    return lines


@st.composite
def scenarios(draw: st.DrawFn) -> list[str]:
    meters = ["meters:", "  reputation: {label: Reputation, start: 50, min: 0, max: 100}"]
    lines = _front_matter(draw, "first-day", meters)
    count = draw(st.integers(1, 4))
    for index in range(count):
        lines += [f"{{#n{index}}}", f"## Node {index}", "", _sentence(draw) + ".", ""]
        lines += [f"- [{_sentence(draw)}](#good){{score=3}}"]  # the best last step, never a bad one
        for _ in range(draw(st.integers(0, 2))):
            target = draw(st.sampled_from([f"n{i}" for i in range(index + 1, count)] + ["good", "bad"]))
            attrs = draw(st.sampled_from(["", "{score=2}", "{reputation=-5 score=0}",
                                          '{score=1 when="reputation >= 40"}']))
            attrs = "{score=-1}" if target == "bad" else attrs
            lines += [f"- [{_sentence(draw)}](#{target}){attrs}", f"  > {_sentence(draw)}."]
        lines += [""]
    lines += ["{#good ending=good}", "## It went well", "", "Debrief.", "",
              "{#bad ending=bad}", "## It went badly", "", "Debrief.", ""]
    return lines


@st.composite
def mutated(draw: st.DrawFn, pieces: st.SearchStrategy[list[str]]) -> str:
    """Apply one to three line mutations: drop, duplicate, swap, or truncate."""
    lines = draw(pieces)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        match draw(st.sampled_from(["drop", "duplicate", "swap", "truncate"])):
            case "drop":
                del lines[at]
            case "duplicate":
                lines.insert(at, lines[at])
            case "swap":
                other = draw(st.integers(0, len(lines) - 1))
                lines[at], lines[other] = lines[other], lines[at]
            case "truncate":
                lines[at] = lines[at][: draw(st.integers(0, max(len(lines[at]) - 1, 0)))]
    return "\n".join(lines) + "\n"


def _located(diagnostics: tuple[Diagnostic, ...], text: str) -> bool:
    return all(1 <= d.line <= text.count("\n") + 1 for d in diagnostics)


def _top_level_headings(text: str) -> int:
    """Count `## ` headings outside front matter and outside ':::' blocks (a close counts once)."""
    body = text.split("\n---\n", 1)[1] if text.startswith("---\n") and "\n---\n" in text else text
    depth, count = 0, 0
    for line in body.splitlines():
        if re.fullmatch(r":::+ *\S.*", line.strip()):
            depth += 1
        elif re.fullmatch(r":::+ *", line.strip()):
            depth = max(depth - 1, 0)
        elif depth == 0 and re.match(r"##( |$)", line):
            count += 1
    return count


@PROPERTY
@given(mutated(modules()))
def test_a_mutated_module_never_raises_nor_loses_a_section_silently(text: str) -> None:
    result = parse_module(text, source="modules/intro.md", vocabulary=VOCABULARY)
    assert _located(result.diagnostics, text)
    if result.item is not None and not has_errors(result.diagnostics):
        lines = text.splitlines()
        titled = [s for s in result.item.sections if lines[s.line - 1].startswith("## ")]
        assert len(titled) == _top_level_headings(text)


#: An empty item left above two choices: once, the whole list was read as narrative, silently.
_EMPTY_ITEM_SCENARIO = (
    "---\nid: first-day\ntitle: First day\nroles: [all]\ncompetencies: [listening]\nmeters:\n"
    "  reputation: {label: Reputation, start: 50, min: 0, max: 100}\n---\n\n{#n0}\n## Node 0\n\n"
    "A complaint.\n\n-\n\n- [Listen](#good){score=3}\n- [Shout](#bad){score=-1}\n\n"
    "{#good ending=good}\n## It went well\n\nDebrief.\n\n{#bad ending=bad}\n## It went badly\n\nDebrief.\n"
)


def test_an_empty_item_in_a_list_of_choices_is_reported_where_it_is() -> None:
    result = parse_scenario(_EMPTY_ITEM_SCENARIO, source="scenarios/first-day.md", vocabulary=VOCABULARY)
    assert [(d.line, d.code) for d in result.diagnostics] == [(15, Code.CHOICE_MALFORMED)]


#: A choice whose link was left unclosed, once above the first node and once under one beside a
#: good choice: both were read as plain narrative and the choice vanished without a word.
_UNCLOSED_ABOVE_NODES = (
    "---\nid: first-day\ntitle: Listen\nroles: [all]\ncompetencies: [listening]\nmeters:\n"
    "  reputation: {label: Reputation, start: 50, min: 0, max: 100}\n---\n\n{#n0}\n\nListen.\n\n"
    "- [Listen](#\n\n{#good ending=good}\n## It went well\n\nDebrief.\n\n"
    "{#bad ending=bad}\n## It went badly\n\nDebrief.\n"
)
_UNCLOSED_IN_NODE = _EMPTY_ITEM_SCENARIO.replace(
    "-\n\n- [Listen](#good){score=3}\n- [Shout](#bad){score=-1}\n",
    "- [Listen](#good){score=3}\n\nThen, later:\n\n- [Shout] (#bad)\n")


def test_a_choice_with_a_broken_link_is_reported_where_it_is() -> None:
    above = parse_scenario(_UNCLOSED_ABOVE_NODES, source="scenarios/first-day.md", vocabulary=VOCABULARY)
    assert (14, Code.CHOICE_OUTSIDE_NODE) in [(d.line, d.code) for d in above.diagnostics]
    inside = parse_scenario(_UNCLOSED_IN_NODE, source="scenarios/first-day.md", vocabulary=VOCABULARY)
    assert (19, Code.CHOICE_MALFORMED) in [(d.line, d.code) for d in inside.diagnostics]


@PROPERTY
@given(mutated(scenarios()))
@example(_EMPTY_ITEM_SCENARIO)
@example(_UNCLOSED_ABOVE_NODES)
@example(_UNCLOSED_IN_NODE)
def test_a_mutated_scenario_never_raises_nor_loses_a_node_or_choice_silently(text: str) -> None:
    result = parse_scenario(text, source="scenarios/first-day.md", vocabulary=VOCABULARY)
    assert _located(result.diagnostics, text)
    if result.item is not None and not has_errors(result.diagnostics):
        assert len(result.item.nodes) == _top_level_headings(text)
        choices = sum(len(n.choices) for n in result.item.nodes.values())
        assert choices == len(re.findall(r"^- \[[^\]]*\]\(#", text, re.MULTILINE))


@PROPERTY
@given(mutated(quizzes()))
@example("---\nid: q\ntitle: Q\nroles: [all]\n---\n\n## Question?\n\n-\n\n- [x] Listen\n- [ ] Shout\n")
def test_a_mutated_quiz_never_raises(text: str) -> None:
    result = parse_quiz(text, source="quizzes/intro-quiz.md", vocabulary=VOCABULARY,
                        default_pass_mark=70)
    assert _located(result.diagnostics, text)


@PROPERTY
@given(mutated(modules()), mutated(quizzes()), mutated(scenarios()),
       st.sampled_from(["", "format: 1\n", "format: 2\n", "title: x: y\n", "\t"]))
def test_a_mutated_course_loads_without_raising(module: str, quiz: str, scenario: str, manifest: str) -> None:
    texts = {"course.yaml": manifest + MANIFEST, "modules/intro.md": module,
             "quizzes/intro-quiz.md": quiz, "scenarios/first-day.md": scenario}
    result = load_texts(texts)
    # No parser fails: every problem is a diagnostic of its own, never the loader's safety net.
    assert all(d.code is not Code.PARSE_FAILED for d in result.diagnostics)
    for diagnostic in result.diagnostics:
        assert _located((diagnostic,), texts[diagnostic.path]), diagnostic


@PROPERTY
@given(modules(), quizzes(), scenarios())
def test_unmutated_pieces_load_cleanly_and_identically(module: list[str], quiz: list[str],
                                                      scenario: list[str]) -> None:
    texts = {"course.yaml": MANIFEST, "modules/intro.md": "\n".join(module) + "\n",
             "quizzes/intro-quiz.md": "\n".join(quiz) + "\n",
             "scenarios/first-day.md": "\n".join(scenario) + "\n"}
    first = load_texts(texts)
    assert not has_errors(first.diagnostics), first.diagnostics
    blank = {path: text.replace("\n\n", "\n\n\n") for path, text in texts.items()}
    again = load_texts(blank)  # extra blank lines change no meaning
    assert first.course is not None and again.course is not None
    assert first.course.info == again.course.info
    assert [s.blocks for m in first.course.modules.values() for s in m.sections] == \
        [s.blocks for m in again.course.modules.values() for s in m.sections]
