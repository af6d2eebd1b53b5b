"""Servers of the fault tests' own, started from the machine's binaries on free loopback
ports, which the tests kill, freeze (SIGSTOP) and thaw (SIGCONT), stop and restart: Redis,
a PostgreSQL cluster under a temporary directory, gunicorn serving the site and Celery
workers on them. Never the shared servers on 5432 and 6379."""

import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from tests.factories import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "fault-tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def wait_until(condition, timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"{what} within {timeout} s")


class Redis:
    def __init__(self, folder: Path):
        self.folder, self.port, self.process = folder, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until(self.answers, 10, "redis-server did not answer")

    def answers(self) -> bool:
        result = subprocess.run(
            [shutil.which("redis-cli"), "-p", str(self.port), "ping"],
            capture_output=True,
            text=True,
        )
        return result.stdout.strip() == "PONG"

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()
            self.kill()


def postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class Postgres:
    """A cluster of our own. PostgreSQL refuses to run as root: it runs as `postgres`, in
    a directory that user owns."""

    def __init__(self, binaries: Path):
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="surveysite-faults-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")

    def _as_postgres(self, *command: str, check: bool = True):
        runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*runner, *command], capture_output=True, text=True, check=check, timeout=120
        )

    def create(self) -> None:
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False
        )

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres", params=()):
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else None

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def site_env(
    *, database_url: str, redis_url: str | None, mail_dir: Path, smtp_port: int | None = None
) -> dict:
    """The environment of the site's processes: production settings on our servers, emails
    to files in `mail_dir` or to the SMTP server on `smtp_port`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "CACHE_", "EMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="surveysite.settings",
        SURVEYSITE_ENV_FILE="",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_MANIFEST="0",
        SECURE_COOKIES="0",
        DATABASE_URL=database_url,
        EMAIL_BACKEND="file",
        EMAIL_FILE_PATH=str(mail_dir),
        LOG_LEVEL="WARNING",
    )
    if smtp_port:
        env.update(
            EMAIL_BACKEND="smtp",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            EMAIL_USE_TLS="0",
        )
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.update(CELERY_TASK_ALWAYS_EAGER="1", CACHE_URL="locmem://")
    return env


def act(env: dict, command: str, **arguments):
    """Run one step of tests/faults/act.py against the servers of `env`; its JSON answer."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.faults.act", command, json.dumps(arguments)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if result.returncode != 0:
        raise RuntimeError(f"act {command} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


TALLY = {
    "deliveries": "SELECT e.email, d.status FROM responses_emaildelivery d "
    "JOIN responses_invitation i ON i.id = d.invitation_id "
    "JOIN responses_expert e ON e.id = i.expert_id",
    "invited": "SELECT count(*) FROM responses_invitation WHERE sent_at IS NOT NULL",
    "jobs": "SELECT status FROM responses_job ORDER BY id",
    "answers": "SELECT e.email, a.statement_id, a.value FROM responses_answer a "
    "JOIN responses_response r ON r.id = a.response_id "
    "JOIN responses_invitation i ON i.id = r.invitation_id "
    "JOIN responses_expert e ON e.id = i.expert_id",
}


def tally(database_url: str) -> dict:
    """Every delivery's status by recipient, how many invitations are marked sent, the
    jobs' statuses, and every stored answer by expert and statement: read straight from
    the database, as the site left it."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        rows = {name: connection.execute(sql).fetchall() for name, sql in TALLY.items()}
    answers: dict = {}
    for email, statement, value in rows["answers"]:
        answers.setdefault(email, {})[statement] = value
    return {
        "deliveries": dict(rows["deliveries"]),
        "invited": rows["invited"][0][0],
        "jobs": [status for (status,) in rows["jobs"]],
        "answers": answers,
    }


class Gunicorn:
    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.port, self.process = env, log, free_port(), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "surveysite.wsgi", "--workers", "2"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--timeout", "30"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        wait_until(lambda: Client(self.url).get("/")[0] == 200, 60, "gunicorn did not serve")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


class Worker:
    """A Celery worker (prefork) in a process group of its own, so that a SIGKILL takes its
    children too, as when its machine dies."""

    def __init__(self, env: dict, log: Path, concurrency: int = 2):
        self.env, self.log, self.concurrency, self.process = env, log, concurrency, None

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "surveysite", "worker"]
        command += ["--concurrency", str(self.concurrency), "--without-heartbeat"]
        command += ["--without-gossip", "--without-mingle", "--loglevel", "WARNING"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class Client:
    """A browser without a screen: cookies, redirects followed, Django's CSRF token sent."""

    def __init__(self, base: str, timeout: float = 40):
        self.base, self.timeout, self.cookies = base, timeout, CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def set_cookie(self, name: str, value: str) -> None:
        from http.cookiejar import Cookie

        self.cookies.set_cookie(
            Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True, False,
                   None, False, None, None, {})
        )  # fmt: skip

    def request(self, method: str, path: str, form: dict | None = None):
        """(status, body, seconds); a refused connection is status 0."""
        data = None
        headers = {"Accept": "application/json, text/html"}
        if form is not None:
            token = self.cookie("csrftoken") or ""
            data = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": token, **form}, doseq=True
            ).encode()
            headers["X-CSRFToken"] = token
        # Always http://127.0.0.1:<port>: the site under test.
        request = urllib.request.Request(self.base + path, data, headers, method=method)  # noqa: S310
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read().decode(), time.monotonic() - started
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 0, "", time.monotonic() - started

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, form: dict):
        return self.request("POST", path, form)


def answer_values(body: str) -> dict | None:
    with contextlib.suppress(ValueError):
        return json.loads(body)
    return None


class SlowSMTP:
    """A mail server of the test's own that takes `delay` seconds over each message, so that
    a worker killed mid-batch is killed mid-batch. It records the recipients of each
    message it accepted (after replying 250 to its DATA)."""

    def __init__(self, delay: float):
        import socketserver
        import threading

        self.delay, self.accepted, self.lock = delay, [], threading.Lock()
        smtp = self

        class Session(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 localhost ready")
                recipients = []
                for raw in self.rfile:
                    verb = raw.decode(errors="replace").strip().split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 localhost")
                    elif verb == "MAIL":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(raw.decode().split(":", 1)[1].strip(" <>\r\n"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        if not smtp.read_message(self.rfile):
                            return  # the client died mid-message: nothing accepted
                        time.sleep(smtp.delay)
                        with smtp.lock:
                            smtp.accepted.extend(recipients)
                        self.reply("250 accepted")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    @staticmethod
    def read_message(stream) -> bool:
        return any(line in (b".\r\n", b".\n") for line in stream)

    def start(self) -> "SlowSMTP":
        import threading

        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
