"""The search and glossary page: results lead to the section found, and the glossary is listed."""

from __future__ import annotations

from urllib.parse import parse_qs

from course.content.loader import load_course
from course.domain.permissions import Page
from course.settings import BUNDLED_ROOT
from course.ui import state
from course.ui.links import PAGES
from tests.ui.conftest import AppFactory
from tests.ui.hostile_text import seen


def test_a_learner_searches_opens_the_section_found_and_reads_the_glossary(app: AppFactory) -> None:
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    at = app(as_demo="legal.learner")
    at.switch_page(PAGES[Page.SEARCH].script).run()
    assert not at.exception, at.exception
    assert [seen(t.value) for t in at.title] == ["Search and glossary"]
    assert [seen(h.value) for h in at.header] == ["Glossary"]
    glossary = "".join(str(h.value) for h in at.get("html"))
    assert all(f"<strong>{entry.term}</strong>" in glossary for entry in course.glossary)

    at.text_input(key=state.SEARCH_QUERY.slot()).input("pushing content engagement").run()
    assert not at.exception, at.exception
    headers = [seen(h.value) for h in at.header]
    assert headers[1] == "Glossary" and headers[0].endswith(("result", "results"))
    links = [(seen(p.value), p.proto.query_string) for p in at.page_link]
    section_links = [(label, query) for label, query in links if label.startswith("Section: ")]
    assert section_links, links
    label, query = section_links[0]
    params = {key: values[0] for key, values in parse_qs(query).items()}
    module = course.modules[params["id"]]
    section = module.sections[int(params["section"])]
    assert label == f"Section: {section.title} (in {module.meta.title})"

    at.switch_page(PAGES[Page.MODULE].script)
    at.query_params.clear()
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    assert [seen(h.value) for h in at.header] == [section.title]
    assert "section" not in at.query_params  # read once: moving on is not pulled back to it


def test_a_hostile_query_finds_nothing_and_is_not_shown_as_markup(app: AppFactory) -> None:
    at = app(as_demo="hr.learner")
    at.switch_page(PAGES[Page.SEARCH].script).run()
    at.text_input(key=state.SEARCH_QUERY.slot()).input("![x](https://evil.example/p.png) <b>").run()
    assert not at.exception, at.exception
    assert [seen(h.value) for h in at.header] == ["0 results", "Glossary"]
    shown = [str(m.value) for m in at.markdown] + [str(c.value) for c in at.caption]
    assert not [text for text in shown if "evil.example" in text]
