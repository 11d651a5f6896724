"""A certificate as a one-page A4 PDF: name, track, date, score band, code and where to check it.

Set in the bundled Unicode fonts (course/services/pdf_text.py), so a name prints as it is written
in any script those fonts, or the operator's fallback fonts, hold. Each line keeps to its share of
the page (the height of two lines at its size): a long name or title wraps onto more, smaller
lines, down to half size, and only text too long for that (a name of some 280 characters) is cut
with an ellipsis, so nothing runs off the page or over the frame.
Nothing is read from addresses; the only files read are the fonts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf.enums import Align

from course.domain.certificates import Certificate, verification_url
from course.domain.model import Course
from course.domain.permissions import Actor
from course.services.certificates import owned_certificate
from course.services.pdf_text import FAMILY, UnicodePdf
from course.store.engine import Engine

#: Each step sets text this much smaller than the one before, down to half its size.
_SHRINK = 0.9
_ELLIPSIS = "\u2026"


def _sizes(size: float) -> list[float]:
    sizes = [size]
    while sizes[-1] * _SHRINK >= size / 2:
        sizes.append(sizes[-1] * _SHRINK)
    return sizes


def _cut(pdf: UnicodePdf, lines: list[str], count: int) -> list[str]:
    """Keep the first `count` lines, the last ending in an ellipsis that fits the width."""
    last = lines[count - 1]
    while last and pdf.get_string_width(last + _ELLIPSIS) > pdf.epw:
        last = last[:-1]
    return [*lines[:count - 1], last.rstrip() + _ELLIPSIS]


def _line(pdf: UnicodePdf, text: str, *, size: float, style: str = "", gap: float = 4.0,
          share: int = 2) -> None:
    """Write centred text within the height of `share` lines at `size`: smaller if need be, then cut."""
    shown = pdf.settable(text)
    budget = share * size
    for step in _sizes(size):
        pdf.set_font(FAMILY, style=style, size=step)
        lines = pdf.wrap(shown, height=step * 0.5)
        if len(lines) * step <= budget:
            break
    else:
        lines = _cut(pdf, lines, int(budget // step))
    pdf.write_lines(lines, height=step * 0.5, align=Align.C)
    pdf.ln(gap)


def draw_certificate(certificate: Certificate, *, holder_name: str, course_title: str,
                     public_url: str, fallback_fonts: Sequence[Path] = ()) -> bytes:
    """Return the PDF of one certificate."""
    pdf = UnicodePdf(orientation="landscape", fallback_fonts=fallback_fonts)
    pdf.set_title(f"{course_title}: {certificate.track_title} certificate")
    pdf.set_creator("Need to Share")
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.ln(8)
    _line(pdf, "Certificate of completion", size=30, style="B", gap=8)
    _line(pdf, "This certifies that", size=14)
    _line(pdf, holder_name, size=26, style="B", gap=6)
    _line(pdf, f"completed the {certificate.track_title} track of {course_title}", size=16)
    _line(pdf, f"on {certificate.issued_at:%d %B %Y}, with the score band {certificate.band}.",
          size=16, gap=12)
    if certificate.revoked:
        _line(pdf, "This certificate has been revoked.", size=16, style="B", gap=8)
    _line(pdf, f"Verification code: {certificate.code}", size=13, style="B", gap=2)
    _line(pdf, f"Check it at {verification_url(public_url, certificate.code)}", size=11)
    return bytes(pdf.output())


def certificate_pdf(engine: Engine, actor: Actor, course: Course, code: str, *,
                    public_url: str, fallback_fonts: Sequence[Path] = ()) -> bytes:
    """Return the PDF of one of the signed-in person's own certificates."""
    certificate, holder = owned_certificate(engine, actor, code)
    return draw_certificate(certificate, holder_name=holder.name, course_title=course.info.title,
                            public_url=public_url, fallback_fonts=fallback_fonts)
