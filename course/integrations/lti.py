"""The LTI 1.3 tool side, on pylti1p3next, behind plain values.

Routes hand in an `IncomingRequest` (parameters, cookies, whether it came over HTTPS) and get
back a redirect, the verified claims, or `LaunchRefused` with a reason of
course.domain.lti.REFUSALS. Nonces live in the database through the `NonceBook` the caller
passes; nothing is kept in memory between requests. Scores go out with `AgsScoreSender`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import jwt
import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.cookie import CookieService
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException, LtiKeyException, OIDCException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect
from pylti1p3.registration import Registration
from pylti1p3.request import Request
from pylti1p3.service_connector import ServiceConnector
from pylti1p3.session import SessionService
from pylti1p3.tool_config.abstract import ToolConfAbstract

from course.domain.lti import (
    DEEP_LINK_REQUEST,
    MESSAGE_TYPE,
    LinkChoice,
    LoginLimited,
    OutgoingScore,
    ScoreNotSent,
    ToolKey,
)
from course.integrations.platform_keys import KeySetUnavailable, PlatformKeySets
from course.settings import LtiPlatform

#: Seconds to wait for a platform (key set, token, score) before giving up on this try.
TIMEOUT = 10.0
#: The prefix of the short-lived cookies that tie a launch to the browser that asked for it.
COOKIE_PREFIX = "lti1p3-"
#: How long a deep-linking choice may take, in seconds.
CHOICE_SECONDS = 15 * 60
_CHOICE_AUDIENCE = "need-to-share:deep-link-choice"
#: The one AGS scope the tool asks for: posting scores.
SCORE: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
_DEEP_LINK_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


class LaunchRefused(Exception):
    """A login or launch that is not accepted: `reason` (a REFUSALS key) and the library's word.

    `retry_after` (seconds, 0: none) says when a login refused for load may be tried again;
    `audited` is True when the refusal was recorded already (where repeats are bounded).
    """

    def __init__(self, reason: str, detail: str = "", *, retry_after: int = 0, audited: bool = False) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail[:300]
        self.retry_after = retry_after
        self.audited = audited


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    """What the tool needs of an HTTP request: its parameters, its cookies, its scheme."""

    params: Mapping[str, str]
    cookies: Mapping[str, str]
    secure: bool
    #: Parameters that were sent but left out for being longer than the route accepts.
    oversized: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CookieToSet:
    """A cookie the response must set (max_age None: until the browser closes)."""

    name: str
    value: str
    max_age: int | None


@dataclass(frozen=True, slots=True)
class LoginRedirect:
    """Where to send the browser after a login initiation, and the cookies to set first."""

    url: str
    cookies: tuple[CookieToSet, ...]


@dataclass(frozen=True, slots=True)
class VerifiedLaunch:
    """A launch that passed every check: its platform and its claims."""

    platform: LtiPlatform
    claims: Mapping[str, Any]
    deployment_id: str

    @property
    def is_deep_link(self) -> bool:
        """Tell whether the platform asks the tool to choose what to link."""
        return self.claims.get(MESSAGE_TYPE) == DEEP_LINK_REQUEST


class NonceBook(Protocol):
    """Where nonces sent to platforms are kept, each usable once."""

    def save(self, nonce: str) -> None:
        """Remember a nonce sent in a login, or raise LoginLimited (having audited it)."""

    def use(self, nonce: str) -> bool:
        """Mark a nonce used; tell whether it was ours, fresh and unused."""


# --- the adapter: pylti1p3's abstract pieces over plain values ---------------------------------

class _Request(Request):
    def __init__(self, incoming: IncomingRequest) -> None:
        self._incoming = incoming

    @property
    def session(self) -> None:
        return None

    def is_secure(self) -> bool:
        return self._incoming.secure

    def get_param(self, key: str) -> str:
        value = self._incoming.params.get(key, "")
        return value if isinstance(value, str) else ""


class _Cookies(CookieService):
    def __init__(self, incoming: IncomingRequest) -> None:
        self._incoming = incoming
        self.to_set: list[CookieToSet] = []

    def get_cookie(self, name: str) -> str | None:
        return self._incoming.cookies.get(COOKIE_PREFIX + name)

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self.to_set.append(CookieToSet(COOKIE_PREFIX + name, str(value), exp))


class _Nonces(SessionService):
    """pylti1p3's session service with nonces in the database and no launch cache."""

    def __init__(self, request: _Request, book: NonceBook) -> None:
        super().__init__(request)
        self._book = book

    def save_nonce(self, nonce: str) -> None:
        self._book.save(nonce)

    def check_nonce(self, nonce: str) -> bool:
        return len(nonce) <= 128 and self._book.use(nonce)

    def check_state_is_valid(self, state: str, id_token_hash: str) -> bool:
        return False  # no launch is cached: the state cookie alone ties a launch to its browser

    def save_launch_data(self, key: str, jwt_body: Mapping[str, Any]) -> None:
        return None

    def set_state_valid(self, state: str, id_token_hash: str) -> None:
        return None


