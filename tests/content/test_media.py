"""Images, video and audio: each mistake a trainer can make with media, against its exact message."""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable

import pytest
from PIL import Image

from course.content.loader import ParseCache, load_course
from course.content.media import MAX_IMAGE_BYTES, detect_kind
from tests.conftest import MODULE, QUIZ, SCENARIO, TreeWriter


def picture(kind: str = "PNG", size: tuple[int, int] = (4, 3)) -> bytes:
    """Return a real, tiny image file made by Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, kind)
    return buffer.getvalue()


VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nGood morning.\n\n00:02.000 --> 00:04.000\nWe got this wrong.\n"
MP4 = b"\0\0\0\x18ftypmp42" + b"\0" * 64
MEDIA: dict[str, str | bytes | None] = {
    "media/chart.png": picture(), "media/photo.jpg": picture("JPEG"), "media/anim.gif": picture("GIF"),
    "media/shot.webp": picture("WEBP"), "media/ceo.mp4": MP4, "media/ceo.vtt": VTT,
    "media/talk.mp3": b"ID3\x04\0\0\0\0\0\0" + b"\0" * 32, "media/talk.ogg": b"OggS" + b"\0" * 32,
}


def module(body: str) -> str:
    return MODULE + "\n" + body


def messages(write_tree: TreeWriter, files: dict[str, str | bytes | None]) -> list[str]:
    return [d.format() for d in load_course(write_tree({**MEDIA, **files})).diagnostics]


CASES = {
    "an image without alt text": (
        {"modules/intro.md": module("![](../media/chart.png)\n")},
        ["modules/intro.md:18: error: the image '../media/chart.png' has no alt text; describe it between "
         "the brackets, as in ![A post calling the product unsafe](../media/post.png) [image-no-alt]"],
    ),
    "an image from a web address": (
        {"modules/intro.md": module("![A post](https://cdn.example.org/post.png)\n")},
        ["modules/intro.md:18: error: the image 'https://cdn.example.org/post.png' is not a file of the "
         "course; a web address would tell another site who is reading. Copy the file into media/ and "
         "link to it there [media-remote]"],
    ),
    "an image from a protocol-relative address": (
        {"modules/intro.md": module("![A post](//cdn.example.org/post.png)\n")},
        ["modules/intro.md:18: error: the image '//cdn.example.org/post.png' is not a file of the course; "
         "a web address would tell another site who is reading. Copy the file into media/ and link to "
         "it there [media-remote]"],
    ),
    "an image named in another case": (
        {"modules/intro.md": module("![A chart](../media/Chart.png)\n")},
        ["modules/intro.md:18: warning: the image to '../media/Chart.png' names no file of the course "
         "(looked for media/Chart.png); check the spelling and the case of every letter [link-missing]"],
    ),
    "an image leaving the course folder": (
        {"modules/intro.md": module("![A chart](../../chart.png)\n")},
        ["modules/intro.md:18: warning: the image to '../../chart.png' leads outside the course folder; "
         "copy the file into the course (such as media/) and link to it there [link-missing]"],
    ),
    "text renamed to .png": (
        {"modules/intro.md": module("![A chart](../media/fake.png)\n"), "media/fake.png": "not a picture"},
        ["modules/intro.md:18: error: the image '../media/fake.png' must be GIF, JPEG, PNG, WEBP by its "
         "content, but its content is none of these; save or export it again in one of these formats "
         "[media-kind]"],
    ),
    "a video named as an image": (
        {"modules/intro.md": module("![A chart](../media/chart.png)\n"), "media/chart.png": MP4},
        ["modules/intro.md:18: error: the image '../media/chart.png' must be GIF, JPEG, PNG, WEBP by its "
         "content, but it holds MP4; save or export it again in one of these formats [media-kind]"],
    ),
    "a truncated PNG": (
        {"modules/intro.md": module("![A chart](../media/cut.png)\n"), "media/cut.png": picture()[:30]},
        ["modules/intro.md:18: error: the image '../media/cut.png' must be GIF, JPEG, PNG, WEBP by its "
         "content, but its content is none of these; save or export it again in one of these formats "
         "[media-kind]"],
    ),
    "an SVG, even named .png": (
        {"modules/intro.md": module("![A logo](../media/logo.png)\n"),
         "media/logo.png": '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>'},
        ["modules/intro.md:18: error: the image '../media/logo.png' is an SVG, which can carry script; "
         "export it as PNG [media-svg]"],
    ),
    "an image over the size limit": (
        {"modules/intro.md": module("![A chart](../media/big.png)\n"),
         "media/big.png": picture() + b"\0" * MAX_IMAGE_BYTES},
        [f"modules/intro.md:18: error: the image '../media/big.png' has {len(picture()) + MAX_IMAGE_BYTES:,} "
         f"bytes; the limit is {MAX_IMAGE_BYTES:,}. Make it smaller (fewer pixels, or JPEG for a photo) "
         "[media-too-large]"],
    ),
    "a video without captions": (
        {"modules/intro.md": module("::: video ../media/ceo.mp4 described=none-needed\n:::\n")},
        ["modules/intro.md:18: error: '::: video' needs a captions file (captions=../media/NAME.vtt), so "
         "that everyone can follow it: ::: video ../media/NAME captions=../media/NAME.vtt [media-missing]"],
    ),
    "a video block without a file": (
        {"modules/intro.md": module("::: video captions=../media/ceo.vtt described=none-needed\n:::\n")},
        ["modules/intro.md:18: error: '::: video' needs the path of its file, such as ../media/NAME: "
         "::: video ../media/NAME captions=../media/NAME.vtt [media-missing]"],
    ),
    "a video that is not there": (
        {"modules/intro.md": module("::: video ../media/CEO.mp4 captions=../media/ceo.vtt "
                                    "described=none-needed\n:::\n")},
        ["modules/intro.md:18: error: the video '../media/CEO.mp4' names no file of the course (looked "
         "for media/CEO.mp4); check the spelling and the case of every letter [media-missing]"],
    ),
    "a video from the web": (
        {"modules/intro.md": module("::: video https://videos.example/ceo.mp4 "
                                    "captions=../media/ceo.vtt described=none-needed\n:::\n")},
        ["modules/intro.md:18: error: the video 'https://videos.example/ceo.mp4' is not a file of the "
         "course; a web address would tell another site who is reading. Copy the file into media/ and "
         "link to it there [media-remote]"],
    ),
    "audio given to a video block": (
        {"modules/intro.md": module("::: video ../media/talk.mp3 captions=../media/ceo.vtt "
                                    "described=none-needed\n:::\n")},
        ["modules/intro.md:18: error: the video '../media/talk.mp3' must be MP4, WEBM by its content, but "
         "it holds MP3; save or export it again in one of these formats [media-kind]"],
    ),
    "captions that are not WebVTT": (
        {"modules/intro.md": module("::: video ../media/ceo.mp4 captions=../media/ceo.srt "
                                    "described=none-needed\n:::\n"),
         "media/ceo.srt": "1\n00:00:00,000 --> 00:00:02,000\nHello\n"},
        ["modules/intro.md:18: error: the captions '../media/ceo.srt' must be VTT by its content, but its "
         "content is none of these; save or export it again in one of these formats [media-kind]"],
    ),
    "captions without a cue": (
        {"modules/intro.md": module("::: video ../media/ceo.mp4 captions=../media/empty.vtt "
                                    "described=none-needed\n:::\n"),
         "media/empty.vtt": "WEBVTT\n\n"},
        ["modules/intro.md:18: error: the captions '../media/empty.vtt' cannot be used: it has no cue; "
         "write a WebVTT file starting with WEBVTT and one cue per line of speech [captions-invalid]"],
    ),
    "captions with a broken timing line": (
        {"modules/intro.md": module("::: video ../media/ceo.mp4 captions=../media/bad.vtt "
                                    "described=none-needed\n:::\n"),
         "media/bad.vtt": "WEBVTT\n\n00:00.000 -> later\nHello\n"},
        ["modules/intro.md:18: error: the captions '../media/bad.vtt' cannot be used: it has no cue; "
         "write a WebVTT file starting with WEBVTT and one cue per line of speech [captions-invalid]"],
    ),
    "a video as an SVG": (
        {"modules/intro.md": module("::: audio ../media/x.ogg captions=../media/ceo.vtt\n:::\n"),
         "media/x.ogg": "<svg><script>alert(1)</script></svg>"},
        ["modules/intro.md:18: error: the audio '../media/x.ogg' is an SVG, which can carry script; "
         "export it as PNG [media-svg]"],
    ),
    "an image in a quiz question and a scenario node, both fine": (
        {"quizzes/intro-quiz.md": QUIZ.replace("\n- [", "\n![A chart](../media/chart.png)\n\n- [", 1),
         "scenarios/first-day.md": SCENARIO.replace("\n- [", "\n![A photo](../media/photo.jpg)\n\n- [", 1)},
        [],
    ),
    "an image in a quiz without alt text": (
        {"quizzes/intro-quiz.md": QUIZ.replace("\n- [", "\n![](../media/chart.png)\n\n- [", 1)},
        None,
    ),
    "every accepted kind": (
        {"modules/intro.md": module(
            "![A](../media/chart.png) ![B](../media/photo.jpg) ![C](../media/anim.gif) "
            "![D](../media/shot.webp)"
            "\n\n::: video ../media/ceo.mp4 captions=../media/ceo.vtt described=none-needed\n:::\n\n"
            "::: audio ../media/talk.mp3 captions=../media/ceo.vtt\n:::\n\n"
            "::: audio ../media/talk.ogg captions=../media/ceo.vtt\n:::\n")},
        [],
    ),
}


@pytest.mark.parametrize("files,expected", list(CASES.values()), ids=list(CASES))
def test_media_catalogue(write_tree: TreeWriter, files: dict[str, str | bytes | None],
                         expected: list[str] | None) -> None:
    found = messages(write_tree, files)
    if expected is None:
        assert len(found) == 1 and found[0].endswith("[image-no-alt]") and found[0].startswith("quizzes/")
    else:
        assert found == expected


def test_a_module_renders_a_figure_a_player_and_its_transcript(write_tree: TreeWriter) -> None:
    text = module('![A chart of replies per hour](../media/chart.png "Replies peak in the first hour")\n\n'
                  "::: video ../media/ceo.mp4 captions=../media/ceo.vtt described=none-needed\n"
                  "A statement by the chief executive.\n:::\n")
    result = load_course(write_tree({**MEDIA, "modules/intro.md": text}))
    assert result.diagnostics == ()
    assert result.course is not None
    sections = result.course.modules["intro"].sections
    html = " ".join(block.html for section in sections for block in section.blocks)
    assert ('<figure><img src="/course-media/media/chart.png" alt="A chart of replies per hour" '
            'loading="lazy" '
            'style="max-width:100%;height:auto"><figcaption>Replies peak in the first hour</figcaption>'
            "</figure>") in html
    assert ('<video controls="" preload="metadata" src="/course-media/media/ceo.mp4" '
            'style="max-width:100%;height:auto"><track kind="captions" src="/course-media/media/ceo.vtt" '
            'srclang="en" label="Captions" default=""></video>') in html
    assert "<figcaption><p>A statement by the chief executive.</p></figcaption>" in html
    assert ("<details><summary>Transcript</summary><p>Good morning.</p><p>We got this wrong.</p>"
            "</details>") in html


def test_changing_the_captions_changes_the_transcript(write_tree: TreeWriter) -> None:
    text = module("::: video ../media/ceo.mp4 captions=../media/ceo.vtt described=none-needed\n:::\n")
    root = write_tree({**MEDIA, "modules/intro.md": text})
    cache = ParseCache()
    first = load_course(root, cache=cache)
    captions = root / "media" / "ceo.vtt"
    saved = captions.stat().st_mtime_ns
    captions.write_bytes(VTT.replace(b"Good morning.", b"Good evening."))
    os.utime(captions, ns=(saved + 10**9, saved + 10**9))  # saved a second later, as an editor would
    second = load_course(root, cache=cache)
    assert first.course is not None and second.course is not None
    html = second.course.modules["intro"].sections[-1].blocks[-1].html
    assert "Good evening." in html and "Good morning." not in html


def test_an_image_inside_a_sentence_stays_inline_with_its_title(write_tree: TreeWriter) -> None:
    text = module('See ![the chart](../media/chart.png "Replies") here.\n')
    result = load_course(write_tree({**MEDIA, "modules/intro.md": text}))
    assert result.course is not None
    html = result.course.modules["intro"].sections[-1].blocks[-1].html
    assert html == ('<p>See <img src="/course-media/media/chart.png" alt="the chart" title="Replies" '
                    'loading="lazy" style="max-width:100%;height:auto"> here.</p>')


def test_an_image_the_app_cannot_serve_shows_its_alt_text_only(write_tree: TreeWriter) -> None:
    text = module("![A tracking pixel](https://tracker.example/p.png)\n")
    result = load_course(write_tree({**MEDIA, "modules/intro.md": text}))
    assert result.course is not None
    html = result.course.modules["intro"].sections[-1].blocks[-1].html
    assert html == "<p>A tracking pixel</p>"


@pytest.mark.parametrize("data,kind", [
    (picture(), "png"), (picture("JPEG"), "jpeg"), (picture("GIF"), "gif"), (picture("WEBP"), "webp"),
    (picture("BMP"), None), (b"", None), (MP4, "mp4"), (b"\x1a\x45\xdf\xa3" + b"\0" * 8, "webm"),
    (b"OggS\0", "ogg"), (b"ID3\x04", "mp3"), (b"\xff\xfb\x90\x00", "mp3"), (VTT, "vtt"),
    (b"\xef\xbb\xbf" + VTT, "vtt"), (b"  <svg xmlns='x'/>", "svg"), (b"<!DOCTYPE svg><svg>", "svg"),
    (b"<html><svg></svg></html>", None),
])
def test_the_kind_comes_from_the_content(data: bytes, kind: str | None) -> None:
    assert detect_kind(data) == kind


def test_media_outside_the_media_folder_is_refused(write_tree: TreeWriter) -> None:
    files = {"modules/intro.md": module("![A chart](pictures/chart.png)\n\n"
                                        "::: video ceo.mp4 captions=../media/ceo.vtt "
                                        "described=none-needed\n:::\n"),
             "modules/pictures/chart.png": picture(), "modules/ceo.mp4": MP4}
    assert [m for m in messages(write_tree, files) if "[file-ignored]" not in m] == [
        "modules/intro.md:18: error: the image 'pictures/chart.png' is not in the media/ folder, the only "
        "one the app serves files from; move it there and write '../media/chart.png' [media-outside-folder]",
        "modules/intro.md:20: error: the video 'ceo.mp4' is not in the media/ folder, the only one the app "
        "serves files from; move it there and write '../media/ceo.mp4' [media-outside-folder]",
    ]


def mp4_of(seconds: int, *, version: int = 0, scale: int = 1000) -> bytes:
    """Return an MP4 file's start whose movie header gives its length."""
    if version == 1:
        header = bytes([1, 0, 0, 0]) + b"\0" * 16 + scale.to_bytes(4) + (seconds * scale).to_bytes(8)
    else:
        header = bytes(4) + b"\0" * 8 + scale.to_bytes(4) + (seconds * scale).to_bytes(4)
    mvhd = (8 + len(header) + 80).to_bytes(4) + b"mvhd" + header + b"\0" * 80
    return b"\0\0\0\x18ftypmp42" + b"\0" * 12 + (8 + len(mvhd)).to_bytes(4) + b"moov" + mvhd


