"""A certificate in a real browser: the learner downloads its PDF, anyone checks its code, revoked or not."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from pypdf import PdfReader

from course.domain.certificates import VERIFY_PATH, Certificate
from course.store import certificates, people
from course.store.engine import create_store_engine, read_session, write_transaction
from tests.browser.conftest import WAIT_MS, open_sign_in, serve_app, settle, sign_in_as_demo
from tests.browser.test_learner_journey import LEARNER_LABEL, LEARNER_NAME

pytestmark = pytest.mark.browser

EMAIL = "legal.learner@demo.needtoshare.invalid"
CODE = "CAFE0123456789ABCDEF"


@pytest.fixture(scope="module")
def served(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("nts-certificates")
    with serve_app(data) as url:
        yield url, data


def test_a_learner_downloads_a_certificate_and_anyone_checks_its_code(
    served: tuple[str, Path], context_on: Callable[[str], BrowserContext], tmp_path: Path
) -> None:
    url, data = served
    page = open_sign_in(context_on(url))
    sign_in_as_demo(page, LEARNER_LABEL, name=LEARNER_NAME)
    engine = create_store_engine(f"sqlite:///{data / 'browser.db'}")
    with read_session(engine) as session:
        person_id = people.find_person_id(session, EMAIL)
    assert person_id is not None
    with write_transaction(engine) as session:
        certificates.add_certificate(session, Certificate(
            CODE, person_id, "legal", "Legal & compliance", datetime(2026, 5, 1, tzinfo=UTC), 0.92,
            "Distinguished"))

    page.get_by_role("link", name="My literacy profile").first.click()
    expect(page.get_by_role("heading", name="My certificates")).to_be_visible(timeout=WAIT_MS)
    settle(page)
    with page.expect_download(timeout=WAIT_MS) as caught:
        page.get_by_role("button", name="Certificate (PDF)").click()
    saved = tmp_path / "certificate.pdf"
    caught.value.save_as(saved)
    text = " ".join(PdfReader(io.BytesIO(saved.read_bytes())).pages[0].extract_text().split())
    assert LEARNER_NAME in text and "Distinguished" in text and CODE in text

    checker = context_on(url).new_page()  # someone else, not signed in
    checker.goto(f"{url}{VERIFY_PATH}?code={CODE}")
    expect(checker.get_by_role("heading", name="Certificate valid")).to_be_visible()
    expect(checker.get_by_text(LEARNER_NAME)).to_be_visible()
    with write_transaction(engine) as session:
        certificates.revoke_certificate(session, CODE, now=datetime.now(UTC), reason="test")
    checker.reload()
    expect(checker.get_by_role("heading", name="Certificate revoked")).to_be_visible()
    engine.dispose()
