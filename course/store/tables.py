"""The database tables (SQLModel classes used for tables only, never as domain values).

Times are timezone-aware and stored in UTC. Content is referred to by its stable id and the
content version (hash) the learner saw. Each table declares in `PERSONAL_DATA` or
`NO_PERSONAL_DATA` whether it holds data about a person; privacy export and erasure cover every
table of the first kind, and a test fails when a new table is in neither.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Person(SQLModel, table=True):
    """A person of the organisation: a learner, trainer, leader or admin."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    department: str = Field(default="", max_length=100, index=True)
    #: Tracks (roles of the course: legal, hr, it, leadership), joined with ";".
    tracks: str = Field(default="", max_length=200)
    #: Management level from the roster (for example "staff", "manager"); "" when not given.
    level: str = Field(default="", max_length=100)
    manager_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    active: bool = Field(default=True)
    passphrase_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime
    updated_at: datetime


class CapabilityGrant(SQLModel, table=True):
    """One capability held by a person; leaders may be limited to some departments."""

    __tablename__ = "capability_grant"

    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)
    capability: str = Field(max_length=20, primary_key=True)
    #: For leaders: departments joined with "|", or "" for every department.
    departments: str = Field(default="", max_length=1000)


class AuthSession(SQLModel, table=True):
    """A signed-in browser session; only the hash of its token is stored."""

    __tablename__ = "auth_session"

    id: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None = None
    address: str = Field(default="", max_length=64)


