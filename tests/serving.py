"""Run the real production-like server and walk it like a visitor: shared by `make bench` and the concurrency test."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from .journeys import walk

ROOT = Path(__file__).resolve().parent.parent


def server_env(database_url, **extra):
    """The environment of a production-like server on `database_url`: DEBUG off, plain HTTP on loopback."""
    return {
        **os.environ,
        "SECRET_KEY": "test-server-only",
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        **extra,
    }


def prepare_database(env):
    """Migrate and load the default content in the server's own environment, as a deployment does."""
    for command in (["migrate", "--noinput"], ["load_content"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port, env, command=None, output=None):
    """Start `make serve` (or another command) in its own process group; return once /healthz answers 200."""
    process = subprocess.Popen(
        command or ["make", "--no-print-directory", "serve", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=output if output is not None else (None if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise RuntimeError("the server did not answer /healthz within 120 s")


def stop_server(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def worker_memory_mb(process):
    """Resident memory of every process in the server's group (gunicorn master + workers), in MB."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            pid = int(status.parent.name)
            if os.getpgid(pid) != process.pid:
                continue
            text = status.read_text()
        except (OSError, ValueError):
            continue
        if "gunicorn" not in (status.parent / "cmdline").read_text(errors="ignore"):
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", text)
        total += int(match.group(1)) if match else 0
    return round(total / 1024, 1)


class Visitor:
    """A real person's browser, reduced to cookies and forms: walks the questionnaire to its result."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), "")

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(self, url, fields):
        fields = {"csrfmiddlewaretoken": self.cookie("csrftoken"), **fields}
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        with self.opener.open(urllib.request.Request(url, data=data, method="POST"), timeout=30) as response:
            return response.geturl(), response.read().decode()

    def cookie_header(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def walk_questionnaire(base, kb, symptom="cannot_borrow"):
    """Answer every step on the symptom's path; return (first step URL, a fresh visitor, result URL)."""
    visitor = Visitor(base)
    first_step, _ = visitor.get("/checkup/")
    pages = {}  # URL → the page the site showed there

    def submit(url, fields):
        next_url, page = visitor.post(url, fields)
        pages[next_url] = page
        return next_url

    review_url, _asked = walk(first_step, submit, kb, {"symptom": symptom})
    review = pages[review_url]
    action = re.search(r'<form[^>]*action="([^"]*)"[^>]*method="post"', review) or re.search(
        r'<form[^>]*method="post"[^>]*action="([^"]*)"', review
    )
    finish = urllib.parse.urljoin(review_url, action.group(1)) if action else review_url
    result_url, _ = visitor.post(finish, {})
    if "/r/" not in result_url:
        raise RuntimeError(f"walking the questionnaire did not reach a result (ended at {result_url})")
    return first_step, Visitor(base), result_url


def step_post_request(base, kb):
    """A questionnaire step POST that can be replayed: an in-progress checkup's cookies and a valid answer."""
    visitor = Visitor(base)
    url, _ = visitor.get("/checkup/")
    url, _ = visitor.post(url, {"symptom": "cannot_borrow"})
    slug = urllib.parse.urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]
    choice = kb.question(slug).choices[0].slug
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": visitor.cookie("csrftoken"), slug: choice})
    return url, body, visitor.cookie_header()