def mp3_of(seconds: int) -> bytes:
    """Return an MP3 file of silent frames (MPEG-1 layer III, 128 kbit/s, 44.1 kHz) this long."""
    frame = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)  # 1152 samples each
    return frame * round(seconds * 44_100 / 1152)


def ogg_of(seconds: int) -> bytes:
    """Return an Ogg Opus file whose last page's granule position gives its length."""
    from mutagen.ogg import OggPage

    def page(packet: bytes, sequence: int, position: int, *, first: bool = False,
             last: bool = False) -> bytes:
        made = OggPage()
        made.serial, made.sequence, made.position, made.packets = 1, sequence, position, [packet]
        made.first, made.last = first, last
        return bytes(made.write())

    rate = (48_000).to_bytes(4, "little")
    head = b"OpusHead" + bytes([1, 1]) + (312).to_bytes(2, "little") + rate + bytes(3)
    tags = b"OpusTags" + (4).to_bytes(4, "little") + b"test" + bytes(4)
    return (page(head, 0, 0, first=True) + page(tags, 1, 0)
            + page(b"\xf8\xff\xfe", 2, 48_000 * seconds + 312, last=True))


def _element(ident: str, payload: bytes) -> bytes:
    return bytes.fromhex(ident) + (1 << 56 | len(payload)).to_bytes(8) + payload


