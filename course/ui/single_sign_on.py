"""The single sign-on button, and what happens when the provider sends the person back.

`st.login` takes the person to the identity provider; Streamlit's callback route checks the
answer (state, nonce, PKCE, the identity token's signature, issuer and audience) and keeps the
claims in its own signed cookie, which `st.user` reads. This page then opens our session from
those claims and forgets Streamlit's: the identity lives only in our session cookie, so signing
out, a disabled account and session timeouts work the same for everyone.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from course.services.single_sign_on import (
    NOTICES,
    REFUSALS,
    SSO_NOTICE_PARAM,
    SSO_REFUSED_PARAM,
    SSO_REFUSED_PATH,
    sign_in_with_claims,
)
from course.ui import auth, resources, state


def _provider_claims() -> dict[str, object] | None:
    """Return the claims Streamlit's sign-in cookie holds, or None when there are none."""
    try:
        if not st.user.is_logged_in:
            return None
        return {key: st.user[key] for key in st.user if key != "tokens"}
    except Exception:  # no sign-in configured in this process, or no browser connection
        return None


def _forget_provider_identity() -> None:
    """Drop Streamlit's copy of the claims for this tab (the cookie routes drop the cookie)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None:
        ctx.user_info.clear()


def _finish(claims: dict[str, object]) -> None:
    course = resources.course().course
    known_tracks = tuple(course.info.roles) if course is not None else ()
    result = sign_in_with_claims(resources.engine(), claims, settings=resources.settings().sso,
                                 known_tracks=known_tracks, address=auth.client_address())
    _forget_provider_identity()
    if result.sign_in is not None:
        back = "/?" + urlencode({SSO_NOTICE_PARAM: result.notice}) if result.notice else "/"
        auth.start_session(result.sign_in, return_path=back)
    else:
        query = urlencode({SSO_REFUSED_PARAM: result.refusal})
        state.put(state.NAVIGATE, value=f"{SSO_REFUSED_PATH}?{query}")
    st.rerun()


def render_single_sign_on() -> bool:
    """Draw the single sign-on button (and finish a sign-in); return whether it is configured."""
    settings = resources.settings().sso
    if not settings.enabled:
        return False
    claims = _provider_claims()
    if claims is not None:
        _finish(claims)
    refusal = st.query_params.get(SSO_REFUSED_PARAM)
    if isinstance(refusal, str) and refusal in REFUSALS:
        st.error(REFUSALS[refusal])
    if st.button(settings.button_label, type="primary", icon=":material/badge:", key="sso-sign-in"):
        st.login()
    return True


def render_notice() -> None:
    """Show, once, what the single sign-on told the person they should know."""
    notice = st.query_params.get(SSO_NOTICE_PARAM)
    if isinstance(notice, str) and notice in NOTICES:
        st.info(NOTICES[notice])
