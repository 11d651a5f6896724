"""Fixtures shared by every layer's tests: tiny content trees written to a temporary folder."""

from __future__ import annotations

import logging
import os
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.databases import postgres_session_url, postgres_url, sqlite_template


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Iterator[None]:
    """Give the root logger back as it was: a test that starts the app configures the logs."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


__all__ = ["chromium_path", "postgres_session_url", "postgres_url", "sqlite_template", "write_tree"]

MANIFEST = """\
id: test-course
title: Test course
version: 1.0.0
roles:
  legal: Legal
  hr: HR
competencies:
  crisis: Crisis response
  listening: Listening
"""

MODULE = """\
---
id: intro
title: Introduction
roles: [all]
competencies: [crisis]
quiz: intro-quiz
scenario: first-day
---

## The first idea

Some text.

::: key
The one thing to remember.
:::
"""

QUIZ = """\
---
id: intro-quiz
title: Introduction check
roles: [all]
competencies: [crisis, listening]
---

{#q-one competency=crisis}
## What comes first?

- [x] Listen
  > Listening shows you what people already say.
- [ ] Broadcast
  > Broadcasting talks over them.

{#q-two competency=listening}
## Which help? Choose all that apply.

- [x] Alerts
  > Alerts catch spikes.
- [x] Searches
  > Searches find the quiet ones.
- [ ] Guessing
  > Guessing finds nothing.
"""

SCENARIO = """\
---
id: first-day
title: First day
roles: [all]
competencies: [crisis, listening]
meters:
  reputation: {label: Reputation, start: 50, min: 0, max: 100}
---

{#start}
## 09:00 - a complaint

A customer complains.

- [Reply](#good-end){reputation=10 score=2}
  > They thank you.
- [Ignore](#bad-end){reputation=-20 score=0}
  > It spreads.

{#good-end ending=good}
## Resolved

You listened.

{#bad-end ending=bad}
## It spread

You did not listen.
"""

TreeWriter = Callable[..., Path]


def dedent(text: str) -> str:
    """Remove the common indentation of a triple-quoted test file."""
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture
def write_tree(tmp_path: Path) -> TreeWriter:
    """Return a function that writes a content tree; files map paths to text (None deletes).

    By default the tree holds a small valid course (manifest, one module, quiz and scenario);
    pass `base=False` to start empty.
    """

    def write(files: Mapping[str, str | bytes | None] | None = None, *, base: bool = True) -> Path:
        root = tmp_path / "content"
        root.mkdir(exist_ok=True)
        tree: dict[str, str | bytes | None] = {}
        if base:
            tree.update({"course.yaml": MANIFEST, "modules/intro.md": MODULE,
                         "quizzes/intro-quiz.md": QUIZ, "scenarios/first-day.md": SCENARIO})
        tree.update(files or {})
        for relative, content in tree.items():
            path = root / relative
            if content is None:
                path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return write


#: Debian's chromium: the browser tests drive it, and chart PNG export renders with it.
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Return Debian's chromium, or skip when it is missing (fail under NTS_REQUIRE_BROWSER=1, as in CI)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
        if os.environ.get("NTS_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}:
            pytest.fail(f"NTS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM
