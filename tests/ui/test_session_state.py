"""Session state goes through course/ui/state.py: declared keys, owners, lifetimes, clean-up."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from course.domain.model import Course
from course.domain.permissions import Page
from course.ui import state
from tests.ui.conftest import AppFactory
from tests.ui.test_learner_pages import (
    LEARNER,
    QUIZ,
    SCENARIO,
    _answer_all,
    _click,
    _open,
    _play_to_an_ending,
    course,
)

__all__ = ["course"]

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "course" / "ui"


def _keys(at: AppTest) -> list[str]:
    return list(at.session_state.keys())  # AppTest's session state is not iterable


def _ours(at: AppTest, key: state.Key) -> list[str]:
    return [k for k in _keys(at) if k == key.name or k.startswith(key.name + ":")]


def test_no_module_in_the_ui_touches_session_state_but_the_state_module() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(UI.rglob("*.py"))
        if path != UI / "state.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "session_state" in line
    ]
    assert found == []


def test_every_key_is_declared_once_and_used_by_the_owner_it_names() -> None:
    names = [key.name for key in state.KEYS]
    assert len(names) == len(set(names))
    assert all(key.holds and key.scope in state.Scope for key in state.KEYS)
    declared = {value: name for name, value in vars(state).items() if isinstance(value, state.Key)}
    assert set(declared) == set(state.KEYS), "declare every key in KEYS"
    for key, constant in declared.items():
        owner = (ROOT / key.owner).read_text(encoding="utf-8")
        assert re.search(rf"\.{constant}\b", owner), f"{key.owner} does not use {constant}"
    # Slots of one key never collide with another key's.
    assert not any(a != b and a.startswith(b + ":") for a in names for b in names)


def _two_attempts() -> None:
    import streamlit as st

    from course.ui import state as kept

    kept.put(kept.QUESTION_SHOWN, "attempt-a", "q1", value=1.0)
    kept.put(kept.QUESTION_SHOWN, "attempt-a", "q2", value=2.0)
    kept.put(kept.QUESTION_SHOWN, "attempt-ab", "q1", value=3.0)  # shares a prefix, not the id
    kept.put(kept.NODE_SHOWN, "attempt-a", 0, value=4.0)
    kept.put(kept.QUIZ_RESULT, "attempt-a", value="a result for the quiz named like the attempt")
    kept.put(kept.SESSION_TOKEN, value="token")

    if st.button("end", key="end"):
        kept.end_attempt("attempt-a")
    if st.button("clear", key="clear"):
        kept.clear_person()


def test_ending_an_attempt_drops_exactly_its_per_attempt_values() -> None:
    at = AppTest.from_function(_two_attempts)
    at.run()
    at.button(key="end").click().run()
    assert not at.exception
    assert _ours(at, state.QUESTION_SHOWN) == ["nts_asked:attempt-ab:q1"]
    assert _ours(at, state.NODE_SHOWN) == []
    assert _ours(at, state.QUIZ_RESULT) == ["nts_result:attempt-a"]  # a person's value, kept
    assert _ours(at, state.SESSION_TOKEN) == ["nts_token"]


def test_clearing_the_person_drops_everything_widget_values_included() -> None:
    at = AppTest.from_function(_two_attempts)
    at.run()
    at.button(key="clear").click()
    at.run()
    assert not at.exception
    remaining = set(_keys(at))
    assert not {k for k in remaining if k.startswith("nts_")}, remaining


def test_a_submitted_quiz_leaves_no_per_question_state(app: AppFactory, course: Course) -> None:
    at = app(as_demo=LEARNER)
    _open(at, Page.QUIZ, QUIZ)
    _answer_all(at, course.quizzes[QUIZ], right=True)
    assert len(_ours(at, state.QUESTION_SHOWN)) == course.quizzes[QUIZ].pick
    _click(at, "Submit the attempt")
    assert _ours(at, state.QUESTION_SHOWN) == []
    assert _ours(at, state.QUIZ_RESULT) == [state.QUIZ_RESULT.slot(QUIZ)]


def test_a_finished_run_leaves_no_per_step_state(app: AppFactory) -> None:
    at = app(as_demo=LEARNER)
    _open(at, Page.SCENARIO, SCENARIO)
    _click(at, "Start the scenario")
    assert _play_to_an_ending(at) > 0
    assert _ours(at, state.NODE_SHOWN) == []
    assert _ours(at, state.SCENARIO_DONE) == [state.SCENARIO_DONE.slot(SCENARIO)]


def test_signing_out_forgets_everything_of_the_person(app: AppFactory, course: Course) -> None:
    at = app(as_demo=LEARNER)
    _open(at, Page.QUIZ, QUIZ)
    _answer_all(at, course.quizzes[QUIZ], right=True)
    assert _ours(at, state.QUESTION_SHOWN) and _ours(at, state.SESSION_TOKEN)
    [sign_out] = [b for b in at.sidebar.button if b.label == "Sign out"]
    sign_out.click().run()
    assert not at.exception
    personal = [key for key in state.KEYS if key.scope in (state.Scope.PERSON, state.Scope.ATTEMPT)]
    assert [k for key in personal for k in _ours(at, key)] == []
