"""course.yaml: the course's identity, its roles and competencies, and course-wide defaults."""

from __future__ import annotations

from course.content.common import Parsed, Vocabulary
from course.content.frontmatter import read_yaml_mapping
from course.content.schema import CourseManifest, validate_matter
from course.domain.diagnostics import Code, warning
from course.domain.model import CourseInfo, frozen_map

MANIFEST = "course.yaml"


def parse_manifest(text: str, *, source: str = MANIFEST) -> Parsed[CourseInfo]:
    """Parse course.yaml strictly into CourseInfo, or None with the reasons."""
    document, problems = read_yaml_mapping(text, path=source)
    if document is None or problems:
        return Parsed(None, tuple(problems), dict(document.lines) if document else {})
    manifest, problems = validate_matter(CourseManifest, document, path=source, line=1)
    if manifest is None:
        return Parsed(None, tuple(problems), dict(document.lines))
    info = CourseInfo(
        id=manifest.id,
        title=manifest.title,
        version=manifest.version,
        roles=frozen_map(manifest.roles),
        competencies=frozen_map(manifest.competencies),
        pass_mark=manifest.pass_mark,
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


def vocabulary_of(info: CourseInfo) -> Vocabulary:
    """Return the role and competency ids the course declares."""
    return Vocabulary(frozenset(info.roles), frozenset(info.competencies))
