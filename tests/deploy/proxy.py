"""Run Debian's nginx with the shipped deploy/nginx.conf in front of app processes on loopback.

The test configuration is the shipped file with only its addresses changed: the `listen` lines
become one loopback port and the upstream's `server` lines name the app processes' ports. Every
other line (the cookie hash, the WebSocket location, the headers) is exactly what operators run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "nginx.conf"
_LISTEN = re.compile(r"^\s*listen\s+(?:\[::\]:)?80;\s*$", re.MULTILINE)
_SERVER = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;\s*$", re.MULTILINE)


def nginx_binary() -> str:
    """Return Debian's nginx, or skip when it is missing (fail under NTS_REQUIRE_NGINX=1, as in CI)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        message = "nginx is not installed (apt-get install nginx-light)"
        if os.environ.get("NTS_REQUIRE_NGINX", "").strip() == "1":
            pytest.fail(f"NTS_REQUIRE_NGINX=1 but {message}", pytrace=False)
        pytest.skip(message)
    return found


def site_config(template: str, *, listen_port: int, app_ports: Sequence[int]) -> str:
    """Return the shipped site with loopback addresses put in; refuse a template it cannot adapt."""
    listens = _LISTEN.findall(template)
    servers = _SERVER.findall(template)
    if len(listens) != 2 or len(servers) < 1:
        raise ValueError("deploy/nginx.conf no longer has the two `listen 80` lines and the "
                         "upstream `server 127.0.0.1:PORT` lines this harness replaces")
    site = _LISTEN.sub("", template, count=1)
    site = _LISTEN.sub(f"    listen 127.0.0.1:{listen_port};", site, count=1)
    first = _SERVER.search(site)
    assert first is not None
    options = first.group(2) or ""
    lines = "\n".join(f"{first.group(1)}server 127.0.0.1:{port}{options};" for port in app_ports)
    site = _SERVER.sub("", site)
    return site.replace("upstream need_to_share {\n", "upstream need_to_share {\n" + lines + "\n", 1)


def main_config(folder: Path, site: Path) -> str:
    """Return an nginx main configuration that keeps every file in `folder` and includes `site`."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the temp folders
    temps = "\n".join(f"    {kind}_temp_path {folder / kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} warn;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            "    access_log off;\n"
            f"{temps}\n"
            f"    include {site};\n"
            "}\n")


def check_config(nginx: str, folder: Path, site_text: str) -> subprocess.CompletedProcess[str]:
    """Run `nginx -t` on `site_text` wrapped in a main configuration kept in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    site = folder / "site.conf"
    site.write_text(site_text, encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(main_config(folder, site), encoding="utf-8")
    return subprocess.run([nginx, "-t", "-p", str(folder), "-c", str(main)], capture_output=True,
                          text=True, timeout=30, check=False)


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


@contextlib.contextmanager
def running_nginx(nginx: str, folder: Path, *, listen_port: int,
                  app_ports: Sequence[int]) -> Iterator[str]:
    """Start nginx on the loopback port in front of the app ports; yield its URL; stop it after."""
    site = site_config(SHIPPED.read_text(encoding="utf-8"), listen_port=listen_port, app_ports=app_ports)
    checked = check_config(nginx, folder, site)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx -t refused the test configuration:\n{checked.stderr}")
    process = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"),
                                "-g", "daemon off;"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while not _answers(listen_port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "error.log").read_text(encoding="utf-8", errors="replace")
                raise RuntimeError(f"nginx did not start on port {listen_port}:\n{log}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{listen_port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
