"""A module with an image and a captioned video, in a real browser: both load through the media
route, the image with its alt text and caption, the video with its captions and descriptions
tracks and its transcript with the description,
and axe finds nothing serious on the page.

The video is a real WebM recorded by the browser itself from an animated canvas (MediaRecorder),
so no binary sample is kept in the repository and nothing is fetched. With NTS_DOC_SCREENSHOTS=1
the test also refreshes the two screenshots in docs/img that docs/authoring.md shows.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, expect

from course.content.loader import load_course
from course.domain.model import Module
from course.domain.paths import path_for
from tests.browser.conftest import WAIT_MS, open_isolated_context, serve_app, settle, shoot, sign_in_as_demo
from tests.browser.seeding import copy_course
from tests.browser.test_accessibility import _axe_source, _blocking, _describe

pytestmark = pytest.mark.browser

LEARNER_LABEL = "Learner on the Legal & compliance track"
LEARNER_NAME = "Legal & compliance learner (demo)"
ALT = "Bar chart: replies per hour after a complaint, highest in the first hour"
CAPTION = "Replies peak in the first hour"
CAPTIONS = ("WEBVTT\n\n00:00.000 --> 00:01.000\nWe got this wrong.\n\n"
            "00:01.000 --> 00:02.000\nHere is what we do today.\n")
DESCRIPTIONS = "WEBVTT\n\n00:00.000 --> 00:02.000\nA square slides across a blue screen.\n"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"

_RECORD_WEBM = """async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 320; canvas.height = 180;
  document.body.appendChild(canvas);
  const draw = canvas.getContext('2d');
  const recorder = new MediaRecorder(canvas.captureStream(25), {mimeType: 'video/webm'});
  const parts = [];
  recorder.ondataavailable = (event) => parts.push(event.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start();
  for (let frame = 0; frame < 50; frame++) {
    draw.fillStyle = '#1d3557'; draw.fillRect(0, 0, 320, 180);
    draw.fillStyle = '#f1faee'; draw.font = '22px sans-serif';
    draw.fillText('Statement, frame ' + frame, 40, 95);
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  recorder.stop();
  await stopped;
  const bytes = new Uint8Array(await new Blob(parts, {type: 'video/webm'}).arrayBuffer());
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}"""


def _chart() -> bytes:
    image = Image.new("RGB", (480, 240), "white")
    draw = ImageDraw.Draw(image)
    for index, height in enumerate([200, 120, 70, 40, 20]):
        draw.rectangle([30 + index * 90, 220 - height, 90 + index * 90, 220], fill="#1d3557")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _record_webm(browser: Browser) -> bytes:
    page = browser.new_page()
    try:
        return base64.b64decode(page.evaluate(_RECORD_WEBM))
    finally:
        page.close()


def _add_media(content: Path, module: Module, webm: bytes) -> None:
    (content / "media").mkdir(exist_ok=True)
    (content / "media" / "replies.png").write_bytes(_chart())
    (content / "media" / "statement.webm").write_bytes(webm)
    (content / "media" / "statement.vtt").write_text(CAPTIONS, encoding="utf-8")
    (content / "media" / "statement-described.vtt").write_text(DESCRIPTIONS, encoding="utf-8")
    path = content / module.meta.source
    lines = path.read_text(encoding="utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("## "))
    lines[first + 1:first + 1] = [
        "", f'![{ALT}](../media/replies.png "{CAPTION}")', "",
        "::: video ../media/statement.webm captions=../media/statement.vtt "
        "descriptions=../media/statement-described.vtt",
        "A statement by the chief executive.", ":::", "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def media_course(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Module]]:
    """Serve a copy of the bundled course whose first legal module shows an image and a video."""
    content = copy_course(tmp_path_factory.mktemp("nts-media") / "content")
    loaded = load_course(content).course
    assert loaded is not None
    module = path_for(loaded, ("legal",))[0]
    _add_media(content, module, _record_webm(browser))
    result = load_course(content)
    assert [d.format() for d in result.diagnostics] == []
    with serve_app(tmp_path_factory.mktemp("nts-media-data"), content=content) as url:
        yield url, module


def _open_module(page: Page, module: Module) -> None:
    sign_in_as_demo(page, LEARNER_LABEL, name=LEARNER_NAME)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name=module.meta.title, level=1, exact=True)).to_be_visible()
    settle(page)


def test_a_module_shows_its_image_and_captioned_video(browser: Browser, media_course: tuple[str, Module],
                                                     screenshots: Path) -> None:
    url, module = media_course
    context = open_isolated_context(browser, url)
    try:
        page = context.new_page()
        page.goto("/")
        heading = page.get_by_role("heading", name="Need to Share", exact=True)
        expect(heading).to_be_visible(timeout=WAIT_MS * 2)
        _open_module(page, module)

        image = page.get_by_role("img", name=ALT, exact=True)
        image.scroll_into_view_if_needed()
        expect(image).to_be_visible()
        expect(image).to_have_attribute("src", "/course-media/media/replies.png")
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert image.evaluate("(img) => img.naturalWidth") == 480
        expect(page.locator("figcaption", has_text=CAPTION)).to_be_visible()

        video = page.locator("video")
        expect(video).to_have_attribute("src", "/course-media/media/statement.webm")
        expect(video).to_have_attribute("preload", "metadata")
        captions = video.locator("track[kind=captions]")
        expect(captions).to_have_attribute("src", "/course-media/media/statement.vtt")
        expect(video.locator("track[kind=descriptions]")).to_have_attribute(
            "src", "/course-media/media/statement-described.vtt")
        video.scroll_into_view_if_needed()
        page.wait_for_function("(v) => v.readyState >= 1 && v.duration > 0", arg=video.element_handle())
        cues = video.evaluate("""async (v) => {
            const track = v.textTracks[0]; track.mode = 'showing';
            for (let i = 0; i < 50 && !(track.cues && track.cues.length); i++)
              await new Promise((r) => setTimeout(r, 100));
            return Array.from(track.cues || [], (cue) => cue.text);
        }""")
        assert cues == ["We got this wrong.", "Here is what we do today."]
        video.evaluate("""(v) => new Promise((r) => { v.onseeked = r; v.currentTime = 0.5; })""")

        page.get_by_text("Transcript and description", exact=True).click()
        expect(page.get_by_text("Here is what we do today.", exact=True)).to_be_visible()
        expect(page.get_by_text("A square slides across a blue screen.", exact=True)).to_be_visible()

        found = _blocking(page, _axe_source())
        assert found == [], _describe(found)
        shoot(page, screenshots, "media-module")
        if os.environ.get("NTS_DOC_SCREENSHOTS"):
            DOCS_IMG.mkdir(exist_ok=True)
            page.locator("figure", has=image).screenshot(path=str(DOCS_IMG / "media-image.png"))
            page.locator("figure", has=video).screenshot(path=str(DOCS_IMG / "media-video.png"))
    finally:
        context.close()


def test_signed_out_the_media_route_refuses(browser: Browser, media_course: tuple[str, Module]) -> None:
    url, _ = media_course
    context = open_isolated_context(browser, url)
    try:
        response = context.request.get("/course-media/media/replies.png")
        assert response.status == 403
        assert not response.body().startswith(b"\x89PNG")
    finally:
        context.close()
