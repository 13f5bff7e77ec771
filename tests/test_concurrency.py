"""Many people finishing a checkup at the same moment, against the real production server (gunicorn).

Real concurrent HTTP clients, not the test client: on SQLite this proves WAL + busy timeout + IMMEDIATE
transactions queue writers instead of failing with "database is locked"; in CI the same runs on PostgreSQL.
"""

import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

from .journeys import SYMPTOMS
from .serving import free_port, prepare_database, server_env, start_server, stop_server, walk_questionnaire

VISITORS = 32


@pytest.fixture
def server_database():
    """A fresh database for the server process: a new SQLite file, or a new PostgreSQL database in CI."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        path = Path(tempfile.mkdtemp()) / "concurrency.sqlite3"
        yield f"sqlite:///{path}", lambda sql: _sqlite_count(path, sql)
        return
    import psycopg

    params = settings.DATABASES["default"]
    name = f"edu_concurrency_{uuid.uuid4().hex[:8]}"
    dsn = f"host={params['HOST']} port={params['PORT'] or 5432} user={params['USER']} dbname=postgres"
    if params.get("PASSWORD"):
        dsn += f" password={params['PASSWORD']}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
    url = f"postgres://{auth}@{params['HOST']}:{params['PORT'] or 5432}/{name}"

    def count(sql):
        with psycopg.connect(dsn.replace("dbname=postgres", f"dbname={name}")) as conn:
            return conn.execute(sql).fetchone()[0]

    yield url, count
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlite_count(path, sql):
    import sqlite3

    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchone()[0]


def test_simultaneous_checkups_all_get_a_result(server_database, kb, tmp_path):
    url, count = server_database
    env = server_env(url)
    prepare_database(env)
    port = free_port()
    log = tmp_path / "server.log"
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application"]
    with log.open("w") as log_file:
        server = start_server(
            port,
            env,
            command=[*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "4", "--error-logfile", "-"],
            output=log_file,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with ThreadPoolExecutor(max_workers=VISITORS) as pool:
                symptoms = [SYMPTOMS[i % len(SYMPTOMS)] for i in range(VISITORS)]
                results = list(pool.map(lambda symptom: walk_questionnaire(base, kb, symptom)[2], symptoms))
            pages = [_get(result) for result in results]
        finally:
            stop_server(server)

    assert len(set(results)) == VISITORS
    assert all(status == 200 and "你的行动清单" in page for status, page in pages)
    assert count("SELECT COUNT(*) FROM diagnosis_assessment WHERE finished_at IS NOT NULL") == VISITORS
    server_log = log.read_text()
    assert "database is locked" not in server_log
    assert "Internal Server Error" not in server_log and "Traceback" not in server_log


def _get(url):
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()