class SessionTicket(SQLModel, table=True):
    """A one-time, short-lived ticket that hands a session over to the browser's cookie.

    Only the hash of the ticket is stored, with the hash of the session it hands over.
    """

    __tablename__ = "session_ticket"

    id: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    session_id: str = Field(max_length=64)
    #: The browser's device value (cookie `nts_device`) to set along with the session cookie.
    device: str = Field(default="", max_length=64)
    #: Where to send the browser afterwards: a same-site path, checked when the ticket is made.
    return_path: str = Field(default="/", max_length=500)
    expires_at: datetime = Field(index=True)


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt, reserved before any hash is computed (for throttling)."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_account_at", "account", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
        Index("ix_login_attempt_device_at", "device", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: The normalised email that was tried, whether or not such a person exists.
    account: str = Field(max_length=254)
    address: str = Field(default="", max_length=64)
    at: datetime
    #: "pending" while the hash is verified, then "failed" or "ok".
    outcome: str = Field(max_length=10)
    #: SHA-256 of the browser's device cookie; None for rows older than the cookie.
    device: str | None = Field(default=None, max_length=64)


class SetupToken(SQLModel, table=True):
    """The one-time token, printed on the server console, that guards first-admin setup."""

    __tablename__ = "setup_token"

    id: int = Field(default=1, primary_key=True)
    token_hash: str = Field(max_length=64)
    created_at: datetime


class SectionRead(SQLModel, table=True):
    """A section of a module read by a learner, in one content version."""

    __tablename__ = "section_read"
    __table_args__ = (
        UniqueConstraint(
            "person_id", "module_id", "content_version", "section_index", name="uq_section_read"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    module_id: str = Field(max_length=100)
    content_version: str = Field(max_length=64)
    section_index: int
    read_at: datetime


class Progress(SQLModel, table=True):
    """Counters per person and item, kept equal to the rows behind them in the same transaction.

    kind "module": events = sections read; "quiz": events = attempts, best score, passed;
    "scenario": events = finished runs, best score, completed.
    """

    __tablename__ = "progress"

    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)
    kind: str = Field(max_length=10, primary_key=True)
    item_id: str = Field(max_length=100, primary_key=True)
    events: int = Field(default=0)
    best_score: float | None = None
    passed: bool = Field(default=False)
    content_version: str = Field(max_length=64)
    updated_at: datetime


class QuizAttempt(SQLModel, table=True):
    """A submitted quiz attempt; its answers are in quiz_answer."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        Index("ix_quiz_attempt_person_quiz", "person_id", "quiz_id"),
        # Item analysis reads each quiz version's attempts per score off this index.
        Index("ix_quiz_attempt_quiz_version_score", "quiz_id", "content_version", "score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    quiz_id: str = Field(max_length=100)
    content_version: str = Field(max_length=64)
    started_at: datetime
    finished_at: datetime
    score: float
    passed: bool
    recorded_at: datetime


class QuizAnswer(SQLModel, table=True):
    """One answer of an attempt: the options chosen, as 0-based positions in the file."""

    __tablename__ = "quiz_answer"

    attempt_id: int = Field(foreign_key="quiz_attempt.id", ondelete="CASCADE", primary_key=True)
    position: int = Field(primary_key=True)
    question_id: str = Field(max_length=100, index=True)
    competency: str = Field(max_length=50)
    #: The chosen positions as JSON, for example "[0, 2]".
    chosen: str = Field(max_length=200)
    correct: bool
    seconds: float
    #: The credit earned, 0 to 1: 1 or 0 for a choice question, the share of right positions or
    #: pairs for an ordering or matching question. It is the answer's evidence for its competency.
    score: float = Field(default=0.0)
    #: The wording the question had when it was asked (question_form.id); None for answers
    #: recorded before wordings were stored, whose wording is worked out from the content history.
    form_id: int | None = Field(default=None)


class QuestionForm(SQLModel, table=True):
    """One wording of a quiz question, by its hash (course/domain/question_hash.py).

    Answers name their wording by this small id rather than carrying the 16-character hash:
    a few bytes per answer instead of 17 on a table of millions of rows, for one lookup per
    attempt in this table of (questions x wordings) rows. Rows are never deleted or changed.
    """

    __tablename__ = "question_form"
    __table_args__ = (UniqueConstraint("quiz_id", "question_id", "hash", name="uq_question_form"),)

    id: int | None = Field(default=None, primary_key=True)
    quiz_id: str = Field(max_length=100)
    question_id: str = Field(max_length=100)
    hash: str = Field(max_length=16)


class ScenarioRun(SQLModel, table=True):
    """One run through a scenario, from its start to an ending."""

    __tablename__ = "scenario_run"
    __table_args__ = (Index("ix_scenario_run_person_scenario", "person_id", "scenario_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_key: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    scenario_id: str = Field(max_length=100)
    content_version: str = Field(max_length=64)
    started_at: datetime
    #: Steps recorded so far, kept equal to the rows in scenario_step.
    steps: int = Field(default=0)
    finish_key: str | None = Field(default=None, max_length=64, unique=True)
    finished_at: datetime | None = None
    ending_node: str | None = Field(default=None, max_length=100)
    ending_kind: str | None = Field(default=None, max_length=30)
    score: float | None = None


class ScenarioStep(SQLModel, table=True):
    """One choice in a run: the node, the choice, where it led and the meters after it."""

    __tablename__ = "scenario_step"
    __table_args__ = (UniqueConstraint("run_id", "step_no", name="uq_scenario_step_run_no"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    run_id: int = Field(foreign_key="scenario_run.id", ondelete="CASCADE")
    step_no: int
    node_id: str = Field(max_length=100)
    choice_index: int
    target_node: str = Field(max_length=100)
    #: The meters after the step as JSON, for example {"trust": 3}.
    meters_after: str = Field(max_length=2000)
    score: int
    seconds: float
    recorded_at: datetime


class QuizDraft(SQLModel, table=True):
    """A quiz attempt in progress: what was drawn (by seed) and the answers given so far.

    One per person and quiz; it is replaced by the submitted attempt in the same transaction,
    so the learner can leave mid-quiz and pick up the same questions later.
    """

    __tablename__ = "quiz_draft"
    __table_args__ = (UniqueConstraint("person_id", "quiz_id", name="uq_quiz_draft_person_quiz"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    quiz_id: str = Field(max_length=100)
    content_version: str = Field(max_length=64)
    #: The idempotency key the finished attempt will be recorded with.
    attempt_key: str = Field(max_length=64, unique=True)
    seed: int
    #: The answers so far as JSON: {"question-id": {"chosen": [1], "seconds": 12.5}}.
    answers: str = Field(max_length=20000)
    started_at: datetime
    updated_at: datetime


class AuditEvent(SQLModel, table=True):
    """Something that matters for security or accountability, with who did it to whom."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    kind: str = Field(max_length=40, index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    #: The actor's email when the event happened ("" for the system or an unknown person).
    actor_label: str = Field(default="", max_length=254)
    subject_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    subject_label: str = Field(default="", max_length=254)
    #: What was acted on: a page or action name, a content id, a file name.
    target: str = Field(default="", max_length=200)
    #: Further facts as a JSON object.
    detail: str = Field(default="{}", max_length=4000)
    address: str = Field(default="", max_length=64)


class AccessLink(SQLModel, table=True):
    """A one-time link to set a passphrase (an invitation or a reset); only its token's hash is kept.

    The token is drawn when the link is shown or its email is sent, so a queued link has none yet.
    """

    __tablename__ = "access_link"

    #: Random, drawn when the link is made; the outbox refers to it.
    id: str = Field(primary_key=True, max_length=32)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    #: "invite" or "reset".
    kind: str = Field(max_length=10)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime
    expires_at: datetime
    #: When the link was used, replaced or cancelled: it works no more.
    closed_at: datetime | None = None


class MailOutbox(SQLModel, table=True):
    """An email waiting to be sent, or sent, or given up on; the body is rendered when sending."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        Index("ix_mail_outbox_due", "sent_at", "failed_at", "next_attempt_at"),
        # The reminder job counts each person's emails of the day (its daily cap).
        Index("ix_mail_outbox_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: Deterministic ("invite:<link id>"): queuing the same message twice stores it once.
    key: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=20)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    link_id: str | None = Field(default=None, foreign_key="access_link.id", ondelete="CASCADE")
    recipient: str = Field(max_length=254)
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = Field(default=0)
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    last_error: str = Field(default="", max_length=500)


class ResetRequest(SQLModel, table=True):
    """A "forgot passphrase" request, kept whether or not the email is known (for throttling)."""

    __tablename__ = "reset_request"
    __table_args__ = (
        Index("ix_reset_request_account_at", "account", "at"),
        Index("ix_reset_request_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=254)
    address: str = Field(default="", max_length=64)
    at: datetime


class JobLease(SQLModel, table=True):
    """One background job: who holds it now (until when), and when it is next due.

    A runner takes a job with one UPDATE that matches only when the lease is free or expired
    and the job is due, so among runners on several hosts exactly one wins; a runner that is
    killed holds the job only until its lease expires.
    """

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(default="", max_length=200)
    lease_until: datetime | None = None
    next_due_at: datetime
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    #: "" before the first run, then "ok" or "failed".
    last_outcome: str = Field(default="", max_length=10)
    last_message: str = Field(default="", max_length=500)
    runs: int = Field(default=0)


class Reflection(SQLModel, table=True):
    """A learner's own words in answer to a reflection prompt: theirs alone, never scored.

    Only the learner reads it back (and finds it in their own privacy export); no dashboard,
    item analysis or export about other people reads this table. Saving again replaces it.
    """

    __tablename__ = "reflection"
    __table_args__ = (
        UniqueConstraint("person_id", "quiz_id", "question_id", name="uq_reflection_person_question"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    quiz_id: str = Field(max_length=100)
    question_id: str = Field(max_length=100)
    text: str = Field(max_length=2000)
    saved_at: datetime


class PlacementAnswer(SQLModel, table=True):
    """One answer of a learner's placement pre-check: evidence of what they knew before the path.

    Kept apart from quiz attempts so that it is never mistaken for an answer given after
    learning; it is the learner's true pre score for the answer's competency.
    """

    __tablename__ = "placement_answer"
    __table_args__ = (
        UniqueConstraint("person_id", "quiz_id", "question_id", name="uq_placement_person_question"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    quiz_id: str = Field(max_length=100)
    question_id: str = Field(max_length=100)
    competency: str = Field(max_length=50)
    #: The content version of the quiz file the question was drawn from.
    quiz_version: str = Field(max_length=64)
    #: The chosen positions as JSON, for example "[0, 2]".
    chosen: str = Field(max_length=200)
    #: The credit earned, 0 to 1, as for a quiz answer.
    score: float
    answered_at: datetime


class OrganisationSetting(SQLModel, table=True):
    """One organisation setting (for example the dashboards' minimum group), kept by admins."""

    __tablename__ = "organisation_setting"

    key: str = Field(primary_key=True, max_length=60)
    #: The value as JSON.
    value: str = Field(max_length=2000)
    updated_at: datetime
    updated_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class Certificate(SQLModel, table=True):
    """A certificate issued to a person for a completed track: once per person, track and cycle."""

    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("person_id", "track", "cycle", name="uq_certificate_person_track_cycle"),
    )

    #: The random verification code printed on the certificate and named in its credential.
    code: str = Field(primary_key=True, max_length=32)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    track: str = Field(max_length=100)
    #: The track's name when the certificate was issued, as printed on it.
    track_title: str = Field(max_length=200)
    issued_at: datetime
    #: The mean of the best scores of the track's quizzes (0 to 1); None when none is scored.
    score: float | None = None
    band: str = Field(max_length=40)
    revoked_at: datetime | None = None
    revoked_reason: str = Field(default="", max_length=500)
    #: 0 for the first completion; n for the n-th re-take cycle of an assignment of the track.
    cycle: int = Field(default=0)


class SigningKey(SQLModel, table=True):
    """An Ed25519 key the organisation signs credentials with (made on first use)."""

    __tablename__ = "signing_key"

    #: The key id published in the key set and named in each credential's header.
    kid: str = Field(primary_key=True, max_length=64)
    #: The private key, PKCS#8 PEM.
    private_pem: str = Field(max_length=400)
    created_at: datetime


class Assignment(SQLModel, table=True):
    """An assignment (campaign): a track, module or scenario that people picked by a rule must take."""

    __tablename__ = "assignment"

    id: int | None = Field(default=None, primary_key=True)
    #: "track", "module" or "scenario", and the id of that track or item.
    target_kind: str = Field(max_length=10)
    target_id: str = Field(max_length=100)
    #: The target's title when the assignment was made (for lists and emails).
    title: str = Field(default="", max_length=200)
    #: The rule as JSON: {"departments": [...], "tracks": [...], "levels": [...], "emails": [...]}.
    rule: str = Field(max_length=20000)
    starts_on: date
    due_on: date
    #: Re-take every this many months; None for once.
    retake_months: int | None = None
    created_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: datetime
    #: When an admin ended it: nobody more is enrolled and it leaves learners' homes.
    ended_at: datetime | None = None


class Enrolment(SQLModel, table=True):
    """One person enrolled in an assignment (by its rule, when it was made or when they matched later)."""

    __tablename__ = "enrolment"

    assignment_id: int = Field(foreign_key="assignment.id", ondelete="CASCADE", primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True, index=True)
    enrolled_at: datetime


class MailOptOut(SQLModel, table=True):
    """A person's choice not to receive one kind of optional email (made from its signed link)."""

    __tablename__ = "mail_opt_out"

    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)
    #: The message kind, as "reminder-before".
    kind: str = Field(max_length=20, primary_key=True)
    created_at: datetime


class EvidenceSlot(SQLModel, table=True):
    """A person's first and latest evidence for one question of a quiz, or one scenario.

    Kept up to date in the transaction that stores each attempt or finished run
    (course/store/evidence_slots.py), so the dashboards read one row per person and question
    instead of ranking every answer. `kind` is "answer" (item_id the quiz, question_id and
    competency set) or "run" (item_id the scenario, question_id and competency empty: a
    scenario's competencies come from the course when it is read).
    """

    __tablename__ = "evidence_slot"
    #: Scenario runs' slots by scenario, without reading every answer slot.
    __table_args__ = (Index("ix_evidence_slot_kind_item", "kind", "item_id"),)

    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)
    kind: str = Field(max_length=10, primary_key=True)
    item_id: str = Field(max_length=100, primary_key=True)
    question_id: str = Field(max_length=100, primary_key=True)
    competency: str = Field(max_length=50, primary_key=True)
    first_score: float
    first_at: datetime
    latest_score: float
    latest_at: datetime
    #: How many answers (or finished runs) the slot has had.
    answers: int = Field(default=1)


