"""The one Markdown parser of the project, and the rendering of its tokens to safe HTML.

`build_parser` chains every plugin the course format uses on markdown-it's `js-default` preset,
which leaves raw HTML as text and refuses unsafe link schemes. Everything rendered then goes
through nh3 with an allow-list, so no author-controlled markup can reach the browser as code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

#: Container names the format defines: admonitions, role blocks and quiz explanations.
ADMONITIONS = ("key", "tip", "warning", "example")
CONTAINERS = (*ADMONITIONS, "for", "explain")

_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "del", "s",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_SCHEMES = {"http", "https", "mailto"}


@cache
def build_parser() -> MarkdownIt:
    """Return the shared parser: js-default plus front matter, attrs, tasklists, containers."""
    md = MarkdownIt("js-default")
    md.use(front_matter_plugin)
    md.use(attrs_plugin)
    md.use(attrs_block_plugin)
    md.use(tasklists_plugin)
    for name in CONTAINERS:
        md.use(container_plugin, name=name, validate=_container_validator(name))
    return md


def _container_validator(name: str) -> Callable[..., bool]:
    def validate(params: str, *args: object) -> bool:
        words = params.split()
        return bool(words) and words[0] == name

    return validate


def parse_tokens(text: str) -> list[Token]:
    """Parse Markdown text into block tokens; line maps count from the top of the text."""
    return build_parser().parse(text)


def sanitize(html: str) -> str:
    """Strip every tag, attribute and URL scheme that is not on the allow-list."""
    cleaned: str = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return cleaned.strip()


def render_blocks(tokens: Sequence[Token]) -> str:
    """Render a balanced run of block tokens to sanitised HTML."""
    if not tokens:
        return ""
    md = build_parser()
    return sanitize(md.renderer.render(list(tokens), md.options, {}))


def render_inline(children: Sequence[Token]) -> str:
    """Render inline tokens (a heading's or a link's content) to sanitised HTML."""
    md = build_parser()
    renderer: RendererHTML = md.renderer  # type: ignore[assignment]
    return sanitize(renderer.renderInline(list(children), md.options, {}))


def plain_text(children: Sequence[Token]) -> str:
    """Return the visible text of inline tokens, without markup."""
    parts: list[str] = []
    for child in children:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
        elif child.children:
            parts.append(plain_text(child.children))
    return "".join(parts).strip()


def slugify(text: str) -> str:
    """Return the anchor a Git host gives a heading: lower case, punctuation dropped, dashes."""
    text = unicodedata.normalize("NFKC", text).lower().strip()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")
