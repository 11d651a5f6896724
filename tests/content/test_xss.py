"""Hostile content: no author-controlled text reaches the browser as code, and bad files are refused.

Each payload of the corpus goes into every author-controlled field of a tiny course (front
matter, module sections and blocks, quiz stems, context, options, feedback and explanations,
scenario nodes, choices, consequences and debriefs). The course is loaded as the app loads it,
and every rendered HTML field of the resulting Course is parsed with html.parser and checked
against what a browser could execute.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser

import pytest

import course.content.loader as loader
from course.content.loader import MAX_FILE_BYTES, load_course
from course.domain.diagnostics import Code, Diagnostic, Severity
from course.domain.model import Course
from tests.conftest import MANIFEST, MODULE, SCENARIO, TreeWriter

# --- The corpus ----------------------------------------------------------------------------

#: Payloads that fit on one line: they go into every field, headings and labels included.
INLINE_PAYLOADS = [
    # Raw HTML: tags that run script or load active content.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"jav&#x09;ascript:alert(1)\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"data:text/html,<script>alert(1)</script>\">",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<div style=\"width:expression(alert(1))\">x</div>",
    "<details open ontoggle=alert(1)>x</details>",
    "<body onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    # Markdown links and images with dangerous schemes, plain and obfuscated.
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](JaVaScRiPt&#58;alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](java&Tab;script:alert(1))",
    "[click](&#x01;javascript:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](%6Aavascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](VBScript&#58;msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    # Autolinks.
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<https://ok.example/?q=\"><script>alert(1)</script>>",
    # Link titles that try to break out of their attribute.
    "[click](https://ok.example \"x\\\" onmouseover=\\\"alert(1)\")",
    "[click](https://ok.example 'x\" onmouseover=\"alert(1)')",
    "[click](https://ok.example/\"onmouseover=\"alert(1))",
    # attrs-plugin injection.
    "[click](#ok){onclick=\"alert(1)\"}",
    "[click](#ok){#x onmouseover=\"alert(1)\"}",
    "[click](#ok){.c onfocus=\"alert(1)\" autofocus}",
    "[click](#ok){href=\"javascript:alert(1)\"}",
    "[click](#ok){style=\"background:url(javascript:alert(1))\"}",
    "![x](https://ok.example/x.png){onerror=\"alert(1)\"}",
    "![x](https://ok.example/x.png){src=\"javascript:alert(1)\"}",
    "`code`{onclick=\"alert(1)\"}",
    "text {onclick=alert(1)}",
    "text {#x onmouseover=alert(1)}",
]

#: Payloads that need lines of their own: they go into every field that holds blocks, and,
#: joined into one line, into every one-line field too.
BLOCK_PAYLOADS = [
    "[click][evil]\n\n[evil]: javascript:alert(1)",
    "[evil]\n\n[evil]: JaVaScRiPt&#58;alert(1)",
    "[click][t]\n\n[t]: https://ok.example \"x\\\" onmouseover=\\\"alert(1)\"",
    "[click][d]\n\n[d]: data:text/html,<script>alert(1)</script>",
    "{onclick=\"alert(1)\"}\nAn attributed paragraph.",
    "{#x onmouseover=\"alert(1)\" style=\"x:expression(alert(1))\"}\nAn attributed paragraph.",
    "{.c onclick=\"alert(1)\"}\n- an attributed list item",
    "<div>\n<script>alert(1)</script>\n</div>",
    "<!--\n<script>alert(1)</script>\n-->",
    "<![CDATA[\n<script>alert(1)</script>\n]]>",
    "<svg>\n<foreignObject><iframe src=\"javascript:alert(1)\"></iframe></foreignObject>\n</svg>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |",
    "```html {onclick=\"alert(1)\"}\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
]

PAYLOADS = INLINE_PAYLOADS + BLOCK_PAYLOADS


def _one_line(payload: str) -> str:
    return " ".join(line.strip() for line in payload.splitlines() if line.strip())


def _indent(text: str, prefix: str) -> str:
    return "\n".join(f"{prefix}{line}".rstrip() for line in text.splitlines())


def _block(payload: str, marker: str) -> str:
    """Return the text of a block field: a marker paragraph, then the payload as its own blocks."""
    if payload in BLOCK_PAYLOADS:
        return f"{marker} before.\n\n{payload}\n\nAfter."
    return f"{marker} {payload}"


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar


# --- Trees carrying one payload in every field ----------------------------------------------

#: Every rendered field carries a marker word, so the test can prove it walked them all.
MARKERS = {
    "module-intro", "module-body", "module-key", "module-tip", "module-warning",
    "module-example", "module-for", "quiz-intro", "quiz-stem", "quiz-context", "quiz-option",
    "quiz-option-extra", "quiz-feedback", "quiz-explain", "scenario-narrative",
    "scenario-consequence", "scenario-good-debrief", "scenario-bad-debrief",
}


def module_text(payload: str) -> str:
    line = _one_line(payload)
    return f"""\
