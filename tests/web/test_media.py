"""The media route serves a course's own media to signed-in people only, and nothing else."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from course.domain.accounts import parse_capabilities
from course.services import accounts
from course.services.database import Engine
from course.services.media import find_media_file
from course.services.session_cookies import SESSION_COOKIE
from course.store import people
from course.store import sessions as stored
from course.store.engine import write_transaction
from course.web import resources
from course.web.routes import routes

VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n"
MP4 = b"\0\0\0\x18ftypmp42" + b"\0" * 64


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), "navy").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    (root / "media" / ".hidden").mkdir(parents=True)
    (root / "media" / "_draft").mkdir()
    (root / "course.yaml").write_text("title: x\n")
    (root / "media" / "chart.png").write_bytes(_png())
    (root / "media" / "fake.png").write_text("I am text, named as a picture")
    (root / "media" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>')
    (root / "media" / "ceo.mp4").write_bytes(MP4)
    (root / "media" / "ceo.vtt").write_bytes(VTT)
    (root / "media" / ".hidden" / "a.png").write_bytes(_png())
    (root / "media" / "_draft" / "a.png").write_bytes(_png())
    (tmp_path / "outside.png").write_bytes(_png())
    (root / "media" / "escape.png").symlink_to(tmp_path / "outside.png")
    (root / "media" / "inside.png").symlink_to(root / "media" / "chart.png")
    (root / "elsewhere.png").write_bytes(_png())
    (root / "media" / "inside-course.png").symlink_to(root / "elsewhere.png")
    return root


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, course_root: Path) -> Iterator[Engine]:
    """Point the routes at a fresh database and at the course folder above."""
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_CONTENT", str(course_root))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    resources.settings.cache_clear()
    resources.engine.cache_clear()
    yield resources.engine()
    resources.engine().dispose()
    resources.settings.cache_clear()
    resources.engine.cache_clear()


def _session(engine: Engine) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with write_transaction(engine) as session:
        person_id = people.add_person(session, "ana@example.org", name="Ana", department="Legal", tracks=(),
                                      grants=parse_capabilities("learner"), now=now)
        stored.create_session(session, accounts.hash_token(token), person_id=person_id, now=now)
    return token


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(Starlette(routes=routes()))


def test_a_signed_in_person_gets_the_image_with_its_verified_type_and_cache_headers(
        client: TestClient, engine: Engine, course_root: Path) -> None:
    client.cookies.set(SESSION_COOKIE, _session(engine))
    response = client.get("/course-media/media/chart.png")
    assert response.status_code == 200
    assert response.content == (course_root / "media" / "chart.png").read_bytes()
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, max-age=3600"
    etag = response.headers["etag"]
    again = client.get("/course-media/media/chart.png", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    stale = client.get("/course-media/media/chart.png", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_video_and_captions_are_served_with_their_types(client: TestClient, engine: Engine) -> None:
    client.cookies.set(SESSION_COOKIE, _session(engine))
    assert client.get("/course-media/media/ceo.mp4").headers["content-type"] == "video/mp4"
    assert client.get("/course-media/media/ceo.vtt").headers["content-type"].startswith("text/vtt")
    ranged = client.get("/course-media/media/ceo.mp4", headers={"Range": "bytes=0-7"})
    assert ranged.status_code == 206 and ranged.content == MP4[:8]


def test_the_etag_follows_the_content(client: TestClient, engine: Engine, course_root: Path) -> None:
    client.cookies.set(SESSION_COOKIE, _session(engine))
    before = client.get("/course-media/media/chart.png").headers["etag"]
    buffer = io.BytesIO()
    Image.new("RGB", (5, 5), "red").save(buffer, "PNG")
    (course_root / "media" / "chart.png").write_bytes(buffer.getvalue())
    assert client.get("/course-media/media/chart.png").headers["etag"] != before


@pytest.mark.parametrize("cookie", ["", "not-a-session-of-ours-at-all-000000000000000"])
def test_anyone_not_signed_in_is_refused(client: TestClient, cookie: str) -> None:
    if cookie:
        client.cookies.set(SESSION_COOKIE, cookie)
    response = client.get("/course-media/media/chart.png")
    assert response.status_code == 403
    assert b"\x89PNG" not in response.content


def test_an_ended_session_is_refused(client: TestClient, engine: Engine) -> None:
    token = _session(engine)
    accounts.sign_out(engine, token)
    client.cookies.set(SESSION_COOKIE, token)
    assert client.get("/course-media/media/chart.png").status_code == 403


@pytest.mark.parametrize("path", [
    "media/fake.png", "media/logo.svg", "course.yaml", "media/missing.png", "media/Chart.png",
    "media/.hidden/a.png", "media/_draft/a.png", "media/escape.png", "media/%2e%2e/course.yaml",
    "media/%252e%252e/course.yaml", "media/", "elsewhere.png", "media/inside-course.png",
])
def test_everything_else_is_not_found(client: TestClient, engine: Engine, path: str) -> None:
    client.cookies.set(SESSION_COOKIE, _session(engine))
    response = client.get("/course-media/" + path)
    assert response.status_code == 404
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", [
    "../outside.png", "media/../../outside.png", "/etc/passwd", "media\\..\\..\\outside.png",
    "./media/chart.png", "media//chart.png", "media/chart.png\0", "",
])
def test_paths_that_could_leave_the_folder_are_refused_before_any_disk_access(course_root: Path,
                                                                              path: str) -> None:
    assert find_media_file(course_root, path) is None


def test_a_link_that_stays_inside_the_folder_is_followed(course_root: Path) -> None:
    found = find_media_file(course_root, "media/inside.png")
    assert found is not None and found.content_type == "image/png"


def test_the_route_is_not_under_a_prefix_streamlit_reserves() -> None:
    paths = [getattr(route, "path", "") for route in routes()]
    media = [p for p in paths if "media" in p]
    assert media == ["/course-media/{path:path}"]
    assert not any(p.startswith(("/media/", "/_stcore/", "/component/", "/static/")) for p in paths)
