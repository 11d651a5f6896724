"""LTI 1.3 as plain data: what a launch says, which course item it opens, what goes back.

Everything here is pure: the claims of a verified launch in, typed values out. The library that
checks signatures lives in course/integrations/lti.py; the records in course/store/lti.py.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from course.domain.model import Course, ItemMeta
from course.domain.throttling import Backoff, Failures

#: Where the tool's LTI routes live (the URLs entered in the LMS start with these).
LOGIN_PATH = "/lti/login"
LAUNCH_PATH = "/lti/launch"
KEYS_PATH = "/lti/jwks.json"
DEEP_LINK_PATH = "/lti/deep-link"

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = CLAIM + "message_type"
DEPLOYMENT = CLAIM + "deployment_id"
ROLES = CLAIM + "roles"
CUSTOM = CLAIM + "custom"
RESOURCE_LINK = CLAIM + "resource_link"
TARGET_LINK = CLAIM + "target_link_uri"
CONTEXT = CLAIM + "context"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
DEEP_LINK_REQUEST = "LtiDeepLinkingRequest"

#: Roles (full URIs or the short names some platforms send) that may pick items to link.
_TEACHING_ROLES = ("Instructor", "Administrator", "ContentDeveloper", "TeachingAssistant")
#: Item kinds a link may open, in the order the picker lists them.
ITEM_KINDS = ("track", "module", "quiz", "scenario")
#: Item kinds whose score goes to a gradebook column.
GRADED_KINDS = ("quiz", "scenario")
#: The page of the app that shows each kind (a track opens the learner's path).
_PAGES = {"track": "/", "module": "/module", "quiz": "/quiz", "scenario": "/scenario"}
_MAX_ID = 100
_MAX_CLAIM = 255

#: What a refused launch tells the person, by reason (the audit log keeps the technical detail).
REFUSALS: dict[str, str] = {
    "issuer": "This learning platform is not registered with Need to Share.",
    "audience": "The launch was meant for another tool, not for Need to Share.",
    "signature": "The launch's signature could not be checked, so it was not accepted.",
    "expired": "The launch had expired. Please open the activity again from your course.",
    "nonce": "This launch was already used. Please open the activity again from your course.",
    "state": "The launch did not come from the sign-in this browser started. Please open the "
    "activity again from your course; if it keeps failing, allow cookies for this site.",
    "deployment": "This deployment of the tool is not registered with Need to Share.",
    "message": "The launch was not a kind of message Need to Share understands.",
    "format": "The launch could not be read.",
    "login": "The learning platform's sign-in request could not be used.",
    "person": "The launch did not say who you are, or your account here is disabled.",
    "item": "The launch points to nothing in this course.",
    "teacher": "Only a teacher of the course may choose what to link.",
    "keys": "The learning platform's public keys could not be fetched, so the launch could not be "
    "checked. Please try again in a minute.",
    "busy": "Too many sign-ins from learning platforms were started just now. Please wait a minute, "
    "then open the activity again from your course.",
}

#: How long a nonce sent in a login may wait for its launch; older ones are useless and purged.
NONCE_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class LoginRefusal:
    """Why a login is refused before it writes anything: `scope` "address" or "everywhere"."""

    scope: str
    retry_after: int


class LoginLimited(Exception):
    """A login refused because too many logins stand without their launch."""

    def __init__(self, refusal: LoginRefusal) -> None:
        where = "from this address" if refusal.scope == "address" else "from all addresses together"
        super().__init__(f"too many logins without a launch {where}; retry after {refusal.retry_after} s")
        self.refusal = refusal


#: One address may leave 60 logins without a launch, then waits 1 s, 2 s, 4 s ... at most a minute.
LOGINS_PER_ADDRESS = Backoff(free=60, first=timedelta(seconds=1), ceiling=timedelta(minutes=1))


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How many logins may stand without their launch: per client address, and in all.

    Anyone who knows a registered issuer can start a login, and each writes a nonce that only a
    launch signed by the platform uses: a flood leaves unused nonces behind. Within the nonce
    window one address may leave `per_address.free` of them, then waits 1 s after the last,
    2 s, 4 s ... at most a minute (a class behind one router is not slowed: its launches use
    their nonces within seconds). Past `outstanding` unused nonces from everyone together, every
    login waits for old ones to expire, so the table stays small whatever the flood.
    """

    per_address: Backoff = LOGINS_PER_ADDRESS
    outstanding: int = 10_000

    def refusal(self, *, by_address: Failures, everywhere: int, now: datetime) -> LoginRefusal | None:
        """Return why a login must wait given the unused nonces (None: it may go on)."""
        if everywhere >= self.outstanding:
            return LoginRefusal("everywhere", retry_after=60)
        allowed = self.per_address.allowed_at(by_address)
        if allowed is not None and now < allowed:
            return LoginRefusal("address", retry_after=max(1, math.ceil((allowed - now).total_seconds())))
        return None


@dataclass(frozen=True, slots=True)
class ItemRef:
    """A course item a link opens: its kind and id."""

    kind: str
    item_id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.item_id}"

    def page_path(self) -> str:
        """Return the app's address of the item (a track opens the learner's path)."""
        if self.kind == "track":
            return "/"
        return f"{_PAGES[self.kind]}?id={self.item_id}"


