"""A learner meets a law note's date and place on the module page, and downloads its job aid."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from course.domain.permissions import Page
from tests.conftest import TreeWriter
from tests.content.test_aids_and_law_notes import AID, LAW_MODULE
from tests.ui.conftest import AppFactory
from tests.ui.hostile_text import seen
from tests.ui.test_learner_pages import _open


def _downloads(at: AppTest) -> list[Any]:
    return [element for element in at.get("download_button")]


def _labels(at: AppTest) -> list[str]:
    return [seen(element.proto.label) for element in _downloads(at)]


def test_the_module_page_shows_the_law_note_and_the_aid_download(app: AppFactory,
                                                                   write_tree: TreeWriter) -> None:
    content = write_tree({"modules/intro.md": LAW_MODULE, "aids/first-hour.md": AID})
    at = _open(app(as_demo="legal.learner", content=content), Page.MODULE, "intro")
    notes = [seen(info.value) for info in at.info]
    assert "Law as of 31 March 2026, for US/UK; ask counsel where you operate." in notes
    assert _labels(at) == ["Download “The first hour” (PDF, one page)"]
    assert "Job aids to print" in [seen(h.value) for h in at.subheader]
    assert any("What to do first" in seen(c.value) for c in at.caption)


def test_a_module_without_law_or_aids_shows_neither(app: AppFactory, write_tree: TreeWriter) -> None:
    at = _open(app(as_demo="legal.learner", content=write_tree()), Page.MODULE, "intro")
    assert not any("Law as of" in seen(info.value) for info in at.info)
    assert _downloads(at) == []


def test_the_home_page_lists_every_aid_of_the_path(app: AppFactory, write_tree: TreeWriter) -> None:
    content = write_tree({"modules/intro.md": LAW_MODULE, "aids/first-hour.md": AID})
    at = _open(app(as_demo="legal.learner", content=content), Page.HOME)
    assert "Job aids for your path" in [seen(h.value) for h in at.header]
    assert _labels(at) == ["Download “The first hour” (PDF, one page)"]
    assert any(seen(c.value) == "Used in: Introduction" for c in at.caption)
