"""The list of HTTP routes the app serves beside Streamlit's own."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from course.domain import lti as lti_paths
from course.domain.certificates import ISSUER_PATH, KEYS_PATH, VERIFY_PATH
from course.services.session_cookies import HAND_OVER_PATH, KEEP_ALIVE_PATH, SIGN_OUT_PATH
from course.services.single_sign_on import SSO_REFUSED_PATH
from course.services.unsubscribe import UNSUBSCRIBE_PATH
from course.settings import SettingsError, load_settings
from course.web import credentials, health, lti, mail_links, media, metrics, sessions, single_sign_on


def routes() -> list[BaseRoute]:
    """Return every route of the app, in the order Starlette should try them."""
    return [
        Route("/healthz", health.healthz, methods=["GET", "HEAD"]),
        Route(HAND_OVER_PATH, sessions.hand_over, methods=["GET"]),
        Route(SIGN_OUT_PATH, sessions.sign_out_route, methods=["GET", "POST"]),
        Route(KEEP_ALIVE_PATH, sessions.keep_alive, methods=["GET", "POST"]),
        Route("/readyz", health.readyz, methods=["GET", "HEAD"]),
        Route(SSO_REFUSED_PATH, single_sign_on.sso_refused, methods=["GET"]),
        Route(media.ROUTE_PATH, media.course_media, methods=["GET", "HEAD"]),
        Route(metrics.PATH, metrics.metrics_route, methods=["GET"]),
        Route(VERIFY_PATH, credentials.verify, methods=["GET"]),
        Route(KEYS_PATH, credentials.key_set, methods=["GET"]),
        Route(ISSUER_PATH, credentials.issuer_profile, methods=["GET"]),
        Route(UNSUBSCRIBE_PATH, mail_links.unsubscribe_page, methods=["GET", "POST"]),
        Route(lti_paths.LOGIN_PATH, lti.login, methods=["GET", "POST"]),
        Route(lti_paths.LAUNCH_PATH, lti.launch, methods=["POST"]),
        Route(lti_paths.DEEP_LINK_PATH, lti.deep_link, methods=["POST"]),
        Route(lti_paths.KEYS_PATH, lti.key_set, methods=["GET"]),
    ]


def streamlit_secrets() -> dict[str, object] | None:
    """Return the secrets for `st.App`: Streamlit's sign-in settings when single sign-on is on.

    A setting that cannot be used gives None here: the start-up (course/web/lifespan.py) then
    stops the server with one line naming it and exit code 2, rather than a traceback.
    """
    try:
        return load_settings().sso.streamlit_secrets()
    except SettingsError:
        return None
