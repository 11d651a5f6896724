"""Learning records sent with OAuth 2.0 client credentials, against real servers on 127.0.0.1.

The tokens come from a real authorization server (oidc-provider) by the client credentials
grant; the LRS is a real Ralph that checks each token's signature, expiry, audience and scope
itself. Statements are read back through Ralph's own API.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from json import loads
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from course.cli import main
from course.integrations.lrs import HttpLrs, client_credentials
from course.integrations.oauth import ClientCredentials, IssuedToken, TokenCache, fetch_token
from course.services import learning_records
from course.services.database import close_database, open_database
from course.services.jobs import new_holder, run_due_jobs
from course.settings import LrsSettings, load_settings
from course.store.engine import read_session
from tests.conftest import TreeWriter
from tests.databases import sqlite_engine, sqlite_template
from tests.integrations.test_lrs import NOW, add_learner, course_at, held_by, learn_everything, outbox_rows
from tests.oauth_lrs import (
    CLIENT_SECRET,
    SHORT_LIFETIME,
    SHORT_LIVED_ID,
    SHORT_LIVED_SECRET,
    OAuthLrs,
    oauth_lrs,
)

__all__ = ["oauth_lrs", "sqlite_engine", "sqlite_template"]


class CountingTokens(TokenCache):
    """The real token cache and endpoint, remembering every token issued (to look for leaks)."""

    def __init__(self, *, frozen_clock: bool = False) -> None:
        super().__init__(fetch=self._fetch_and_keep, **({"clock": lambda: 0.0} if frozen_clock else {}))
        self.issued: list[str] = []

    def _fetch_and_keep(self, credentials: ClientCredentials, timeout: float) -> IssuedToken:
        token = fetch_token(credentials, timeout=timeout)
        self.issued.append(token.value)
        return token


def _errors(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return [r[0] for r in session.connection().execute(
            text("SELECT last_error FROM xapi_outbox WHERE last_error <> ''"))]


def test_statements_sent_with_an_oauth_token_arrive_each_once_under_the_clients_name(
    oauth_lrs: OAuthLrs, sqlite_engine: Engine, write_tree: TreeWriter
) -> None:
    engine, course = sqlite_engine, course_at(write_tree())
    settings = oauth_lrs.settings()
    learning_records.connect_lrs(engine, settings)
    learn_everything(engine, add_learner(engine), course)
    ids = [sid for sid, _, _ in outbox_rows(engine)]
    tokens = CountingTokens()

    job = learning_records.xapi_job(HttpLrs(settings, tokens=tokens), batch=3)
    [outcome] = run_due_jobs(engine, [job], holder=new_holder())

    assert outcome.message == f"{len(ids)} statement(s) sent, 0 to retry, 0 old sent statement(s) deleted"
    assert len(ids) > 6 and len(tokens.issued) == 1  # several batches, one token
    assert held_by(oauth_lrs.lrs, ids) == Counter({sid: 1 for sid in ids})
    stored = [s for s in oauth_lrs.lrs.statements() if s["id"] in set(ids)]
    # Ralph records who posted: the token's subject at its issuer, the OAuth client.
    authorities = {s["authority"]["openid"] for s in stored}  # type: ignore[index]
    assert authorities == {f"{oauth_lrs.server.issuer}/need-to-share"}


def test_a_wrong_client_secret_keeps_everything_until_the_settings_are_fixed(
    oauth_lrs: OAuthLrs, sqlite_engine: Engine, write_tree: TreeWriter
) -> None:
    engine, course = sqlite_engine, course_at(write_tree())
    wrong = oauth_lrs.settings(oauth_client_secret="not-the-client-secret")
    learning_records.connect_lrs(engine, wrong)
    learn_everything(engine, add_learner(engine), course)
    ids = [sid for sid, _, _ in outbox_rows(engine)]

    report = learning_records.send_statements(engine, HttpLrs(wrong, tokens=TokenCache()), batch=3, now=NOW)

    assert (report.sent, report.failed) == (0, 3)  # the first batch failed; the rest waits its turn
    state = learning_records.outbox_state(engine, by=None)
    assert (state.pending, state.failing, state.sent) == (len(ids), 3, 0)
    assert state.last_error == (
        f"OAuth token endpoint {oauth_lrs.server.token_url} refused client 'need-to-share': "
        "401 Unauthorized: invalid_client (client authentication failed)")
    assert state.next_try_at is not None
    assert held_by(oauth_lrs.lrs, ids) == Counter()

    fixed = HttpLrs(oauth_lrs.settings(), tokens=TokenCache())
    untried = learning_records.send_statements(engine, fixed, now=NOW)  # the failed wait their turn
    assert (untried.sent, untried.failed) == (len(ids) - 3, 0)
    done = learning_records.send_statements(engine, fixed, now=NOW + timedelta(hours=2))
    assert (done.sent, done.failed) == (3, 0)
    assert held_by(oauth_lrs.lrs, ids) == Counter({sid: 1 for sid in ids})
    assert learning_records.outbox_state(engine, by=None).failing == 0


def test_a_token_endpoint_that_is_down_is_a_failed_send_of_the_whole_batch(
    oauth_lrs: OAuthLrs, sqlite_engine: Engine, write_tree: TreeWriter
) -> None:
    engine, course = sqlite_engine, course_at(write_tree())
    down = oauth_lrs.settings(oauth_token_url="http://127.0.0.1:9/oidc/token")
    learning_records.connect_lrs(engine, down)
    learn_everything(engine, add_learner(engine), course)
    report = learning_records.send_statements(engine, HttpLrs(down, timeout=5, tokens=TokenCache()),
                                              batch=4, now=NOW)
    assert (report.sent, report.failed) == (0, 4)
    [error] = set(_errors(engine))
    assert error.startswith("OAuth token endpoint http://127.0.0.1:9/oidc/token unreachable: ")
    assert CLIENT_SECRET not in error


def test_expired_tokens_are_replaced_and_nothing_is_sent_twice(
    oauth_lrs: OAuthLrs, sqlite_engine: Engine, write_tree: TreeWriter
) -> None:
    engine, course = sqlite_engine, course_at(write_tree())
    brief = oauth_lrs.settings(oauth_client_id=SHORT_LIVED_ID, oauth_client_secret=SHORT_LIVED_SECRET)
    learning_records.connect_lrs(engine, brief)
    learn_everything(engine, add_learner(engine), course)
    ids = [sid for sid, _, _ in outbox_rows(engine)]

    # The cache's clock says the token is fresh: the LRS finds it expired and answers 401.
    stale = CountingTokens(frozen_clock=True)
    sender = HttpLrs(brief, tokens=stale)
    assert learning_records.send_statements(engine, sender, limit=2, now=NOW).sent == 2
    time.sleep(SHORT_LIFETIME + 1.5)  # Ralph checks `exp` (whole seconds) against its own clock
    assert learning_records.send_statements(engine, sender, limit=2, now=NOW).sent == 2
    assert len(stale.issued) == 2 and stale.issued[0] != stale.issued[1]

    # With the real clock the cache renews the token before the LRS would refuse it.
    fresh = CountingTokens()
    sender = HttpLrs(brief, tokens=fresh)
    assert learning_records.send_statements(engine, sender, limit=2, now=NOW).sent == 2
    time.sleep(SHORT_LIFETIME)
    rest = learning_records.send_statements(engine, sender, now=NOW)
    assert (rest.sent, rest.failed) == (len(ids) - 6, 0)
    assert len(fresh.issued) == 2

    assert all(sent for _, _, sent in outbox_rows(engine))
    assert held_by(oauth_lrs.lrs, ids) == Counter({sid: 1 for sid in ids})


def test_a_token_without_the_scope_the_lrs_wants_is_named_as_the_likely_cause(
    oauth_lrs: OAuthLrs, sqlite_engine: Engine, write_tree: TreeWriter
) -> None:
    engine, course = sqlite_engine, course_at(write_tree())
    reader = oauth_lrs.settings(oauth_scope="statements/read/mine")
    learning_records.connect_lrs(engine, reader)
    learn_everything(engine, add_learner(engine), course)
    tokens = CountingTokens()
    report = learning_records.send_statements(engine, HttpLrs(reader, tokens=tokens), batch=50, now=NOW)
    assert report.sent == 0 and len(tokens.issued) == 2  # refused, renewed once, refused again
    [error] = set(_errors(engine))
    assert error.startswith('LRS answered 401 Unauthorized: {"detail":"Access not authorized to scope: '
                            '\\"statements/write\\"."} (also with a new access token from ')
    assert error.endswith("check the scope, resource or audience the LRS expects)")


def test_the_job_runner_signs_in_with_oauth_and_never_shows_a_token_or_the_secret(
    oauth_lrs: OAuthLrs, tmp_path: Path, write_tree: TreeWriter, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    settings = oauth_lrs.settings()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "data"))
    for variable, value in _environment(settings).items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("NTS_LRS_OAUTH_CLIENT_SECRET", "a-wrong-client-secret")
    caplog.set_level(logging.DEBUG)
    course = course_at(write_tree())
    engine = open_database(load_settings())
    try:
        learn_everything(engine, add_learner(engine), course)
        ids = [sid for sid, _, _ in outbox_rows(engine)]
    finally:
        close_database(engine)

    # The job runner, as deployed, with a wrong secret: the refusal is its summary's last error.
    assert main(["jobs", "run", "--once"]) == 0
    printed = capsys.readouterr()
    [line] = [line for line in printed.out.splitlines() if line.startswith("send-xapi: ")]
    assert line.endswith(f"last error: OAuth token endpoint {oauth_lrs.server.token_url} refused client "
                         "'need-to-share': 401 Unauthorized: invalid_client (client authentication failed)")

    # The secret fixed: the next run (after the back-off) sends everything that waited, once.
    monkeypatch.setenv("NTS_LRS_OAUTH_CLIENT_SECRET", settings.oauth_client_secret)
    fixed = load_settings()
    sender = HttpLrs(fixed.lrs)  # as the job runner builds it: the process's shared token cache
    engine = open_database(fixed)
    try:
        report = learning_records.send_statements(engine, sender, now=datetime.now(UTC) + timedelta(hours=2))
        failed = _errors(engine)
    finally:
        close_database(engine)
    assert (report.sent, report.failed) == (len(ids), 0)
    assert held_by(oauth_lrs.lrs, ids) == Counter({sid: 1 for sid in ids})

    credentials = client_credentials(fixed.lrs)
    assert credentials is not None
    token = sender.tokens.get(credentials)  # the token the sends used, still held
    shown = "\n".join([printed.out, printed.err, caplog.text, *failed, *report.errors, repr(sender),
                       repr(credentials), repr(fixed)])
    assert "invalid_client" in shown
    for secret in (token, token.split(".")[-1], settings.oauth_client_secret, "a-wrong-client-secret"):
        assert secret not in shown


def _environment(settings: LrsSettings) -> dict[str, str]:
    return {"NTS_LRS_ENDPOINT": settings.endpoint, "NTS_LRS_ACTOR_KEY": settings.actor_key,
            "NTS_LRS_OAUTH_TOKEN_URL": settings.oauth_token_url,
            "NTS_LRS_OAUTH_CLIENT_ID": settings.oauth_client_id,
            "NTS_LRS_OAUTH_CLIENT_SECRET": settings.oauth_client_secret,
            "NTS_LRS_OAUTH_SCOPE": settings.oauth_scope, "NTS_LRS_OAUTH_RESOURCE": settings.oauth_resource}


def test_the_lrs_may_be_named_as_an_audience_instead_of_a_resource(
    oauth_lrs: OAuthLrs, sqlite_engine: Engine, write_tree: TreeWriter
) -> None:
    engine, course = sqlite_engine, course_at(write_tree())
    settings = oauth_lrs.settings(oauth_resource="", oauth_audience=oauth_lrs.settings().oauth_resource)
    learning_records.connect_lrs(engine, settings)
    learn_everything(engine, add_learner(engine), course)
    with read_session(engine) as session:
        queued = {loads(r[0])["id"]: loads(r[0]) for r in session.connection().execute(
            text("SELECT statement FROM xapi_outbox"))}
    report = learning_records.send_statements(engine, HttpLrs(settings, tokens=TokenCache()), now=NOW)
    assert (report.sent, report.failed) == (len(queued), 0)
    stored = {s["id"]: s for s in oauth_lrs.lrs.statements() if s["id"] in queued}
    assert {sid: s["verb"] for sid, s in stored.items()} == {sid: q["verb"] for sid, q in queued.items()}
