"""`make bench`: the production-like server under load, measured.

Starts `make serve` on a free loopback port with a fresh SQLite database (or DATABASE_URL if set), walks one real
questionnaire to get a step URL and a result permalink, then drives each endpoint with concurrent connections for a
fixed time. Uses wrk when it is installed (Debian package `wrk`), otherwise a Python keep-alive client. Prints a
table and writes bench/results.json. Targets (docs/performance.md): every page ≥ 0.6× the /healthz baseline's
throughput, p99 < 100 ms at 32 connections, no errors; the engine diagnoses a full answer set in < 1 ms.
"""

import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.serving import (
    ROOT,
    free_port,
    start_server,
    step_post_request,
    stop_server,
    walk_questionnaire,
    worker_memory_mb,
)

DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
PAGE_RATIO_TARGET = 0.6
P99_TARGET_MS = 100.0
ENGINE_TARGET_MS = 1.0


# --- load clients ---------------------------------------------------------------------------------


def run_wrk(url, method="GET", body="", cookie=""):
    lines = [f'wrk.method = "{method}"', 'wrk.headers["Accept-Encoding"] = "br, gzip"']
    if body:
        lines += [f"wrk.body = {json.dumps(body)}", 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"']
    if cookie:
        lines.append(f'wrk.headers["Cookie"] = {json.dumps(cookie)}')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", "-s", script.name, url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)

    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": round(latency("50"), 2),
        "p99_ms": round(latency("99"), 2),
        "errors": errors,
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }


def run_python_client(url, method="GET", body="", cookie=""):
    """Keep-alive HTTP/1.1 connections on threads; slower than wrk, so its figures are lower bounds."""
    parsed = urllib.parse.urlparse(url)
    target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    headers = {"Accept-Encoding": "br, gzip"}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = cookie
    latencies, errors, stop = [], [0], time.monotonic() + DURATION
    lock = threading.Lock()

    def work():
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                connection.request(method, target, body=body or None, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
                connection.close()
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rps": round(len(latencies) / DURATION, 2),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2) if latencies else None,
        "errors": errors[0],
        "requests": len(latencies),
    }


def engine_timing(kb):
    from diagnosis.engine import diagnose

    answers = {q.slug: q.choices[-1].slug for q in kb.path("cannot_borrow")}
    answers["symptom"] = "cannot_borrow"
    runs = 2000
    seconds = min(timeit.repeat(lambda: diagnose(answers, kb), number=runs, repeat=5))
    return round(seconds / runs * 1000, 4)


def main():
    os.chdir(ROOT)
    workdir = tempfile.mkdtemp(prefix="bench-")
    env = {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3"),
        "CHECKUP_RATE_LIMIT": "100000000",  # the benchmark is one client hammering on purpose
        "ADDRESS_RATE_LIMIT": "100000000",
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "4"),
    }
    os.environ.update({k: env[k] for k in ("SECRET_KEY", "DEBUG", "HTTPS", "ALLOWED_HOSTS", "DATABASE_URL")})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, env)
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from diagnosis.knowledge import build_knowledge_base

        kb = build_knowledge_base()
        _, _, result_url = walk_questionnaire(base, kb)
        step_url, step_body, step_cookie = step_post_request(base, kb)
        home = urllib.request.urlopen(base + "/", timeout=10).read().decode()
        css = re.search(r'href="(/static/css/site\.[^"]+\.css)"', home) or re.search(
            r'href="(/static/[^"]+\.css)"', home
        )
        guide = re.search(r'href="(/guides/[a-z0-9-]+/)"', urllib.request.urlopen(base + "/guides/").read().decode())
        endpoints = [
            ("healthz (baseline)", base + "/healthz", "GET", "", ""),
            ("home", base + "/", "GET", "", ""),
            ("questionnaire step POST", step_url, "POST", step_body, step_cookie),
            ("results page", result_url, "GET", "", ""),
            ("guide index", base + "/guides/", "GET", "", ""),
            ("guide page", base + (guide.group(1) if guide else "/guides/credit-report/"), "GET", "", ""),
            ("static CSS", base + css.group(1), "GET", "", ""),
        ]
        client = "wrk" if shutil.which("wrk") else "python"
        run = run_wrk if client == "wrk" else run_python_client
        rows = []
        for name, url, method, body, cookie in endpoints:
            figures = run(url, method, body, cookie)
            rows.append({"endpoint": name, "method": method, "path": urllib.parse.urlparse(url).path, **figures})
            print(f"  measured {name}: {figures['rps']:.0f} req/s", file=sys.stderr)
        memory = worker_memory_mb(server)
    finally:
        stop_server(server)

    baseline = rows[0]["rps"]
    for row in rows:
        row["ratio_to_baseline"] = round(row["rps"] / baseline, 2) if baseline else None
        row["meets_targets"] = (
            row["errors"] == 0
            and row["p99_ms"] is not None
            and row["p99_ms"] < P99_TARGET_MS
            and (row is rows[0] or row["ratio_to_baseline"] >= PAGE_RATIO_TARGET)
        )
    engine_ms = engine_timing(kb)
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "database": "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite",
            "workers": int(env["WEB_CONCURRENCY"]),
        },
        "client": client,
        "duration_s": DURATION,
        "connections": CONNECTIONS,
        "endpoints": rows,
        "engine_ms_per_diagnosis": engine_ms,
        "engine_meets_target": engine_ms < ENGINE_TARGET_MS,
        "server_memory_mb": memory,
    }
    out = ROOT / "bench" / "results.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    print(f"\n{client}, {CONNECTIONS} connections, {DURATION} s each, {report['machine']['cpus']} CPUs, "
          f"{report['machine']['database']}, {env['WEB_CONCURRENCY']} gunicorn workers")  # fmt: skip
    print(f"{'endpoint':<26}{'req/s':>9}{'×base':>7}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}  ok")
    for row in rows:
        print(
            f"{row['endpoint']:<26}{row['rps']:>9.0f}{row['ratio_to_baseline']:>7.2f}{row['p50_ms']:>9.2f}"
            f"{row['p99_ms']:>9.2f}{row['errors']:>8}  {'yes' if row['meets_targets'] else 'NO'}"
        )
    print(f"engine: {engine_ms:.4f} ms per full diagnosis ({'yes' if report['engine_meets_target'] else 'NO'})")
    print(f"server memory (gunicorn master + workers, RSS): {memory} MB")
    print(f"report: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
