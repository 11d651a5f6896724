"""Start-up of the ASGI app: migrate and issue the setup token once, before serving anyone.

`st.App(lifespan=...)` runs this when the server starts. The work itself (`start_up`) is
blocking, so it runs in a worker thread. When the database cannot be reached the server still
starts (its `/readyz` says why it is not ready and learners see a plain "temporarily
unavailable" page); start-up is then retried in the background until it succeeds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from course.services import logs
from course.services.database import UNAVAILABLE_ERRORS, StoreError, describe_unavailable
from course.services.startup import start_up
from course.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)
#: Seconds between start-up attempts while the database is unavailable (doubling up to the last).
RETRY_SECONDS = (2.0, 4.0, 8.0, 16.0, 30.0)


def try_start_up(settings: Settings) -> bool:
    """Run start-up once; print the setup token if issued; log one line and return False on failure."""
    try:
        done = start_up(settings)
    except UNAVAILABLE_ERRORS as error:
        log.error("start-up: %s; retrying in the background", describe_unavailable(error))
        return False
    except StoreError as error:
        log.error("start-up: %s", error)
        return False
    for line in done.console_lines():
        print(line, flush=True)  # the console is where only the person running the server reads it
    return True


def retry_start_up(settings: Settings, *, stop: threading.Event) -> None:
    """Try start-up again, less and less often, until it succeeds or `stop` is set."""
    attempt = 0
    while not stop.wait(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]):
        if try_start_up(settings):
            log.warning("start-up: done after the database came back")
            return
        attempt += 1


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Do the start-up work before the server takes requests; retry it while the database is away."""
    try:
        settings = load_settings()
    except SettingsError as error:
        # Nothing can be served with a setting that cannot be used: say which, in one line, and
        # stop with the exit code the command line uses for bad configuration.
        print(f"error: {error}", file=sys.stderr, flush=True)
        os._exit(2)
    logs.configure(settings)
    stop = threading.Event()
    if not await asyncio.to_thread(try_start_up, settings):
        threading.Thread(target=retry_start_up, args=(settings,), kwargs={"stop": stop},
                         name="nts-start-up", daemon=True).start()
    try:
        yield
    finally:
        stop.set()
