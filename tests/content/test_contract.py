"""Each rule of the content contract, on a tiny tree, against its exact diagnostic."""

from __future__ import annotations

import pytest

from course.content.loader import load_course
from tests.conftest import MODULE, QUIZ, SCENARIO, TreeWriter, dedent


def problems(write_tree: TreeWriter, files: dict[str, str | bytes | None]) -> list[str]:
    """Load the base tree with some files replaced and return the formatted diagnostics."""
    return [d.format() for d in load_course(write_tree(files)).diagnostics]


def test_the_base_tree_is_clean(write_tree: TreeWriter) -> None:
    result = load_course(write_tree())
    assert result.diagnostics == ()
    assert result.course is not None
    assert list(result.course.modules) == ["intro"]


FRONT_MATTER_CASES = {
    "missing front matter": (
        {"modules/intro.md": "## Just text\n\nA paragraph.\n"},
        ["modules/intro.md:1: error: the file must start with front matter between --- lines [fm-missing]"],
    ),
    "bad yaml": (
        {"modules/intro.md": MODULE.replace("roles: [all]", "roles: [all")},
        ["modules/intro.md:4: error: the '[' opened here is not closed on its line; end it with ']', "
         "and quote items that contain a colon or a comma (column 8) [fm-yaml]"],
    ),
    "duplicate key": (
        {"modules/intro.md": MODULE.replace("roles: [all]\n", "roles: [all]\ntitle: Again\n")},
        ["modules/intro.md:5: error: 'title' is given twice (first on line 3) [fm-duplicate-key]"],
    ),
    "yes/no coercion": (
        {"modules/intro.md": MODULE.replace("title: Introduction", "title: no")},
        ["modules/intro.md:3: error: 'title': 'no' would be read as a yes/no value; write true or "
         "false, or quote it if you mean the text [fm-coercion]"],
    ),
    "date coercion": (
        {"modules/intro.md": MODULE.replace("title: Introduction", "title: 2024-05-01")},
        ["modules/intro.md:3: error: 'title': '2024-05-01' would be read as a date; quote it [fm-coercion]"],
    ),
    "alias": (
        {"modules/intro.md": MODULE.replace("title: Introduction", "title: &t Introduction\nsummary: *t")},
        ["modules/intro.md:3: error: YAML anchors (&name) and aliases (*name) are not allowed; write "
         "each value out in full, and quote a value that starts with & or * [fm-alias]",
         "modules/intro.md:4: error: YAML anchors (&name) and aliases (*name) are not allowed; write "
         "each value out in full, and quote a value that starts with & or * [fm-alias]"],
    ),
    "missing key": (
        {"modules/intro.md": MODULE.replace("title: Introduction\n", "")},
        ["modules/intro.md:1: error: 'title' is required [fm-missing-key]"],
    ),
    "unknown key": (
        {"modules/intro.md": MODULE.replace("roles: [all]", "roles: [all]\nauthor: Sam")},
        ["modules/intro.md:5: error: unknown key 'author' [fm-unknown-key]"],
    ),
    "wrong type": (
        {"modules/intro.md": MODULE.replace("roles: [all]", "roles: [all]\nminutes: ten")},
        ["modules/intro.md:5: error: 'minutes': expected a whole number [fm-type]"],
    ),
    "number where text is expected": (
        {"modules/intro.md": MODULE.replace("title: Introduction", "title: 1984")},
        ["modules/intro.md:3: error: 'title': expected text; quote the value [fm-type]"],
    ),
    "malformed id": (
        {"modules/intro.md": MODULE.replace("id: intro", "id: Intro_One")},
        ["modules/intro.md:2: error: id 'Intro_One' must be lower-case letters, digits and single "
         "hyphens [id-malformed]"],
    ),
}


@pytest.mark.parametrize("files, expected", FRONT_MATTER_CASES.values(), ids=FRONT_MATTER_CASES.keys())
def test_front_matter_rules(write_tree: TreeWriter, files: dict[str, str], expected: list[str]) -> None:
    assert problems(write_tree, files) == expected


