"""Post cards: the ```post block is checked with file and line, and drawn as escaped text only."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from course.content.loader import load_course
from course.content.markdown import parse_tokens, render_blocks
from course.content.posts import MAX_COUNT, PostMatter, compact, counted, render_post
from course.content.scenarios import parse_scenario
from course.domain.diagnostics import Code
from tests.conftest import SCENARIO, TreeWriter
from tests.content.test_xss import INLINE_PAYLOADS

POST = """\
```post
platform: x
author: Dana Ruiz
handle: "@danaruiz"
time: "07:12"
text: Still waiting for an answer.
reactions: 1200
shares: 1
comments: 0
```
"""


def _scenario_with(block: str) -> str:
    """Put a block into the start node of the base scenario, under its narrative: the fence is line 15."""
    return SCENARIO.replace("A customer complains.\n", f"A customer complains.\n\n{block}\n")


def _problems(block: str) -> list[str]:
    parsed = parse_scenario(_scenario_with(block), source="scenarios/first-day.md")
    return [d.format() for d in parsed.diagnostics]


class _Markup(HTMLParser):
    """Collect every tag and attribute of a fragment, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _markup(html: str) -> _Markup:
    reader = _Markup()
    reader.feed(html)
    reader.close()
    return reader


def test_a_post_in_a_scenario_node_is_drawn_as_a_named_card(write_tree: TreeWriter) -> None:
    root = write_tree({"scenarios/first-day.md": _scenario_with(POST)})
    result = load_course(root)
    assert result.course is not None, [d.format() for d in result.diagnostics]
    assert not [d for d in result.diagnostics if d.path == "scenarios/first-day.md"]
    body = result.course.scenarios["first-day"].nodes["start"].body_html
    assert body.startswith('<p>A customer complains.</p>\n<article class="nts-post nts-post-x" '
                           'aria-label="X post by Dana Ruiz">')
    assert '<span aria-hidden="true">1.2K likes</span><span class="nts-sr">1,200 likes</span>' in body
    assert '<span class="nts-sr">1 repost</span>' in body and '<span class="nts-sr">0 replies</span>' in body


def test_a_post_in_a_module_box_and_role_block_stays_inside_them(write_tree: TreeWriter) -> None:
    module = (
        "---\nid: intro\ntitle: Introduction\nroles: [all]\ncompetencies: [crisis]\nquiz: intro-quiz\n"
        "scenario: first-day\n---\n\n## The first idea\n\nSome text.\n\n:::: for legal\n::: example\n"
        f"{POST}:::\n::::\n"
    )
    result = load_course(write_tree({"modules/intro.md": module}))
    assert result.course is not None, [d.format() for d in result.diagnostics]
    (block,) = [b for b in result.course.modules["intro"].sections[0].blocks if b.roles]
    assert block.kind == "example" and block.roles == frozenset({"legal"})
    assert block.html.startswith('<article class="nts-post nts-post-x" aria-label="X post by Dana Ruiz">')


def test_the_renderer_draws_every_part_of_a_post_in_order() -> None:
    post = PostMatter.model_validate({
        "platform": "reddit", "author": "Kim", "text": "One\nline\n\nTwo", "reactions": 2, "shares": 0,
        "comments": 1, "replies": [{"author": "Lee", "handle": "u/lee", "time": "1 h", "text": "Yes",
                                    "reactions": 1}],
    })
    assert render_post(post) == (
        '<article class="nts-post nts-post-reddit" aria-label="Reddit post by Kim">'
        '<div class="nts-post-head"><span class="nts-post-platform">Reddit</span>'
        '<span class="nts-post-author">Kim</span></div>'
        '<p class="nts-post-text">One line</p><p class="nts-post-text">Two</p>'
        '<ul class="nts-post-counts" aria-label="Reactions">'
        '<li><span aria-hidden="true">2 upvotes</span><span class="nts-sr">2 upvotes</span></li>'
        '<li><span aria-hidden="true">0 shares</span><span class="nts-sr">0 shares</span></li>'
        '<li><span aria-hidden="true">1 comment</span><span class="nts-sr">1 comment</span></li></ul>'
        '<p class="nts-post-thread">1 reply shown</p>'
        '<ul class="nts-post-replies" aria-label="Replies to Kim"><li class="nts-post-reply">'
        '<div class="nts-post-head"><span class="nts-post-author">Lee</span>'
        '<span class="nts-post-handle">u/lee</span><span class="nts-post-time">1 h</span></div>'
        '<p class="nts-post-text">Yes</p><ul class="nts-post-counts">'
        '<li><span aria-hidden="true">1 upvote</span><span class="nts-sr">1 upvote</span></li></ul>'
        "</li></ul></article>"
    )


