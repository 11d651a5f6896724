"""Single sign-on settings: read from the environment, checked at start-up, handed to st.login."""

from __future__ import annotations

import pytest

from course.settings import SettingsError, SsoSettings, load_settings

GOOD = {
    "NTS_OIDC_METADATA_URL": "https://login.example.com/tenant/.well-known/openid-configuration",
    "NTS_OIDC_CLIENT_ID": "need-to-share",
    "NTS_OIDC_CLIENT_SECRET": "client secret",
    "NTS_OIDC_COOKIE_SECRET": "c" * 32,
    "NTS_PUBLIC_URL": "https://learn.example.org/",
}


def test_single_sign_on_is_off_by_default() -> None:
    settings = load_settings({})
    assert settings.sso == SsoSettings() and not settings.sso.enabled
    assert settings.sso.streamlit_secrets() is None
    assert settings.local_passphrases is True


def test_the_defaults_follow_the_public_address_and_the_metadata() -> None:
    sso = load_settings(GOOD).sso
    assert sso.enabled
    assert sso.redirect_uri == "https://learn.example.org/oauth2callback"
    assert sso.issuer == "https://login.example.com/tenant"
    assert (sso.scopes, sso.create_people) == ("openid email profile", False)
    assert sso.streamlit_secrets() == {"auth": {
        "redirect_uri": "https://learn.example.org/oauth2callback",
        "cookie_secret": "c" * 32,
        "client_id": "need-to-share",
        "client_secret": "client secret",
        "server_metadata_url": GOOD["NTS_OIDC_METADATA_URL"],
        "client_kwargs": {"scope": "openid email profile"},
    }}


def test_secrets_stay_out_of_the_printed_settings() -> None:
    shown = repr(load_settings(GOOD))
    assert "client secret" not in shown and "c" * 32 not in shown


def test_every_option_is_read() -> None:
    sso = load_settings({**GOOD, "NTS_OIDC_SCOPES": " openid   email ", "NTS_OIDC_ISSUER": "https://iss.example",
                         "NTS_OIDC_CREATE_PEOPLE": "1", "NTS_OIDC_DEPARTMENT_CLAIM": "dept",
                         "NTS_OIDC_TRACKS_CLAIM": "groups", "NTS_OIDC_BUTTON_LABEL": "Use Example SSO",
                         "NTS_OIDC_REDIRECT_URI": "https://other.example.org/oauth2callback"}).sso
    assert (sso.scopes, sso.issuer, sso.create_people) == ("openid email", "https://iss.example", True)
    assert (sso.department_claim, sso.tracks_claim, sso.button_label) == ("dept", "groups", "Use Example SSO")
    assert sso.redirect_uri == "https://other.example.org/oauth2callback"


@pytest.mark.parametrize(("change", "message"), [
    ({"NTS_OIDC_CLIENT_ID": ""}, "set NTS_OIDC_CLIENT_ID too"),
    ({"NTS_OIDC_CLIENT_SECRET": " "}, "set NTS_OIDC_CLIENT_SECRET too"),
    ({"NTS_OIDC_COOKIE_SECRET": "short"}, "at least 32 characters"),
    ({"NTS_OIDC_METADATA_URL": "login.example.com"}, "expected an http:// or https:// address"),
    ({"NTS_OIDC_REDIRECT_URI": "https://learn.example.org/callback"}, "ending in /oauth2callback"),
    ({"NTS_OIDC_REDIRECT_URI": "javascript:alert(1)//oauth2callback"}, "http:// or https://"),
    ({"NTS_OIDC_SCOPES": "openid profile"}, "include openid and email"),
    ({"NTS_OIDC_CREATE_PEOPLE": "maybe"}, "expected 1 or 0"),
    ({"NTS_LOCAL_PASSPHRASES": "nope"}, "expected 1 or 0"),
])
def test_a_bad_value_stops_the_start_with_its_name(change: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({**GOOD, **change})
