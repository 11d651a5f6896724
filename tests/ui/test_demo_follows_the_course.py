"""The sign-in page's demo buttons follow the course being served, even after it changes."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from course.content.manifest import parse_manifest
from course.services import demo
from tests.conftest import MANIFEST, TreeWriter
from tests.ui.conftest import AppFactory
from tests.ui.hostile_text import seen

HOSPITAL = Path(__file__).resolve().parents[1] / "fixtures" / "hospital"


def _demo_keys(at: AppTest) -> list[str]:
    return [str(b.key) for b in at.button if (b.key or "").startswith("demo-")]


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_the_buttons_are_the_served_course_s_own_people(app: AppFactory) -> None:
    at = app(content=HOSPITAL)
    assert sorted(_demo_keys(at)) == ["demo-admin", "demo-board.learner", "demo-clinical-lead.learner",
                                      "demo-communications.learner", "demo-leader", "demo-trainer"]
    labels = [b.label for b in at.button if (b.key or "").startswith("demo-")]
    assert "Demo: Learner on the Press and communications office track" in labels
    at.button(key="demo-clinical-lead.learner").click().run()
    assert not at.exception, at.exception
    assert _titles(at) == ["Welcome, Clinical leads learner (demo)"]


def test_a_role_added_while_the_app_runs_gets_a_learner_who_can_sign_in(
    app: AppFactory, write_tree: TreeWriter
) -> None:
    content = write_tree()
    at = app(content=content)
    assert "demo-finance.learner" not in _demo_keys(at)
    manifest = MANIFEST.replace("roles:\n", "roles:\n  finance: Finance team\n")
    assert parse_manifest(manifest).item is not None
    (content / "course.yaml").write_text(manifest, encoding="utf-8")
    at.run()
    assert "demo-finance.learner" in _demo_keys(at)
    at.button(key="demo-finance.learner").click().run()
    assert not at.exception, at.exception
    assert _titles(at) == ["Welcome, Finance team learner (demo)"]
    assert [seen(c.value.replace("`", "")) for c in at.sidebar.caption] == [
        f"Signed in as finance.learner@{demo.DEMO_DOMAIN}"]