@pytest.mark.parametrize(("count", "short"), [
    (0, "0"), (999, "999"), (1000, "1K"), (1050, "1.1K"), (9949, "9.9K"), (9950, "10K"),
    (46210, "46K"), (999_950, "1M"), (3_449_999, "3.4M"), (MAX_COUNT, "1000B"),
])
def test_counts_are_shortened_as_feeds_do(count: int, short: str) -> None:
    assert compact(count) == short


def test_counts_are_written_in_full_for_screen_readers() -> None:
    assert counted(MAX_COUNT, ("like", "likes")) == "999,999,999,999 likes"
    assert counted(1, ("like", "likes")) == "1 like"


PATH = "scenarios/first-day.md"


@pytest.mark.parametrize(("block", "expected"), [
    ("```post\nplatform: x\ntext: hi\n```",
     [f"{PATH}:15: error: post 'author' is required [post-invalid]"]),
    ("```post\nplatform: x\nauthor: Dana\n```",
     [f"{PATH}:15: error: post 'text' is required [post-invalid]"]),
    ("```post\nplatform: x\nauthor: Dana\ntext: hi\nlikes: 3\n```",
     [f"{PATH}:19: error: post 'likes' is not a post key (use platform, author, handle, headline, time, "
      "text, reactions, shares, comments, replies) [post-invalid]"]),
    ("```post\nplatform: tiktik\nauthor: Dana\ntext: hi\n```",
     [f"{PATH}:16: error: post 'platform': unknown platform 'tiktik'; use one of x, linkedin, tiktok, "
      "instagram, youtube, threads, bluesky, reddit, facebook, intranet, messaging; did you mean "
      "'tiktok'? [post-invalid]"]),
    ("```post\nplatform: x\nauthor: Dana\ntext: hi\nreactions: -3\n```",
     [f"{PATH}:19: error: post 'reactions' cannot be negative [post-invalid]"]),
    ("```post\nplatform: x\nauthor: Dana\ntext: hi\nshares: \"40K\"\n```",
     [f"{PATH}:19: error: post 'shares' must be a whole number such as 1200, without quotes, commas "
      "or a K [post-invalid]"]),
    ("```post\nplatform: x\nauthor: Dana\ntext: hi\ncomments: 4.5\n```",
     [f"{PATH}:19: error: post 'comments' must be a whole number such as 1200, without quotes, commas "
      "or a K [post-invalid]"]),
    ("```post\nplatform: x\nauthor: Dana\ntext: hi\ncomments: true\n```",
     [f"{PATH}:19: error: post 'comments' must be a whole number such as 1200, without quotes, commas "
      "or a K [post-invalid]"]),
    ("```post\nplatform: x\nauthor: Dana\ntext: hi\ncomments: 1000000000000\n```",
     [f"{PATH}:19: error: post 'comments' is larger than any real count (at most 999,999,999,999) "
      "[post-invalid]"]),
    ("```post\nplatform: x\nauthor: Dana\nhandle: \"@dana ruiz\"\ntext: hi\n```",
     [f"{PATH}:18: error: post 'handle' must be one word, such as @name [post-invalid]"]),
    ("```post\nplatform: x\nauthor: Dana\ntext: hi\nreplies:\n  - author: Lee\n    txt: sure\n```",
     [f"{PATH}:19: error: post 'replies.0.text' is required [post-invalid]",
      f"{PATH}:21: error: post 'replies.0.txt' is not a post key (use author, handle, headline, time, "
      "text, reactions); did you mean 'text'? [post-invalid]"]),
    ("```post\nplatform: x\nauthor: Dana\nauthor: Lee\ntext: hi\n```",
     [f"{PATH}:18: error: 'author' is given twice (first on line 17) [fm-duplicate-key]"]),
    ("```post\nplatform: x\nauthor: Dana\ntime: 21:05\ntext: hi\n```",
     [f"{PATH}:18: error: 'time': '21:05' would be read as a number; quote it [fm-coercion]"]),
    ("```post\n```", [f"{PATH}:15: error: the post block is empty; write platform, author and text "
                      "inside it [post-invalid]"]),
    ("```post\n- just a list\n```", [f"{PATH}:16: error: expected key: value lines, such as title: My "
                                     "module [fm-yaml]"]),
])
def test_a_bad_post_is_an_error_on_its_line(block: str, expected: list[str]) -> None:
    assert _problems(block) == expected