ID_CASES = {
    "duplicate id across files": (
        {"modules/zz-copy.md": MODULE.replace("quiz: intro-quiz\nscenario: first-day\n", "")},
        ["modules/zz-copy.md:2: error: id 'intro' is already used by modules/intro.md [id-duplicate]"],
    ),
    "unknown role": (
        {"modules/intro.md": MODULE.replace("roles: [all]", "roles: [legal, finance]")},
        ["modules/intro.md:4: error: unknown role 'finance' (course.yaml declares hr, legal) [unknown-role]"],
    ),
    "unknown competency": (
        {"modules/intro.md": MODULE.replace("competencies: [crisis]", "competencies: [tact]")},
        ["modules/intro.md:5: error: unknown competency 'tact' (course.yaml declares crisis, "
         "listening) [unknown-competency]"],
    ),
    "unknown requires": (
        {"modules/intro.md": MODULE.replace("roles: [all]", "roles: [all]\nrequires: [basics]")},
        ["modules/intro.md:5: error: requires 'basics', which does not exist [unknown-requires]"],
    ),
    "unknown quiz": (
        {"modules/intro.md": MODULE.replace("quiz: intro-quiz", "quiz: other-quiz")},
        ["modules/intro.md:6: error: quiz 'other-quiz' does not exist [unknown-quiz]"],
    ),
    "unknown scenario": (
        {"modules/intro.md": MODULE.replace("scenario: first-day", "scenario: last-day")},
        ["modules/intro.md:7: error: scenario 'last-day' does not exist [unknown-scenario]"],
    ),
    "requires cycle": (
        {"modules/intro.md": MODULE.replace("roles: [all]", "roles: [all]\nrequires: [second]"),
         "modules/second.md": dedent("""
             ---
             id: second
             title: Second
             roles: [all]
             competencies: [crisis]
             requires: [intro]
             ---

             ## Only section

             Text.
             """)},
        ["modules/intro.md:5: error: prerequisites go round in a circle: intro -> second -> intro "
         "[requires-cycle]"],
    ),
    "role without module and unassessed competency (warnings)": (
        {"modules/intro.md": MODULE.replace("roles: [all]", "roles: [legal]"),
         "quizzes/intro-quiz.md": QUIZ.replace("competency=listening", "competency=crisis")
         .replace("competencies: [crisis, listening]", "competencies: [crisis]"),
         "scenarios/first-day.md": SCENARIO.replace("competencies: [crisis, listening]",
                                                    "competencies: [crisis]")},
        ["course.yaml:6: warning: no module is written for role 'hr' [role-without-module]",
         "course.yaml:9: warning: no quiz question or scenario assesses competency 'listening' "
         "[competency-unassessed]"],
    ),
}


@pytest.mark.parametrize("files, expected", ID_CASES.values(), ids=ID_CASES.keys())
def test_identity_and_link_rules(write_tree: TreeWriter, files: dict[str, str], expected: list[str]) -> None:
    assert problems(write_tree, files) == expected


QUIZ_CASES = {
    "fewer than two options": (
        QUIZ.replace("- [ ] Broadcast\n  > Broadcasting talks over them.\n", ""),
        ["quizzes/intro-quiz.md:9: error: question 'q-one' has 1 option(s); write at least two as a "
         "task list ('- [ ]' and '- [x]') [question-few-options]"],
    ),
    "no correct option": (
        QUIZ.replace("- [x] Listen", "- [ ] Listen"),
        ["quizzes/intro-quiz.md:9: error: question 'q-one' has no correct option; mark one with "
         "'- [x]' [question-no-correct]"],
    ),
    "duplicate question id": (
        QUIZ.replace("{#q-two", "{#q-one"),
        ["quizzes/intro-quiz.md:17: error: question id 'q-one' is already used on line 9 "
         "[question-duplicate-id]"],
    ),
    "pick larger than the bank": (
        QUIZ.replace("competencies: [crisis, listening]\n", "competencies: [crisis, listening]\npick: 3\n"),
        ["quizzes/intro-quiz.md:6: error: pick is 3 but the quiz has only 2 question(s) [pick-too-large]"],
    ),
    "option without feedback (warning)": (
        QUIZ.replace("  > Broadcasting talks over them.\n", ""),
        ["quizzes/intro-quiz.md:13: warning: option 2 of question 'q-one' has no feedback; add a "
         "'> ' line under it saying why [option-no-feedback]"],
    ),
    "unknown question competency": (
        QUIZ.replace("competency=listening", "competency=tact"),
        ["quizzes/intro-quiz.md:17: error: unknown competency 'tact' (course.yaml declares crisis, "
         "listening) [unknown-competency]"],
    ),
    "unknown question attribute": (
        QUIZ.replace("{#q-one competency=crisis}", "{#q-one competency=crisis weight=2}"),
        ["quizzes/intro-quiz.md:9: error: unknown question attribute 'weight'; use id, competency, "
         "kind and section [unknown-attribute]"],
    ),
    "unreadable attrs line": (
        QUIZ.replace("{#q-one competency=crisis}", "{#q-one competency=crisis response}"),
        ["quizzes/intro-quiz.md:8: error: the attribute line {#q-one competency=crisis response} could "
         "not be read; write it as {#id key=value} with quotes around values that hold spaces "
         "[attrs-unreadable]"],
    ),
    "text after the options (warning)": (
        QUIZ.replace("  > Broadcasting talks over them.\n",
                     "  > Broadcasting talks over them.\n\nA stray note.\n"),
        ["quizzes/intro-quiz.md:16: warning: text after the options of question 'q-one' is not shown; "
         "move it above the options or into '::: explain' [content-ignored]"],
    ),
    "no questions": (
        QUIZ.split("{#q-one")[0],
        ["quizzes/intro-quiz.md:7: error: the quiz has no questions; start each with a '## ' heading "
         "[no-questions]"],
    ),
}


