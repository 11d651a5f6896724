"""Post cards: a fenced ```post block of YAML, checked strictly and drawn as a social post.

A scenario about a post going viral reads better when the learner sees the post: who wrote it,
where, how far it has spread and what people answer. The block holds YAML, read by the same
strict reader as front matter, validated by a pydantic schema, and drawn as plain text only:
every field is escaped, nothing inside is read as Markdown, and no field becomes a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Annotated, Any

from markdown_it.token import Token
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from course.content.frontmatter import read_yaml_mapping
from course.content.suggest import did_you_mean
from course.domain.diagnostics import Code, Diagnostic, error

#: The info word that opens a post block: ```post
FENCE_WORD = "post"
#: The highest count a card shows: a post seen by every person alive, many times over.
MAX_COUNT = 10**12 - 1
#: Longest post text, in characters (the longest of the major platforms' limits).
MAX_TEXT = 3000
#: Most replies a card shows; a thread longer than this is better told in the narrative.
MAX_REPLIES = 10


@dataclass(frozen=True, slots=True)
class Platform:
    """How one platform names itself and its counts (singular, plural)."""

    name: str
    reactions: tuple[str, str]
    shares: tuple[str, str]
    comments: tuple[str, str]


_LIKES = ("like", "likes")
_REPOSTS = ("repost", "reposts")
_SHARES = ("share", "shares")
_REPLIES = ("reply", "replies")
_COMMENTS = ("comment", "comments")
_REACTIONS = ("reaction", "reactions")

#: Platforms a post card can show, by the id authors write.
PLATFORMS: dict[str, Platform] = {
    "x": Platform("X", _LIKES, _REPOSTS, _REPLIES),
    "linkedin": Platform("LinkedIn", _REACTIONS, _REPOSTS, _COMMENTS),
    "tiktok": Platform("TikTok", _LIKES, _SHARES, _COMMENTS),
    "instagram": Platform("Instagram", _LIKES, _SHARES, _COMMENTS),
    "youtube": Platform("YouTube", _LIKES, _SHARES, _COMMENTS),
    "threads": Platform("Threads", _LIKES, _REPOSTS, _REPLIES),
    "bluesky": Platform("Bluesky", _LIKES, _REPOSTS, _REPLIES),
    "reddit": Platform("Reddit", ("upvote", "upvotes"), _SHARES, _COMMENTS),
    "facebook": Platform("Facebook", _REACTIONS, _SHARES, _COMMENTS),
    "intranet": Platform("Internal network", _REACTIONS, _SHARES, _COMMENTS),
    "messaging": Platform("Messaging group", _REACTIONS, ("forward", "forwards"), _REPLIES),
}

Line = Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True,
                                        pattern=r"^[^\r\n]*$")]
Handle = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^\S+$")]
PostText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT, strip_whitespace=True)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


def _known_platform(value: str) -> str:
    if value not in PLATFORMS:
        raise ValueError(f"unknown platform {value[:40]!r}; use one of {', '.join(PLATFORMS)}"
                         f"{did_you_mean(value, PLATFORMS)}")
    return value


PlatformId = Annotated[str, AfterValidator(_known_platform)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ReplyMatter(_Strict):
    """One reply under a post."""

    author: Line
    handle: Handle | None = None
    headline: Line | None = None
    time: Line | None = None
    text: PostText
    reactions: Count = 0


class PostMatter(_Strict):
    """A post as the author writes it inside a ```post block."""

    platform: PlatformId
    author: Line
    handle: Handle | None = None
    headline: Line | None = None
    time: Line | None = None
    text: PostText
    reactions: Count = 0
    shares: Count = 0
    comments: Count = 0
    replies: list[ReplyMatter] = Field(default_factory=list, max_length=MAX_REPLIES)


def is_post(token: Token) -> bool:
    """Tell whether a token is a ```post fence."""
    return token.type == "fence" and token.info.split()[:1] == [FENCE_WORD]


_FRIENDLY = {
    "missing": "is required",
    "extra_forbidden": "is not a post key",
    "int_type": "must be a whole number such as 1200, without quotes, commas or a K",
    "string_type": "must be text; quote it",
    "list_type": "must be a list of replies, each starting with '- author: '",
    "model_type": "must be key: value lines (author, text, ...)",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long",
    "too_long": f"holds too many replies; a card shows at most {MAX_REPLIES}",
    "greater_than_equal": "cannot be negative",
    "less_than_equal": f"is larger than any real count (at most {MAX_COUNT:,})",
}


def _message(err: Any, where: str) -> str:
    kind = str(err["type"])
    if kind == "value_error":
        return f"post '{where}': {str(err['msg']).removeprefix('Value error, ')}"
    if kind == "extra_forbidden":
        keys = ReplyMatter.model_fields if where.startswith("replies.") else PostMatter.model_fields
        name = where.rsplit(".", 1)[-1]
        return f"post '{where}' is not a post key (use {', '.join(keys)}){did_you_mean(name, keys)}"
    if kind == "string_pattern_mismatch":
        return f"post '{where}' " + ("must be one word, such as @name" if where.endswith("handle")
                                     else "must be on one line")
    if kind == "string_too_long" and where.endswith("text"):
        return (f"post '{where}' is longer than {MAX_TEXT:,} characters; shorten it or tell the rest "
                "in the narrative")
    return f"post '{where}' {_FRIENDLY.get(kind, str(err['msg']))}"


def parse_post(token: Token, *, path: str) -> tuple[PostMatter | None, list[Diagnostic]]:
    """Read and validate one ```post fence; diagnostics name the file line of each problem."""
    fence_line = token.map[0] + 1 if token.map else 1
    document, problems = read_yaml_mapping(token.content, path=path, first_line=fence_line + 1)
    if document is None or problems:
        return None, problems
    if not document.data:
        return None, [error(path, fence_line, Code.POST_INVALID,
                            "the post block is empty; write platform, author and text inside it")]
    try:
        return PostMatter.model_validate(dict(document.data)), []
    except ValidationError as exc:
        found = []
        for err in exc.errors():
            loc = [str(part) for part in err["loc"]]
            where = ".".join(loc)
            at = document.line_of(*(loc[:-1] if err["type"] == "missing" else loc), default=fence_line)
            found.append(error(path, at, Code.POST_INVALID, _message(err, where)))
        return None, found


def check_posts(tokens: Sequence[Token], *, path: str) -> list[Diagnostic]:
    """Return the problems of every ```post block among the tokens, nested ones included."""
    problems: list[Diagnostic] = []
    for token in tokens:
        if is_post(token):
            problems.extend(parse_post(token, path=path)[1])
    return problems


def compact(count: int) -> str:
    """Write a count as a platform does: 950, 1.2K, 46K, 3.4M, 1.1B."""
    units = ((10**9, "B"), (10**6, "M"), (10**3, "K"))
    for place, (size, suffix) in enumerate(units):
        if count >= size:
            value = count / size
            shown = f"{value:.1f}" if value < 9.95 else f"{value:.0f}"
            if shown == "1000" and place > 0:  # 999,950 is "1M", not "1000K"
                return "1" + units[place - 1][1]
            return shown.removesuffix(".0") + suffix
    return str(count)


def counted(count: int, words: tuple[str, str]) -> str:
    """Write a count in full with its word: "1 like", "46,210 likes"."""
    return f"{count:,} {words[0] if count == 1 else words[1]}"


def _text(text: str) -> str:
    """Escape post text into paragraphs at blank lines; a single line break is a space, so an
    author may wrap long lines in the file. Nothing is read as markup."""
    paragraphs = [" ".join(part.split()) for part in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(f'<p class="nts-post-text">{escape(part)}</p>' for part in paragraphs if part)


def _count(count: int, words: tuple[str, str]) -> str:
    return (f'<li><span aria-hidden="true">{compact(count)} {words[0] if count == 1 else words[1]}'
            f'</span><span class="nts-sr">{counted(count, words)}</span></li>')


def _byline(who: PostMatter | ReplyMatter, platform: str = "") -> str:
    """Draw the line above a post: platform badge, author, handle, time, then the headline."""
    parts = [("platform", platform), ("author", who.author), ("handle", who.handle), ("time", who.time),
             ("headline", who.headline)]
    spans = "".join(f'<span class="nts-post-{kind}">{escape(value)}</span>' for kind, value in parts if value)
    return f'<div class="nts-post-head">{spans}</div>'


def _reply(reply: ReplyMatter, platform: Platform) -> str:
    counts = (f'<ul class="nts-post-counts">{_count(reply.reactions, platform.reactions)}</ul>'
              if reply.reactions else "")
    return (f'<li class="nts-post-reply">{_byline(reply)}'
            f"{_text(reply.text)}{counts}</li>")


def render_post(post: PostMatter) -> str:
    """Draw a post as an HTML card; every field is escaped text."""
    platform = PLATFORMS[post.platform]
    label = escape(f"{platform.name} post by {post.author}")
    counts = "".join(_count(n, words) for n, words in ((post.reactions, platform.reactions),
                                                        (post.shares, platform.shares),
                                                        (post.comments, platform.comments)))
    replies = ""
    if post.replies:
        shown = counted(len(post.replies), _REPLIES)
        replies = (f'<p class="nts-post-thread">{shown} shown</p>'
                   f'<ul class="nts-post-replies" aria-label="{escape(f"Replies to {post.author}")}">'
                   f'{"".join(_reply(reply, platform) for reply in post.replies)}</ul>')
    return (f'<article class="nts-post nts-post-{post.platform}" aria-label="{label}">'
            f"{_byline(post, platform.name)}{_text(post.text)}"
            f'<ul class="nts-post-counts" aria-label="Reactions">{counts}</ul>{replies}</article>')


def render_post_fence(token: Token) -> str:
    """Draw a ```post fence as a card, or nothing when it does not validate (the file reports why)."""
    post, _ = parse_post(token, path="")
    return render_post(post) if post is not None else ""
