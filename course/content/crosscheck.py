"""Checks across the whole course once every file is read: ids, links, prerequisites, coverage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import date

from course.content.common import Parsed
from course.content.graphs import Cycle, find_cycles
from course.content.suggest import did_you_mean
from course.domain.diagnostics import Code, Diagnostic, error, has_errors, warning
from course.domain.law import review_overdue
from course.domain.model import ALL_ROLES, Aid, CourseInfo, Module, Quiz, Scenario

Item = Module | Quiz | Scenario


@dataclass(frozen=True, slots=True)
class Checked:
    """The items that survive the cross-checks, keyed by id, with the problems found."""

    modules: dict[str, Module]
    quizzes: dict[str, Quiz]
    scenarios: dict[str, Scenario]
    diagnostics: list[Diagnostic]
    aids: dict[str, Aid] = field(default_factory=dict)


def _unique(parsed: Sequence[Parsed[Item]], problems: list[Diagnostic]) -> dict[str, Parsed[Item]]:
    """Keep the first file for each id (files are in sorted path order); report the others."""
    first: dict[str, Parsed[Item]] = {}
    for result in parsed:
        item = result.item
        if item is None:
            continue
        previous = first.get(item.meta.id)
        if previous is not None and previous.item is not None:
            problems.append(error(item.meta.source, result.lines.get("id", 1), Code.ID_DUPLICATE,
                                  f"id '{item.meta.id}' is already used by {previous.item.meta.source}"))
            continue
        first[item.meta.id] = result
    return first


def _links(module: Module, lines: Mapping[str, int], quizzes: Mapping[str, Quiz],
           scenarios: Mapping[str, Scenario], declared: set[str],
           problems: list[Diagnostic]) -> Module:
    """Drop and report a module's links to a quiz or scenario that does not exist."""
    quiz, scenario = module.quiz, module.scenario
    source = module.meta.source
    if quiz is not None and quiz not in quizzes:
        if quiz not in declared:
            problems.append(error(source, lines.get("quiz", 1), Code.UNKNOWN_QUIZ,
                                  f"quiz '{quiz}' does not exist{did_you_mean(quiz, quizzes)}"))
        quiz = None
    if scenario is not None and scenario not in scenarios:
        if scenario not in declared:
            problems.append(error(source, lines.get("scenario", 1), Code.UNKNOWN_SCENARIO,
                                  f"scenario '{scenario}' does not exist"
                                  f"{did_you_mean(scenario, scenarios)}"))
        scenario = None
    return replace(module, quiz=quiz, scenario=scenario)


def _sections(modules: Mapping[str, Module], quizzes: Mapping[str, Quiz]) -> list[Diagnostic]:
    """Report quiz questions whose `section` names no section of the module that links the quiz."""
    teaching: dict[str, Module] = {}
    for linking in modules.values():
        if linking.quiz is not None:
            teaching.setdefault(linking.quiz, linking)
    problems = []
    for quiz_id, quiz in quizzes.items():
        module = teaching.get(quiz_id)
        for question in quiz.questions:
            if not question.section:
                continue
            if module is None:
                problems.append(warning(quiz.meta.source, question.line, Code.UNKNOWN_SECTION,
                                        f"question '{question.id}' names section '{question.section}', "
                                        f"but no module links quiz '{quiz_id}'; add 'quiz: {quiz_id}' "
                                        "to the module that teaches it"))
            elif module.find_section(question.section) is None:
                known = [s.id for s in module.sections]
                problems.append(error(quiz.meta.source, question.line, Code.UNKNOWN_SECTION,
                                      f"question '{question.id}' names section '{question.section}', "
                                      f"which module '{module.meta.id}' does not have"
                                      f"{did_you_mean(question.section, known) or _listed(known)}"))
    return problems


def _listed(known: Sequence[str]) -> str:
    return f"; its sections are {', '.join(known)}" if known else ""


def _cycle_message(cycle: Cycle) -> str:
    """Describe a circle of prerequisites, and how many items its tangle holds."""
    message = f"prerequisites go round in a circle: {' -> '.join(cycle.path)}"
    others = len(cycle.members) - len(cycle.path) + 1
    if others > 0:
        message += (f" ({others} more item(s) are tangled with these; remove requires until "
                    "no circle is left)")
    return message


def _requires(items: dict[str, Parsed[Item]], declared: set[str],
              problems: list[Diagnostic]) -> dict[str, tuple[str, ...]]:
    """Check every `requires`, then break and report cycles; return the usable prerequisites."""
    usable: dict[str, tuple[str, ...]] = {}
    for item_id, result in items.items():
        assert result.item is not None
        kept = []
        for needed in result.item.meta.requires:
            if needed in items:
                kept.append(needed)
            elif needed not in declared:
                problems.append(error(result.item.meta.source, result.lines.get("requires", 1),
                                      Code.UNKNOWN_REQUIRES, f"requires '{needed}', which does not exist"
                                      f"{did_you_mean(needed, items)}"))
        usable[item_id] = tuple(kept)
    for cycle in find_cycles(usable):
        first = items[cycle.path[0]]
        assert first.item is not None
        problems.append(error(first.item.meta.source, first.lines.get("requires", 1),
                              Code.REQUIRES_CYCLE, _cycle_message(cycle)))
        for member in cycle.members:
            usable[member] = tuple(n for n in usable[member] if n not in cycle.members)
    return usable