@pytest.mark.parametrize("text, expected", QUIZ_CASES.values(), ids=QUIZ_CASES.keys())
def test_quiz_rules(write_tree: TreeWriter, text: str, expected: list[str]) -> None:
    assert problems(write_tree, {"quizzes/intro-quiz.md": text}) == expected


SCENARIO_CASES = {
    "link to a missing node": (
        SCENARIO.replace("(#bad-end)", "(#worse-end)"),
        ["scenarios/first-day.md:17: error: choice leads to '#worse-end', which is not a node of this "
         "scenario [choice-target-missing]",
         "scenarios/first-day.md:26: warning: node 'bad-end' cannot be reached from the start "
         "'start' [node-unreachable]"],
    ),
    "unreachable node (warning)": (
        SCENARIO + "\n{#orphan ending=mixed}\n## Nobody comes here\n\nText.\n",
        ["scenarios/first-day.md:31: warning: node 'orphan' cannot be reached from the start 'start' "
         "[node-unreachable]"],
    ),
    "non-ending node without choices": (
        SCENARIO.replace("{#bad-end ending=bad}", "{#bad-end}"),
        ["scenarios/first-day.md:26: error: node 'bad-end' has no choices and is not an ending; add a "
         "list of links to other nodes, or mark it with ending=good|mixed|bad [node-no-choices]"],
    ),
    "ending with choices": (
        SCENARIO.replace("You listened.\n", "You listened.\n\n- [Again](#start)\n"),
        ["scenarios/first-day.md:21: error: ending 'good-end' has choices; an ending only debriefs "
         "[ending-with-choices]"],
    ),
    "trap: no ending reachable": (
        SCENARIO.replace("- [Ignore](#bad-end){reputation=-20 score=0}",
                         "- [Ignore](#loop){reputation=-20 score=0}")
        + "\n{#loop}\n## Going round\n\n- [Again](#loop)\n",
        ["scenarios/first-day.md:26: warning: node 'bad-end' cannot be reached from the start 'start' "
         "[node-unreachable]",
         "scenarios/first-day.md:31: error: no ending can be reached from node 'loop': every path "
         "from it loops or stops [node-trap]"],
    ),
    "no good ending": (
        SCENARIO.replace("ending=good", "ending=mixed"),
        ["scenarios/first-day.md:11: error: the scenario has no good ending; mark one node with "
         "ending=good [no-good-ending]"],
    ),
    "effect on an undeclared meter": (
        SCENARIO.replace("{reputation=10 score=2}", "{morale=10 score=2}"),
        ["scenarios/first-day.md:15: error: 'morale' is not a meter of this scenario (declared: "
         "reputation) [effect-unknown-meter]"],
    ),
    "effect with a plus sign": (
        SCENARIO.replace("{reputation=10 score=2}", "{reputation=+10 score=2}"),
        ["scenarios/first-day.md:15: error: the attributes {reputation=+10 score=2} after the link "
         "could not be read; write them as {reputation=10 score=2 when=\"trust >= 40\"}, whole "
         "numbers without '+' [attrs-unreadable]"],
    ),
    "condition that does not parse": (
        SCENARIO.replace("{reputation=10 score=2}", '{reputation=10 score=2 when="reputation >> 3"}'),
        ["scenarios/first-day.md:15: error: condition \"reputation >> 3\": expected a meter or a number at "
         "column 13, not '>' [condition-invalid]"],
    ),
    "condition on an undeclared meter": (
        SCENARIO.replace("{reputation=10 score=2}", '{reputation=10 score=2 when="trust > 3"}'),
        ["scenarios/first-day.md:15: error: condition \"trust > 3\" reads 'trust', which is not a meter "
         "of this scenario [condition-invalid]"],
    ),
    "every choice conditional (warning)": (
        SCENARIO.replace("{reputation=10 score=2}", '{reputation=10 score=2 when="reputation > 3"}')
        .replace("{reputation=-20 score=0}", '{reputation=-20 score=0 when="reputation < 3"}'),
        ["scenarios/first-day.md:11: warning: every choice at node 'start' has a condition; a learner "
         "whose meters meet none of them is stuck [choices-all-conditional]"],
    ),
    "badly named meter": (
        SCENARIO.replace("  reputation: {label", "  Good-Will: {label"),
        ["scenarios/first-day.md:7: error: meter name 'Good-Will' must start with a lower-case letter "
         "and hold only lower-case letters, digits and underscores [fm-type]"],
    ),
    "unknown block in a scenario": (
        SCENARIO.replace("A customer complains.", "::: key\nA customer complains.\n:::"),
        ["scenarios/first-day.md:13: error: unknown block '::: key'; this kind of file has no ':::' "
         "blocks [unknown-block]"],
    ),
    "meter start outside its bounds": (
        SCENARIO.replace("start: 50, min: 0", "start: 150, min: 0"),
        ["scenarios/first-day.md:7: error: meter 'reputation' must satisfy min <= start <= max "
         "(got 0 <= 150 <= 100) [meter-invalid]"],
    ),
    "unknown start node": (
        SCENARIO.replace("meters:", "start: dawn\nmeters:"),
        ["scenarios/first-day.md:6: error: start node 'dawn' does not exist [start-unknown]"],
    ),
    "invalid ending kind": (
        SCENARIO.replace("ending=bad", "ending=awful"),
        ["scenarios/first-day.md:26: error: ending=awful must be one of good, mixed, bad [ending-invalid]",
         "scenarios/first-day.md:26: error: node 'bad-end' has no choices and is not an ending; add a "
         "list of links to other nodes, or mark it with ending=good|mixed|bad [node-no-choices]"],
    ),
    "text after a choice link": (
        SCENARIO.replace("- [Ignore](#bad-end){reputation=-20 score=0}",
                         "- [Ignore](#bad-end){reputation=-20 score=0} for now"),
        ["scenarios/first-day.md:17: error: a choice is one link and nothing else; move 'for now' into "
         "the link text or into the consequence ('> ' line) [choice-malformed]"],
    ),
    "duplicate node id": (
        SCENARIO.replace("{#bad-end ending=bad}", "{#good-end ending=bad}"),
        ["scenarios/first-day.md:26: error: node id 'good-end' is already used on line 21 "
         "[node-duplicate-id]",
         "scenarios/first-day.md:17: error: choice leads to '#bad-end', which is not a node of this "
         "scenario [choice-target-missing]"],
    ),
}


