"""The package holds no function, class or import that nothing in the app uses.

Vulture reads only course/ and app.py, so a function that tests alone call counts as unused:
test support belongs in tests/ (see tests/scratch.py), and an API the app never calls is not
kept alive by its own tests. Dataclass fields and constants are left out (too many false
alarms); what remains is small enough to hold at zero.
"""

from __future__ import annotations

from pathlib import Path

import vulture

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("function", "method", "property", "class", "import")

#: Uncalled by our code on purpose, each with the reason.
EXCEPTIONS = {
    ("course/store/engine.py", "_on_connect"): "SQLAlchemy 'connect' event hook",
    ("course/store/engine.py", "_on_begin"): "SQLAlchemy 'begin' event hook",
    ("course/ui/a11y.py", "handle_data"): "html.parser.HTMLParser calls it for each run of text",
    ("course/ui/a11y.py", "handle_starttag"): "html.parser.HTMLParser calls it for each opening tag",
    ("course/ui/a11y.py", "handle_endtag"): "html.parser.HTMLParser calls it for each closing tag",
    ("course/services/search.py", "handle_data"): "html.parser.HTMLParser calls it for each run of text",
    ("course/services/search.py", "handle_starttag"): "html.parser.HTMLParser calls it for each opening tag",
    ("course/services/metrics.py", "collect"): "prometheus_client calls a registered collector's collect()",
    ("course/web/metrics.py", "collect"): "prometheus_client calls a registered collector's collect()",
    ("course/content/schema.py", "_real_date"): "pydantic calls a field_validator while validating",
    ("course/services/aids.py", "footer"): "fpdf2 calls FPDF.footer() at the foot of each page",
    # Merged from other work after this check was written; their owners decide. Each is called
    # only by tests (and a benchmark): wire it into the app, or move it beside the tests.
    ("course/content/loader.py", "load_texts"): "the loader's pure entry; only tests call it",
    ("course/content/loader.py", "find_content_files"): "called by tests and bench/content_load.py",
    ("course/ui/resources.py", "engine_builds"): "test support for tests/ui/test_holders.py",
}

#: The LTI adapter's halves of pylti1p3's abstract classes (course/integrations/lti.py): the
#: library calls each.
_LTI_HOOKS = {
    "is_secure": "pylti1p3 asks its Request whether the launch came over HTTPS",
    "get_cookie": "pylti1p3 reads the state cookie through its CookieService",
    "save_nonce": "pylti1p3's OIDC login stores the nonce through its SessionService",
    "check_nonce": "pylti1p3's launch checks the nonce through its SessionService",
    "check_state_is_valid": "pylti1p3's launch asks its SessionService before the state cookie",
    "save_launch_data": "pylti1p3's SessionService hook, kept empty: no launch is cached",
    "set_state_valid": "pylti1p3's SessionService hook, kept empty: no launch is cached",
    "do_redirect": "pylti1p3's Redirect interface",
    "do_js_redirect": "pylti1p3's Redirect interface",
    "set_redirect_url": "pylti1p3's Redirect interface",
    "find_registration_by_issuer": "pylti1p3's ToolConf interface, called during login and launch",
    "find_registration_by_params": "pylti1p3's ToolConf interface, called during login and launch",
    "find_deployment": "pylti1p3's ToolConf interface, called during a launch",
    "get_redirect": "pylti1p3's OIDCLogin builds its redirect with it",
    "_get_request_param": "pylti1p3's MessageLaunch reads the id_token and state with it",
    "fetch_public_key": "pylti1p3's MessageLaunch asks it for the platform's key set (served from the cache)",
    "_get_cached_access_token": "pylti1p3's ServiceConnector asks it before each token request",
    "_cache_access_token": "pylti1p3's ServiceConnector calls it after each token request",
}
EXCEPTIONS.update({("course/integrations/lti.py", name): reason for name, reason in _LTI_HOOKS.items()})

#: The settings models' hooks (course/settings/): pydantic and pydantic-settings call each.
EXCEPTIONS.update({
    ("course/settings/base.py", "settings_customise_sources"):
        "pydantic-settings asks it which sources to read (only the mapping or the environment)",
    ("course/settings/core.py", "_database_in_data_dir"): "a pydantic model_validator",
    ("course/settings/lrs.py", "_default_activity_base"): "a pydantic model_validator",
    ("course/settings/lrs.py", "_complete"): "a pydantic model_validator",
    ("course/settings/mail.py", "_port_follows_tls"): "a pydantic model_validator",
    ("course/settings/sso.py", "_derived_defaults"): "a pydantic model_validator",
    ("course/settings/sso.py", "_complete"): "a pydantic model_validator",
})


def _unused(paths: list[Path]) -> list[str]:
    scanner = vulture.Vulture()
    scanner.scavenge([str(p) for p in paths])
    found = []
    for item in scanner.get_unused_code(min_confidence=60):
        if item.typ not in CHECKED:
            continue
        relative = Path(item.filename).resolve().relative_to(paths[0].parent.resolve()).as_posix()
        if item.name == "downgrade" and "/migrations/versions/" in relative:
            continue  # Alembic calls it by name
        if (relative, item.name) not in EXCEPTIONS:
            found.append(f"{relative}:{item.first_lineno}: unused {item.typ} {item.name}")
    return found


def test_the_app_uses_every_function_in_the_package() -> None:
    assert _unused([ROOT / "course", ROOT / "app.py"]) == []


def test_the_exceptions_are_still_there() -> None:
    # A stale exception would hide the next real finding under its name.
    for (relative, name), _reason in EXCEPTIONS.items():
        assert f"def {name}(" in (ROOT / relative).read_text(encoding="utf-8"), (relative, name)


def test_a_function_only_a_test_calls_is_found(tmp_path: Path) -> None:
    package = tmp_path / "course"
    package.mkdir()
    (package / "used.py").write_text(
        "def shown():\n    return 1\n\n\ndef only_for_tests():\n    return 2\n\n\nprint(shown())\n",
        encoding="utf-8",
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_used.py").write_text(
        "from course.used import only_for_tests\n\nassert only_for_tests() == 2\n", encoding="utf-8"
    )
    assert _unused([package]) == ["course/used.py:5: unused function only_for_tests"]
