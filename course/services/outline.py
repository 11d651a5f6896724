"""The course outline: every module, quiz and scenario with roles, competencies and objectives.

docs/course-outline.md is this function's output for the bundled course; a test keeps the two
identical, so regenerate it with `python -m course outline > docs/course-outline.md`.
"""

from __future__ import annotations

from collections import Counter

from course.domain.law import law_note
from course.domain.model import ALL_ROLES, Aid, Course, Module, Quiz, Scenario
from course.domain.paths import coverage, path_for

SCORE_NOTE = """\
## How competencies feed the literacy score

Every quiz question carries one competency, and every scenario counts towards each competency it
lists. A learner's score for a competency rests on that evidence only: the share of questions
answered correctly, and the scores of finished scenario runs (the sum of decision scores along
the path taken over the best sum the scenario allows). Dashboards aggregate those scores by
department, track and organisation; the scoring model itself is described in docs/scoring.md.
"""


def _roles(course: Course, roles: tuple[str, ...]) -> str:
    if ALL_ROLES in roles:
        return "everyone"
    return ", ".join(course.info.roles.get(r, r) for r in roles)


def _competencies(course: Course, competencies: tuple[str, ...] | list[str]) -> str:
    return "; ".join(course.info.competencies.get(c, c) for c in competencies)


def _module(course: Course, module: Module) -> list[str]:
    meta = module.meta
    lines = [f"#### {meta.title} (`{meta.id}`)", "",
             f"- For: {_roles(course, meta.roles)}; about {meta.minutes} minutes; "
             f"{len(module.sections)} sections",
             f"- Competencies: {_competencies(course, meta.competencies)}"]
    if meta.requires:
        lines.append(f"- Requires: {', '.join(f'`{r}`' for r in meta.requires)}")
    if module.quiz:
        lines.append(f"- Quiz: `{module.quiz}`")
    if module.scenario:
        lines.append(f"- Scenario: `{module.scenario}`")
    if module.aids:
        lines.append(f"- Job aids: {', '.join(f'`{a}`' for a in module.aids)}")
    if meta.jurisdiction:
        lines.append(f"- Law note: {law_note(meta.jurisdiction, meta.reviewed)}")
    lines += ["- Objectives:", *(f"  - {o}" for o in meta.objectives), ""]
    return lines


def _quiz(course: Course, quiz: Quiz) -> list[str]:
    counts = Counter(q.competency for q in quiz.scored_questions)
    spread = ", ".join(f"{course.info.competencies.get(c, c)} {n}" for c, n in sorted(counts.items()))
    drawn = quiz.pick or len(quiz.scored_questions)
    return [f"| `{quiz.meta.id}` | {_roles(course, quiz.meta.roles)} | {len(quiz.scored_questions)} "
            f"({drawn} per attempt) | {spread} | {quiz.pass_mark}% |"]


def _scenario(course: Course, scenario: Scenario) -> list[str]:
    meta = scenario.meta
    endings = Counter(str(n.ending) for n in scenario.nodes.values() if n.ending is not None)
    conditional = sum(c.when is not None for n in scenario.nodes.values() for c in n.choices)
    lines = [f"### {meta.title} (`{meta.id}`)", "",
             f"- For: {_roles(course, meta.roles)}; about {meta.minutes} minutes",
             f"- Competencies: {_competencies(course, meta.competencies)}",
             f"- {len(scenario.nodes)} moments; endings: "
             + ", ".join(f"{n} {k}" for k, n in sorted(endings.items()))
             + f"; meters: {', '.join(m.label for m in scenario.meters.values())}; "
             f"{conditional} choices that depend on earlier decisions",
             "- Objectives:", *(f"  - {o}" for o in meta.objectives), ""]
    return lines


def _aid(course: Course, aid: Aid) -> str:
    users = ", ".join(f"`{m.meta.id}`" for m in course.modules.values() if aid.id in m.aids)
    return f"| `{aid.id}` | {aid.title} | {aid.summary} | {users} |"


def render_outline(course: Course) -> str:
    """Return the outline of a course as Markdown."""
    out = [f"# Course outline: {course.info.title}", "",
           f"Version {course.info.version}: {len(course.modules)} modules, {len(course.quizzes)} "
           f"quizzes with {sum(len(q.scored_questions) for q in course.quizzes.values())} questions, "
           f"{len(course.scenarios)} branching scenarios. Generated from the course files by "
           "`python -m course outline`.", "", "## Modules by path", ""]
    foundation = [m for m in path_for(course, set()) if ALL_ROLES in m.meta.roles]
    out += ["### Foundations (every learner)", ""]
    for module in foundation:
        out += _module(course, module)
    for role, label in course.info.roles.items():
        out += [f"### {label} track", ""]
        for module in path_for(course, {role}):
            if ALL_ROLES not in module.meta.roles:
                out += _module(course, module)
    out += ["## Quizzes", "", "| Quiz | For | Questions | Questions per competency | Pass mark |",
            "|---|---|---|---|---|"]
    for quiz in sorted(course.quizzes.values(), key=lambda q: q.meta.id):
        out += _quiz(course, quiz)
    out += ["", "## Scenarios", ""]
    for scenario in sorted(course.scenarios.values(), key=lambda s: s.meta.id):
        out += _scenario(course, scenario)
    if course.aids:
        out += ["## Job aids", "",
                "One-page sheets learners download as PDF from the modules that link them.", "",
                "| Job aid | Title | Summary | Linked from |", "|---|---|---|---|"]
        out += [_aid(course, aid) for aid in course.aids.values()]
        out.append("")
    out += ["## What assesses each competency", "", "| Competency | Quiz questions | Scenarios |",
            "|---|---|---|"]
    for competency, counts in coverage(course).items():
        out.append(f"| {course.info.competencies.get(competency, competency)} | {counts['questions']} "
                   f"| {counts['scenarios']} |")
    out += ["", SCORE_NOTE]
    return "\n".join(out).rstrip() + "\n"