def webm_of(seconds: int, *, with_seek_head: bool = True) -> bytes:
    """Return a WebM file's start: its header, a seek head and an Info element with its duration."""

    doc_type = _element("4282", b"webm") + _element("4287", b"\x04") + _element("4285", b"\x02")
    header = _element("1A45DFA3", doc_type)
    info = _element("1549A966", _element("2AD7B1", (1_000_000).to_bytes(3))
                    + _element("4489", struct.pack(">d", seconds * 1000.0)))
    def seek_head(info_at: int) -> bytes:  # where Info starts, counted from the segment's data
        entry = _element("53AB", bytes.fromhex("1549A966")) + _element("53AC", info_at.to_bytes(8))
        return _element("114D9B74", _element("4DBB", entry))

    seek = seek_head(len(seek_head(0))) if with_seek_head else b""
    return header + _element("18538067", seek + info)


@pytest.mark.parametrize("version", [0, 1])
def test_the_length_of_an_mp4_is_read_from_its_header(version: int) -> None:
    from course.content.media import facts_of
    assert facts_of(mp4_of(95, version=version)).seconds == 95
    assert facts_of(MP4).seconds is None


@pytest.mark.parametrize(("make", "kind"), [(mp3_of, "mp3"), (ogg_of, "ogg"), (webm_of, "webm")])
def test_the_length_of_mp3_ogg_and_webm_recordings_is_read(make: Callable[[int], bytes], kind: str) -> None:
    from course.content.media import facts_of
    facts = facts_of(make(95))
    assert facts.kind == kind and facts.seconds is not None
    assert abs(facts.seconds - 95) < 0.5  # an MP3's length is estimated from its bit rate


