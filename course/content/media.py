"""Media files of a course: what a file is by its content, and the checks on images and players.

A file's kind comes from its bytes, never from its name: Pillow opens and verifies images, and
the first bytes tell video, audio and captions apart. `read_media_facts` is the only part that
touches the disk; `check_media` is pure and works on the facts the loader gathered.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

import enzyme
import mutagen
import webvtt
from markdown_it.token import Token
from PIL import Image

from course.content.links import local_targets, resolve
from course.content.markdown import IMAGE_STYLE, media_url, parse_tokens
from course.domain.diagnostics import Code, Diagnostic, error, warning

#: The folder of a course that holds its media: the only one the app serves files from.
MEDIA_FOLDER = "media"
#: The largest image a page may show: a screenshot or a chart is far below it.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
#: The largest video or audio file served: about ten minutes of 720p video.
MAX_PLAYER_BYTES = 50 * 1024 * 1024
#: The largest captions file read for a transcript.
MAX_CAPTIONS_BYTES = 1024 * 1024

#: The content type each accepted kind is served with.
CONTENT_TYPES = {
    "png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    "mp4": "video/mp4", "webm": "video/webm", "mp3": "audio/mpeg", "ogg": "audio/ogg",
    "vtt": "text/vtt; charset=utf-8",
}
IMAGE_KINDS = frozenset({"png", "jpeg", "gif", "webp"})
PLAYER_KINDS = frozenset({"mp4", "webm", "mp3", "ogg"})
#: Blocks that show a player, and the media kinds each accepts.
PLAYERS = {"video": frozenset({"mp4", "webm"}), "audio": frozenset({"mp3", "ogg", "mp4", "webm"})}

_PILLOW_KINDS = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "WEBP": "webp"}
_SVG = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]", re.I | re.S)
_MAYBE_MEDIA = re.compile(r"!\[|^ {0,3}::: *(video|audio)\b", re.MULTILINE)
_SMALLER = {"image": "fewer pixels, or JPEG for a photo", "captions": "split the recording",
            "descriptions": "split the recording", "video": "a lower bit rate or a shorter clip",
            "described": "a lower bit rate or a shorter clip", "audio": "a lower bit rate or a shorter clip"}
_REMOTE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:|//)")
#: What `described=` says of a video whose pictures hold nothing its soundtrack does not say.
NONE_NEEDED = "none-needed"


@dataclass(frozen=True, slots=True)
class MediaFacts:
    """What a media file of the course is: its kind by content (None: unknown), size, captions.

    For captions, `cues` counts the cues, `transcript` holds their text, `seconds` is when the
    last cue ends and `problem` says why the file does not parse. For a player, `seconds` is its
    length where the file says it, else None.
    """

    kind: str | None
    size: int
    cues: int = 0
    transcript: str = ""
    problem: str = ""
    seconds: float | None = None


def detect_kind(data: bytes) -> str | None:
    """Return the kind of a file from its bytes: an accepted kind, "svg", or None."""
    if data[4:8] == b"ftyp":
        return "mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if data.startswith(b"OggS"):
        return "ogg"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    if data.removeprefix(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
        return "vtt"
    if _SVG.match(data[:4096]):
        return "svg"
    return _image_kind(data)


def _image_kind(data: bytes) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = _PILLOW_KINDS.get(image.format or "")
                image.verify()
    except Exception:  # any failure of the decoder means "not an image we accept"
        return None
    return kind


def read_captions(data: bytes) -> MediaFacts:
    """Parse a WebVTT file's bytes into facts: its cues and their text, or why it is refused."""
    try:
        parsed = webvtt.from_buffer(io.StringIO(data.decode("utf-8-sig")))
    except UnicodeDecodeError:
        return MediaFacts("vtt", len(data), problem="it is not UTF-8 text")
    except Exception as exc:  # webvtt raises several kinds for malformed files
        return MediaFacts("vtt", len(data), problem=f"it does not parse as WebVTT ({exc})")
    lines = [" ".join(cue.text.split()) for cue in parsed.captions if cue.text.strip()]
    end = max((cue.end_in_seconds for cue in parsed.captions), default=0)
    return MediaFacts("vtt", len(data), cues=len(lines), transcript="\n".join(lines), seconds=float(end))


def player_seconds(data: bytes, kind: str) -> float | None:
    """Return a recording's length in seconds where its file states it, else None.

    Mutagen reads MP4, MP3 and Ogg; enzyme reads WebM files that carry a duration and a seek
    head (as ffmpeg and mkvmerge write them). Recordings saved straight from a browser often have
    neither, and then the length is unknown and captions coverage cannot be checked.
    """
    try:
        if kind == "webm":
            duration = enzyme.MKV(io.BytesIO(data)).info.duration
            return duration.total_seconds() if duration else None
        recording = mutagen.File(io.BytesIO(data))
        length = getattr(getattr(recording, "info", None), "length", None)
    except Exception:  # a damaged header only means the length is unknown
        return None
    return float(length) if length else None


