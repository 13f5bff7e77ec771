"""`make bench`: the production-like server under load, each page measured against /healthz in the same run.

For each content scale (BENCH_SCALES, default "1,10": today's guides, then ten times as many) it builds a fresh
database (a new SQLite file, or a new PostgreSQL database next to DATABASE_URL's), starts `make serve` with
WEB_CONCURRENCY gunicorn workers (default 2) on a free loopback port, walks one real questionnaire to get a step
POST and a result permalink, and then, BENCH_REPEATS times (default 3), drives every page with wrk for
BENCH_SECONDS (default 10) at BENCH_CONNECTIONS (default 32), with a /healthz run before and after each page:
a page's ratio is its req/s over the mean of the two /healthz runs around it, so a busy machine moves both.

Prints per page the median req/s, the min and median ratio, the median and worst p99, and the targets (issue 16,
docs/performance.md: a median ratio at or above the page's target, a median p99 under 50 ms for pages from the
cache); at 10× also each page's ratio against its 1× ratio (target ≥ 0.8). It also prints the server's CPU
milliseconds per request (all gunicorn processes, from /proc) and /healthz's over the page's: when other jobs
share the CPUs, req/s swings with them while CPU per request barely moves. Writes every run to
bench/results.json. Uses wrk when installed (Debian package `wrk`), else a slower Python client (lower bounds).
Set REDIS_URL to use Redis for the shared cache, as `make bench` with PostgreSQL does in docs/performance.md.
"""

import gzip
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
import uuid
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
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
WORKERS = os.environ.get("WEB_CONCURRENCY", "2")
SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "1,10").split(",") if s.strip()]
ONLY = {p.strip() for p in os.environ.get("BENCH_PAGES", "").split(",") if p.strip()}
ENGINE_TARGET_MS = 1.0
P99_CACHED_TARGET_MS = 50.0
GROWTH_TARGET = 0.8  # a page at 10× the content keeps this share of its 1× ratio

# name, ratio target (None: measured, no target), served from the page cache
PAGES = [
    ("home", 0.9, True),
    ("guide index", 0.85, True),
    ("guide page", 0.7, True),
    ("first question", 0.7, True),
    ("result seen before", 0.65, True),
    ("answer POST", 0.3, False),
    ("category page", None, True),
    ("sitemap.xml", None, True),
    ("search", None, False),
    ("static CSS", None, False),
]


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


# --- databases and content ------------------------------------------------------------------------


def fresh_database(workdir, scale):
    """A new, empty database for one scale, and a function that removes it afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{workdir}/bench-{scale}x.sqlite3", lambda: None
    import psycopg

    parsed = urllib.parse.urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'edu'}_bench_{scale}x_{uuid.uuid4().hex[:6]}"
    admin_dsn = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return parsed._replace(path=f"/{name}").geturl(), drop


MORE_GUIDES = """
from guides.models import Guide
originals = list(Guide.objects.published())
for copy in range(1, {scale}):
    for guide in originals:
        Guide.objects.create(
            slug=f"{{guide.slug}}-{{copy}}", title=f"{{guide.title}}（{{copy}}）", summary=guide.summary,
            category=guide.category, body=guide.body, status=guide.status, last_reviewed=guide.last_reviewed,
            order=guide.order + copy,
        )