def test_a_webm_without_a_stated_length_is_accepted_without_a_coverage_check() -> None:
    from course.content.media import facts_of
    facts = facts_of(webm_of(95, with_seek_head=False))  # as browsers record it: no seek head
    assert facts.kind == "webm" and facts.seconds is None
    assert facts_of(webm_of(95)[:60]).seconds is None  # cut short: unknown, never a crash


@pytest.mark.parametrize(("make", "name", "block"), [
    (mp3_of, "talk.mp3", "audio"), (ogg_of, "talk.ogg", "audio"), (webm_of, "talk.webm", "video")])
def test_captions_short_of_an_mp3_ogg_or_webm_recording_are_reported(
        write_tree: TreeWriter, make: Callable[[int], bytes], name: str, block: str) -> None:
    text = f"::: {block} ../media/{name} captions=../media/ceo.vtt described=none-needed\n:::\n"
    found = messages(write_tree, {"modules/intro.md": module(text), f"media/{name}": make(120)})
    assert found == [
        f"modules/intro.md:18: warning: the captions '../media/ceo.vtt' end at 4 s, but '../media/{name}' "
        "lasts 120 s; caption the rest, so that everyone can follow all of it [captions-short]"]
    assert messages(write_tree, {"modules/intro.md": module(text), f"media/{name}": make(12)}) == []


