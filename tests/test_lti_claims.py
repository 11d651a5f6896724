"""What a verified launch says, read as plain data (on the bundled course): items, roles, hostile claims."""

from __future__ import annotations

import pytest

from course.content.loader import load_course
from course.domain.lti import (
    AGS,
    CUSTOM,
    ROLES,
    SCORE_SCOPE,
    TARGET_LINK,
    ItemRef,
    is_teacher,
    link_choices,
    parse_item_ref,
    plain_claim,
    read_launch,
    score_key,
)
from course.domain.model import Course
from course.settings import BUNDLED_ROOT


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT).course
    assert loaded is not None
    return loaded


def _any(table: object) -> str:
    return next(iter(table))  # type: ignore[call-overload]


def test_item_references_name_only_items_of_the_course(course: Course) -> None:
    quiz, module, scenario = _any(course.quizzes), _any(course.modules), _any(course.scenarios)
    assert parse_item_ref(f"quiz:{quiz}", course) == ItemRef("quiz", quiz)
    assert parse_item_ref(f"module:{module}", course) == ItemRef("module", module)
    assert parse_item_ref("track:legal", course) == ItemRef("track", "legal")
    for bad in (f"module:{quiz}", "quiz:", "quiz", "page:x", "quiz:" + "x" * 500, None, 7,
                f"quiz:{quiz}\n", "track:../../etc"):
        assert parse_item_ref(bad, course) is None, bad
    assert ItemRef("quiz", quiz).page_path() == f"/quiz?id={quiz}"
    assert ItemRef("scenario", scenario).page_path() == f"/scenario?id={scenario}"
    assert ItemRef("track", "legal").page_path() == "/"


def test_the_picker_offers_every_item_once(course: Course) -> None:
    refs = [str(choice.ref) for choice in link_choices(course)]
    assert len(refs) == len(set(refs)) == (len(course.info.roles) + len(course.modules) + len(course.quizzes)
                                          + len(course.scenarios))
    assert refs[0].startswith("track:")


def test_teaching_roles_in_full_or_short_form() -> None:
    assert is_teacher({ROLES: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]})
    assert is_teacher({ROLES: ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]})
    assert is_teacher({ROLES: ["TeachingAssistant"]})
    assert not is_teacher({ROLES: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]})
    assert not is_teacher({ROLES: "Instructor"}) and not is_teacher({})


def test_a_launch_is_read_from_its_claims(course: Course) -> None:
    quiz = _any(course.quizzes)
    claims = {
        "iss": "https://lms.example.org", "sub": "42", "name": "Ada\u0000 \n Lovelace",
        "email": "ada@example.org",
        CUSTOM: {"item": f"quiz:{quiz}", "dept": "Legal\u202e", "tracks": "legal, hr;nosuch"},
        AGS: {"lineitem": "https://lms.example.org/li/1", "scope": [SCORE_SCOPE]},
    }
    facts = read_launch(claims, course, client_id="c", department_claim="dept", tracks_claim="tracks")
    assert (facts.issuer, facts.subject, facts.name, facts.email) == (
        "https://lms.example.org", "42", "Ada Lovelace", "ada@example.org")
    assert facts.item == ItemRef("quiz", quiz) and facts.line_item_url.endswith("/li/1") and facts.can_score
    assert (facts.department, facts.tracks) == ("Legal", ("legal", "hr"))


def test_the_target_link_names_the_item_when_no_custom_parameter_does(course: Course) -> None:
    claims = {"sub": "1", TARGET_LINK: "https://learn.example.org/lti/launch?item=track%3Alegal"}
    facts = read_launch(claims, course, client_id="c", department_claim="d", tracks_claim="t")
    assert facts.item == ItemRef("track", "legal") and not facts.can_score and facts.line_item_url == ""


def test_hostile_claims_are_cut_and_typed(course: Course) -> None:
    claims = {"sub": ["not", "text"], "name": "x" * 100_000, CUSTOM: "not a table",
              AGS: {"lineitem": "https://" + "a" * 2000, "scope": SCORE_SCOPE}}
    facts = read_launch(claims, course, client_id="c", department_claim="d", tracks_claim="t")
    assert facts.subject == "" and len(facts.name) == 200 and facts.item is None
    assert facts.line_item_url == "" and not facts.can_score
    assert plain_claim("\u0007bell\tand\u2028line") == "bell and line"
    assert score_key(3, "k" * 300) == ("3:" + "k" * 300)[:120]