class _Redirect(Redirect[str]):
    def __init__(self, location: str) -> None:
        self._location = location

    def do_redirect(self) -> str:
        return self._location

    def do_js_redirect(self) -> str:
        return self._location

    def set_redirect_url(self, location: str) -> None:
        self._location = location

    def get_redirect_url(self) -> str:
        return self._location


def _registration(platform: LtiPlatform, key: ToolKey) -> Registration:
    registration = Registration()
    (registration.set_issuer(platform.issuer).set_client_id(platform.client_id)
     .set_auth_login_url(platform.auth_login_url).set_auth_token_url(platform.auth_token_url)
     .set_key_set_url(platform.key_set_url).set_tool_private_key(key.private_pem)
     .set_tool_public_key(key.public_pem))
    if platform.auth_audience:
        registration.set_auth_audience(platform.auth_audience)
    return registration


class _ToolConf(ToolConfAbstract[_Request]):
    """The registered platforms; an issuer may have several client ids."""

    def __init__(self, platforms: Sequence[LtiPlatform], key: ToolKey) -> None:
        self.issuers_relation_types = {}  # per instance: the library's default is shared
        self._platforms = tuple(platforms)
        self._key = key
        for platform in self._platforms:
            self.set_iss_has_many_clients(platform.issuer)

    def platform(self, iss: str, client_id: str | None) -> LtiPlatform | None:
        for platform in self._platforms:
            if platform.issuer == iss and (not client_id or platform.client_id == client_id):
                return platform
        return None

    def knows_issuer(self, iss: str) -> bool:
        return any(platform.issuer == iss for platform in self._platforms)

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        found = self.platform(iss, None)
        return _registration(found, self._key) if found else None  # type: ignore[return-value]

    def find_registration_by_params(self, iss: str, client_id: str, *args: Any,
                                    **kwargs: Any) -> Registration:
        found = self.platform(iss, client_id)
        return _registration(found, self._key) if found else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, "")

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str, *args: Any,
                                  **kwargs: Any) -> Deployment | None:
        found = self.platform(iss, client_id or None)
        if found is None or deployment_id not in found.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)