def facts_of(data: bytes) -> MediaFacts:
    """Return the facts of a file from its bytes (size limits are checked by `check_media`)."""
    kind = detect_kind(data)
    if kind == "vtt":
        return read_captions(data)
    return MediaFacts(kind, len(data), seconds=player_seconds(data, kind) if kind in PLAYER_KINDS else None)


@lru_cache(maxsize=1024)
def _facts_cached(path: str, mtime_ns: int, size: int) -> MediaFacts:
    limit = MAX_PLAYER_BYTES
    if size > limit:
        return MediaFacts(None, size)
    with open(path, "rb") as handle:
        return facts_of(handle.read())


def read_media_facts(root: Path, relative: str) -> MediaFacts | None:
    """Read the facts of one course file, cached by its modification time and size."""
    try:
        status = (root / relative).stat()
        return _facts_cached(str(root / relative), status.st_mtime_ns, status.st_size)
    except OSError:
        return None


# --- what content files reference -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MediaUse:
    """One image, player or captions file a content file names, where and how."""

    #: "image", "video", "audio", "captions", "descriptions" (a WebVTT track of what is shown),
    #: "described" (the version with audio description) or "undescribed" (a video that says
    #: neither, with no target)
    kind: str
    target: str
    line: int
    alt: str = ""
    block: str = ""
    media: str = ""  # for captions: the player's file, whose length the cues should cover


@dataclass(frozen=True, slots=True)
class Player:
    """A `::: video` or `::: audio` block line, split into its words.

    `descriptions` names a WebVTT file of what the pictures show (a `descriptions` track, and
    text beside the transcript); `described` names a version of the video with audio
    description, or is `none-needed` when everything shown is also said.
    """

    block: str
    media: str
    captions: str = ""
    descriptions: str = ""
    described: str = ""
    lang: str = "en"

    @property
    def described_file(self) -> str:
        """The described version's path, or "" when there is none (or none is needed)."""
        return "" if self.described == NONE_NEEDED else self.described


def _images(children: Sequence[Token], first_line: int) -> Iterator[MediaUse]:
    line = first_line
    for child in children:
        if child.type in {"softbreak", "hardbreak"}:
            line += 1
        elif child.type == "image":
            yield MediaUse("image", str(child.attrs.get("src", "")), line, child.content.strip())


def transcripts_for(source: str, text: str, facts: Mapping[str, MediaFacts]) -> tuple[tuple[str, str], ...]:
    """Return (captions target as written, transcript) for each captions file a content file names."""
    found = {}
    for use in media_uses(text):
        path = resolve(source, use.target) if use.kind in _TRACKS and use.target else None
        if path is not None and path in facts:
            found[use.target] = facts[path].transcript
    return tuple(sorted(found.items()))


#: The kinds of WebVTT file a player names, whose text is shown under it.
_TRACKS = frozenset({"captions", "descriptions"})


def render_player(info: str, caption_html: str, *, source: str, transcripts: Mapping[str, str]) -> str:
    """Render a `::: video` or `::: audio` block: the player with its captions and descriptions
    tracks, the caption, a link to the described version, and the transcript with the description."""
    player = parse_player(info)
    if player is None:
        return ""
    lang = escape(player.lang)
    tracks = "".join(
        f'<track kind="{kind}" src="{escape(media_url(source, target))}" srclang="{lang}" '
        f'label="{label}"{on}>'
        for kind, target, label, on in (("captions", player.captions, "Captions", " default"),
                                        ("descriptions", player.descriptions, "Descriptions", ""))
        if target)
    style = f' style="{IMAGE_STYLE}"' if player.block == "video" else ""
    shown = (f'<{player.block} controls preload="metadata" src="{escape(media_url(source, player.media))}"'
             f"{style}>{tracks}</{player.block}>")
    caption = f"<figcaption>{caption_html}</figcaption>" if caption_html else ""
    described = (f'<p><a href="{escape(media_url(source, player.described_file))}">Watch the version with '
                 "audio description</a></p>") if player.described_file else ""
    return f"<figure>{shown}{caption}{described}{_transcript(player, transcripts)}</figure>"