def _coverage(info: CourseInfo, modules: Mapping[str, Module], quizzes: Mapping[str, Quiz],
              scenarios: Mapping[str, Scenario], lines: Mapping[str, int]) -> list[Diagnostic]:
    """Warn about roles without modules and competencies that nothing assesses."""
    problems = []
    covered = {r for m in modules.values() for r in m.meta.roles}
    for role in info.roles:
        if role not in covered and ALL_ROLES not in covered:
            problems.append(warning("course.yaml", lines.get(f"roles.{role}", 1),
                                    Code.ROLE_WITHOUT_MODULE, f"no module is written for role '{role}'"))
    assessed = {q.competency for quiz in quizzes.values() for q in quiz.scored_questions}
    assessed |= {c for s in scenarios.values() for c in s.meta.competencies}
    for competency in info.competencies:
        if competency not in assessed:
            problems.append(warning("course.yaml", lines.get(f"competencies.{competency}", 1),
                                    Code.COMPETENCY_UNASSESSED,
                                    f"no quiz question or scenario assesses competency '{competency}'"))
    return problems


def _unique_aids(parsed: Sequence[Parsed[Aid]], problems: list[Diagnostic]) -> dict[str, Parsed[Aid]]:
    """Keep the first job aid for each id (in path order); report the others."""
    first: dict[str, Parsed[Aid]] = {}
    for result in parsed:
        aid = result.item
        if aid is None:
            continue
        previous = first.get(aid.id)
        if previous is not None and previous.item is not None:
            problems.append(error(aid.source, result.lines.get("id", 1), Code.ID_DUPLICATE,
                                  f"job aid id '{aid.id}' is already used by {previous.item.source}"))
            continue
        first[aid.id] = result
    return first


def _aid_links(module: Module, lines: Mapping[str, int], aids: Mapping[str, Parsed[Aid]],
               declared: Set[str], problems: list[Diagnostic]) -> Module:
    """Drop and report a module's links to job aids that do not exist."""
    kept = []
    for aid_id in module.aids:
        if aid_id in aids:
            kept.append(aid_id)
        elif aid_id not in declared:
            problems.append(error(module.meta.source, lines.get("aids", 1), Code.UNKNOWN_AID,
                                  f"job aid '{aid_id}' does not exist (aids/ holds "
                                  f"{', '.join(sorted(aids)) or 'none'}){did_you_mean(aid_id, aids)}"))
    return replace(module, aids=tuple(kept)) if len(kept) != len(module.aids) else module


def _unused_aids(aids: Mapping[str, Parsed[Aid]], modules: Mapping[str, Module]) -> list[Diagnostic]:
    """Warn about job aids no module links: no learner would find them on a module page."""
    used = {aid_id for module in modules.values() for aid_id in module.aids}
    return [warning(result.item.source, result.lines.get("id", 1), Code.AID_UNUSED,
                    f"no module links job aid '{aid_id}'; add it to a module's 'aids:' list")
            for aid_id, result in aids.items() if result.item is not None and aid_id not in used]


def check_reviews(dated: Sequence[tuple[str, date | None, Mapping[str, int]]],
                  today: date) -> list[Diagnostic]:
    """Warn about each (source, reviewed date, front-matter lines) whose review is over a year old."""
    return [warning(source, lines.get("reviewed", 1), Code.REVIEW_OVERDUE,
                    f"last reviewed on {reviewed.isoformat()}, more than a year before {today.isoformat()}; "
                    "check what it says still holds, then update 'reviewed:'")
            for source, reviewed, lines in dated
            if reviewed is not None and review_overdue(reviewed, today)]


def check_course(info: CourseInfo, manifest_lines: Mapping[str, int],
                 parsed: Sequence[Parsed[Item]], declared: set[str], *, complete: bool,
                 aids: Sequence[Parsed[Aid]] = (), declared_aids: Set[str] = frozenset(),
                 today: date | None = None) -> Checked:
    """Cross-check every parsed item; `declared` holds ids of files that failed to parse.

    Coverage (roles without modules, competencies nothing assesses) is judged only when
    `complete`, that is when every file parsed: a broken file's coverage is unknown. Review
    dates are judged against `today` when it is given.
    """
    problems: list[Diagnostic] = []
    items = _unique(parsed, problems)
    unique_aids = _unique_aids(aids, problems)
    requires = _requires(items, declared, problems)
    quizzes = {i: r.item for i, r in items.items() if isinstance(r.item, Quiz)}
    scenarios = {i: r.item for i, r in items.items() if isinstance(r.item, Scenario)}
    modules = {}
    for item_id, result in items.items():
        if isinstance(result.item, Module):
            module = _links(result.item, result.lines, quizzes, scenarios, declared, problems)
            module = _aid_links(module, result.lines, unique_aids, declared_aids, problems)
            modules[item_id] = replace(module, meta=replace(module.meta, requires=requires[item_id]))
    quizzes = {i: replace(q, meta=replace(q.meta, requires=requires[i])) for i, q in quizzes.items()}
    problems += _sections(modules, quizzes)
    scenarios = {i: replace(s, meta=replace(s.meta, requires=requires[i])) for i, s in scenarios.items()}
    if complete and not has_errors(problems):
        problems += _coverage(info, modules, quizzes, scenarios, manifest_lines)
        problems += _unused_aids(unique_aids, modules)
    if today is not None:
        dated = [(r.item.meta.source, r.item.meta.reviewed, r.lines) for r in items.values() if r.item]
        dated += [(r.item.source, r.item.reviewed, r.lines) for r in unique_aids.values() if r.item]
        problems += check_reviews(dated, today)
    kept_aids = {i: r.item for i, r in unique_aids.items() if r.item is not None}
    return Checked(modules, quizzes, scenarios, problems, kept_aids)
