"""Demo people of the bundled course and of the small test course, for tests that sign in as them.

Demo people follow the course being served (a learner per role), so a test signs in as the
people of the course its app runs.
"""

from __future__ import annotations

from course.content.manifest import MANIFEST, parse_manifest
from course.domain.model import CourseInfo
from course.services.demo import DemoPerson, demo_people
from course.settings import BUNDLED_ROOT
from tests.conftest import MANIFEST as TEST_MANIFEST


def _info(text: str) -> CourseInfo:
    info = parse_manifest(text).item
    assert info is not None, "the course.yaml does not parse"
    return info


BUNDLED_INFO = _info((BUNDLED_ROOT / MANIFEST).read_text(encoding="utf-8"))
BUNDLED_DEMO_PEOPLE: tuple[DemoPerson, ...] = demo_people(BUNDLED_INFO)
#: The demo people of the course `write_tree()` writes (tests/conftest.py).
TEST_COURSE_INFO = _info(TEST_MANIFEST)
TEST_COURSE_DEMO_PEOPLE: tuple[DemoPerson, ...] = demo_people(TEST_COURSE_INFO)
