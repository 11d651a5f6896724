"""The learner's certificates and records on their profile: PDFs, signed badges and the JSON export."""

from __future__ import annotations

import json

import streamlit as st

from course.domain.certificates import Certificate, Issuer, verification_url
from course.domain.model import Course
from course.domain.permissions import Actor
from course.services.certificate_pdf import certificate_pdf
from course.services.certificates import certify_completion, credential, issue_certificates, signed_credential
from course.services.privacy import export_own, render_export, render_readable
from course.ui import a11y, resources, state, widgets
from course.ui.text import literal


def _downloads(actor: Actor, course: Course, certificate: Certificate, public_url: str) -> None:
    engine = resources.engine()
    issuer = Issuer.named(resources.settings().organisation_name, public_url)
    stem = f"certificate-{certificate.track}-{certificate.code}"
    fonts = resources.settings().pdf_fallback_fonts
    left, middle, right = st.columns(3)
    left.download_button(
        "Certificate (PDF)", icon=":material/download:", on_click="ignore", mime="application/pdf",
        data=lambda: certificate_pdf(engine, actor, course, certificate.code, public_url=public_url,
                                     fallback_fonts=fonts),
        file_name=f"{stem}.pdf", key=f"certificate-pdf-{certificate.code}")
    middle.download_button(
        "Signed badge (Open Badges 3.0, JWT)", icon=":material/verified:", on_click="ignore",
        mime="application/jwt", file_name=f"{stem}.jwt", key=f"certificate-jwt-{certificate.code}",
        data=lambda: signed_credential(engine, actor, course, certificate.code, issuer=issuer))
    right.download_button(
        "Badge contents (JSON)", icon=":material/data_object:", on_click="ignore",
        mime="application/json", file_name=f"{stem}.json", key=f"certificate-json-{certificate.code}",
        data=lambda: json.dumps(credential(engine, actor, course, certificate.code, issuer=issuer),
                                indent=2, ensure_ascii=False))


def certificates_section(actor: Actor, course: Course) -> None:
    """Issue any certificate now earned, and list the learner's certificates with their downloads."""
    a11y.heading("My certificates", level=2)
    issued = issue_certificates(resources.engine(), actor, course)
    if not issued:
        st.caption("Finish every module of your track (read it, pass its quiz, play its scenario) "
                   "to earn the track's certificate.")
        return
    public_url = resources.settings().mail.public_url
    for certificate in issued:
        with st.container(border=True):
            mark = ":material/block:" if certificate.revoked else ":material/workspace_premium:"
            st.markdown(f"{mark} **{literal(certificate.track_title)}** · {literal(certificate.band)}"
                        f" ({widgets.percent(certificate.score)}) · {certificate.issued_at:%d %b %Y}")
            if certificate.revoked:
                st.warning("An administrator has revoked this certificate.")
            address = verification_url(public_url, certificate.code)
            st.caption(f"Verification code **{certificate.code}** · anyone can check it at "
                       f"[{literal(address)}]({address})")
            _downloads(actor, course, certificate, public_url)


def certify_after_work(actor: Actor, course: Course) -> None:
    """Issue what the work just recorded has earned, to announce it on the next rerun.

    Pages call this right after recording work that can finish a track: the last section of a
    module, a passed quiz, a scenario's ending.
    """
    earned = certify_completion(resources.engine(), actor, course)
    if earned:
        state.put(state.EARNED, value=tuple(earned))


def announce_earned(actor: Actor, course: Course) -> None:
    """Say, once, which certificates the learner has just earned, with their downloads."""
    earned = state.take(state.EARNED)
    if not earned:
        return
    public_url = resources.settings().mail.public_url
    for certificate in earned:
        if not isinstance(certificate, Certificate):
            continue
        with st.container(border=True):
            a11y.heading("You earned a certificate", level=2)
            st.success(f"{literal(certificate.track_title)} · {literal(certificate.band)} "
                       f"({widgets.percent(certificate.score)}). It is also kept on your profile.",
                       icon=":material/workspace_premium:")
            address = verification_url(public_url, certificate.code)
            st.caption(f"Verification code **{certificate.code}** · anyone can check it at "
                       f"[{literal(address)}]({address})")
            _downloads(actor, course, certificate, public_url)


def records_section(actor: Actor) -> None:
    """Let the learner download everything the app holds about them, as JSON."""
    a11y.heading("My records", level=2)
    st.caption("Everything the app holds about you: your progress, answers, scores, scenario runs, "
               "reflections and certificates. Preparing it is recorded in the audit log.")
    if st.button("Prepare my records", key="records-prepare", icon=":material/folder_zip:"):
        export = export_own(resources.engine(), actor)
        # Shown for this run only: the records are not kept in the session.
        left, right = st.columns(2)
        left.download_button("Download my records (readable text)", data=render_readable(export),
                             file_name="my-records.txt", mime="text/plain", on_click="ignore",
                             icon=":material/download:", key="records-text")
        right.download_button("Download my records (JSON)", data=render_export(export),
                              file_name="my-records.json", mime="application/json", on_click="ignore",
                              icon=":material/download:", key="records-json")