def _transcript(player: Player, transcripts: Mapping[str, str]) -> str:
    """Return the transcript (what is said) and the description (what is shown), folded."""
    said = transcripts.get(player.captions, "").splitlines() if player.captions else []
    shown = transcripts.get(player.descriptions, "").splitlines() if player.descriptions else []
    if not said and not shown:
        return ""
    title = "Transcript and description" if shown else "Transcript"
    body = "".join(f"<p>{escape(line)}</p>" for line in said)
    if shown:
        body += ("<p><strong>What the video shows</strong></p>"
                 + "".join(f"<p>{escape(line)}</p>" for line in shown))
    return f"<details><summary>{title}</summary>{body}</details>"


def parse_player(info: str) -> Player | None:
    """Split a `::: video PATH captions=PATH descriptions=PATH described=PATH` line into its words."""
    words = info.split()
    if not words or words[0] not in PLAYERS:
        return None
    named = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    media = next((w for w in words[1:] if "=" not in w), "")
    return Player(words[0], media, named.get("captions", ""), named.get("descriptions", ""),
                  named.get("described", ""), named.get("lang", "en") or "en")


@lru_cache(maxsize=4096)
def media_uses(text: str) -> tuple[MediaUse, ...]:
    """Return every image and player a content file names, local or not (cached by text)."""
    if not _MAYBE_MEDIA.search(text):
        return ()
    found: list[MediaUse] = []
    for token in parse_tokens(text):
        line = token.map[0] + 1 if token.map else 1
        if token.type == "inline":
            found += _images(token.children or [], line)
        elif token.type.startswith("container_") and token.type.endswith("_open"):
            player = parse_player(token.info)
            if player is not None:
                found += _player_uses(player, line)
    return tuple(found)


def _player_uses(player: Player, line: int) -> list[MediaUse]:
    """Return the files a player block names; an unstated audio description is a use too."""
    block, media = player.block, player.media
    uses = [MediaUse(block, media, line, block=block),
            MediaUse("captions", player.captions, line, block=block, media=media)]
    if player.descriptions:
        uses.append(MediaUse("descriptions", player.descriptions, line, block=block, media=media))
    if player.described_file:
        uses.append(MediaUse("described", player.described_file, line, block=block, media=media))
    if block == "video" and not player.descriptions and not player.described:
        uses.append(MediaUse("undescribed", "", line, block=block, media=media))
    return uses


def media_paths(source: str, text: str) -> set[str]:
    """Return the course paths of the local media a content file names."""
    paths = (resolve(source, use.target) for use in media_uses(text)
             if use.target and not _REMOTE.match(use.target) and not use.target.startswith("/"))
    return {p for p in paths if p is not None}


# --- the checks -------------------------------------------------------------------------------


def check_media(source: str, text: str, facts: Mapping[str, MediaFacts]) -> list[Diagnostic]:
    """Report each image, player or captions file of a content file that the app cannot show.

    A missing file or a path leaving the course is `link-missing`'s to report (for images) or
    reported here once (for players and captions, which are not Markdown links).
    """
    problems: list[Diagnostic] = []
    for use in media_uses(text):
        problems += _check_use(source, use, facts)
    return problems


def _check_use(source: str, use: MediaUse, facts: Mapping[str, MediaFacts]) -> list[Diagnostic]:
    what = {"image": "the image", "captions": "the captions", "video": "the video",
            "audio": "the audio", "descriptions": "the descriptions",
            "described": "the described version", "undescribed": "the video"}[use.kind]
    if use.kind == "undescribed":
        return [warning(source, use.line, Code.DESCRIPTION_MISSING,
                        f"the video '{use.media}' has no audio description; name a WebVTT file of what "
                        "it shows (descriptions=../media/NAME-described.vtt), a described version "
                        f"(described=../media/NAME-described.mp4), or write described={NONE_NEEDED} if "
                        "everything it shows is also said")]
    if use.kind == "image" and not use.alt:
        return [error(source, use.line, Code.IMAGE_NO_ALT,
                      f"the image '{use.target}' has no alt text; describe it between the brackets, "
                      "as in ![A post calling the product unsafe](../media/post.png)")]
    if not use.target:
        if use.kind == "image":
            return []
        needs = "a captions file (captions=../media/NAME.vtt), so that everyone can follow it" \
            if use.kind == "captions" else "the path of its file, such as ../media/NAME"
        return [error(source, use.line, Code.MEDIA_MISSING,
                      f"'::: {use.block}' needs {needs}: ::: {use.block} ../media/NAME "
                      "captions=../media/NAME.vtt")]
    if _REMOTE.match(use.target) or use.target.startswith("/"):
        return [error(source, use.line, Code.MEDIA_REMOTE,
                      f"{what} '{use.target}' is not a file of the course; a web address would tell "
                      "another site who is reading. Copy the file into media/ and link to it there")]
    path = resolve(source, use.target)
    if path is None or path not in facts:
        if use.kind == "image":
            return []  # link-missing says it, with its hint
        return [error(source, use.line, Code.MEDIA_MISSING,
                      f"{what} '{use.target}' names no file of the course (looked for {path or use.target}); "
                      "check the spelling and the case of every letter")]
    if not path.startswith(MEDIA_FOLDER + "/"):
        moved = f"{MEDIA_FOLDER}/{posixpath.basename(path)}"
        suggested = posixpath.relpath(moved, posixpath.dirname(source) or ".")
        return [error(source, use.line, Code.MEDIA_OUTSIDE_FOLDER,
                      f"{what} '{use.target}' is not in the media/ folder, the only one the app serves "
                      f"files from; move it there and write '{suggested}'")]
    return _check_kind(source, use, path, facts[path], what=what) or _check_cover(source, use, facts)


