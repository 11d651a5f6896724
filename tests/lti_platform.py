"""A real LTI 1.3 platform on 127.0.0.1, built on `lti1p3platform`, for the LTI tests.

The platform is the library's own code (OIDC authorisation, signed launches, deep linking,
the OAuth2 token endpoint and Assignment and Grade Services) behind a tiny standard-library
HTTP server. `lti_platform` starts it once per test session on a free port. A test plans a
launch (who, which item, deep linking or not) under a message hint, then drives the browser's
part itself: the tool's login route, the platform's authorisation, the tool's launch route.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.service_connector import AssignmentsGradesService

CLIENT_ID = "need-to-share-tool"
DEPLOYMENT_ID = "deployment-1"
TOOL_URL = "https://testserver"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def _new_key() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@dataclass
class Plan:
    """One launch a test asked for."""

    user: str
    roles: list[str]
    custom: dict[str, str] = field(default_factory=dict)
    name: str = "Grace Hopper"
    email: str = ""
    deep_link: bool = False
    line_item: str = ""
    expires_in: int = 300


class _Config(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: t.Any) -> None:
        self.owner: Platform = kwargs["owner"]

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        owner = self.owner
        registration = (Registration().set_iss(owner.issuer).set_client_id(CLIENT_ID)
                        .set_deployment_id(DEPLOYMENT_ID)
                        .set_oidc_login_url(owner.tool_url + "/lti/login")
                        .set_launch_url(owner.tool_url + "/lti/launch")
                        .set_deeplink_launch_url(owner.tool_url + "/lti/launch")
                        .set_platform_public_key(owner.public_pem)
                        .set_platform_private_key(owner.private_pem))
        if owner.tool_keys is not None:
            registration.set_tool_key_set(owner.tool_keys)  # type: ignore[arg-type]
        return registration


class _PlainRequest(Request):
    def build_metadata(self, request: t.Any) -> TRequest:
        return t.cast(TRequest, request)


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict[str, t.Any], **kwargs: t.Any) -> str:
        return (f'<form method="post" action="{launch_data["launch_url"]}">'
                f'<input type="hidden" name="id_token" value="{launch_data["id_token"]}">'
                f'<input type="hidden" name="state" value="{launch_data["state"]}"></form>')


class _Grades(AssignmentsGradesService):
    owner: Platform

    def find_lineitems(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        return {"content": [], "has_next": False}

    def find_lineitem(self, line_item_id: str) -> t.Any:
        return self.owner.line_items[line_item_id]

    def create_lineitem(self, creation_data: t.Any) -> t.Any:
        raise NotImplementedError

    def update_lineitem(self, update_data: t.Any) -> t.Any:
        raise NotImplementedError

    def delete_lineitem(self, line_item_id: str) -> None:
        raise NotImplementedError

    def update_score(self, line_item_id: str, score: t.Any) -> t.Any:
        from lti1p3platform.exceptions import LineItemNotFoundException
        from lti1p3platform.score import UpdateScoreStatus

        if line_item_id not in self.owner.line_items:
            raise LineItemNotFoundException()
        self.owner.scores.append((line_item_id, dict(score)))
        return UpdateScoreStatus.SUCCESS

    def get_results(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        return {"content": [], "has_next": False}


class Platform:
    """The platform, its keys, its plans, and what it received."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.issuer = self.base
        self.private_pem, self.public_pem = _new_key()
        self.tool_keys: dict[str, t.Any] | None = None
        #: Where the tool is (a browser test points it at a real app server for a while).
        self.tool_url = TOOL_URL
        self.plans: dict[str, Plan] = {}
        self.line_items: dict[str, dict[str, t.Any]] = {}
        self.scores: list[tuple[str, dict[str, t.Any]]] = []
        self.deep_link_items: list[dict[str, t.Any]] = []
        #: While True, the score endpoint answers 503 (the LMS is away).
        self.down = False
        #: How many times the tool asked for the platform's key set.
        self.key_set_requests = 0
        self.lock = threading.Lock()

    def rotate_key(self) -> tuple[str, str]:
        """Sign with a new key from now on (its key id changes with it); return the old pair."""
        old = self.private_pem, self.public_pem
        self.private_pem, self.public_pem = _new_key()
        return old

    def config(self) -> _Config:
        return _Config(owner=self)

    def registration_entry(self) -> dict[str, t.Any]:
        """Return the tool's registration of this platform (the NTS_LTI_PLATFORMS entry)."""
        return {"issuer": self.issuer, "client_id": CLIENT_ID, "deployment_ids": [DEPLOYMENT_ID],
                "auth_login_url": self.base + "/authorize", "auth_token_url": self.base + "/token",
                "key_set_url": self.base + "/jwks"}

    def add_line_item(self, label: str) -> str:
        """Create a gradebook column and return its URL."""
        with self.lock:
            number = str(len(self.line_items) + 1)
            self.line_items[number] = {"id": f"{self.base}/lineitems/{number}", "label": label,
                                       "scoreMaximum": 100}
        return f"{self.base}/lineitems/{number}"

    def login_initiation(self, hint: str, plan: Plan) -> str:
        """Plan a launch and return the tool's login URL the platform would send the browser to."""
        self.plans[hint] = plan
        login = _Login(_PlainRequest({}), self.config())
        login.set_lti_message_hint(hint=hint)
        return login.initiate_login(plan.user)

    def sign(self, claims: dict[str, t.Any], *, key_pem: str | None = None, expires_in: int = 300) -> str:
        """Sign claims as the platform does (or with another key, for a forged token)."""
        registration = self.config().get_registration()
        kid = registration.get_kid()
        return Registration.encode_and_sign(dict(claims), key_pem or self.private_pem,
                                            headers={"kid": kid}, expiration=expires_in)

    # --- endpoints -------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> str:
        plan = self.plans[query["lti_message_hint"]]
        launch = _Launch(_PlainRequest({"get_data": query, "form_data": {}}), self.config())
        launch.set_user_data(plan.user, plan.roles, full_name=plan.name, email_address=plan.email or None)
        launch.set_resource_link_claim("link-" + query["lti_message_hint"])
        launch.set_launch_context_claim("course-1", context_title="Onboarding")
        launch.set_id_token_expiration(plan.expires_in)
        if plan.custom:
            launch.set_custom_parameters_claim(plan.custom)
        if plan.line_item:
            launch.set_ags(lineitems_url=self.base + "/lineitems", lineitem_url=plan.line_item)
        if plan.deep_link:
            launch.set_dl(self.base + "/deep-link-return", title="Pick", accept_types={"ltiResourceLink"},
                          extra_data={"opaque": "kept"})
        return t.cast(str, launch.lti_launch())

    def token(self, form: dict[str, str]) -> dict[str, t.Any]:
        config = self.config()
        config.get_registration()
        return dict(config.get_access_token(form))

    def score(self, line_item_id: str, headers: dict[str, str], body: t.Any) -> tuple[int, t.Any]:
        if self.down:
            return 503, {"error": "gradebook unavailable"}
        request = _PlainRequest({"method": "POST", "headers": headers, "json": body, "get_data": {},
                                 "form_data": {}})
        config = self.config()
        config.get_registration()
        service = _Grades(request, config, self.base + "/lineitems", f"{self.base}/lineitems/{line_item_id}")
        service.owner = self
        response = service.handle_resp(service.handle_update_score, line_item_id=line_item_id)
        return response.code, {"message": response.message}

    def deep_link_return(self, form: dict[str, str]) -> list[dict[str, t.Any]]:
        config = self.config()
        config.get_registration()
        items = config.validate_deeplinking_resp(form)
        for item in items:
            if "lineItem" in item:
                item["created_line_item"] = self.add_line_item(item["lineItem"].get("label", ""))
        self.deep_link_items.extend(items)
        return items