def test_captions_that_stop_well_before_the_video_ends_are_reported(write_tree: TreeWriter) -> None:
    block = "::: video ../media/long.mp4 captions=../media/ceo.vtt described=none-needed\n:::\n"
    found = messages(write_tree, {"modules/intro.md": module(block), "media/long.mp4": mp4_of(120)})
    assert found == [
        "modules/intro.md:18: warning: the captions '../media/ceo.vtt' end at 4 s, but '../media/long.mp4' "
        "lasts 120 s; caption the rest, so that everyone can follow all of it [captions-short]"]
    assert messages(write_tree, {"modules/intro.md": module(block), "media/long.mp4": mp4_of(12)}) == []


def test_players_belong_in_modules_only(write_tree: TreeWriter) -> None:
    block = "\n::: video ../media/ceo.mp4 captions=../media/ceo.vtt described=none-needed\n:::\n\n- ["
    found = messages(write_tree, {"quizzes/intro-quiz.md": QUIZ.replace("\n- [", block, 1)})
    assert found == ["quizzes/intro-quiz.md:11: error: unknown block '::: video'; use one of explain "
                     "[unknown-block]"]


@pytest.mark.parametrize("attrs", [
    '{srcset="https://tracker.example/x.png 2x"}', '{onerror="alert(1)"}',
    '{style="position:fixed;inset:0"}', '{loading=eager}', '{width="100%" height=javascript:1}',
    '{src="https://tracker.example/x.png"}',
    '{src="javascript:alert(1)"}', '{src="data:image/png;base64,AAAA"}',
    '{src="/course-media/../course.yaml"}',
])
def test_attributes_written_on_an_image_cannot_load_or_run_anything(write_tree: TreeWriter,
                                                                     attrs: str) -> None:
    text = module(f"![A chart](../media/chart.png){attrs}\n")
    result = load_course(write_tree({**MEDIA, "modules/intro.md": text}))
    assert result.course is not None
    html = result.course.modules["intro"].sections[-1].blocks[-1].html
    assert html in {'<p><img src="/course-media/media/chart.png" alt="A chart" loading="lazy" '
                    'style="max-width:100%;height:auto"></p>', "<p>A chart</p>"}


