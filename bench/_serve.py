"""What the HTTP benchmarks (respondent.py, load.py) share: a database of their own on the
PostgreSQL server, the app served by gunicorn on a free loopback port, the machine line,
percentiles, and their section of RESULTS.md."""

import http.client
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def admin_sql(*statements: str) -> str:
    """Runs statements on the server's `postgres` database; returns the server's version."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
        return conn.execute("SHOW server_version").fetchone()[0]


def database_recreate(name: str) -> tuple[str, str]:
    """Drops and creates the bench's own database. Returns its DROP statement (run it at the
    end) and the server's version."""
    if not DATABASE_NAME.fullmatch(name):
        raise SystemExit("--database: lowercase letters, digits and underscores only")
    drop = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    return drop, admin_sql(drop, f"CREATE DATABASE {name}")


def server_env(database: str, port: int, secret_key: str) -> dict:
    """Production settings (DEBUG off) on loopback: plain HTTP, eager Celery, quiet logs, and
    the urlconf that adds the baseline views (bench/_bareapp.py)."""
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": f"{PG_SERVER}/{database}",
        "ROOT_URLCONF": "bench._bareapp",
        "STATIC_MANIFEST": "0",
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "PYTHONPATH": str(ROOT),
    }


def django_setup(env: dict) -> None:
    """Django in this process, on the server's settings, to seed through the services."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "surveysite.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def gunicorn_start(
    env: dict, port: int, log, worker_class: str = "sync", threads: int = 1, keep_alive: int = 2
) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT), "--workers", "2"]
    command += ["--worker-class", worker_class, "--threads", str(threads)]
    command += ["--keep-alive", str(keep_alive)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    process = subprocess.Popen(
        [*command, "surveysite.wsgi:application"], env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited at start; its log follows.")
        if _answers(port):
            return process
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


def gunicorn_stop(process: subprocess.Popen | None) -> None:
    if process is not None:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Served:
    """The bench's database and port, the server's environment and log, and the server."""

    env: dict
    port: int
    pg_version: str
    log: object
    server: subprocess.Popen | None = field(default=None)

    def start(self, **options) -> subprocess.Popen:
        self.server = gunicorn_start(self.env, self.port, self.log, **options)
        return self.server


@contextmanager
def served(database: str, secret_key: str, keep_db: bool = False) -> Iterator[Served]:
    """A fresh database of the bench's own and a free port; on an error, the tail of the
    server's log goes to stderr; at the end gunicorn stops and the database is dropped."""
    drop, pg_version = database_recreate(database)
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        bench = Served(server_env(database, port, secret_key), port, pg_version, log)
        try:
            yield bench
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:])
            raise
        finally:
            gunicorn_stop(bench.server)
            if not keep_db:
                admin_sql(drop)


def publish(heading: str, lines: list[str], write: bool) -> None:
    """Prints the figures and, when `write`, puts them under `heading` in RESULTS.md."""
    print("\n".join(lines))
    if write:
        write_results(heading, lines)
        print(f"\nWritten to {RESULTS.relative_to(ROOT)}")


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def machine(pg_version: str, server: str) -> str:
    import gunicorn

    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"PostgreSQL {pg_version}, gunicorn {gunicorn.__version__} ({server})"
    )


def write_results(heading: str, lines: list[str]) -> None:
    """Rewrites the section under `heading` (a `## ` line) of RESULTS.md, or appends it."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    section = "\n".join([heading, "", *lines]).rstrip() + "\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)
