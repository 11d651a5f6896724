"""The LRS's sign-in settings: basic authentication or OAuth client credentials, never both."""

from __future__ import annotations

import pytest

from course.integrations.lrs import client_credentials
from course.integrations.oauth import ClientCredentials
from course.settings import SettingsError, load_lrs_settings, load_settings

SECRET = "an OAuth client secret: 'quoted' %2B"
BASE = {"NTS_LRS_ENDPOINT": "https://lrs.example.org/xAPI", "NTS_LRS_ACTOR_KEY": "k" * 16}
OAUTH = {**BASE, "NTS_LRS_OAUTH_TOKEN_URL": "https://id.example.org/oauth2/token/",
         "NTS_LRS_OAUTH_CLIENT_ID": " need-to-share ", "NTS_LRS_OAUTH_CLIENT_SECRET": SECRET}


def test_oauth_settings_become_client_credentials() -> None:
    settings = load_lrs_settings({**OAUTH, "NTS_LRS_OAUTH_SCOPE": " statements/write ",
                                  "NTS_LRS_OAUTH_RESOURCE": "https://lrs.example.org/xAPI/",
                                  "NTS_LRS_OAUTH_AUDIENCE": "lrs-api"})
    assert settings.uses_oauth and not settings.username
    assert client_credentials(settings) == ClientCredentials(
        token_url="https://id.example.org/oauth2/token", client_id="need-to-share", client_secret=SECRET,
        scope="statements/write", resource="https://lrs.example.org/xAPI", audience="lrs-api")
    assert client_credentials(load_lrs_settings({**BASE, "NTS_LRS_USERNAME": "u"})) is None


def test_the_client_secret_stays_out_of_repr() -> None:
    settings = load_settings(OAUTH)
    credentials = client_credentials(settings.lrs)
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    assert credentials is not None and SECRET not in repr(credentials)


@pytest.mark.parametrize(("environ", "message"), [
    ({**OAUTH, "NTS_LRS_USERNAME": "nts", "NTS_LRS_PASSWORD": "pw"},
     "NTS_LRS_USERNAME and NTS_LRS_PASSWORD (basic authentication) and NTS_LRS_OAUTH_TOKEN_URL and "
     "NTS_LRS_OAUTH_CLIENT_ID and NTS_LRS_OAUTH_CLIENT_SECRET (OAuth) are both set: the LRS is signed "
     "in to one way, unset one"),
    ({**BASE, "NTS_LRS_PASSWORD": "pw", "NTS_LRS_OAUTH_CLIENT_ID": "x"},
     "NTS_LRS_PASSWORD (basic authentication) and NTS_LRS_OAUTH_CLIENT_ID (OAuth) are both set"),
    ({**BASE, "NTS_LRS_OAUTH_TOKEN_URL": "https://id.example.org/token"},
     "NTS_LRS_OAUTH_TOKEN_URL set for OAuth, so set NTS_LRS_OAUTH_CLIENT_ID and "
     "NTS_LRS_OAUTH_CLIENT_SECRET too"),
    ({**OAUTH, "NTS_LRS_OAUTH_TOKEN_URL": ""},
     "NTS_LRS_OAUTH_CLIENT_ID, NTS_LRS_OAUTH_CLIENT_SECRET set for OAuth, so set "
     "NTS_LRS_OAUTH_TOKEN_URL too"),
    ({**BASE, "NTS_LRS_OAUTH_SCOPE": "statements/write"},
     "NTS_LRS_OAUTH_SCOPE set for OAuth, so set NTS_LRS_OAUTH_TOKEN_URL and NTS_LRS_OAUTH_CLIENT_ID and "
     "NTS_LRS_OAUTH_CLIENT_SECRET too"),
    ({**OAUTH, "NTS_LRS_OAUTH_TOKEN_URL": "id.example.org/token"},
     "NTS_LRS_OAUTH_TOKEN_URL='id.example.org/token': expected an http:// or https:// address"),
    ({**OAUTH, "NTS_LRS_OAUTH_RESOURCE": "lrs"}, "NTS_LRS_OAUTH_RESOURCE='lrs': expected an http://"),
    ({**OAUTH, "NTS_LRS_OAUTH_CLIENT_ID": "nts\x7f"},
     "NTS_LRS_OAUTH_CLIENT_ID='nts\\x7f': use printable ASCII characters only (RFC 6749 allows no others)"),
])
def test_a_wrong_combination_is_named_in_one_line(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_lrs_settings(environ)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_a_refused_client_secret_is_never_repeated() -> None:
    secret = "sécret-with-an-accent"
    with pytest.raises(SettingsError) as refused:
        load_settings({**OAUTH, "NTS_LRS_OAUTH_CLIENT_SECRET": secret})
    assert str(refused.value) == ("NTS_LRS_OAUTH_CLIENT_SECRET: use printable ASCII characters only "
                                  "(RFC 6749 allows no others)")
    with pytest.raises(SettingsError) as both:
        load_settings({**OAUTH, "NTS_LRS_PASSWORD": "a-basic-password"})
    assert SECRET not in str(both.value) and "a-basic-password" not in str(both.value)
