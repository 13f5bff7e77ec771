"""The reverse proxy in docs/deployment.md, run for real in front of a 2-worker gunicorn.

The nginx block is read from the docs themselves (only TLS, ports and the HTTP redirect are swapped for a local
run), so the example operators copy is the one tested. Slow clients that trickle their request in freeze gunicorn
when it is exposed directly; behind this proxy they do not. The proxy also replaces a forged X-Forwarded-For.
Needs Debian's nginx (CI installs it; elsewhere the test skips with a message unless REQUIRE_NGINX is set).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .serving import ROOT, Visitor, free_port, prepare_database, server_env, start_server, stop_server
from .test_concurrency import server_database  # noqa: F401  (a fixture)

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
if NGINX is None and os.environ.get("REQUIRE_NGINX"):
    raise RuntimeError("REQUIRE_NGINX is set but nginx is not installed (apt-get install nginx)")
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")

SLOW_CLIENTS = 3  # more than the workers


def docs_nginx_config(app_port, proxy_port, workdir):
    """The docs' nginx example as a runnable config: plain HTTP on `proxy_port` in front of gunicorn on `app_port`."""
    docs = (ROOT / "docs" / "deployment.md").read_text()
    block = re.search(r"```nginx\n(.*?)```", docs, re.S).group(1)
    block = block.split("\nserver {\n    listen 80;")[0]  # the HTTP → HTTPS redirect
    assert "proxy_request_buffering on;" in block and "X-Forwarded-For $remote_addr" in block
    block = "\n".join(line for line in block.splitlines() if "ssl_certificate" not in line)
    block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{proxy_port};")
    block = block.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    paths = {name: workdir / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in paths.values():
        path.mkdir()
        path.chmod(0o777)
    return f"""
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {workdir}/access.log;
    client_body_temp_path {paths["body"]};
    proxy_temp_path {paths["proxy"]};
    fastcgi_temp_path {paths["fastcgi"]};
    uwsgi_temp_path {paths["uwsgi"]};
    scgi_temp_path {paths["scgi"]};
{block}
}}
"""


def slow_clients(port):
    """Clients that send a request line and part of their headers, then nothing more (a phone on a bad network)."""
    clients = []
    for _ in range(SLOW_CLIENTS):
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn.sendall(b"POST /checkup/symptom/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-")
        clients.append(conn)
    time.sleep(1)  # let them reach a worker (directly) or the proxy
    return clients


def answers_within(url, seconds):
    try:
        with urllib.request.urlopen(url, timeout=seconds) as response:
            return response.status == 200
    except (TimeoutError, urllib.error.URLError):
        return False


@pytest.fixture
def app_and_proxy(server_database, tmp_path):  # noqa: F811
    url, count = server_database
    env = server_env(url, BEHIND_TLS_PROXY="1")
    prepare_database(env)
    app_port, proxy_port = free_port(), free_port()
    gunicorn = [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", "config/gunicorn.conf.py"]
    app = start_server(
        app_port,
        env,
        command=[*gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{app_port}", "--workers", "2"],
        output=(tmp_path / "app.log").open("w"),
    )
    config = tmp_path / "nginx.conf"
    config.write_text(docs_nginx_config(app_port, proxy_port, tmp_path))
    checked = subprocess.run([NGINX, "-t", "-c", str(config), "-p", str(tmp_path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proxy = subprocess.Popen(
        [NGINX, "-c", str(config), "-p", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 20
        while not answers_within(f"http://127.0.0.1:{proxy_port}/healthz", 2):
            assert time.monotonic() < deadline, (tmp_path / "error.log").read_text()
            time.sleep(0.2)
        yield app_port, proxy_port, count
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        stop_server(app)


def test_slow_clients_freeze_gunicorn_alone_but_not_behind_the_proxy(app_and_proxy):
    app_port, proxy_port, _count = app_and_proxy
    direct = slow_clients(app_port)
    try:
        # The reason the proxy is required: every worker now waits for a body that never comes.
        assert not answers_within(f"http://127.0.0.1:{app_port}/healthz", 3)
    finally:
        for conn in direct:
            conn.close()
    assert answers_within(f"http://127.0.0.1:{app_port}/healthz", 20)  # the workers are free again

    proxied = slow_clients(proxy_port)
    try:
        for path in ["/healthz", "/", "/guides/"]:
            assert answers_within(f"http://127.0.0.1:{proxy_port}{path}", 3), path
    finally:
        for conn in proxied:
            conn.close()


def test_the_proxy_replaces_a_forged_address_and_refuses_huge_bodies(app_and_proxy):
    _app_port, proxy_port, count = app_and_proxy
    base = f"http://127.0.0.1:{proxy_port}"
    visitor = Visitor(base)
    visitor.opener.addheaders.append(("X-Forwarded-For", "10.9.9.9"))
    visitor.get("/admin/login/")
    visitor.post(base + "/admin/login/", {"username": "nobody", "password": "wrong"})
    assert count("SELECT COUNT(*) FROM axes_accessattempt WHERE ip_address = '127.0.0.1'") == 1
    assert count("SELECT COUNT(*) FROM axes_accessattempt WHERE ip_address = '10.9.9.9'") == 0

    huge = urllib.request.Request(base + "/checkup/symptom/", data=b"symptom=" + b"x" * 300_000, method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(huge, timeout=10)
    assert refused.value.code == 413
