"""Routes that end Streamlit's part of a single sign-on: its sign-in cookie is dropped.

After a single sign-on, identity lives only in our session cookie. The cookie route
(course/web/sessions.py) drops Streamlit's cookie when it sets ours; the refusal route below
drops it when the person was refused, and shows the sign-in page with the reason.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from course.services.single_sign_on import REFUSALS, SSO_REFUSED_PARAM, STREAMLIT_AUTH_COOKIES

_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def drop_streamlit_sign_in(request: Request, response: Response) -> None:
    """Delete Streamlit's sign-in cookies, and the chunks of them this browser sent."""
    for name in STREAMLIT_AUTH_COOKIES:
        response.delete_cookie(name, path="/", httponly=True, samesite="lax")
        for sent in request.cookies:
            suffix = sent[len(name) + 1:]
            if sent.startswith(f"{name}_") and suffix.isdigit():
                response.delete_cookie(sent, path="/", httponly=True, samesite="lax")


def sso_refused(request: Request) -> Response:
    """Drop Streamlit's sign-in cookie and show the sign-in page with the reason of a refusal."""
    reason = request.query_params.get(SSO_REFUSED_PARAM, "")
    target = "/?" + urlencode({SSO_REFUSED_PARAM: reason}) if reason in REFUSALS else "/"
    response = RedirectResponse(target, status_code=303, headers=_NO_STORE)
    drop_streamlit_sign_in(request, response)
    return response