class _Session(requests.Session):
    """A requests session that never waits longer than TIMEOUT."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


class _Login(OIDCLogin[_Request, _ToolConf, _Nonces, _Cookies, str]):
    def get_redirect(self, url: str) -> Redirect[str]:
        return _Redirect(url)


class _Launch(MessageLaunch[_Request, _ToolConf, _Nonces, _Cookies]):
    """A launch checked in an order that spends the nonce only on a genuine token."""

    def __init__(self, request: _Request, config: _ToolConf, *, nonces: _Nonces, cookies: _Cookies,
                 key_sets: PlatformKeySets) -> None:
        super().__init__(request, config, session_service=nonces, cookie_service=cookies,
                         requests_session=_Session())
        self._key_sets = key_sets
        # Every launch token must say when it was issued and until when it holds.
        self.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})

    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)

    def fetch_public_key(self, key_set_url: str) -> Any:
        """Return the platform's key set from this process's cache (fetched when needed)."""
        kid = self._jwt.get("header", {}).get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 200:
            raise LaunchRefused("signature", "the token's header names no key (kid)")
        try:
            return self._key_sets.get(key_set_url, kid=kid)
        except KeySetUnavailable as error:
            raise LaunchRefused("keys", str(error)) from error

    def validate(self) -> _Launch:
        self._validated = True
        try:
            self._step(self.validate_state, "state")
            self._step(self.validate_jwt_format, "format")
            self._step(self.validate_registration, "audience" if self._issuer_known() else "issuer")
            self._step(self._validate_authorised_party, "audience")
            self._check_signature()
            self._step(self.validate_deployment, "deployment")
            self._step(self.validate_nonce, "nonce")
            self._step(self.validate_message, "message")
        except BaseException:
            self._validated = False
            raise
        return self

    def _validate_authorised_party(self) -> None:
        """Refuse a token for several audiences unless its `azp` names this tool (OpenID Connect)."""
        body = self._get_jwt_body()
        audience, party = body.get("aud"), body.get("azp")
        several = isinstance(audience, list) and len(audience) > 1
        if (several or party is not None) and party != self.get_client_id():
            raise LtiException(f"the token's azp is {str(party)[:100]!r}, not this tool's client id"
                               + (" (it names several audiences)" if several else ""))

    def _issuer_known(self) -> bool:
        config: _ToolConf = self._tool_config
        try:
            return config.knows_issuer(self.get_iss())
        except LtiException:  # no issuer at all
            return False

    @staticmethod
    def _step(check: Callable[[], object], reason: str) -> None:
        try:
            check()
        except (LtiException, ValueError, TypeError, KeyError) as error:
            raise LaunchRefused(reason, str(error)) from error

    def _check_signature(self) -> None:
        try:
            self.validate_jwt_signature()
        except LtiKeyException as error:
            raise LaunchRefused("signature", str(error)) from error
        except LtiException as error:
            cause = error.__cause__
            expired = isinstance(cause, jwt.ExpiredSignatureError | jwt.ImmatureSignatureError)
            incomplete = isinstance(cause, jwt.MissingRequiredClaimError)
            reason = "expired" if expired else "format" if incomplete else "signature"
            raise LaunchRefused(reason, str(error)) from error


# --- what routes call ---------------------------------------------------------------------------

def begin_login(incoming: IncomingRequest, *, platforms: Sequence[LtiPlatform], key: ToolKey,
                nonces: NonceBook, launch_url: str) -> LoginRedirect:
    """Answer a platform's third-party login initiation: where to send the browser, with what cookies."""
    request = _Request(incoming)
    cookies = _Cookies(incoming)
    login = _Login(request, _ToolConf(platforms, key), session_service=_Nonces(request, nonces),
                   cookie_service=cookies)
    try:
        url = login.get_redirect_object(launch_url).get_redirect_url()
    except LoginLimited as limited:
        raise LaunchRefused("busy", str(limited), retry_after=limited.refusal.retry_after,
                            audited=True) from limited
    except (OIDCException, LtiException, AssertionError) as error:
        raise LaunchRefused("login", str(error) or "no registration for this issuer and client") from error
    return LoginRedirect(url, tuple(cookies.to_set))


def verify_launch(incoming: IncomingRequest, *, platforms: Sequence[LtiPlatform], key: ToolKey,
                  nonces: NonceBook, key_sets: PlatformKeySets) -> VerifiedLaunch:
    """Check a launch (state, signature, audience, expiry, deployment, nonce) and return it.

    The platform's public keys come from `key_sets`, which keeps them between launches.
    """
    if "id_token" in incoming.oversized:
        raise LaunchRefused("format", "the id_token is longer than this tool reads")
    request = _Request(incoming)
    config = _ToolConf(platforms, key)
    launch = _Launch(request, config, nonces=_Nonces(request, nonces), cookies=_Cookies(incoming),
                     key_sets=key_sets)
    launch.validate()
    claims = dict(launch.get_launch_data())
    found = config.platform(str(claims.get("iss", "")), launch.get_client_id())
    if found is None:  # validated above; kept as a guard for the type checker
        raise LaunchRefused("audience")
    deployment = claims.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id")
    return VerifiedLaunch(found, claims, str(deployment))


def seal_choice(launch: VerifiedLaunch, key: ToolKey, *, now: float | None = None) -> str:
    """Return a token, signed by the tool, that lets the picker answer this deep-linking request."""
    settings = launch.claims.get(_DEEP_LINK_SETTINGS)
    issued = int(now if now is not None else time.time())
    claims = {"aud": _CHOICE_AUDIENCE, "iss": launch.platform.issuer, "client_id": launch.platform.client_id,
              "deployment_id": launch.deployment_id,
              "settings": settings if isinstance(settings, dict) else {},
              "iat": issued, "exp": issued + CHOICE_SECONDS, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})


