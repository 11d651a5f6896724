"""The work a deployment does once at start, not at a page view: migrate, then the setup token.

Between the two, a content history folder left by an earlier release is imported into the
database once (course/services/published_content.py). With an LMS registered
(NTS_LTI_PLATFORMS), start-up also makes the tool's LTI key if the database has none, so
`/lti/jwks.json` publishes it before the first launch.

Every app process runs this at start (the ASGI lifespan in `course/web/lifespan.py`), and so does
`python -m course db upgrade`. Both steps are safe when several processes start together: the
migration runs under a database lock, and the setup token is written only if none exists, so
one process prints it and it stays valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course.services import accounts, lti, published_content
from course.settings import Settings
from course.store import migrate
from course.store.engine import engine_from_settings

#: The console line that carries the token (the sign-in tests read it).
TOKEN_LINE = "Need to Share first-run setup token: {token}"
TOKEN_ELSEWHERE = (
    "Need to Share first-run setup: a setup token was already issued, by another process or an "
    "earlier start; `python -m course users setup-token` replaces it with a new one"
)


@dataclass(frozen=True, slots=True)
class StartUp:
    """What start-up did: the schema revisions before and after, and the setup token state."""

    before: str | None
    after: str | None
    #: The new setup token, when this call issued it (print it on the console, once).
    token: str | None
    #: No account exists yet but the token was issued earlier or elsewhere.
    token_elsewhere: bool
    #: Versions imported from an earlier release's history folder, and files it could not read.
    imported: published_content.Imported = field(default_factory=lambda: published_content.Imported(0, ()))

    def console_lines(self) -> list[str]:
        """Return what the server prints on its console about first-run setup."""
        lines = []
        if self.imported.added or self.imported.skipped:
            lines.append(f"Need to Share: imported {self.imported.added} saved version(s) of content "
                         f"files into the database; {len(self.imported.skipped)} file(s) could not be "
                         "read")
        if self.token:
            return [*lines, TOKEN_LINE.format(token=self.token)]
        return [*lines, TOKEN_ELSEWHERE] if self.token_elsewhere else lines


def start_up(settings: Settings) -> StartUp:
    """Bring the database to the newest schema and issue the first setup token if none exists.

    Raises what the driver raises when the database cannot be reached (see UNAVAILABLE_ERRORS).
    """
    engine = engine_from_settings(settings)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade_database(engine)
        after = migrate.current_revision(engine)
        imported = published_content.import_history_folder(engine, settings.data_dir)
        token = accounts.issue_first_setup_token(engine)
        if settings.lti.enabled:  # the LMS reads the tool's key set before any launch
            lti.tool_keys(engine, settings.lti)
        elsewhere = token is None and accounts.needs_first_run_setup(engine)
        return StartUp(before=before, after=after, token=token, token_elsewhere=elsewhere,
                       imported=imported)
    finally:
        engine.dispose()