# --- audio description (WCAG 1.2.5) -------------------------------------------------------------

DESCRIBED_VTT = (b"WEBVTT\n\n00:00.500 --> 00:02.000\nThe chief executive stands alone at a lectern.\n\n"
                 b"00:02.000 --> 00:04.000\nA slide behind her reads <b>Recall</b> & 40,000 units.\n")
DESCRIBED = {"media/ceo-described.vtt": DESCRIBED_VTT, "media/ceo-described.mp4": mp4_of(4)}

DESCRIPTION_CASES = {
    "a video that says nothing of its pictures": (
        "::: video ../media/ceo.mp4 captions=../media/ceo.vtt",
        ["modules/intro.md:18: warning: the video '../media/ceo.mp4' has no audio description; name a "
         "WebVTT file of what it shows (descriptions=../media/NAME-described.vtt), a described version "
         "(described=../media/NAME-described.mp4), or write described=none-needed if everything it "
         "shows is also said [description-missing]"],
    ),
    "a statement that none is needed": (
        "::: video ../media/ceo.mp4 captions=../media/ceo.vtt described=none-needed", []),
    "a descriptions track": (
        "::: video ../media/ceo.mp4 captions=../media/ceo.vtt descriptions=../media/ceo-described.vtt", []),
    "a described version": (
        "::: video ../media/ceo.mp4 captions=../media/ceo.vtt described=../media/ceo-described.mp4", []),
    "audio needs none": ("::: audio ../media/talk.mp3 captions=../media/ceo.vtt", []),
    "descriptions that are not there": (
        "::: video ../media/ceo.mp4 captions=../media/ceo.vtt descriptions=../media/gone.vtt",
        ["modules/intro.md:18: error: the descriptions '../media/gone.vtt' names no file of the course "
         "(looked for media/gone.vtt); check the spelling and the case of every letter [media-missing]"],
    ),
    "descriptions in SubRip": (
        "::: video ../media/ceo.mp4 captions=../media/ceo.vtt descriptions=../media/ceo.srt",
        ["modules/intro.md:18: error: the descriptions '../media/ceo.srt' must be VTT by its content, but "
         "its content is none of these; save or export it again in one of these formats [media-kind]"],
    ),
    "descriptions without a cue": (
        "::: video ../media/ceo.mp4 captions=../media/ceo.vtt descriptions=../media/empty.vtt",
        ["modules/intro.md:18: error: the descriptions '../media/empty.vtt' cannot be used: it has no cue; "
         "write a WebVTT file starting with WEBVTT and one cue per thing shown and not said "
         "[captions-invalid]"],
    ),
    "a described version that is audio": (
        "::: video ../media/ceo.mp4 captions=../media/ceo.vtt described=../media/talk.mp3",
        ["modules/intro.md:18: error: the described version '../media/talk.mp3' must be MP4, WEBM by its "
         "content, but it holds MP3; save or export it again in one of these formats [media-kind]"],
    ),
    "a described version from the web": (
        "::: video ../media/ceo.mp4 captions=../media/ceo.vtt described=https://videos.example/ad.mp4",
        ["modules/intro.md:18: error: the described version 'https://videos.example/ad.mp4' is not a file "
         "of the course; a web address would tell another site who is reading. Copy the file into media/ "
         "and link to it there [media-remote]"],
    ),
}


