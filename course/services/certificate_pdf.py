"""A certificate as a one-page A4 PDF: name, track, date, score band, code and where to check it.

Drawn with the PDF core fonts; characters they do not hold are written as "?" rather than
failing, so any name prints. Nothing is read from files or addresses.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from course.domain.certificates import Certificate, verification_url
from course.domain.model import Course
from course.domain.permissions import Actor
from course.services.certificates import owned_certificate
from course.store.engine import Engine

_FONT = "helvetica"


def _latin(text: str) -> str:
    plain = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return plain.encode("latin-1", errors="replace").decode("latin-1")


def _line(pdf: FPDF, text: str, *, size: float, style: str = "", gap: float = 4.0) -> None:
    pdf.set_font(_FONT, style=style, size=size)
    pdf.multi_cell(0, size * 0.5, _latin(text), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(gap)


def draw_certificate(certificate: Certificate, *, holder_name: str, course_title: str,
                     public_url: str) -> bytes:
    """Return the PDF of one certificate."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(_latin(f"{course_title}: {certificate.track_title} certificate"))
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
                    public_url: str) -> bytes:
    """Return the PDF of one of the signed-in person's own certificates."""
    certificate, holder = owned_certificate(engine, actor, code)
    return draw_certificate(certificate, holder_name=holder.name, course_title=course.info.title,
                            public_url=public_url)