class XapiOutbox(SQLModel, table=True):
    """An xAPI statement written with its learning event, waiting to be sent to the LRS, or sent.

    Nothing is ever given up: a statement the LRS does not take waits (longer each time) and is
    tried again. `statement_id` is deterministic, so queuing the same event twice stores it once.
    """

    __tablename__ = "xapi_outbox"
    __table_args__ = (Index("ix_xapi_outbox_due", "sent_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    statement_id: str = Field(max_length=36, unique=True)
    kind: str = Field(max_length=30)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    #: The statement as JSON (its actor is a pseudonym, never the email). Unbounded: a long
    #: question must never make the learner's answer fail to save.
    statement: str = Field(sa_type=Text)
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = Field(default=0)
    last_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str = Field(default="", max_length=500)



class LtiToolKey(SQLModel, table=True):
    """The RSA key this app signs LTI messages with (made on first use unless a PEM file is set)."""

    __tablename__ = "lti_tool_key"

    kid: str = Field(primary_key=True, max_length=64)
    #: The private key, PKCS#8 PEM.
    private_pem: str = Field(max_length=4000)
    created_at: datetime


class LtiNonce(SQLModel, table=True):
    """A nonce this app sent in an OIDC login; a launch may use it once, within a few minutes."""

    __tablename__ = "lti_nonce"
    __table_args__ = (Index("ix_lti_nonce_address_issued_at", "address", "issued_at"),)

    nonce: str = Field(primary_key=True, max_length=128)
    issued_at: datetime = Field(index=True)
    used_at: datetime | None = None
    #: The client address that asked for the login ("" when unknown), to bound logins per address.
    address: str = Field(default="", max_length=64)


class LtiPersonLink(SQLModel, table=True):
    """Which account a platform's user (its issuer and `sub`) is."""

    __tablename__ = "lti_person_link"

    issuer: str = Field(primary_key=True, max_length=255)
    subject: str = Field(primary_key=True, max_length=255)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    created_at: datetime


class LtiLineItem(SQLModel, table=True):
    """A gradebook column of a platform, and the course item whose score goes to it."""

    __tablename__ = "lti_line_item"

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=255)
    client_id: str = Field(max_length=255)
    url: str = Field(max_length=1000, unique=True)
    #: "quiz" or "scenario", and the item's id.
    item_kind: str = Field(max_length=20)
    item_id: str = Field(max_length=100)
    created_at: datetime


class LtiLineItemMember(SQLModel, table=True):
    """A person launched from a line item's link: their scores for its item go to it."""

    __tablename__ = "lti_line_item_member"

    line_item_id: int = Field(foreign_key="lti_line_item.id", ondelete="CASCADE", primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True, index=True)
    #: The platform's id of the person (`sub`), which the score names.
    subject: str = Field(max_length=255)
    created_at: datetime


class LtiGradeOutbox(SQLModel, table=True):
    """A score waiting to be sent to a platform's gradebook, or sent, or given up on."""

    __tablename__ = "lti_grade_outbox"
    __table_args__ = (Index("ix_lti_grade_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    #: Deterministic ("<line item id>:<attempt or run key>"): queuing twice stores it once.
    key: str = Field(max_length=120, unique=True)
    line_item_id: int = Field(foreign_key="lti_line_item.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    subject: str = Field(max_length=255)
    score: float
    #: When the learner earned the score (the score's timestamp at the platform).
    earned_at: datetime
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = Field(default=0)
    #: Held by a sender until then (another sender may take it after).
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    last_error: str = Field(default="", max_length=500)

class EvidencePeriod(SQLModel, table=True):
    """A person's answer evidence for one competency summed over one period (part of a week).

    Kept up to date beside `evidence_slot` in the transaction that stores each attempt
    (course/store/evidence_slots.py; what each column sums is in course/domain/evidence_periods.py),
    so the dashboards add up a few periods per person and competency instead of reading every
    slot or answer. `period_start` is the period's first moment (00:00 UTC).
    """

    __tablename__ = "evidence_period"

    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)
    competency: str = Field(max_length=50, primary_key=True)
    period_start: datetime = Field(primary_key=True)
    #: The credit of the first answers to questions first answered in the period, and how many.
    first_score: float = Field(default=0.0)
    first_count: int = Field(default=0)
    #: How many of those first answers earned full credit.
    first_right: int = Field(default=0)
    #: The change in the sum of the latest credit per question at the period's end.
    latest_change: float = Field(default=0.0)
    #: How many answers were given in the period.
    answers: int = Field(default=0)


class ItemScoreCount(SQLModel, table=True):
    """A question's answers in one quiz version and wording, from attempts of one score.

    Kept up to date in the transaction that stores each attempt (course/store/item_counters.py),
    so item analysis reads these few rows instead of every answer: the sums for facility, time
    and the item-rest correlation, and with the attempt-score histogram the upper and lower groups.
    `form_id` 0 holds answers recorded without a wording (question_form).
    """

    __tablename__ = "item_score_count"

    quiz_id: str = Field(max_length=100, primary_key=True)
    content_version: str = Field(max_length=64, primary_key=True)
    question_id: str = Field(max_length=100, primary_key=True)
    form_id: int = Field(primary_key=True)
    #: The score of the attempts these answers belong to (quiz_attempt.score).
    score: float = Field(primary_key=True)
    answers: int = Field(default=0)
    correct: int = Field(default=0)
    seconds: float = Field(default=0.0)


class ItemChoiceCount(SQLModel, table=True):
    """How many answers to a question, in one quiz version and wording, gave one answer (`chosen`)."""

    __tablename__ = "item_choice_count"

    quiz_id: str = Field(max_length=100, primary_key=True)
    content_version: str = Field(max_length=64, primary_key=True)
    question_id: str = Field(max_length=100, primary_key=True)
    form_id: int = Field(primary_key=True)
    #: The answer as quiz_answer stores it (JSON positions).
    chosen: str = Field(max_length=200, primary_key=True)
    answers: int = Field(default=0)


class ItemLearner(SQLModel, table=True):
    """A person who answered a wording of a question (in any version): counted once in item_form_learners."""

    __tablename__ = "item_learner"

    form_id: int = Field(primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)


class ItemFormLearners(SQLModel, table=True):
    """How many distinct people answered a wording of a question (rows of item_learner)."""

    __tablename__ = "item_form_learners"

    form_id: int = Field(primary_key=True)
    learners: int = Field(default=0)


class QuestionCell(SQLModel, table=True):
    """First answers to one question by a reporting cell's active people, per period.

    A reporting cell is the people sharing a department, a level and a track list. Kept up to
    date in the transaction that stores each attempt, and moved when a person's cell or active
    state changes (course/store/cell_evidence.py), so the weakest questions add up a few cells
    instead of reading a slot per person and question. Holds counts only, no person.
    """

    __tablename__ = "question_cell"

    department: str = Field(max_length=100, primary_key=True)
    level: str = Field(max_length=100, primary_key=True)
    tracks: str = Field(max_length=200, primary_key=True)
    #: Before the question: the dashboards read a cell's rows for one competency at a time.
    competency: str = Field(max_length=50, primary_key=True)
    item_id: str = Field(max_length=100, primary_key=True)
    question_id: str = Field(max_length=100, primary_key=True)
    #: The period (course/domain/evidence_periods.py) of the first answers counted here.
    period_start: datetime = Field(primary_key=True)
    #: How many people first answered the question in the period (one first answer each).
    first_count: int = Field(default=0)
    #: How many of those first answers earned full credit.
    first_right: int = Field(default=0)


class WeekCell(SQLModel, table=True):
    """First answers of a reporting cell's active people per competency and week, for trends.

    Kept as `QuestionCell` is (course/store/cell_evidence.py). `learners` counts the people with
    at least one first answer in the week, which sums of periods (a week split by a month's end
    has two) could not give.
    """

    __tablename__ = "week_cell"

    department: str = Field(max_length=100, primary_key=True)
    level: str = Field(max_length=100, primary_key=True)
    tracks: str = Field(max_length=200, primary_key=True)
    competency: str = Field(max_length=50, primary_key=True)
    #: Monday 00:00 UTC.
    week_start: datetime = Field(primary_key=True)
    learners: int = Field(default=0)
    first_count: int = Field(default=0)
    first_right: int = Field(default=0)


#: Tables holding data about a person, with how their rows are found for one person.
class ContentRevision(SQLModel, table=True):
    """One saved version of a content file: what the studio published, restored or found on disk.

    Numbered per path from 1; the unique (path, number) is the compare-and-set of a save: two
    saves from the same version both try to add the same number, and the second is refused.
    The largest id is the content version every process compares on each rerun.
    """

    __tablename__ = "content_revision"
    __table_args__ = (UniqueConstraint("path", "number", name="uq_content_revision_path_number"),)

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=300)
    number: int
    text: str
    hash: str = Field(max_length=64)
    #: "published", "restored", "found" (the file as it was on disk before a save) or "imported".
    kind: str = Field(max_length=12)
    author_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL", index=True)
    message: str = Field(default="", max_length=500)
    saved_at: datetime


class StudioDraft(SQLModel, table=True):
    """A trainer's unsaved edit of one content file, kept until they save or discard it."""

    __tablename__ = "studio_draft"
    __table_args__ = (UniqueConstraint("person_id", "path", name="uq_studio_draft_person_path"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    path: str = Field(max_length=300)
    text: str
    hash: str = Field(max_length=64)
    #: The revision number the edit started from (0: before the file had any).
    base_number: int = Field(default=0)
    updated_at: datetime


PERSONAL_DATA: dict[str, str] = {
    "person": "the person's own row (and manager_id of the people they manage)",
    "capability_grant": "person_id",
    "auth_session": "person_id",
    "session_ticket": "person_id",
    "login_attempt": "account = the person's email",
    "section_read": "person_id",
    "progress": "person_id",
    "quiz_attempt": "person_id",
    "quiz_answer": "attempt_id -> quiz_attempt.person_id",
    "evidence_slot": "person_id",
    "evidence_period": "person_id",
    "scenario_run": "person_id",
    "scenario_step": "run_id -> scenario_run.person_id",
    "quiz_draft": "person_id",
    "reflection": "person_id",
    "placement_answer": "person_id",
    "audit_event": "actor_id or subject_id (labels hold the email)",
    "access_link": "person_id",
    "mail_outbox": "person_id",
    "xapi_outbox": "person_id",
    "reset_request": "account = the person's email",
    "certificate": "person_id",
    "enrolment": "person_id",
    "mail_opt_out": "person_id",
    "assignment": "created_by (who made it; the rule may name the person's email)",
    "lti_person_link": "person_id",
    "lti_line_item_member": "person_id",
    "lti_grade_outbox": "person_id",
    "content_revision": "author_id (who saved the version; the text is course content)",
    "studio_draft": "person_id",
    "item_learner": "person_id",
}

#: Tables that hold nothing about any person.
NO_PERSONAL_DATA: frozenset[str] = frozenset({"setup_token", "alembic_version", "job_lease",
                                                  "organisation_setting", "signing_key",
                                                  "lti_tool_key", "lti_nonce", "lti_line_item",
                                                  "question_form", "item_score_count",
                                                  "item_choice_count", "item_form_learners",
                                                  # counts per reporting cell; erasing a person
                                                  # takes their part out (cell_evidence.py)
                                                  "question_cell", "week_cell"})