---
id: intro
title: {_yaml(line)}
summary: {_yaml(line)}
objectives: [{_yaml(line)}]
roles: [all]
competencies: [crisis]
quiz: intro-quiz
scenario: first-day
---

{_block(payload, "module-intro")}

## Section {line}

{_block(payload, "module-body")}

::: key
{_block(payload, "module-key")}
:::

::: tip
{_block(payload, "module-tip")}
:::

::: warning
{_block(payload, "module-warning")}
:::

::: example
{_block(payload, "module-example")}
:::

::: for legal
{_block(payload, "module-for")}
:::
"""


def quiz_text(payload: str) -> str:
    line = _one_line(payload)
    return f"""\
---
id: intro-quiz
title: {_yaml(line)}
summary: {_yaml(line)}
objectives: [{_yaml(line)}]
roles: [all]
competencies: [crisis, listening]
---

{_block(payload, "quiz-intro")}

{{#q-one competency=crisis}}
## quiz-stem {line}

{_block(payload, "quiz-context")}

- [x] quiz-option {line}
  > {_indent(_block(payload, "quiz-feedback"), "  > ").removeprefix("  > ")}
- [ ] Broadcast

{_indent(_block(payload, "quiz-option-extra"), "  ")}

  > Broadcasting talks over them.

::: explain
{_block(payload, "quiz-explain")}
:::
"""


def scenario_text(payload: str, *, label: str = "Reply") -> str:
    line = _one_line(payload)
    return f"""\
---
id: first-day
title: {_yaml(line)}
summary: {_yaml(line)}
objectives: [{_yaml(line)}]
roles: [all]
competencies: [crisis, listening]
meters:
  reputation: {{label: {_yaml(line)}, start: 50, min: 0, max: 100}}
---

{{#start}}
## 09:00 - a complaint {line}

{_block(payload, "scenario-narrative")}

- [{label}](#good-end){{reputation=10 score=2}}
  > {_indent(_block(payload, "scenario-consequence"), "  > ").removeprefix("  > ")}
- [Ignore](#bad-end){{reputation=-20 score=0}}
  > It spreads.

{{#good-end ending=good}}
## Resolved {line}

{_block(payload, "scenario-good-debrief")}

{{#bad-end ending=bad}}
## It spread {line}

{_block(payload, "scenario-bad-debrief")}
"""


def hostile_tree(payload: str) -> dict[str, str]:
    """Return the files of a course whose every author-controlled field carries the payload."""
    line = _one_line(payload)
    manifest = MANIFEST.replace("title: Test course", f"title: {_yaml(line)}")
    manifest = manifest.replace("legal: Legal", f"legal: {_yaml(line)}")
    return {
        "course.yaml": manifest,
        "modules/intro.md": module_text(payload),
        "quizzes/intro-quiz.md": quiz_text(payload),
        "scenarios/first-day.md": scenario_text(payload),
    }


# --- Walking the loaded course ------------------------------------------------------------


def html_fields(value: object, path: str = "course") -> Iterator[tuple[str, str]]:
    """Yield (path, html) for every rendered field (`html` or `*_html`) anywhere in a value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            child = getattr(value, field.name)
            where = f"{path}.{field.name}"
            if field.name == "html" or field.name.endswith("_html"):
                assert isinstance(child, str), where
                yield where, child
            else:
                yield from html_fields(child, where)
    elif isinstance(value, Mapping):
        for key, child in value.items():
            yield from html_fields(child, f"{path}[{key!r}]")
    elif isinstance(value, tuple | list | frozenset | set):
        for index, child in enumerate(value):
            yield from html_fields(child, f"{path}[{index}]")


FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "svg", "math", "object", "embed", "style", "link",
    "meta", "base", "form", "input", "button", "textarea", "select", "applet", "template",
    "noscript", "xmp", "plaintext", "noembed", "source",
}
#: Tags that load a file: allowed only from the app's own media route, never from elsewhere.
MEDIA_TAGS = {"img", "video", "audio", "track"}
MEDIA_STYLE = "max-width:100%;height:auto"
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
    "cite", "srcset", "lowsrc", "dynsrc", "ping",
}
SAFE_SCHEMES = {"http", "https", "mailto"}
_CONTROLS = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")


def url_scheme(value: str) -> str | None:
    """Return the scheme a browser would see in an (already unescaped) URL, or None if relative."""
    match = _SCHEME.match(_CONTROLS.sub("", value).lower())
    return match.group(1) if match else None


class ExecutableFinder(HTMLParser):
    """Collect every construct of an HTML fragment that a browser could execute or load."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"tag <{tag}>")
        if tag in MEDIA_TAGS and not str(dict(attrs).get("src") or "").startswith("/course-media/"):
            self.problems.append(f"<{tag}> that loads from outside the media route")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name in {"srcset", "poster"} or (name == "src" and ".." in str(value)):
                self.problems.append(f"attribute {name}= on <{tag}>")
            if name == "style" and tag in {"img", "video"} and value == MEDIA_STYLE:
                continue
            if name in {"style", "srcdoc"}:
                self.problems.append(f"attribute {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    self.problems.append(f"{name}={value!r} (scheme {scheme}) on <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration <!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration <![{data}]>")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction <?{data}>")


def executable_constructs(html: str) -> list[str]:
    """Return what in an HTML fragment could run, load or style something (empty: safe)."""
    finder = ExecutableFinder()
    finder.feed(html)
    finder.close()
    lowered = html.lower()
    # A second, cruder net: these substrings never belong in sanitised output.
    for needle in ("<script", "<iframe", "<svg", "<math", "<object", "<embed", "<style"):
        if needle in lowered:
            finder.problems.append(f"substring {needle}")
    return finder.problems


def unsafe_fields(course: Course) -> dict[str, list[str]]:
    """Return every rendered field of the course that holds something executable."""
    found = {}
    for where, html in html_fields(course):
        problems = executable_constructs(html)
        if problems:
            found[where] = problems
    return found


#: Codes that refuse an image a payload names (a web address, a script): expected, not a failure.
MEDIA_CODES = {Code.MEDIA_REMOTE, Code.MEDIA_MISSING, Code.IMAGE_NO_ALT}


def errors(diagnostics: tuple[Diagnostic, ...]) -> list[str]:
    return [d.format() for d in diagnostics if d.severity is Severity.ERROR and d.code not in MEDIA_CODES]


# --- The checker itself must be able to fail ------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<p><img src=x onerror=alert(1)></p>",
        '<p><img src="https://tracker.example/pixel.png" alt="x"></p>',
        '<img src="/course-media/a.png" srcset="https://tracker.example/x.png 2x" alt="x">',
        '<img src="/course-media/a.png" style="position:fixed;inset:0" alt="x">',
        '<video src="/course-media/a.mp4"><track src="https://tracker.example/a.vtt"></video>',
        "<p onclick='alert(1)'>x</p>",
        "<a href='javascript:alert(1)'>x</a>",
        "<a href=' &#x0A;JaVa&#x09;ScRiPt&#58;alert(1)'>x</a>",
        "<a href='vbscript:msgbox(1)'>x</a>",
        "<a href='data:text/html,x'>x</a>",
        "<a href='java\x01script:alert(1)'>x</a>",
        "<svg/onload=alert(1)>",
        "<math></math>",
        "<object data=x></object>",
        "<embed src=x>",
        "<style>*{}</style>",
        "<iframe></iframe>",
        "<p style='x:expression(alert(1))'>x</p>",
        "<!-- hidden -->",
        "<![CDATA[x]]>",
    ],
)
def test_checker_catches_executable_html(html: str) -> None:
    assert executable_constructs(html)


@pytest.mark.parametrize(
    "html",
    [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        '<p><a href="https://ok.example" rel="noopener">x</a></p>',
        '<p><a href="HTTP://ok.example">x</a> <a href="mailto:a@b.example">m</a></p>',
        '<p><a href="#start">x</a> <a href="../other">y</a> <a href="jav%09ascript:x">z</a></p>',
        '<p><a href="https://ok.example" title="x&quot; onmouseover=&quot;alert(1)">x</a></p>',
        "<p>javascript:alert(1) as text, onclick=alert(1) as text</p>",
    ],
)
def test_checker_accepts_inert_html(html: str) -> None:
    assert executable_constructs(html) == []


def test_hostile_tree_is_valid_with_a_harmless_payload(write_tree: TreeWriter) -> None:
    """Without an attack the hostile templates load cleanly, so every field is really rendered."""
    root = write_tree(hostile_tree("plain words"), base=False)
    result = load_course(root)
    assert errors(result.diagnostics) == []
    assert result.course is not None
    assert set(result.course.modules) == {"intro"}
    assert set(result.course.quizzes) == {"intro-quiz"}
    assert set(result.course.scenarios) == {"first-day"}
    rendered = " ".join(html for _, html in html_fields(result.course))
    assert {marker for marker in MARKERS if marker not in rendered} == set()


# --- The corpus against every field --------------------------------------------------------


def test_corpus_is_large_enough() -> None:
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 30


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_inert_in_every_field(write_tree: TreeWriter, payload: str) -> None:
    root = write_tree(hostile_tree(payload), base=False)
    result = load_course(root)
    course = result.course
    assert course is not None, result.diagnostics
    # The payload must not stop the items from loading: otherwise nothing here was tested.
    assert errors(result.diagnostics) == []
    assert set(course.modules) == {"intro"}
    assert set(course.quizzes) == {"intro-quiz"}
    assert set(course.scenarios) == {"first-day"}

    assert unsafe_fields(course) == {}

    rendered = " ".join(html for _, html in html_fields(course))
    assert {marker for marker in MARKERS if marker not in rendered} == set()

    # Text kept as text (titles, summaries, objectives, labels) is escaped by the UI when shown:
    # here it must simply be stored as the text the author wrote.
    line = _one_line(payload)
    assert course.info.title == line
    assert course.info.roles["legal"] == line
    for item in (course.modules["intro"], course.quizzes["intro-quiz"], course.scenarios["first-day"]):
        assert isinstance(item.meta.title, str)
        assert (item.meta.title, item.meta.summary, item.meta.objectives) == (line, line, (line,))
    scenario = course.scenarios["first-day"]
    assert scenario.meters["reputation"].label == line
    module = course.modules["intro"]
    assert [type(s.title) for s in module.sections] == [str, str]
    assert module.sections[0].title == line  # the introduction is titled by the module
    assert all(isinstance(node.title, str) for node in scenario.nodes.values())


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("template", ["{}", "scenario-label {}"], ids=["alone", "after-text"])
def test_payload_in_a_choice_label(write_tree: TreeWriter, payload: str, template: str) -> None:
    """A choice label carrying the payload is inert, or the scenario is refused with an error.

    A label is the text of the link that makes the choice, so a payload that is itself a
    Markdown link cannot sit inside it: the link breaks, and the node is left with no choices or
    the choice with text after its link.
    Every other payload must load and render inertly.
    """
    label = template.format(_one_line(payload))
    root = write_tree({"scenarios/first-day.md": scenario_text("calm words", label=label)})
    result = load_course(root)
    assert result.course is not None
    assert unsafe_fields(result.course) == {}
    scenario = result.course.scenarios.get("first-day")
    if "[" in payload or "<https:" in payload:
        if scenario is None:
            codes = {d.code for d in result.diagnostics if d.severity is Severity.ERROR}
            assert codes in ({Code.NODE_NO_CHOICES}, {Code.CHOICE_MALFORMED})
            return
    else:
        assert errors(result.diagnostics) == []
        assert scenario is not None
    assert scenario is not None
    label_html = scenario.nodes["start"].choices[0].label_html
    assert executable_constructs(label_html) == []
    if template != "{}":
        assert label_html.startswith("scenario-label")


# --- Files the loader must refuse unread ---------------------------------------------------


def test_file_over_the_size_cap_is_refused_unparsed(
    write_tree: TreeWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    filler = "Plain prose that would parse fine.\n\n"
    big = MODULE.replace("quiz: intro-quiz\n", "").replace("scenario: first-day\n", "")
    big = big.replace("id: intro", "id: big")
    big += filler * ((MAX_FILE_BYTES - len(big)) // len(filler) + 1)
    big = big.encode()
    assert len(big) > MAX_FILE_BYTES
    root = write_tree({"modules/big.md": big})

    parsed: list[str] = []
    real = loader.parse_module

    def spy(text: str, **kwargs: object) -> object:
        parsed.append(str(kwargs["source"]))
        return real(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "parse_module", spy)
    result = load_course(root)

    assert parsed == ["modules/intro.md"]
    problems = [d for d in result.diagnostics if d.path == "modules/big.md"]
    assert [(d.line, d.severity, d.code) for d in problems] == [
        (1, Severity.ERROR, Code.FILE_TOO_LARGE)
    ]
    assert f"{len(big):,} bytes" in problems[0].message
    assert result.course is not None
    assert set(result.course.modules) == {"intro"}
    assert "modules/big.md" in result.files


def test_file_exactly_at_the_size_cap_is_read(write_tree: TreeWriter) -> None:
    text = MODULE.replace("quiz: intro-quiz\n", "").replace("scenario: first-day\n", "")
    text = text.replace("id: intro", "id: edge")
    text += "x" * (MAX_FILE_BYTES - len(text.encode()) - 1) + "\n"
    assert len(text.encode()) == MAX_FILE_BYTES
    root = write_tree({"modules/edge.md": text})
    result = load_course(root)
    assert [d.format() for d in result.diagnostics if d.path == "modules/edge.md"] == []
    assert result.course is not None
    assert "edge" in result.course.modules


def _not_utf8_module() -> tuple[bytes, int, int]:
    """Return a module with one invalid byte, its 1-based line and its byte offset."""
    head, tail = MODULE.split("Some text.")
    head = head.replace("title: Introduction", "title: Intro – ünïcode")
    data = head.encode() + b"Some \xff text." + tail.encode()
    offset = data.index(b"\xff")
    return data, data[:offset].count(b"\n") + 1, offset


def test_invalid_utf8_is_reported_on_its_line(write_tree: TreeWriter) -> None:
    data, line, offset = _not_utf8_module()
    assert line == 12
    root = write_tree({"modules/intro.md": data})
    result = load_course(root)
    problems = [d for d in result.diagnostics if d.path == "modules/intro.md"]
    assert problems == [
        Diagnostic("modules/intro.md", 12, Severity.ERROR,
                   f"byte {offset} is not UTF-8; save the file as UTF-8", Code.NOT_UTF8)
    ]
    assert result.course is not None
    assert "intro" not in result.course.modules


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"\xff---\nid: x\n", 1),
        (b"---\nid: x\ntitle: caf\xe9\n---\n", 3),
        (b"---\nid: x\n---\n\n## A\n\ntruncated \xe2\x82", 7),
        (b"---\nid: x\n---\n\n## A\n\nsurrogate \xed\xa0\x80 here\n", 7),
        (b"---\r\nid: x\r\n---\r\n\r\noverlong \xc0\xaf\r\n", 5),
    ],
)
def test_invalid_utf8_line_is_counted_from_the_top(
    write_tree: TreeWriter, data: bytes, line: int
) -> None:
    root = write_tree({"scenarios/broken.md": data})
    result = load_course(root)
    problems = [(d.line, d.code) for d in result.diagnostics if d.path == "scenarios/broken.md"]
    assert problems == [(line, Code.NOT_UTF8)]


# --- Hostile content must be reported, never crash the loader -------------------------------

HUGE = "9" * 5000  # past Python's 4,300-digit limit for int(str)
DEEP = "(" * 400 + "reputation > 1" + ")" * 400


@pytest.mark.parametrize(
    ("hostile", "line", "code"),
    [
        pytest.param(SCENARIO.replace("score=2", f"score={HUGE}"), 15, Code.EFFECT_INVALID,
                     id="huge-score"),
        pytest.param(SCENARIO.replace("reputation=10", f"reputation={HUGE}"), 15,
                     Code.EFFECT_INVALID, id="huge-effect"),
        pytest.param(SCENARIO.replace("start: 50", f"start: {HUGE}"), 7, Code.FM_TYPE,
                     id="huge-meter-start"),
        pytest.param(SCENARIO.replace("score=2}", f'score=2 when="reputation > {HUGE}"}}'), 15,
                     Code.CONDITION_INVALID, id="huge-condition-number"),
        pytest.param(SCENARIO.replace("score=2}", f'score=2 when="{DEEP}"}}'), 15,
                     Code.CONDITION_INVALID, id="deep-condition"),
    ],
)
def test_hostile_numbers_are_diagnosed_not_raised(
    write_tree: TreeWriter, hostile: str, line: int, code: Code
) -> None:
    root = write_tree({"scenarios/first-day.md": hostile})
    result = load_course(root)  # must return, not raise ValueError or RecursionError
    problems = [(d.line, d.code) for d in result.diagnostics
                if d.path == "scenarios/first-day.md" and d.severity is Severity.ERROR]
    assert problems[0] == (line, code)
    assert result.course is not None
    assert "first-day" not in result.course.scenarios
    assert set(result.course.modules) == {"intro"}
