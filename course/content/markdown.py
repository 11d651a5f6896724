"""The one Markdown parser of the project, and the rendering of its tokens to safe HTML.

`build_parser` chains every plugin the course format uses on markdown-it's `js-default` preset,
which leaves raw HTML as text and refuses unsafe link schemes. Everything rendered then goes
through nh3 with an allow-list, so no author-controlled markup can reach the browser as code.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from html import escape
from urllib.parse import quote, unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from course.content.posts import is_post, render_post_fence

#: Container names the format defines: admonitions, role blocks and quiz explanations.
ADMONITIONS = ("key", "tip", "warning", "example")
CONTAINERS = (*ADMONITIONS, "for", "explain", "video", "audio")

#: Where the app serves the course's media files; the only place an image or a player may load from.
MEDIA_ROUTE = "/course-media/"
#: Shown on every image so it never overflows a phone's screen.
IMAGE_STYLE = "max-width:100%;height:auto"

_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "del", "s",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
    "img", "figure", "figcaption", "video", "audio", "track", "details", "summary",
    "article", "div", "span",
}
_ATTRIBUTES = {
    "a": {"href", "title"}, "ol": {"start"},
    "img": {"src", "alt", "title", "loading", "width", "height", "style"},
    "video": {"src", "controls", "preload", "style"}, "audio": {"src", "controls", "preload"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "article": {"class", "aria-label"}, "div": {"class"}, "span": {"class", "aria-hidden"},
    "p": {"class"}, "ul": {"class", "aria-label"}, "li": {"class"},
}
_SCHEMES = {"http", "https", "mailto"}
#: Classes the post card uses; any other class an author writes with attrs is dropped.
_POST_CLASS = re.compile(r"nts-(?:post(?:-[a-z]+)?(?: nts-post-[a-z]+)?|sr)")
#: Attribute values that must be exactly one of these, or the attribute is dropped.
_FIXED = {
    "loading": {"lazy"}, "style": {IMAGE_STYLE}, "controls": {"", "controls"}, "preload": {"metadata"},
    "kind": {"captions", "descriptions"}, "default": {"", "default"}, "aria-hidden": {"true"},
}


@cache
def build_parser() -> MarkdownIt:
    """Return the shared parser: js-default plus front matter, attrs, tasklists, containers."""
    md = MarkdownIt("js-default")
    md.core.ruler.push("course_media", _point_media_at_route)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("html_inline", _render_check_box)
    md.add_render_rule("fence", _render_fence)
    md.use(front_matter_plugin)
    md.use(attrs_plugin)
    md.use(attrs_block_plugin)
    md.use(tasklists_plugin)
    for name in CONTAINERS:
        md.use(container_plugin, name=name, validate=_container_validator(name))
    return md


#: What the tasklists plugin writes for `- [ ]` and `- [x]` in a module: a checklist to print
#: or tick off on paper, drawn as a box character (quiz options read the tokens, not this).
_CHECK_BOXES = {
    '<input class="task-list-item-checkbox" disabled="disabled" type="checkbox">': "\u2610",
    '<input class="task-list-item-checkbox" checked="checked" disabled="disabled" type="checkbox">': "\u2611",
}


def _render_check_box(self: RendererHTML, tokens: Sequence[Token], idx: int, options: object,
                      env: object) -> str:
    """Draw a checklist's box as a character; raw HTML is off, so nothing else comes here."""
    return _CHECK_BOXES.get(tokens[idx].content, "")


def _render_fence(self: RendererHTML, tokens: Sequence[Token], idx: int, options: object,
                  env: object) -> str:
    """Draw a ```post block as a post card; any other fence is code, as markdown-it draws it."""
    if is_post(tokens[idx]):
        return render_post_fence(tokens[idx])
    return self.fence(tokens, idx, options, env)  # type: ignore[arg-type]


def _container_validator(name: str) -> Callable[..., bool]:
    def validate(params: str, *args: object) -> bool:
        words = params.split()
        return bool(words) and words[0] == name

    return validate


def parse_tokens(text: str, *, source: str | None = None) -> list[Token]:
    """Parse Markdown text into block tokens; line maps count from the top of the text.

    Given the course path of the file (`source`), local images are pointed at the media route;
    any other image source is emptied, so it can never load from elsewhere.
    """
    return build_parser().parse(text, {"source": source} if source is not None else None)


def media_url(source: str, target: str) -> str:
    """Return the media route address of a local file named from `source`, or "" if it is not one."""
    if not target or target.startswith(("/", "\\")) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):
        return ""
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
    if joined in {".", ".."} or joined.startswith(("../", "/")):
        return ""
    return MEDIA_ROUTE + quote(joined)


def _point_media_at_route(state: StateCore) -> None:
    """Point images at the media route, and make a lone image with a title a figure."""
    source = (state.env or {}).get("source") if isinstance(state.env, dict) else None
    if source is None or "![" not in state.src:  # every image, inline or by reference, has "!["
        return
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "inline":
            continue
        images = [child for child in token.children or [] if child.type == "image"]
        for image in images:
            image.attrSet("src", media_url(source, str(image.attrs.get("src", ""))))
        alone = [c for c in token.children or [] if c.type != "text" or c.content.strip()]
        if len(alone) == 1 and images and images[0].attrs.get("title") and _in_paragraph(tokens, index):
            tokens[index - 1].hidden = tokens[index + 1].hidden = True
            images[0].meta["figure"] = True


def _in_paragraph(tokens: Sequence[Token], index: int) -> bool:
    return (0 < index < len(tokens) - 1 and tokens[index - 1].type == "paragraph_open"
            and tokens[index + 1].type == "paragraph_close")


def _render_image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: object, env: object) -> str:
    token = tokens[idx]
    alt = escape(_alt_text(token.children or []))
    title = escape(str(token.attrs.get("title") or ""))
    src = escape(str(token.attrs.get("src", "")))
    if not src:
        return alt  # a source the course cannot serve: say what the picture shows instead
    if token.meta.get("figure"):
        image = f'<img src="{src}" alt="{alt}" loading="lazy" style="{IMAGE_STYLE}">'
        return f"<figure>{image}<figcaption>{title}</figcaption></figure>"
    extra = f' title="{title}"' if title else ""
    return f'<img src="{src}" alt="{alt}"{extra} loading="lazy" style="{IMAGE_STYLE}">'


def _alt_text(children: Sequence[Token]) -> str:
    return "".join(child.content for child in children if child.type in {"text", "code_inline"})


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    """Keep an attribute only when its value is safe: media from the route, fixed words exact."""
    if name == "src":
        return value if value.startswith(MEDIA_ROUTE) and ".." not in value else None
    if name in _FIXED and tag != "a":
        return value if value in _FIXED[name] else None
    if name == "class":  # only the post card's own classes: content cannot restyle the page
        return value if _POST_CLASS.fullmatch(value) else None
    if name in {"width", "height"}:
        return value if value.isdigit() else None
    return value


def sanitize(html: str) -> str:
    """Strip every tag, attribute and URL scheme that is not on the allow-list."""
    cleaned: str = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_keep_attribute,
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