@pytest.mark.parametrize("text, expected", SCENARIO_CASES.values(), ids=SCENARIO_CASES.keys())
def test_scenario_rules(write_tree: TreeWriter, text: str, expected: list[str]) -> None:
    assert sorted(problems(write_tree, {"scenarios/first-day.md": text})) == sorted(expected)


MODULE_CASES = {
    "unknown block kind": (
        MODULE + "\n::: aside\nText.\n:::\n",
        ["modules/intro.md:18: error: unknown block '::: aside'; use one of key, tip, warning, example, "
         "video, audio, for <roles> [unknown-block]"],
    ),
    "role block without roles": (
        MODULE + "\n::: for\nText.\n:::\n",
        ["modules/intro.md:18: error: '::: for' needs at least one role, such as '::: for board finance' "
         "[block-no-roles]"],
    ),
    "role block with an unknown role": (
        MODULE + "\n::: for legal sales\nText.\n:::\n",
        ["modules/intro.md:18: error: unknown role 'sales' in '::: for' (course.yaml declares hr, "
         "legal) [unknown-role]"],
    ),
    "unclosed block": (
        MODULE + "\n::: tip\nText that never ends.\n",
        ["modules/intro.md:18: error: '::: tip' is not closed by a ':::' line [block-unclosed]"],
    ),
    "role block inside an admonition": (
        MODULE + "\n:::: tip\nFor all.\n\n::: for legal\nOnly legal.\n:::\n::::\n",
        ["modules/intro.md:21: error: '::: for' inside '::: tip' would be shown to every learner; put "
         "the '::: tip' inside the role block instead [block-misplaced]"],
    ),
    "no sections": (
        MODULE.split("## The first idea")[0],
        ["modules/intro.md:9: error: the module has no text; start each section with a '## ' heading "
         "[no-sections]"],
    ),
}


@pytest.mark.parametrize("text, expected", MODULE_CASES.values(), ids=MODULE_CASES.keys())
def test_module_rules(write_tree: TreeWriter, text: str, expected: list[str]) -> None:
    assert problems(write_tree, {"modules/intro.md": text}) == expected


def test_every_problem_is_reported_not_only_the_first(write_tree: TreeWriter) -> None:
    found = problems(write_tree, {
        "modules/intro.md": MODULE.replace("title: Introduction", "title: no"),
        "quizzes/intro-quiz.md": QUIZ.replace("- [x] Listen", "- [ ] Listen"),
        "scenarios/first-day.md": SCENARIO.replace("ending=good", "ending=mixed"),
    })
    codes = sorted(line.rsplit("[", 1)[1].rstrip("]") for line in found)
    assert codes == ["fm-coercion", "no-good-ending", "question-no-correct"]
