"""The audit log in plain words: one English sentence per event, and the filter admins choose.

`describe` is pure: it takes what was stored about an event (its kind, who, to whom, on what,
further facts, the address) and returns a sentence an administrator can read aloud. Every kind
the app records has its own sentence; an unknown kind still gets a sensible one. The detail
comes from JSON, so each fact is read defensively: a missing or odd value is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from course.domain.wording import counted


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which events an administrator asks to see; every part left empty matches everything.

    `person` is matched, in any case, as part of the email or name of who acted or to whom;
    `since` and `until` are days in UTC, both included.
    """

    kind: str | None = None
    person: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class AuditFacts:
    """What the audit log keeps about one event, with people's names where they are known."""

    kind: str
    actor_label: str = ""
    actor_name: str = ""
    subject_label: str = ""
    subject_name: str = ""
    target: str = ""
    detail: Mapping[str, object] = field(default_factory=dict)
    address: str = ""

    @property
    def actor(self) -> str:
        """Who did it: their name, else the label kept at the time, else "Someone"."""
        return _person(self.actor_name, self.actor_label, "Someone")

    @property
    def subject(self) -> str:
        """To whom it was done: their name, else the label kept at the time, else "someone"."""
        return _person(self.subject_name, self.subject_label, "someone")

    def text(self, key: str) -> str:
        """Return a detail as text ("" when missing); lists are joined with commas."""
        value = self.detail.get(key)
        if value is None or isinstance(value, dict):
            return ""
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return str(value)

    def number(self, key: str) -> int | None:
        """Return a detail as a whole number, or None when it is not one."""
        value = self.detail.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def from_address(self) -> str:
        """Return " from <address>" when the address is known, else ""."""
        return f" from {self.address}" if self.address else ""


def _person(name: str, label: str, nobody: str) -> str:
    if name and label and name != label:
        return f"{name} ({label})"
    return name or label or nobody


def _possessive(who: str) -> str:
    return f"{who}'" if who.endswith("s") else f"{who}'s"


def _their_or(facts: AuditFacts) -> str:
    """Return "their" when the actor acted on themselves, else the subject's possessive."""
    same = facts.actor_label and facts.actor_label == facts.subject_label
    return "their" if same else _possessive(facts.subject)


def _reason(facts: AuditFacts) -> str:
    reason = facts.text("reason")
    return f" ({reason})" if reason else ""


# --- sign-in --------------------------------------------------------------------------------------


def _sign_in(facts: AuditFacts) -> str:
    return f"{facts.actor} signed in{facts.from_address()}"


def _sign_in_failed(facts: AuditFacts) -> str:
    return f"Someone failed to sign in as {facts.actor_label or 'an unknown account'}{facts.from_address()}"


def _sign_in_throttled(facts: AuditFacts) -> str:
    wait = facts.number("wait_seconds")
    held = f" for {counted(wait, 'second', 'seconds')}" if wait is not None else ""
    return (f"A sign-in as {facts.actor_label or 'an unknown account'}{facts.from_address()} was held back"
            f"{held} after repeated failures")


def _sign_in_unlocked(facts: AuditFacts) -> str:
    cleared = facts.number("attempts_cleared")
    what = "the failed sign-ins" if cleared is None else counted(cleared, "failed sign-in", "failed sign-ins")
    return f"{facts.actor} cleared {what} of {facts.subject}"


def _sign_in_refused(facts: AuditFacts) -> str:
    return f"{facts.actor} gave the right passphrase but the sign-in was refused{_reason(facts)}"


def _sign_in_sso(facts: AuditFacts) -> str:
    return f"{facts.actor} signed in through single sign-on{facts.from_address()}"


def _sign_in_sso_refused(facts: AuditFacts) -> str:
    return (f"Single sign-on refused {facts.actor_label or 'an unknown account'}{facts.from_address()}"
            f"{_reason(facts)}")


def _sign_in_lti(facts: AuditFacts) -> str:
    return f"{facts.actor} signed in by a launch from their learning platform{facts.from_address()}"


def _lti_launch_refused(facts: AuditFacts) -> str:
    platform = facts.actor_label or "an unknown platform"
    return f"A launch from {platform} was refused{facts.from_address()}{_reason(facts)}"


def _lti_deep_link(facts: AuditFacts) -> str:
    platform = facts.actor_label or "a learning platform"
    items = facts.target or "nothing"
    return f"A teacher on {platform} linked {items} into their course{facts.from_address()}"


