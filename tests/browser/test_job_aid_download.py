"""A learner downloads a job aid from their path in a real browser: one A4 page, its own text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import WAIT_MS, PageFactory, settle, sign_in_as_demo
from tests.browser.test_learner_journey import LEARNER_LABEL, LEARNER_NAME

pytestmark = pytest.mark.browser


def test_the_severity_matrix_downloads_as_a_one_page_pdf(new_page: PageFactory, tmp_path: Path) -> None:
    page = new_page()
    sign_in_as_demo(page, LEARNER_LABEL, name=LEARNER_NAME)
    expect(page.get_by_role("heading", name="Job aids for your path")).to_be_visible()
    settle(page)
    label = "Download “Severity matrix for posts about us” (PDF, one page)"
    with page.expect_download(timeout=WAIT_MS) as caught:
        page.get_by_role("button", name=label).click()
    assert caught.value.suggested_filename == "severity-matrix.pdf"
    saved = tmp_path / "aid.pdf"
    caught.value.save_as(saved)
    reader = PdfReader(io.BytesIO(saved.read_bytes()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Severity matrix for posts about us" in text and "Harm outranks reach." in text