def _handler(platform: Platform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: t.Any) -> None:
            return

        def _send(self, status: int, body: str, kind: str = "application/json") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                return t.cast(dict[str, str], json.loads(raw))
            return dict(parse_qsl(raw))

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/jwks":
                with platform.lock:
                    platform.key_set_requests += 1
                config = platform.config()
                config.get_registration()
                self._send(200, json.dumps(config.get_jwks()))
            elif parts.path == "/authorize":
                self._send(200, platform.authorize(dict(parse_qsl(parts.query))), "text/html")
            else:
                self._send(404, "{}")

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            try:
                if parts.path == "/token":
                    self._send(200, json.dumps(platform.token(self._form())))
                elif match := re.fullmatch(r"/lineitems/(\w+)/scores", parts.path):
                    status, body = platform.score(match.group(1), dict(self.headers.items()), self._form())
                    self._send(status, json.dumps(body))
                elif parts.path == "/deep-link-return":
                    self._send(200, json.dumps(platform.deep_link_return(self._form())))
                else:
                    self._send(404, "{}")
            except Exception as error:  # the tool sees a refusal, the test sees the reason
                self._send(400, json.dumps({"error": f"{type(error).__name__}: {error}"}))

    return Handler


def launch_form(html: str) -> tuple[str, dict[str, str]]:
    """Return the action and hidden fields of an auto-submitting form."""
    action = unescape(re.search(r'action="([^"]*)"', html).group(1))  # type: ignore[union-attr]
    fields = {unescape(name): unescape(value)
              for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', html)}
    return action, fields


@pytest.fixture(scope="session")
def lti_platform() -> Iterator[Platform]:
    """Run the platform on a free port of 127.0.0.1 for the whole test session."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    platform = Platform(port)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(platform))
    thread = threading.Thread(target=server.serve_forever, name="lti-platform", daemon=True)
    thread.start()
    yield platform
    server.shutdown()
    server.server_close()