def _demo_sign_in(facts: AuditFacts) -> str:
    return f"{facts.actor} signed in as a demo person{facts.from_address()}"


# --- accounts -------------------------------------------------------------------------------------


def _account_created(facts: AuditFacts) -> str:
    source = facts.text("source")
    if source == "roster":
        return f"{facts.actor} added {facts.subject} from a roster import"
    capabilities = facts.text("capabilities")
    with_what = f" as {capabilities}" if capabilities else ""
    return f"{facts.actor} added {facts.subject}{with_what}"


def _account_updated(facts: AuditFacts) -> str:
    fields = facts.text("fields")
    what = fields if fields else "details"
    via = " from a roster import" if facts.text("source") == "roster" else ""
    return f"{facts.actor} changed {_possessive(facts.subject)} {what}{via}"


def _account_disabled(facts: AuditFacts) -> str:
    ended = facts.number("sessions_ended")
    sessions = "" if not ended else f" and ended {counted(ended, 'open session', 'open sessions')}"
    return f"{facts.actor} disabled {_possessive(facts.subject)} account{sessions}"


def _account_enabled(facts: AuditFacts) -> str:
    return f"{facts.actor} enabled {_possessive(facts.subject)} account again"


def _capabilities_changed(facts: AuditFacts) -> str:
    before, after = facts.text("before"), facts.text("after")
    via = " in a roster import" if facts.text("via") == "roster" else ""
    changed = f"{facts.actor} changed {_possessive(facts.subject)} capabilities"
    if before and after:
        return f"{changed} from {before} to {after}{via}"
    return f"{changed} to {after}{via}" if after else f"{changed}{via}"


def _first_admin_created(facts: AuditFacts) -> str:
    return f"{facts.actor} set up the app as its first administrator{facts.from_address()}"


def _passphrase_changed(facts: AuditFacts) -> str:
    return f"{facts.actor} changed {_their_or(facts)} passphrase"


def _passphrase_set_by_link(facts: AuditFacts) -> str:
    link = facts.text("link")
    how = {"invite": "an invitation link", "reset": "a reset link"}.get(link, "a one-time link")
    closed = facts.number("other_links_closed") or 0
    ended = facts.number("sessions_ended") or 0
    extra = []
    if closed:
        extra.append(f"{counted(closed, 'other link', 'other links')} closed")
    if ended:
        extra.append(f"{counted(ended, 'session', 'sessions')} ended")
    tail = f" ({', '.join(extra)})" if extra else ""
    return f"{facts.actor} chose a passphrase with {how}{facts.from_address()}{tail}"


def _invitation_created(facts: AuditFacts) -> str:
    delivery = facts.text("delivery")
    how = {"email": " by email", "shown": " with a link shown on screen"}.get(delivery, "")
    return f"{facts.actor} invited {facts.subject}{how}"


def _reset_requested(facts: AuditFacts) -> str:
    account = facts.actor_label or "an unknown account"
    asked = f"A passphrase reset was asked for {account}{facts.from_address()}"
    queued = facts.detail.get("queued")
    if queued is True:
        return asked + "; a reset email was queued"
    if queued is False:
        return asked + "; no active account matches, so nothing was sent"
    return asked


def _reset_throttled(facts: AuditFacts) -> str:
    return (f"A passphrase reset for {facts.actor_label or 'an unknown account'}{facts.from_address()} "
            "was held back: too many requests")


def _reset_refused(facts: AuditFacts) -> str:
    return (f"A passphrase reset for {facts.actor_label or 'an unknown account'}{facts.from_address()} "
            f"was refused{_reason(facts)}")


def _demo_person_created(facts: AuditFacts) -> str:
    return f"Demo mode added {facts.subject}"


# --- privacy and exports --------------------------------------------------------------------------


def _person_exported(facts: AuditFacts) -> str:
    return f"{facts.actor} downloaded {_possessive(facts.subject)} personal data"


def _person_erased(facts: AuditFacts) -> str:
    if facts.detail.get("found") is False:
        return f"{facts.actor} asked to erase a person who was not found, so nothing was erased"
    return f"{facts.actor} erased a person's data"


