"""The documentation keeps up with the code: every key, code and setting is explained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course.content.schema import CourseManifest, MeterMatter, ModuleMatter, QuizMatter, ScenarioMatter
from course.domain.diagnostics import Code

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _authoring() -> str:
    return (DOCS / "authoring.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_every_diagnostic_code_is_documented(code: Code) -> None:
    assert f"`{code}`" in _authoring()


KEYS = sorted({key for model in (CourseManifest, ModuleMatter, QuizMatter, ScenarioMatter, MeterMatter)
               for key in model.model_fields})


@pytest.mark.parametrize("key", KEYS)
def test_every_front_matter_key_is_documented(key: str) -> None:
    assert f"`{key}`" in _authoring()


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_every_diagnostic_code_has_the_anchor_reports_link_to(code: Code) -> None:
    assert f'<a id="code-{code}"></a>`{code}`' in _authoring()


#: A Markdown image: its alt text and its address.
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
#: A line opening or closing a fenced code block (whose examples are not pictures the guide shows).
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
#: Code inside a line, such as `![x](...)`.
_INLINE_CODE = re.compile(r"`[^`]*`")
#: The largest picture a guide may carry (the screenshot script keeps each under 250 KB).
MAX_IMAGE_BYTES = 300_000


def _prose(text: str) -> str:
    """Return the lines of a guide outside its code: fenced blocks and inline code left out."""
    kept, fence = [], ""
    for line in text.splitlines():
        marker = _FENCE.match(line)
        if marker and not fence:
            fence = marker.group(1)
        elif marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
            fence = ""
        elif not fence:
            kept.append(_INLINE_CODE.sub("", line))
    return "\n".join(kept)


def _images() -> list[tuple[str, str, str]]:
    return [(page.name, alt, address) for page in sorted(DOCS.glob("*.md"))
            for alt, address in _IMAGE.findall(_prose(page.read_text(encoding="utf-8")))]


def test_every_picture_a_guide_shows_exists_is_described_and_small() -> None:
    found = _images()
    assert any(address == "img/learner-home.png" for _, _, address in found)
    problems = []
    for page, alt, address in found:
        if address.startswith(("http://", "https://")):
            problems.append(f"{page}: {address} is fetched from elsewhere")
            continue
        path = DOCS / address
        if not path.is_file():
            problems.append(f"{page}: {address} does not exist")
        elif path.stat().st_size > MAX_IMAGE_BYTES:
            problems.append(f"{page}: {address} is {path.stat().st_size // 1000} KB")
        if len(alt.split()) < 3:
            problems.append(f"{page}: {address} has no useful alt text ({alt!r})")
    assert not problems, "\n".join(problems)