@pytest.mark.parametrize(("line", "expected"), list(DESCRIPTION_CASES.values()), ids=list(DESCRIPTION_CASES))
def test_audio_description_is_checked(write_tree: TreeWriter, line: str, expected: list[str]) -> None:
    files: dict[str, str | bytes | None] = {
        **DESCRIBED, "media/ceo.srt": "1\n00:00:00,000 --> 00:00:02,000\nHello\n",
        "media/empty.vtt": "WEBVTT\n\n", "modules/intro.md": module(f"{line}\n:::\n")}
    assert messages(write_tree, files) == expected


def test_a_described_video_has_its_track_its_version_and_its_description(write_tree: TreeWriter) -> None:
    text = module("::: video ../media/ceo.mp4 captions=../media/ceo.vtt "
                  "descriptions=../media/ceo-described.vtt described=../media/ceo-described.mp4\n:::\n")
    result = load_course(write_tree({**MEDIA, **DESCRIBED, "modules/intro.md": text}))
    assert result.diagnostics == ()
    assert result.course is not None
    html = result.course.modules["intro"].sections[-1].blocks[-1].html
    assert ('<track kind="captions" src="/course-media/media/ceo.vtt" srclang="en" label="Captions" '
            'default=""><track kind="descriptions" src="/course-media/media/ceo-described.vtt" srclang="en" '
            'label="Descriptions"></video>') in html
    assert ('<p><a href="/course-media/media/ceo-described.mp4" rel="noopener noreferrer nofollow">'
            "Watch the version with audio description</a></p>") in html
    # The description's text follows the transcript; cue markup is dropped and the rest escaped.
    assert ("<details><summary>Transcript and description</summary><p>Good morning.</p>"
            "<p>We got this wrong.</p><p><strong>What the video shows</strong></p>"
            "<p>The chief executive stands alone at a lectern.</p>"
            "<p>A slide behind her reads Recall &amp; 40,000 units.</p></details>") in html
    assert "<b>" not in html


def test_none_needed_adds_nothing_to_the_page(write_tree: TreeWriter) -> None:
    text = module("::: video ../media/ceo.mp4 captions=../media/ceo.vtt described=none-needed\n:::\n")
    result = load_course(write_tree({**MEDIA, "modules/intro.md": text}))
    assert result.course is not None and result.diagnostics == ()
    html = result.course.modules["intro"].sections[-1].blocks[-1].html
    assert "descriptions" not in html and "<a " not in html and "<summary>Transcript</summary>" in html


@pytest.mark.parametrize("target", ["javascript:alert(1)", '"><script>alert(1)</script>',
                                    "//evil.example/x.mp4"])
def test_a_hostile_described_version_or_track_reaches_the_page_inert(write_tree: TreeWriter,
                                                                      target: str) -> None:
    text = module(f"::: video ../media/ceo.mp4 captions=../media/ceo.vtt descriptions={target} "
                  f"described={target}\n:::\n")
    result = load_course(write_tree({**MEDIA, "modules/intro.md": text}))
    assert result.diagnostics, "a hostile path is reported"
    assert result.course is not None
    html = result.course.modules["intro"].sections[-1].blocks[-1].html
    assert "<video" in html
    assert "javascript:" not in html and "<script" not in html and "evil.example" not in html