def test_a_bad_post_keeps_the_scenario_from_loading() -> None:
    parsed = parse_scenario(_scenario_with("```post\nplatform: x\ntext: hi\n```"), source=PATH)
    assert parsed.item is None
    assert [d.code for d in parsed.diagnostics] == [Code.POST_INVALID]


def test_ten_thousand_characters_of_text_are_refused_and_three_thousand_are_drawn() -> None:
    long = "x" * 10_000
    assert _problems(f"```post\nplatform: x\nauthor: Dana\ntext: {long}\n```") == [
        f"{PATH}:18: error: post 'text' is longer than 3,000 characters; shorten it or tell the rest in "
        "the narrative [post-invalid]"]
    block = f"```post\nplatform: x\nauthor: Dana\ntext: {'y' * 3000}\n```"
    assert _problems(block) == []
    assert "y" * 3000 in render_blocks(parse_tokens(block))


def test_more_than_ten_replies_are_refused() -> None:
    replies = "".join(f"  - author: P{n}\n    text: hi\n" for n in range(11))
    assert _problems(f"```post\nplatform: x\nauthor: Dana\ntext: hi\nreplies:\n{replies}```") == [
        f"{PATH}:19: error: post 'replies' holds too many replies; a card shows at most 10 [post-invalid]"]


#: The only markup a card may hold, and the only attributes on it.
CARD_TAGS = {"article", "div", "span", "p", "br", "ul", "li"}
CARD_ATTRIBUTES = {"class", "aria-label", "aria-hidden"}


def _yaml_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize("payload", INLINE_PAYLOADS, ids=range(len(INLINE_PAYLOADS)))
def test_hostile_text_in_every_field_is_shown_as_typed(payload: str) -> None:
    quoted, handle = _yaml_quoted(payload), _yaml_quoted(payload.replace(" ", "")[:40])
    block = (f"```post\nplatform: youtube\nauthor: {quoted}\nhandle: {handle}\nheadline: {quoted}\n"
             f"time: {quoted}\ntext: {quoted}\nreplies:\n  - author: {quoted}\n    text: {quoted}\n```")
    assert _problems(block) == []
    html = render_blocks(parse_tokens(block))
    markup = _markup(html)
    assert {tag for tag, _ in markup.tags} <= CARD_TAGS
    assert {name for _, attrs in markup.tags for name in attrs} <= CARD_ATTRIBUTES
    assert markup.tags[0] == ("article", {"class": "nts-post nts-post-youtube",
                                          "aria-label": f"YouTube post by {payload}"})
    text, typed = " ".join("".join(markup.text).split()), " ".join(payload.split())
    assert text.count(typed) >= 6  # author, headline, time and text, the reply's author and text


def test_markdown_in_a_post_is_not_read() -> None:
    block = ("```post\nplatform: linkedin\nauthor: \"**Boss**\"\ntext: |\n  [win](https://evil.example) "
             "![p](https://evil.example/p.png) <https://evil.example> *really* `code`\n```")
    html = render_blocks(parse_tokens(block))
    assert "<a " not in html and "<img" not in html and "<em" not in html and "<code" not in html
    assert ("[win](https://evil.example) ![p](https://evil.example/p.png) &lt;https://evil.example&gt; "
            "*really* `code`") in html
    assert '<span class="nts-post-author">**Boss**</span>' in html


def test_content_cannot_borrow_other_classes_or_attributes() -> None:
    html = render_blocks(parse_tokens("{.evil aria-hidden=true aria-label=x}\nSome text\n\n"
                                      "{.nts-sr}\nHidden?\n"))
    assert html == '<p>Some text</p>\n<p class="nts-sr">Hidden?</p>'


def test_other_fences_stay_code() -> None:
    assert render_blocks(parse_tokens("```text\nplatform: x\n```")) == "<pre><code>platform: x\n</code></pre>"
