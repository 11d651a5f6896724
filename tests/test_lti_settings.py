"""LTI settings: platform registrations from a JSON or TOML file, each mistake named at start-up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course.settings import LtiPlatform, SettingsError, load_settings, parse_lti_platforms

ENTRY = {
    "issuer": "https://moodle.example.org",
    "client_id": "abc",
    "deployment_ids": ["1", "2"],
    "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
    "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
    "key_set_url": "https://moodle.example.org/mod/lti/certs.php",
}


def test_lti_is_off_without_a_platforms_file() -> None:
    lti = load_settings({}).lti
    assert not lti.enabled and lti.platforms == () and lti.key_file is None and not lti.embedded


def test_json_and_toml_give_the_same_platforms(tmp_path: Path) -> None:
    as_json = tmp_path / "platforms.json"
    as_json.write_text(json.dumps([ENTRY]), encoding="utf-8")
    as_toml = tmp_path / "platforms.toml"
    as_toml.write_text("[[platform]]\n" + "".join(
        f"{key} = {json.dumps(value)}\n" for key, value in ENTRY.items()), encoding="utf-8")
    expected = (LtiPlatform(issuer="https://moodle.example.org", client_id="abc", deployment_ids=("1", "2"),
                            auth_login_url="https://moodle.example.org/mod/lti/auth.php",
                            auth_token_url="https://moodle.example.org/mod/lti/token.php",
                            key_set_url="https://moodle.example.org/mod/lti/certs.php"),)
    for path in (as_json, as_toml):
        lti = load_settings({"NTS_LTI_PLATFORMS": str(path), "NTS_PUBLIC_URL": "https://learn.example.org/",
                             "NTS_LTI_EMBEDDED": "1"}).lti
        assert lti.platforms == expected and lti.enabled and lti.embedded
        assert lti.public_url == "https://learn.example.org"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": ""}, "platforms.json: platform 1: missing client_id"),
        ({"colour": "red"}, "platforms.json: platform 1: unknown setting(s) colour"),
        ({"key_set_url": "ftp://x"}, "platforms.json: platform 1: key_set_url='ftp://x': expected an http"),
        ({"deployment_ids": "1"}, "platforms.json: platform 1: deployment_ids must be a list of texts"),
        ({"match_email": "yes"}, "platforms.json: platform 1: match_email must be true or false"),
        ({"issuer": "x" * 501}, "platforms.json: platform 1: issuer must be a text of at most 500"),
        ({"client_id": 7}, "platforms.json: platform 1: client_id must be a text"),
    ],
)
def test_a_bad_entry_is_named(change: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        parse_lti_platforms(json.dumps([ENTRY | change]), source="platforms.json")
    assert str(raised.value).startswith(message), str(raised.value)


def test_broken_files_duplicates_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not valid JSON"):
        parse_lti_platforms("[{", source="p.json")
    with pytest.raises(SettingsError, match="not valid TOML"):
        parse_lti_platforms("[[platform]\n", source="p.toml")
    with pytest.raises(SettingsError, match="expected a list of platforms"):
        parse_lti_platforms("{}", source="p.json")
    with pytest.raises(SettingsError, match="registered twice"):
        parse_lti_platforms(json.dumps([ENTRY, ENTRY]), source="p.json")
    with pytest.raises(SettingsError, match=r"NTS_LTI_PLATFORMS='/nowhere\.json': cannot be read"):
        load_settings({"NTS_LTI_PLATFORMS": "/nowhere.json"})
    with pytest.raises(SettingsError, match=r"NTS_LTI_KEY_FILE='/nowhere\.pem': no such file"):
        load_settings({"NTS_LTI_KEY_FILE": "/nowhere.pem"})
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps([ENTRY | {"client_id": ""}]), encoding="utf-8")
    with pytest.raises(SettingsError, match=rf"^NTS_LTI_PLATFORMS: {broken}: platform 1: missing client_id$"):
        load_settings({"NTS_LTI_PLATFORMS": str(broken)})
    with pytest.raises(SettingsError, match="NTS_LTI_EMBEDDED"):
        load_settings({"NTS_LTI_EMBEDDED": "maybe"})
