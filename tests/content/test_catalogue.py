"""A catalogue of mistakes trainers make, each on a tiny tree, against its exact diagnostic."""

from __future__ import annotations

import pytest

from course.content.loader import load_course
from tests.conftest import MANIFEST, MODULE, SCENARIO, TreeWriter

CASES = {
    "a ':::' block never closed, with a section after it": (
        {"modules/intro.md": MODULE.replace(":::\n", "") + "\n## Later\n\nMore.\n"},
        ["modules/intro.md:14: error: '::: key' is not closed by a ':::' line [block-unclosed]"],
    ),
    "a block left open inside another of the same size": (
        {"modules/intro.md": MODULE.replace("::: key\n", "::: key\n::: tip\n")},
        ["modules/intro.md:15: error: '::: tip' is not closed by a ':::' line [block-unclosed]"],
    ),
    "choices above the first node": (
        {"scenarios/first-day.md": SCENARIO.replace("## 09:00 - a complaint\n", "")},
        ["scenarios/first-day.md:14: error: these choices come before the first '## ' node, so no node "
         "offers them; put a '## ' heading above them (with its {#id} line) or move them under a node "
         "[choice-outside-node]",
         "scenarios/first-day.md:25: warning: node 'bad-end' cannot be reached from the start 'good-end' "
         "[node-unreachable]"],
    ),
    "a heading without text": (
        {"modules/intro.md": MODULE.replace("## The first idea", "##")},
        ["modules/intro.md:10: error: this '## ' heading has no text; write its title after the '## ', on "
         "the same line [heading-empty]"],
    ),
    "a misspelt block": (
        {"modules/intro.md": MODULE.replace("::: key", "::: kye")},
        ["modules/intro.md:14: error: unknown block '::: kye'; use one of key, tip, warning, example, "
         "video, audio, for <roles>; did you mean 'key'? [unknown-block]"],
    ),
    "format 1 written out": (
        {"course.yaml": "format: 1\n" + MANIFEST},
        [],
    ),
    "a format from the future": (
        {"course.yaml": "format: 2\n" + MANIFEST},
        ["course.yaml:1: error: this course is written in format 2, but this engine reads format 1 at "
         "most; update the engine, or write the course in format 1 [format-unknown]"],
    ),
    "a format that is no version": (
        {"course.yaml": MANIFEST + "format: '1.0'\n"},
        ["course.yaml:10: error: format '1.0' is not a version of the course format; write "
         "'format: 1' (known: 1) [format-unknown]"],
    ),
    "format zero": (
        {"course.yaml": "format: 0\n" + MANIFEST},
        ["course.yaml:1: error: format 0 is not a version of the course format; write 'format: 1' "
         "(known: 1) [format-unknown]"],
    ),
    "a link to a missing local file": (
        {"modules/intro.md": MODULE + "\nSee [the policy](../media/policy.pdf) and\n"
                                      "![a chart](chart.png \"Chart\").\n"},
        ["modules/intro.md:18: warning: the link to '../media/policy.pdf' names no file of the course "
         "(looked for media/policy.pdf); check the spelling and the case of every letter [link-missing]",
         "modules/intro.md:19: warning: the image to 'chart.png' names no file of the course (looked for "
         "modules/chart.png); check the spelling and the case of every letter [link-missing]"],
    ),
    "a link written from the course folder instead of the file": (
        {"modules/intro.md": MODULE + "\n[the policy](media/policy.pdf)\n", "media/policy.pdf": "pdf"},
        ["modules/intro.md:18: warning: the link to 'media/policy.pdf' names no file of the course "
         "(looked for modules/media/policy.pdf); links are relative to the file that holds them: write "
         "'../media/policy.pdf' [link-missing]"],
    ),
    "a link leaving the course folder": (
        {"modules/intro.md": MODULE + "\n[secrets](../../etc/passwd)\n"},
        ["modules/intro.md:18: warning: the link to '../../etc/passwd' leads outside the course folder; "
         "copy the file into the course (such as media/) and link to it there [link-missing]"],
    ),
    "an encoded way out of the course folder": (
        {"modules/intro.md": MODULE + "\n![x](%2e%2e/%2e%2e/%2e%2e/etc/passwd)\n"},
        ["modules/intro.md:18: warning: the image to '%2e%2e/%2e%2e/%2e%2e/etc/passwd' leads outside the "
         "course folder; copy the file into the course (such as media/) and link to it there [link-missing]"],
    ),
    "a reference link to a file in another case": (
        {"modules/intro.md": MODULE + "\nSee [the guide][g].\n\n[g]: ../media/Guide.pdf\n",
         "media/guide.pdf": "pdf"},
        ["modules/intro.md:18: warning: the link to '../media/Guide.pdf' names no file of the course "
         "(looked for media/Guide.pdf); check the spelling and the case of every letter [link-missing]"],
    ),
    "an empty section": (
        {"modules/intro.md": MODULE + "\n## Coming soon\n\n## Last\n\nText.\n"},
        ["modules/intro.md:18: warning: section 'Coming soon' has no text, so learners would page to an "
         "empty screen; write under the heading, or remove it [section-empty]"],
    ),
    "a condition above a meter's max": (
        {"scenarios/first-day.md": SCENARIO.replace("score=0}", 'score=0 when="reputation > 100"}')},
        ["scenarios/first-day.md:17: error: condition \"reputation > 100\" can never hold, since meters "
         "stay within their bounds (reputation 0 to 100), so this choice is never offered; check the "
         "numbers and the operators [condition-never]"],
    ),
    "a condition below a meter's min": (
        {"scenarios/first-day.md": SCENARIO.replace("score=0}", 'score=0 when="not (reputation >= 0)"}')},
        ["scenarios/first-day.md:17: error: condition \"not (reputation >= 0)\" can never hold, since "
         "meters stay within their bounds (reputation 0 to 100), so this choice is never offered; check "
         "the numbers and the operators [condition-never]"],
    ),
    "a condition that holds at one value only passes": (
        {"scenarios/first-day.md": SCENARIO.replace(
            "score=0}", 'score=0 when="reputation > 60 and (reputation < 40 or reputation == 61)"}')},
        [],
    ),
    "a contradictory conjunction": (
        {"scenarios/first-day.md": SCENARIO.replace(
            "score=0}", 'score=0 when="reputation > 60 and (reputation < 40 or 3 > 4)"}')},
        ["scenarios/first-day.md:17: error: condition \"reputation > 60 and (reputation < 40 or 3 > 4)\" "
         "can never hold, since meters stay within their bounds (reputation 0 to 100), so this choice "
         "is never offered; check the numbers and the operators [condition-never]"],
    ),
    "a best path ending badly": (
        {"scenarios/first-day.md": SCENARIO.replace("score=0}", "score=20}")},
        ["scenarios/first-day.md:26: error: the highest-scoring path (score 20) ends in the bad ending "
         "'bad-end': start -> bad-end; a learner who takes it gets full marks, so check the score= "
         "values along it [best-path-bad]"],
    ),
    "a bad ending tied with the best": (
        {"scenarios/first-day.md": SCENARIO.replace("score=0}", "score=2}")},
        ["scenarios/first-day.md:26: error: the highest-scoring path (score 2) ends in the bad ending "
         "'bad-end': start -> bad-end; a learner who takes it gets full marks, so check the score= "
         "values along it [best-path-bad]"],
    ),
    "a title with a colon": (
        {"modules/intro.md": MODULE.replace("title: Introduction", "title: Crisis: the first hour")},
        ["modules/intro.md:3: error: a colon followed by a space inside a value starts a new key; quote "
         "a value that contains a colon, such as title: \"Crisis: the first hour\" (column 14) [fm-yaml]"],
    ),
    "a tab": (
        {"course.yaml": MANIFEST.replace("  hr: HR", "\thr: HR")},
        ["course.yaml:6: error: a tab character; indent with spaces, not tabs (column 1) [fm-yaml]"],
    ),
    "a quote never closed": (
        {"modules/intro.md": MODULE.replace("title: Introduction", 'title: "Introduction')},
        ["modules/intro.md:3: error: the quote opened here is never closed; add the closing quote "
         "(column 8) [fm-yaml]"],
    ),
    "a key without its colon": (
        {"modules/intro.md": MODULE.replace("title: Introduction", "title Introduction")},
        ["modules/intro.md:3: error: this line is not a 'key: value' line; write a colon and a space "
         "after the key, or, to continue a long value, put the whole value in quotes (column 1) [fm-yaml]"],
    ),
    "a key indented under another": (
        {"modules/intro.md": MODULE.replace("roles: [all]", "  roles: [all]")},
        ["modules/intro.md:4: error: this line is indented under the key above, so YAML reads it as "
         "part of that value; start every key of the same level at the same column (column 8) [fm-yaml]"],
    ),
    "a misspelt key in course.yaml": (
        {"course.yaml": MANIFEST + "passmark: 70\n"},
        ["course.yaml:10: error: unknown key 'passmark'; did you mean 'pass_mark'? [fm-unknown-key]"],
    ),
    "a misspelt key in a meter": (
        {"scenarios/first-day.md": SCENARIO.replace("label: Reputation", "lable: Reputation")},
        ["scenarios/first-day.md:7: error: 'meters.reputation.label' is required [fm-missing-key]",
         "scenarios/first-day.md:7: error: unknown key 'meters.reputation.lable'; did you mean 'label'? "
         "[fm-unknown-key]"],
    ),
    "a misspelt role and competency": (
        {"modules/intro.md": MODULE.replace("roles: [all]", "roles: [lgeal]")
         .replace("competencies: [crisis]", "competencies: [crisis, listning]")},
        ["modules/intro.md:4: error: unknown role 'lgeal' (course.yaml declares hr, legal); did you mean "
         "'legal'? [unknown-role]",
         "modules/intro.md:5: error: unknown competency 'listning' (course.yaml declares crisis, "
         "listening); did you mean 'listening'? [unknown-competency]"],
    ),
    "a misspelt prerequisite, quiz and scenario": (
        {"modules/intro.md": MODULE.replace("quiz: intro-quiz", "quiz: intro-quizz\nrequires: [frist-day]")
         .replace("scenario: first-day", "scenario: first-days")},
        ["modules/intro.md:6: error: quiz 'intro-quizz' does not exist; did you mean 'intro-quiz'? "
         "[unknown-quiz]",
         "modules/intro.md:7: error: requires 'frist-day', which does not exist; did you mean "
         "'first-day'? [unknown-requires]",
         "modules/intro.md:8: error: scenario 'first-days' does not exist; did you mean 'first-day'? "
         "[unknown-scenario]"],
    ),
    "a misspelt node and meter": (
        {"scenarios/first-day.md": SCENARIO.replace("(#good-end)", "(#good-edn)")
         .replace("reputation=-20", "reputaton=-20")},
        ["scenarios/first-day.md:15: error: choice leads to '#good-edn', which is not a node of this "
         "scenario; did you mean 'good-end'? [choice-target-missing]",
         "scenarios/first-day.md:17: error: 'reputaton' is not a meter of this scenario (declared: "
         "reputation); did you mean 'reputation'? [effect-unknown-meter]",
         "scenarios/first-day.md:21: warning: node 'good-end' cannot be reached from the start 'start' "
         "[node-unreachable]"],
    ),
    "a duplicate id names both files": (
        {"modules/zz-copy.md": MODULE},
        ["modules/zz-copy.md:2: error: id 'intro' is already used by modules/intro.md [id-duplicate]"],
    ),
}


def test_a_manifest_with_another_name_is_named(write_tree: TreeWriter) -> None:
    root = write_tree({"course.yaml": None, "Course.yml": MANIFEST})
    assert [d.format() for d in load_course(root).diagnostics] == [
        "course.yaml:1: error: no course.yaml in content; rename Course.yml to course.yaml "
        "[manifest-missing]"]


@pytest.mark.parametrize("files,expected", list(CASES.values()), ids=list(CASES))
def test_catalogue(write_tree: TreeWriter, files: dict[str, str | bytes | None], expected: list[str]) -> None:
    assert [d.format() for d in load_course(write_tree(files)).diagnostics] == expected


def test_links_that_exist_or_leave_for_the_web_pass(write_tree: TreeWriter) -> None:
    text = MODULE + ("\nSee [the policy](../media/policy%20v2.pdf#page=2), [the web](https://example.org),"
                     " [mail](mailto:a@example.org), [a section](#the-first-idea) and "
                     "[the quiz](../quizzes/intro-quiz.md).\n")
    root = write_tree({"modules/intro.md": text, "media/policy v2.pdf": "pdf"})
    assert load_course(root).diagnostics == ()