def _check_kind(source: str, use: MediaUse, path: str, fact: MediaFacts, *, what: str) -> list[Diagnostic]:
    line = use.line
    if fact.kind == "svg":
        return [error(source, line, Code.MEDIA_SVG,
                      f"{what} '{use.target}' is an SVG, which can carry script; export it as PNG")]
    vtt = frozenset({"vtt"})
    wanted = {"image": IMAGE_KINDS, "captions": vtt, "descriptions": vtt,
              "described": PLAYERS["video"]}.get(use.kind) or PLAYERS[use.kind]
    limit = {"image": MAX_IMAGE_BYTES, "captions": MAX_CAPTIONS_BYTES,
             "descriptions": MAX_CAPTIONS_BYTES}.get(use.kind, MAX_PLAYER_BYTES)
    if fact.size > limit:
        return [error(source, line, Code.MEDIA_TOO_LARGE,
                      f"{what} '{use.target}' has {fact.size:,} bytes; the limit is {limit:,}. "
                      f"Make it smaller ({_SMALLER[use.kind]})")]
    if fact.kind not in wanted:
        names = ", ".join(sorted(k.upper() for k in wanted))
        seen = f"it holds {fact.kind.upper()}" if fact.kind else "its content is none of these"
        return [error(source, line, Code.MEDIA_KIND,
                      f"{what} '{use.target}' must be {names} by its content, but {seen}; "
                      "save or export it again in one of these formats")]
    if use.kind in _TRACKS and (fact.problem or not fact.cues):
        why = fact.problem or "it has no cue"
        per = "line of speech" if use.kind == "captions" else "thing shown and not said"
        return [error(source, line, Code.CAPTIONS_INVALID,
                      f"{what} '{use.target}' cannot be used: {why}; write a WebVTT file "
                      f"starting with WEBVTT and one cue per {per}")]
    return []


# --- the media folder, for the studio -------------------------------------------------------------

def find_media_files(root: Path) -> list[str]:
    """Return the course paths of the files under media/, hidden and draft ones left out."""
    found: list[str] = []
    base = root / MEDIA_FOLDER
    for directory, subfolders, names in os.walk(base):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith((".", "_")))
        folder = Path(directory).relative_to(root).as_posix()
        found += [f"{folder}/{name}" for name in sorted(names) if not name.startswith((".", "_"))]
    return sorted(found)


def media_usage(texts: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Return, for each course path an image, player, captions or local link names, the files naming it."""
    users: dict[str, set[str]] = {}
    for source, text in texts.items():
        named = media_paths(source, text)
        named |= {path for found in local_targets(text) if (path := resolve(source, found.target))}
        for path in named:
            users.setdefault(path, set()).add(source)
    return {path: tuple(sorted(sources)) for path, sources in users.items()}


#: Captions may end this long before their recording does (closing music, a silent end card).
COVER_SLACK_SECONDS = 10.0


def _check_cover(source: str, use: MediaUse, facts: Mapping[str, MediaFacts]) -> list[Diagnostic]:
    """Warn when captions end well before the recording they caption, where its length is known."""
    if use.kind != "captions" or not use.media:
        return []
    player = facts.get(resolve(source, use.media) or "")
    captions = facts.get(resolve(source, use.target) or "")
    if player is None or player.seconds is None or captions is None or captions.seconds is None:
        return []
    if captions.seconds + COVER_SLACK_SECONDS >= player.seconds:
        return []
    return [warning(source, use.line, Code.CAPTIONS_SHORT,
                    f"the captions '{use.target}' end at {captions.seconds:.0f} s, but '{use.media}' lasts "
                    f"{player.seconds:.0f} s; caption the rest, so that everyone can follow all of it")]