def _pair(facts: AuditFacts, key: str) -> tuple[str, str] | None:
    value = facts.detail.get(key)
    if not isinstance(value, list) or len(value) != 2:
        return None
    before, after = (", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in value)
    return (before or "none", after or "none")


def _privacy_settings_changed(facts: AuditFacts) -> str:
    parts = []
    size = _pair(facts, "min_group_size")
    if size is not None and size[0] != size[1]:
        parts.append(f"smallest group shown from {size[0]} to {size[1]}")
    filters = _pair(facts, "leader_filters")
    if filters is not None and filters[0] != filters[1]:
        parts.append(f"leaders' filters from {filters[0]} to {filters[1]}")
    what = ": " + "; ".join(parts) if parts else ""
    return f"{facts.actor} changed the privacy settings{what}"


def _roster_imported(facts: AuditFacts) -> str:
    parts = [f"{facts.number(key) or 0} {word}" for key, word in
             (("add", "added"), ("update", "changed"), ("unchanged", "unchanged"))]
    left_out = facts.number("left_out")
    if left_out:
        parts.append(f"{counted(left_out, 'problem row', 'problem rows')} left out")
    return f"{facts.actor} imported a roster: " + ", ".join(parts)


def _audit_exported(facts: AuditFacts) -> str:
    rows = facts.number("rows")
    what = "the audit log" if rows is None else f"{counted(rows, 'row', 'rows')} of the audit log"
    return f"{facts.actor} downloaded {what}"


def _dashboard_exported(facts: AuditFacts) -> str:
    rows = facts.number("rows")
    size = "" if rows is None else f" ({counted(rows, 'row', 'rows')})"
    table = f"the {facts.target} table" if facts.target else "a table"
    return f"{facts.actor} downloaded {table} of the dashboard{size}"


# --- refusals -------------------------------------------------------------------------------------


def _page_denied(facts: AuditFacts) -> str:
    page = f" {facts.target}" if facts.target else ""
    return f"{facts.actor} was refused the page{page}{_reason(facts)}{facts.from_address()}"


def _action_denied(facts: AuditFacts) -> str:
    action = f" to {facts.target}" if facts.target else ""
    return f"{facts.actor} was refused permission{action}{_reason(facts)}{facts.from_address()}"


def _forged_request(facts: AuditFacts) -> str:
    problem = facts.text("problem")
    on = f" on {facts.target}" if facts.target else ""
    why = f" ({problem})" if problem else ""
    return f"{facts.actor} sent an answer the page could not have sent{on}{why}; it was ignored"


# --- content --------------------------------------------------------------------------------------


def _content_published(facts: AuditFacts) -> str:
    return f"{facts.actor} published {facts.target or 'a content file'}"


def _content_draft_saved(facts: AuditFacts) -> str:
    return f"{facts.actor} saved a draft of {facts.target or 'a content file'}"


def _content_restored(facts: AuditFacts) -> str:
    return f"{facts.actor} restored an earlier version of {facts.target or 'a content file'}"


# --- dashboards, certificates, assignments, own records ------------------------------------------


def _dashboard_target_changed(facts: AuditFacts) -> str:
    target = _pair(facts, "target")
    name = _pair(facts, "organisation")
    parts = []
    if target and target[0] != target[1]:
        parts.append(f"the literacy target from {target[0]} to {target[1]}")
    if name and name[0] != name[1]:
        parts.append(f"the organisation's name from {name[0]} to {name[1]}")
    return f"{facts.actor} changed " + (" and ".join(parts) if parts else "the dashboard's settings")


def _certificate_issued(facts: AuditFacts) -> str:
    band = f" ({facts.text('band')})" if facts.text("band") else ""
    code = f", code {facts.text('code')}" if facts.text("code") else ""
    return f"{facts.subject} earned the certificate of the {facts.target or 'a'} track{band}{code}"


def _certificate_revoked(facts: AuditFacts) -> str:
    reason = f": {facts.text('reason')}" if facts.text("reason") else ""
    code = f" {facts.text('code')}" if facts.text("code") else ""
    return f"{facts.actor} revoked {_possessive(facts.subject)} certificate{code}{reason}"


def _own_records_exported(facts: AuditFacts) -> str:
    return f"{facts.actor} downloaded their own records"


def _assignment_created(facts: AuditFacts) -> str:
    rule = f" to {facts.text('rule')}" if facts.text("rule") else ""
    due = f", due {facts.text('due_on')}" if facts.text("due_on") else ""
    enrolled = facts.detail.get("enrolled")
    count = f", enrolling {counted(enrolled, 'person', 'people')}" if isinstance(enrolled, int) else ""
    return f"{facts.actor} assigned {facts.target or 'an item'}{rule}{due}{count}"


def _assignment_ended(facts: AuditFacts) -> str:
    return f"{facts.actor} ended the assignment of {facts.target or 'an item'}"


def _assignment_enrolled(facts: AuditFacts) -> str:
    enrolled = facts.detail.get("enrolled")
    item = facts.target or "an item"
    if not isinstance(enrolled, int):
        return f"The assignment of {item} enrolled people who now match its rule"
    who = "1 more person who now matches" if enrolled == 1 else f"{enrolled} more people who now match"
    return f"The assignment of {item} enrolled {who} its rule"


def _mail_opt_out(facts: AuditFacts) -> str:
    return (f"{facts.actor} stopped the optional reminders sent ahead of due dates, with the link in "
            f"their email{facts.from_address()}")


def _rules(value: object) -> str:
    if not isinstance(value, dict):
        return ""
    zone, start, end, cap = (value.get(k) for k in ("time_zone", "quiet_start", "quiet_end", "daily_cap"))
    if not (isinstance(zone, str) and isinstance(start, int) and isinstance(end, int)
            and isinstance(cap, int)):
        return ""
    quiet = "no quiet hours" if start == end else f"quiet {start:02d}:00 to {end:02d}:00"
    return f"{zone}, {quiet}, at most {counted(cap, 'email', 'emails')} a day"


def _reminder_settings_changed(facts: AuditFacts) -> str:
    before, after = _rules(facts.detail.get("before")), _rules(facts.detail.get("after"))
    change = f" from {before} to {after}" if before and after else (f" to {after}" if after else "")
    return f"{facts.actor} changed the reminder rules{change}"


SENTENCES: Mapping[str, Callable[[AuditFacts], str]] = {
    "sign_in": _sign_in,
    "sign_in_failed": _sign_in_failed,
    "sign_in_throttled": _sign_in_throttled,
    "sign_in_unlocked": _sign_in_unlocked,
    "sign_in_refused": _sign_in_refused,
    "sign_in_sso": _sign_in_sso,
    "sign_in_sso_refused": _sign_in_sso_refused,
    "sign_in_lti": _sign_in_lti,
    "lti_launch_refused": _lti_launch_refused,
    "lti_deep_link": _lti_deep_link,
    "demo_sign_in": _demo_sign_in,
    "account_created": _account_created,
    "account_updated": _account_updated,
    "account_disabled": _account_disabled,
    "account_enabled": _account_enabled,
    "capabilities_changed": _capabilities_changed,
    "first_admin_created": _first_admin_created,
    "passphrase_changed": _passphrase_changed,
    "passphrase_set_by_link": _passphrase_set_by_link,
    "invitation_created": _invitation_created,
    "reset_requested": _reset_requested,
    "reset_throttled": _reset_throttled,
    "reset_refused": _reset_refused,
    "demo_person_created": _demo_person_created,
    "person_exported": _person_exported,
    "person_erased": _person_erased,
    "privacy_settings_changed": _privacy_settings_changed,
    "roster_imported": _roster_imported,
    "audit_exported": _audit_exported,
    "dashboard_exported": _dashboard_exported,
    "page_denied": _page_denied,
    "action_denied": _action_denied,
    "forged_request": _forged_request,
    "content_published": _content_published,
    "content_draft_saved": _content_draft_saved,
    "content_restored": _content_restored,
    "dashboard_target_changed": _dashboard_target_changed,
    "certificate_issued": _certificate_issued,
    "certificate_revoked": _certificate_revoked,
    "own_records_exported": _own_records_exported,
    "assignment_created": _assignment_created,
    "assignment_ended": _assignment_ended,
    "assignment_enrolled": _assignment_enrolled,
    "mail_opt_out": _mail_opt_out,
    "reminder_settings_changed": _reminder_settings_changed,
}

#: Every kind of event the app records, for the audit page's filter.
KNOWN_KINDS: tuple[str, ...] = tuple(sorted(SENTENCES))


def _fallback(facts: AuditFacts) -> str:
    about = f" about {facts.subject}" if facts.subject_label or facts.subject_name else ""
    on = f" on {facts.target}" if facts.target else ""
    what = facts.kind.replace("_", " ") or "an event"
    return f"{facts.actor}: {what}{about}{on}{facts.from_address()}"


def describe(facts: AuditFacts) -> str:
    """Return one plain sentence for the event, ending with a full stop."""
    sentence = SENTENCES.get(facts.kind, _fallback)(facts)
    return sentence if sentence.endswith(".") else sentence + "."