@dataclass(frozen=True, slots=True)
class LinkChoice:
    """An item a teacher may link, as the picker shows it."""

    ref: ItemRef
    title: str


@dataclass(frozen=True, slots=True)
class LaunchFacts:
    """What a verified resource launch says about who is launching what."""

    issuer: str
    client_id: str
    subject: str
    name: str
    email: str
    item: ItemRef | None
    line_item_url: str
    can_score: bool
    department: str
    tracks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ToolKey:
    """The tool's RSA key: its published id and both halves, as PEM."""

    kid: str
    private_pem: str
    public_pem: str


@dataclass(frozen=True, slots=True)
class OutgoingScore:
    """A score to post to a platform's line item for one of its users."""

    issuer: str
    client_id: str
    line_item_url: str
    subject: str
    #: Between 0 and 1; sent out of 100.
    score: float
    earned_at: datetime


class ScoreNotSent(Exception):
    """The platform could not be reached or refused a score; the message says which."""


def plain_claim(value: object, *, limit: int = _MAX_CLAIM) -> str:
    """Return a claim as one line of plain text, control characters removed, at most `limit` long."""
    if not isinstance(value, str):
        return ""
    text = unicodedata.normalize("NFC", value[: limit * 4])
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    return " ".join(text.split())[:limit]


def parse_item_ref(raw: object, course: Course) -> ItemRef | None:
    """Read "kind:id" (a custom parameter) as an item of this course, or None."""
    if not isinstance(raw, str) or len(raw) > _MAX_ID + 20 or ":" not in raw:
        return None
    kind, _, item_id = raw.partition(":")
    tables: Mapping[str, Mapping[str, object]] = {
        "track": course.info.roles, "module": course.modules, "quiz": course.quizzes,
        "scenario": course.scenarios}
    if kind not in tables or item_id not in tables[kind]:
        return None
    return ItemRef(kind, item_id)


def link_choices(course: Course) -> list[LinkChoice]:
    """Return every item a teacher may link: tracks, then modules, quizzes and scenarios by title."""
    choices = [LinkChoice(ItemRef("track", key), f"Track: {title}")
               for key, title in course.info.roles.items()]
    tables: tuple[tuple[str, Iterable[ItemMeta]], ...] = (
        ("module", (m.meta for m in course.modules.values())),
        ("quiz", (q.meta for q in course.quizzes.values())),
        ("scenario", (s.meta for s in course.scenarios.values())))
    for kind, metas in tables:
        for meta in sorted(metas, key=lambda meta: (meta.title.casefold(), meta.id)):
            choices.append(LinkChoice(ItemRef(kind, meta.id), f"{kind.title()}: {meta.title}"))
    return choices


def is_teacher(claims: Mapping[str, object]) -> bool:
    """Tell whether the launch's roles include one that may choose what to link."""
    roles = claims.get(ROLES)
    if not isinstance(roles, list):
        return False
    names = {role.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for role in roles if isinstance(role, str)}
    return any(role in names for role in _TEACHING_ROLES)


def _custom(claims: Mapping[str, object]) -> Mapping[str, object]:
    custom = claims.get(CUSTOM)
    return custom if isinstance(custom, dict) else {}


def _tracks(raw: object, known: Sequence[str]) -> tuple[str, ...]:
    values = raw.replace(";", " ").replace(",", " ").split() if isinstance(raw, str) else []
    wanted = [plain_claim(value, limit=64).casefold() for value in values[:20]]
    return tuple(dict.fromkeys(track for track in wanted if track in known))


def read_launch(claims: Mapping[str, object], course: Course, *, client_id: str,
                department_claim: str, tracks_claim: str) -> LaunchFacts:
    """Return what a verified resource launch says, from its claims (nothing is trusted blindly)."""
    custom = _custom(claims)
    ags = claims.get(AGS)
    ags = ags if isinstance(ags, dict) else {}
    scopes = ags.get("scope")
    target = claims.get(TARGET_LINK)
    item = parse_item_ref(custom.get("item"), course)
    if item is None and isinstance(target, str) and len(target) <= 2000:
        item = parse_item_ref(next(iter(parse_qs(urlsplit(target).query).get("item", [])), None), course)
    line_item = ags.get("lineitem")
    return LaunchFacts(
        issuer=plain_claim(claims.get("iss")),
        client_id=client_id,
        subject=plain_claim(claims.get("sub")),
        name=plain_claim(claims.get("name"), limit=200),
        email=plain_claim(claims.get("email"), limit=254),
        item=item,
        line_item_url=line_item if isinstance(line_item, str) and len(line_item) <= 1000 else "",
        can_score=isinstance(scopes, list) and SCORE_SCOPE in scopes,
        department=plain_claim(custom.get(department_claim), limit=100),
        tracks=_tracks(custom.get(tracks_claim), tuple(course.info.roles)),
    )


def score_key(line_item_id: int, work_key: str) -> str:
    """Return the outbox key of one piece of work's score for one line item (a retry repeats it)."""
    return f"{line_item_id}:{work_key}"[:120]