@dataclass(frozen=True, slots=True)
class DeepLinkAnswer:
    """The signed answer to a deep-linking request and where the browser must post it."""

    issuer: str
    return_url: str
    token: str


def answer_deep_link(sealed: str, chosen: Iterable[LinkChoice], *, platforms: Sequence[LtiPlatform],
                     keys: Sequence[ToolKey], launch_url: str) -> DeepLinkAnswer:
    """Check the picker's token and sign the deep-linking response for the chosen items."""
    claims = _open_choice(sealed, keys)
    platform = _ToolConf(platforms, keys[0]).platform(str(claims.get("iss")), str(claims.get("client_id")))
    settings = claims.get("settings")
    if platform is None or not isinstance(settings, dict):
        raise LaunchRefused("login", "the deep-linking request no longer matches a registration")
    deployment = str(claims.get("deployment_id"))
    if deployment not in platform.deployment_ids:
        raise LaunchRefused("deployment", f"deployment {deployment[:100]!r} is no longer registered")
    if not str(settings.get("deep_link_return_url", "")).startswith(("https://", "http://")):
        raise LaunchRefused("message", "the deep-linking request has no usable return address")
    resources = [_resource(choice, launch_url) for choice in chosen]
    link = DeepLink(_registration(platform, keys[0]), deployment, settings)  # type: ignore[arg-type]
    return DeepLinkAnswer(platform.issuer, str(settings["deep_link_return_url"]),
                          link.get_response_jwt(resources))


def _open_choice(sealed: str, keys: Sequence[ToolKey]) -> Mapping[str, Any]:
    for key in keys:
        try:
            opened: dict[str, Any] = jwt.decode(sealed, key.public_pem, algorithms=["RS256"],
                                                audience=_CHOICE_AUDIENCE)
        except jwt.ExpiredSignatureError as error:
            raise LaunchRefused("expired", str(error)) from error
        except jwt.InvalidTokenError:
            continue
        return opened
    raise LaunchRefused("signature", "the picker's token was not signed by this tool")


def _resource(choice: LinkChoice, launch_url: str) -> DeepLinkResource:
    resource = (DeepLinkResource().set_url(launch_url).set_title(choice.title[:200])
                .set_custom_params({"item": str(choice.ref)}))
    if choice.ref.kind in ("quiz", "scenario"):
        line_item = (LineItem().set_label(choice.title[:200]).set_score_maximum(100)
                     .set_resource_id(str(choice.ref)).set_tag("need-to-share"))
        resource.set_lineitem(line_item)
    return resource


def public_key_set(keys: Sequence[ToolKey]) -> dict[str, list[Mapping[str, Any]]]:
    """Return the tool's public keys as a JSON Web Key Set."""
    return {"keys": [Registration.get_jwk(key.public_pem) for key in keys]}


# --- Assignment and Grade Services --------------------------------------------------------------

class _Connector(ServiceConnector):
    """pylti1p3's connector without a token cache: each send asks for a fresh token."""

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        return None

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        return None


class AgsScoreSender:
    """Post scores to platforms' line items (LTI Assignment and Grade Services 2.0)."""

    def __init__(self, platforms: Sequence[LtiPlatform]) -> None:
        self._platforms = tuple(platforms)

    def send(self, score: OutgoingScore, *, key: ToolKey) -> None:
        """Post one score, or raise ScoreNotSent saying why."""
        platform = next((p for p in self._platforms
                         if p.issuer == score.issuer and p.client_id == score.client_id), None)
        if platform is None:
            raise ScoreNotSent(f"no registration for {score.issuer} / {score.client_id} any more")
        grade = (Grade().set_score_given(round(score.score * 100, 2)).set_score_maximum(100)
                 .set_activity_progress("Completed").set_grading_progress("FullyGraded")
                 .set_timestamp(score.earned_at.isoformat()).set_user_id(score.subject))
        service = AssignmentsGradesService(
            _Connector(_registration(platform, key), requests_session=_Session()),
            {"scope": [SCORE], "lineitem": score.line_item_url})
        try:
            service.put_grade(grade)
        except LtiException as error:
            response = getattr(error, "response", None)
            status = f" (HTTP {response.status_code})" if response is not None else ""
            raise ScoreNotSent(f"{error}{status}".splitlines()[0][:300]) from error
        except (requests.RequestException, ValueError) as error:
            raise ScoreNotSent(f"{type(error).__name__}: {error}".splitlines()[0][:300]) from error
