"""Every kind of audit event the app records reads as one plain sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course.domain.audit_log import KNOWN_KINDS, SENTENCES, AuditFacts, describe

ROOT = Path(__file__).resolve().parents[2] / "course"
ADA = {"actor_label": "ada@example.org", "actor_name": "Ada Lovelace"}
BO = {"subject_label": "bo@example.org", "subject_name": "Bo Chen"}
#: The ways the code names the kind of an event it records.
_KIND = re.compile(
    r'(?:record_event\(\s*session,\s*|record_audit_event\(\s*engine,\s*actor,\s*|kind="|"kind":\s*)"?([a-z_]+)"'
)
_EITHER = re.compile(r'"([a-z_]+)" if \w+ else "([a-z_]+)"')


def _recorded_kinds() -> set[str]:
    kinds: set[str] = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text()
        if "record_event" not in text and "record_audit_event" not in text:
            continue
        kinds.update(match.group(1) for match in _KIND.finditer(text))
        kinds.update(kind for match in _EITHER.finditer(text) for kind in match.groups())
    kinds.update({"sign_in_sso", "sign_in_lti"})  # f"sign_in_{method}": single sign-on and LTI
    return {kind for kind in kinds if "_" in kind or kind == "sign_in"} - {"person_id", "link_id"}


def test_every_kind_the_code_records_has_its_own_sentence() -> None:
    recorded = _recorded_kinds()
    assert {"sign_in_failed", "roster_imported", "content_published", "forged_request"} <= recorded
    assert recorded - set(SENTENCES) == set()
    assert tuple(sorted(SENTENCES)) == KNOWN_KINDS


CASES: list[tuple[AuditFacts, str]] = [
    (
        AuditFacts("sign_in", **ADA, address="10.0.0.3"),
        "Ada Lovelace (ada@example.org) signed in from 10.0.0.3.",
    ),
    (
        AuditFacts("sign_in_failed", actor_label="eve@example.org", address="10.0.0.3"),
        "Someone failed to sign in as eve@example.org from 10.0.0.3.",
    ),
    (
        AuditFacts("sign_in_throttled", actor_label="eve@example.org", detail={"wait_seconds": 30}),
        "A sign-in as eve@example.org was held back for 30 seconds after repeated failures.",
    ),
    (
        AuditFacts("sign_in_unlocked", actor_label="command line", **BO, detail={"attempts_cleared": 1}),
        "command line cleared 1 failed sign-in of Bo Chen (bo@example.org).",
    ),
    (
        AuditFacts("sign_in_refused", **ADA, detail={"reason": "local passphrases are off"}),
        "Ada Lovelace (ada@example.org) gave the right passphrase but the sign-in was refused "
        "(local passphrases are off).",
    ),
    (AuditFacts("sign_in_sso", **ADA), "Ada Lovelace (ada@example.org) signed in through single sign-on."),
    (AuditFacts("sign_in_lti", **ADA),
     "Ada Lovelace (ada@example.org) signed in by a launch from their learning platform."),
    (
        AuditFacts("lti_launch_refused", actor_label="https://lms.example.org", address="10.0.0.9",
                   detail={"reason": "nonce", "detail": "Invalid Nonce."}),
        "A launch from https://lms.example.org was refused from 10.0.0.9 (nonce).",
    ),
    (
        AuditFacts("lti_deep_link", actor_label="https://lms.example.org", target="quiz:q1, track:legal"),
        "A teacher on https://lms.example.org linked quiz:q1, track:legal into their course.",
    ),
    (
        AuditFacts("sign_in_sso_refused", actor_label="x@y.org", detail={"reason": "no email"}),
        "Single sign-on refused x@y.org (no email).",
    ),
    (AuditFacts("demo_sign_in", **ADA), "Ada Lovelace (ada@example.org) signed in as a demo person."),
    (
        AuditFacts("account_created", **ADA, **BO, detail={"capabilities": "learner"}),
        "Ada Lovelace (ada@example.org) added Bo Chen (bo@example.org) as learner.",
    ),
    (
        AuditFacts("account_created", **ADA, **BO, detail={"source": "roster"}),
        "Ada Lovelace (ada@example.org) added Bo Chen (bo@example.org) from a roster import.",
    ),
    (
        AuditFacts("account_updated", **ADA, **BO, detail={"fields": ["name", "tracks"], "source": "roster"}),
        "Ada Lovelace (ada@example.org) changed Bo Chen (bo@example.org)'s name, tracks"
        " from a roster import.",
    ),
    (
        AuditFacts("account_disabled", **ADA, **BO, detail={"sessions_ended": 2}),
        "Ada Lovelace (ada@example.org) disabled Bo Chen (bo@example.org)'s account"
        " and ended 2 open sessions.",
    ),
    (AuditFacts("account_enabled", actor_name="Ada", subject_name="Bo"), "Ada enabled Bo's account again."),
    (
        AuditFacts(
            "capabilities_changed",
            actor_name="Ada Lovelace",
            subject_name="Bo Chen",
            detail={"before": "learner", "after": "leader:legal"},
        ),
        "Ada Lovelace changed Bo Chen's capabilities from learner to leader:legal.",
    ),
    (
        AuditFacts(
            "capabilities_changed",
            actor_name="Ada",
            subject_name="Bo",
            detail={"after": "trainer", "via": "roster"},
        ),
        "Ada changed Bo's capabilities to trainer in a roster import.",
    ),
    (
        AuditFacts("first_admin_created", actor_label="ada@example.org"),
        "ada@example.org set up the app as its first administrator.",
    ),
    (
        AuditFacts("passphrase_changed", actor_label="a@x.org", subject_label="a@x.org"),
        "a@x.org changed their passphrase.",
    ),
    (
        AuditFacts("passphrase_changed", actor_name="Ada", subject_name="Chris"),
        "Ada changed Chris' passphrase.",
    ),
    (
        AuditFacts("passphrase_set_by_link", actor_name="Bo", detail={"link": "invite", "sessions_ended": 1}),
        "Bo chose a passphrase with an invitation link (1 session ended).",
    ),
    (
        AuditFacts("invitation_created", actor_name="Ada", subject_name="Bo", detail={"delivery": "email"}),
        "Ada invited Bo by email.",
    ),
    (
        AuditFacts("reset_requested", actor_label="bo@x.org", detail={"queued": True}),
        "A passphrase reset was asked for bo@x.org; a reset email was queued.",
    ),
    (
        AuditFacts("reset_requested", actor_label="no@x.org", detail={"queued": False}),
        "A passphrase reset was asked for no@x.org; no active account matches, so nothing was sent.",
    ),
    (
        AuditFacts("reset_throttled", actor_label="bo@x.org", address="10.0.0.9"),
        "A passphrase reset for bo@x.org from 10.0.0.9 was held back: too many requests.",
    ),
    (
        AuditFacts("reset_refused", actor_label="bo@x.org", detail={"reason": "local passphrases are off"}),
        "A passphrase reset for bo@x.org was refused (local passphrases are off).",
    ),
    (
        AuditFacts("demo_person_created", actor_label="demo mode", subject_label="l@demo"),
        "Demo mode added l@demo.",
    ),
    (
        AuditFacts("person_exported", actor_name="Ada", subject_name="Bo"),
        "Ada downloaded Bo's personal data.",
    ),
    (AuditFacts("person_erased", actor_name="Ada", detail={"found": True}), "Ada erased a person's data."),
    (
        AuditFacts("person_erased", actor_name="Ada", detail={"found": False}),
        "Ada asked to erase a person who was not found, so nothing was erased.",
    ),
    (
        AuditFacts(
            "privacy_settings_changed",
            actor_name="Ada",
            detail={"min_group_size": [5, 7], "leader_filters": [[], ["level"]]},
        ),
        "Ada changed the privacy settings: smallest group shown from 5 to 7;"
        " leaders' filters from none to level.",
    ),
    (
        AuditFacts(
            "roster_imported", actor_name="Ada", detail={"add": 2, "update": 1, "unchanged": 0, "left_out": 3}
        ),
        "Ada imported a roster: 2 added, 1 changed, 0 unchanged, 3 problem rows left out.",
    ),
    (
        AuditFacts("audit_exported", actor_name="Ada", detail={"rows": 1}),
        "Ada downloaded 1 row of the audit log.",
    ),
    (
        AuditFacts("dashboard_exported", actor_name="Lee", target="heatmap", detail={"rows": 12}),
        "Lee downloaded the heatmap table of the dashboard (12 rows).",
    ),
    (
        AuditFacts("page_denied", actor_name="Bo", target="admin_audit"),
        "Bo was refused the page admin_audit.",
    ),
    (
        AuditFacts(
            "action_denied", actor_name="Bo", target="import_roster", detail={"reason": "not an admin"}
        ),
        "Bo was refused permission to import_roster (not an admin).",
    ),
    (
        AuditFacts("forged_request", actor_name="Bo", target="quiz:q1", detail={"problem": "unknown option"}),
        "Bo sent an answer the page could not have sent on quiz:q1 (unknown option); it was ignored.",
    ),
    (AuditFacts("content_published", actor_name="Tia", target="modules/a.md"), "Tia published modules/a.md."),
    (
        AuditFacts("content_draft_saved", actor_name="Tia", target="modules/a.md"),
        "Tia saved a draft of modules/a.md.",
    ),
    (
        AuditFacts("content_restored", actor_name="Tia", target="modules/a.md"),
        "Tia restored an earlier version of modules/a.md.",
    ),
    (
        AuditFacts("dashboard_target_changed", actor_name="Ada",
                   detail={"target": [70, 75], "organisation": ["Acme", "Acme"]}),
        "Ada changed the literacy target from 70 to 75.",
    ),
    (
        AuditFacts("certificate_issued", subject_name="Bo", target="legal",
                   detail={"code": "C0DE", "band": "Proficient"}),
        "Bo earned the certificate of the legal track (Proficient), code C0DE.",
    ),
    (
        AuditFacts("certificate_revoked", actor_name="Ada", subject_name="Bo", target="legal",
                   detail={"code": "C0DE", "reason": "issued in error"}),
        "Ada revoked Bo's certificate C0DE: issued in error.",
    ),
    (AuditFacts("own_records_exported", actor_name="Bo"), "Bo downloaded their own records."),
    (
        AuditFacts("assignment_created", actor_name="Ada", target="track:legal",
                   detail={"rule": "the Legal department", "due_on": "2026-06-01", "enrolled": 12}),
        "Ada assigned track:legal to the Legal department, due 2026-06-01, enrolling 12 people.",
    ),
    (AuditFacts("assignment_ended", actor_name="Ada", target="track:legal"),
     "Ada ended the assignment of track:legal."),
    (AuditFacts("mail_opt_out", actor_label="bo@example.org", target="reminder-before", address="10.0.0.9"),
     "bo@example.org stopped the optional reminders sent ahead of due dates, with the link in their email "
     "from 10.0.0.9."),
    (AuditFacts("reminder_settings_changed", actor_name="Ada", detail={
        "before": {"time_zone": "UTC", "quiet_start": 20, "quiet_end": 8, "daily_cap": 1},
        "after": {"time_zone": "Europe/Paris", "quiet_start": 0, "quiet_end": 0, "daily_cap": 2}}),
     "Ada changed the reminder rules from UTC, quiet 20:00 to 08:00, at most 1 email a day to "
     "Europe/Paris, no quiet hours, at most 2 emails a day."),
    (AuditFacts("reminder_settings_changed", actor_name="Ada", detail={"after": "odd"}),
     "Ada changed the reminder rules."),
    (
        AuditFacts("assignment_enrolled", actor_label="system", target="track:legal", detail={"enrolled": 1}),
        "The assignment of track:legal enrolled 1 more person who now matches its rule.",
    ),
]


@pytest.mark.parametrize(("facts", "sentence"), CASES, ids=[facts.kind for facts, _ in CASES])
def test_each_kind_reads_as_a_sentence(facts: AuditFacts, sentence: str) -> None:
    assert describe(facts) == sentence


def test_every_kind_has_a_case_here() -> None:
    assert {facts.kind for facts, _ in CASES} == set(SENTENCES)


def test_an_unknown_kind_and_odd_details_still_read_sensibly() -> None:
    assert describe(
        AuditFacts("mystery_thing", actor_label="a@x.org", subject_label="b@x.org", target="t")
    ) == ("a@x.org: mystery thing about b@x.org on t.")
    assert describe(AuditFacts("")) == "Someone: an event."
    odd = {
        "wait_seconds": "soon",
        "before": {"nested": 1},
        "after": ["a", "b"],
        "rows": True,
        "min_group_size": 5,
    }
    for kind in SENTENCES:
        sentence = describe(AuditFacts(kind, detail=odd))
        assert sentence.endswith(".") and "{" not in sentence