print(Guide.objects.published().count())
"""


def prepare(env, scale):
    """Migrate, load the default content and, above 1×, add copies of every guide until there are `scale` times."""
    python = sys.executable
    for command in (["migrate", "--noinput"], ["load_content"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    code = MORE_GUIDES.format(scale=scale)
    shell = [python, "manage.py", "shell", "-c", code]
    done = subprocess.run(shell, cwd=ROOT, env=env, check=True, capture_output=True)
    return int(done.stdout.decode().strip().splitlines()[-1])


# --- one scale ------------------------------------------------------------------------------------


def get(url):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body.decode(), response.headers.get("X-Page-Cache")


def endpoints(base, kb):
    _, _, result_url = walk_questionnaire(base, kb)
    step_url, step_body, step_cookie = step_post_request(base, kb)
    home, _ = get(base + "/")
    css = re.search(r'href="(/static/css/site\.[^"]+\.css)"', home)
    index, _ = get(base + "/guides/")
    guide = re.search(r'href="(/guides/credit-report/)"', index) or re.search(r'href="(/guides/[a-z0-9-]+/)"', index)
    urls = {
        "home": (base + "/", "GET", "", ""),
        "guide index": (base + "/guides/", "GET", "", ""),
        "guide page": (base + guide.group(1), "GET", "", ""),
        "first question": (base + "/checkup/symptom/", "GET", "", ""),
        "result seen before": (result_url, "GET", "", ""),
        "answer POST": (step_url, "POST", step_body, step_cookie),
        "category page": (base + "/guides/credit-repair/", "GET", "", ""),
        "sitemap.xml": (base + "/sitemap.xml", "GET", "", ""),
        "search": (base + "/guides/?q=" + urllib.parse.quote("征信"), "GET", "", ""),
        "static CSS": (base + css.group(1), "GET", "", ""),
    }
    return {name: urls[name] for name, _, _ in PAGES if not ONLY or name in ONLY}


def server_cpu_seconds(server):
    """CPU time (user + system) used so far by every process of the server (gunicorn master and workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == server.pid:  # the process group: `make serve` and everything it started
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def measured(run, server):
    """run(...) plus the server's CPU milliseconds per request: steadier than req/s when other jobs share the CPUs."""

    def measure(*args):
        before = server_cpu_seconds(server)
        figures = run(*args)
        spent = server_cpu_seconds(server) - before
        requests = figures["requests"]
        figures["server_cpu_ms_per_request"] = round(spent * 1000 / requests, 3) if requests else None
        return figures

    return measure


def check_cached(pages):
    """Before measuring: every page meant to come from the page cache really does (X-Page-Cache: hit)."""
    cached = {name for name, _, from_cache in PAGES if from_cache}
    for name, (url, *_request) in pages.items():
        if name in cached:
            outcomes = [get(url)[1] for _ in range(12)]  # every worker stores its own copy, then serves it
            if "hit" not in outcomes:
                raise RuntimeError(f"{name} is not served from the page cache (X-Page-Cache: {outcomes})")


def measure_scale(scale, workdir, kb_loader):
    database_url, drop = fresh_database(workdir, scale)
    env = {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "CHECKUP_RATE_LIMIT": "100000000",  # the benchmark is one client hammering on purpose
        "ADDRESS_RATE_LIMIT": "100000000",
        "WEB_CONCURRENCY": WORKERS,
        "PAGE_CACHE_HEADER": "1",  # lets check_cached() see hits; one short header on every page
    }
    server = None
    try:
        guides = prepare(env, scale)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(port, env)
        kb = kb_loader(database_url)
        pages = endpoints(base, kb)
        check_cached(pages)
        client = "wrk" if shutil.which("wrk") else "python"
        run = measured(run_wrk if client == "wrk" else run_python_client, server)
        healthz = base + "/healthz"
        runs = []
        for repeat in range(REPEATS):
            before = run(healthz)
            for name, (url, method, body, cookie) in pages.items():
                figures = run(url, method, body, cookie)
                after = run(healthz)
                baseline = (before["rps"] + after["rps"]) / 2
                runs.append(
                    {
                        "page": name,
                        "repeat": repeat + 1,
                        "method": method,
                        "path": urllib.parse.urlparse(url).path,
                        **figures,
                        "healthz_before_rps": before["rps"],
                        "healthz_after_rps": after["rps"],
                        "ratio": round(figures["rps"] / baseline, 3) if baseline else None,
                        "healthz_cpu_ms": (before["server_cpu_ms_per_request"] + after["server_cpu_ms_per_request"])
                        / 2,
                    }
                )
                print(
                    f"  {scale}× run {repeat + 1}: {name}: {figures['rps']:.0f} req/s, "
                    f"{runs[-1]['ratio']:.2f}× healthz, p99 {figures['p99_ms']:.1f} ms",
                    file=sys.stderr,
                )
                before = after
        memory = worker_memory_mb(server)
    finally:
        if server is not None:
            stop_server(server)
        drop()
    return {"scale": scale, "guides": guides, "client": client, "runs": runs, "server_memory_mb": memory}


def summarise(result):
    rows = []
    for name, target, from_cache in PAGES:
        runs = [r for r in result["runs"] if r["page"] == name]
        if not runs:
            continue
        ratios, p99s = [r["ratio"] for r in runs], [r["p99_ms"] for r in runs]
        cpu = statistics.median(r["server_cpu_ms_per_request"] for r in runs)
        healthz_cpu = statistics.median(r["healthz_cpu_ms"] for r in runs)
        row = {
            "page": name,
            "rps_median": round(statistics.median(r["rps"] for r in runs)),
            "healthz_rps_median": round(statistics.median(r["healthz_before_rps"] for r in runs)),
            "ratio_min": min(ratios),
            "ratio_median": round(statistics.median(ratios), 3),
            "p99_median_ms": round(statistics.median(p99s), 1),
            "p99_max_ms": max(p99s),
            "server_cpu_ms": round(cpu, 3),
            "cpu_ratio": round(healthz_cpu / cpu, 2) if cpu else None,  # healthz CPU per request over the page's
            "errors": sum(r["errors"] for r in runs),
            "ratio_target": target,
            "page_cache": from_cache,
        }
        row["meets_ratio"] = None if target is None else row["ratio_median"] >= target
        row["meets_p99"] = row["p99_median_ms"] < P99_CACHED_TARGET_MS if from_cache else None
        rows.append(row)
    return rows


def print_table(result, rows, baseline_rows=None):
    print(
        f"\n{result['scale']}× content ({result['guides']} guides), {result['client']}, {CONNECTIONS} connections, "
        f"{DURATION} s × {REPEATS}, {WORKERS} workers, {os.cpu_count()} CPUs, {database_kind()}"
    )
    growth = {r["page"]: r["ratio_median"] for r in baseline_rows or []}
    header = (
        f"{'page':<20}{'req/s':>7}{'healthz':>9}{'×min':>7}{'×med':>7}{'target':>8}{'p99 med':>9}{'p99 max':>9}"
        f"{'cpu ms':>8}{'×cpu':>6}"
    )
    print(header + (f"{'vs 1×':>7}" if growth else "") + f"{'errors':>7}  ok")
    for row in rows:
        target = f"{row['ratio_target']:.2f}" if row["ratio_target"] is not None else "–"
        verdicts = [v for v in (row["meets_ratio"], row["meets_p99"]) if v is not None]
        line = (
            f"{row['page']:<20}{row['rps_median']:>7}{row['healthz_rps_median']:>9}{row['ratio_min']:>7.2f}"
            f"{row['ratio_median']:>7.2f}{target:>8}{row['p99_median_ms']:>9.1f}{row['p99_max_ms']:>9.1f}"
            f"{row['server_cpu_ms']:>8.2f}{row['cpu_ratio']:>6.2f}"
        )
        if growth:
            kept = row["ratio_median"] / growth[row["page"]] if growth.get(row["page"]) else None
            row["kept_vs_1x"] = round(kept, 2) if kept else None
            verdicts.append(kept is not None and kept >= GROWTH_TARGET)
            line += f"{kept:>7.2f}" if kept else f"{'–':>7}"
        ok = "–" if not verdicts else ("yes" if all(verdicts) and row["errors"] == 0 else "NO")
        print(f"{line}{row['errors']:>7}  {ok}")
    print(f"server memory (gunicorn master + workers, RSS): {result['server_memory_mb']} MB")


def database_kind():
    url = os.environ.get("DATABASE_URL", "")
    kind = "postgresql" if url.startswith("postgres") else "sqlite"
    return kind + (" + redis" if os.environ.get("REDIS_URL") else "")


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
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.update(DEBUG="0", HTTPS="0", ALLOWED_HOSTS="127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    kbs = {}

    def kb_loader(database_url):
        """The knowledge base as the server sees it (same content at every scale: read once)."""
        if "kb" not in kbs:
            os.environ["DATABASE_URL"] = database_url
            import django

            django.setup()
            from diagnosis.knowledge import build_knowledge_base

            kbs["kb"] = build_knowledge_base()
            from django.db import connections

            connections.close_all()
        return kbs["kb"]

    requested_url = os.environ.get("DATABASE_URL", "")
    results, tables = [], {}
    for scale in SCALES:
        if requested_url:
            os.environ["DATABASE_URL"] = requested_url
        result = measure_scale(scale, workdir, kb_loader)
        os.environ["DATABASE_URL"] = requested_url
        rows = summarise(result)
        print_table(result, rows, tables.get(1) if scale != 1 else None)
        tables[scale] = rows
        results.append({**result, "summary": rows})
    if not requested_url:
        os.environ.pop("DATABASE_URL", None)
    engine_ms = engine_timing(kbs["kb"])
    print(f"engine: {engine_ms:.4f} ms per full diagnosis ({'yes' if engine_ms < ENGINE_TARGET_MS else 'NO'})")
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "database": database_kind(),
            "workers": int(WORKERS),
            "load_average_at_end": os.getloadavg(),
        },
        "duration_s": DURATION,
        "connections": CONNECTIONS,
        "repeats": REPEATS,
        "scales": results,
        "engine_ms_per_diagnosis": engine_ms,
    }
    out = ROOT / "bench" / ("results-postgres.json" if database_kind().startswith("postgres") else "results.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"report: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
