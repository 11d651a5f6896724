"""The systemd units in deploy/ agree with the nginx upstream and run what the docs say."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from course.settings import docs, load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def test_app_unit_serves_the_instance_port_on_loopback() -> None:
    service = _unit("need-to-share@.service")["Service"]
    command = service["ExecStart"]
    assert "-m streamlit run app.py" in command
    assert "--server.port %i" in command and "--server.address 127.0.0.1" in command
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/need-to-share/env"


def test_nginx_upstream_names_the_ports_the_docs_start() -> None:
    upstream = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    ports = re.findall(r"^\s*server 127\.0\.0\.1:(\d+) ", upstream, re.MULTILINE)
    docs = (DEPLOY.parent / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert ports == ["8501", "8502"]
    for port in ports:
        assert f"need-to-share@{port}" in docs


def test_job_runner_runs_one_pass_on_a_timer_with_a_small_pool() -> None:
    service = _unit("need-to-share-jobs.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["ExecStart"].endswith("-m course jobs run --once")
    assert "NTS_DB_POOL_SIZE=2 NTS_DB_POOL_OVERFLOW=0" in service["ExecStart"]
    timer = _unit("need-to-share-jobs.timer")
    assert timer["Timer"]["OnUnitActiveSec"] and timer["Install"]["WantedBy"] == "timers.target"


def test_settings_example_holds_no_real_secret() -> None:
    example = (DEPLOY / "env.example").read_text(encoding="utf-8")
    assert "STREAMLIT_SERVER_COOKIE_SECRET=REPLACE-" in example
    assert "PASSWORD@" in example
    assert not re.search(r"=[0-9a-f]{32,}", example)


def test_settings_example_passes_the_settings_check() -> None:
    lines = (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    ours = {name for name in values if name.startswith("NTS_") or name in {"DATABASE_URL", "COURSE_CONTENT"}}
    assert ours <= {variable.name for variable in docs.variables()}, "a variable the app does not read"
    settings = load_settings(values)
    assert (settings.pool_size, settings.log_format) == (5, "json")
    assert settings.trusted_proxies == ("127.0.0.1/32",)
