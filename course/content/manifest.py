"""course.yaml: the course's identity, its roles and competencies, and course-wide defaults."""

from __future__ import annotations

from course.content.common import Parsed, Vocabulary
from course.content.frontmatter import YamlDocument, read_yaml_mapping
from course.content.schema import CourseManifest, DemoMatter, validate_matter
from course.domain.diagnostics import Code, Diagnostic, error, warning
from course.domain.model import CourseInfo, DemoDepartment, DemoLeader, frozen_map

MANIFEST = "course.yaml"


def parse_manifest(text: str, *, source: str = MANIFEST) -> Parsed[CourseInfo]:
    """Parse course.yaml strictly into CourseInfo, or None with the reasons."""
    document, problems = read_yaml_mapping(text, path=source)
    if document is None or problems:
        return Parsed(None, tuple(problems), dict(document.lines) if document else {})
    manifest, problems = validate_matter(CourseManifest, document, path=source, line=1)
    if manifest is None:
        return Parsed(None, tuple(problems), dict(document.lines))
    demo = manifest.demo
    problems = _demo_problems(demo, roles=set(manifest.roles), document=document, source=source)
    if problems:
        return Parsed(None, tuple(problems), dict(document.lines))
    info = CourseInfo(
        id=manifest.id,
        title=manifest.title,
        version=manifest.version,
        roles=frozen_map(manifest.roles),
        competencies=frozen_map(manifest.competencies),
        pass_mark=manifest.pass_mark,
        demo_departments=tuple(
            DemoDepartment(d.name, d.share, tuple(d.tracks), d.skill / 100) for d in demo.departments
        ) if demo else (),
        demo_leader=DemoLeader(demo.leader.department, tuple(demo.leader.tracks))
        if demo and demo.leader else None,
    )
    moved = (
        ()
        if manifest.min_group_size is None
        else (
            warning(source, document.line_of("min_group_size"), Code.SETTING_MOVED,
                    "'min_group_size' is ignored: the minimum group is an organisation setting now, "
                    "changed by an administrator on the Privacy settings page; remove the key"),
        )
    )
    return Parsed(info, moved, dict(document.lines))


def _demo_problems(
    demo: DemoMatter | None, *, roles: set[str], document: YamlDocument, source: str
) -> list[Diagnostic]:
    """Check that the demo organisation's tracks are declared roles and its names are unique."""
    if demo is None:
        return []
    problems = []
    seen: dict[str, int] = {}
    for index, department in enumerate(demo.departments):
        line = document.line_of("demo", "departments", index, "name")
        if department.name in seen:
            problems.append(error(source, line, Code.FM_TYPE,
                                  f"demo department '{department.name}' is listed twice "
                                  f"(first on line {seen[department.name]})"))
        seen.setdefault(department.name, line)
        problems += _unknown_tracks(department.tracks, roles=roles, source=source,
                                    line=document.line_of("demo", "departments", index, "tracks"))
    if demo.leader is not None:
        problems += _unknown_tracks(demo.leader.tracks, roles=roles, source=source,
                                    line=document.line_of("demo", "leader", "tracks"))
    return problems


def _unknown_tracks(tracks: list[str], *, roles: set[str], source: str, line: int) -> list[Diagnostic]:
    return [error(source, line, Code.UNKNOWN_ROLE,
                  f"demo track '{track}' is not a role declared under 'roles'")
            for track in tracks if track not in roles]


def vocabulary_of(info: CourseInfo) -> Vocabulary:
    """Return the role and competency ids the course declares."""
    return Vocabulary(frozenset(info.roles), frozenset(info.competencies))
