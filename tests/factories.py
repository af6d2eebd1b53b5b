"""Helpers that build data through the real services, as production does, so that every test
exercises the same paths (the kept counts among them)."""

import contextlib
import http.client
import http.cookiejar
import io
import itertools
import os
import re
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import pytest
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory, override_settings
from django.urls import reverse
from openpyxl.utils import get_column_letter

from responses.fieldwork.services import deliveries
from responses.fieldwork.services.experts import invitation_create
from responses.models import Answer, AnswerCount, EmailDelivery, GroupSize, Response
from responses.respondent import services as respondent
from responses.respondent.session import session_link
from responses.results import group_keys
from statements.models import Statement
from tests.fieldwork import backends

_counter = itertools.count()


def respond(
    survey,
    *,
    answers: dict[int, int | None],
    sector="",
    stated=(),
    gender="",
    submitted=True,
    open_answer="",
    comments: dict[int, str] | None = None,
):
    """One expert's response through the expert's own services: consent, answers, background
    and (unless `submitted=False`) submission. `answers` maps the paper number to a code
    (None = cleared), `comments` to a statement's comment. The survey must be open."""
    index = next(_counter)
    invitation, _ = invitation_create(
        survey=survey,
        email=f"respondent{index}@example.org",
        name=f"Respondent {index}",
        sector=sector,
    )
    response = respondent.response_start(invitation=invitation)
    by_number = dict(Statement.objects.values_list("number", "pk"))
    respondent.answers_save(
        response=response,
        answers=[
            respondent.AnswerInput(by_number[number], value, (comments or {}).get(number, ""))
            for number, value in answers.items()
        ],
        link_hash=invitation.link_hash,
    )
    respondent.response_background_save(
        response=response,
        sectors=list(stated),
        gender=gender,
        open_answer=open_answer,
        link_hash=invitation.link_hash,
    )
    if submitted:
        respondent.response_submit(response=response)
    return response


# Statement 49 of ../shared/SURVEY.md: SD 2, sD 4, N 6, sA 13, SA 8, DK 4 (n = 37).
STATEMENT_49 = [-2] * 2 + [-1] * 4 + [0] * 6 + [1] * 13 + [2] * 8 + [-88] * 4


def at_once(function, *, count: int = 2) -> list:
    """What `function` returns when `count` threads call it at the same moment, each on its
    own database connection (closed after): for claims that must win once."""
    barrier = threading.Barrier(count)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(function())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def research_url(name, survey, *args):
    return reverse(f"research:{name}", args=[survey.slug, *args])


def worker_killed_while_sending(*, kind: str = "invitation", after: int = 0) -> EmailDelivery:
    """Give the pending emails of `kind` to a batch whose worker is SIGKILLed just after the
    mail server took the one after the first `after`: that one is left 'sending', the
    ones after it pending. Returns it."""
    pending = EmailDelivery.objects.filter(kind=kind, status=EmailDelivery.Status.PENDING)
    ids = sorted(pending.values_list("pk", flat=True))
    backend = "tests.fieldwork.backends.DyingBackend"
    backends.SURVIVES["messages_left"] = after
    with override_settings(EMAIL_BACKEND=backend), contextlib.suppress(backends.WorkerKilled):
        deliveries.deliveries_send(delivery_ids=ids)
    return EmailDelivery.objects.get(pk=ids[after])


# Pages served under a strict Content-Security-Policy carry no inline code.
INLINE_CODE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"javascript:", re.I),
]
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def inline_code(html: str) -> list[str]:
    """The patterns of INLINE_CODE that `html` matches (none on a CSP-clean page)."""
    return [pattern.pattern for pattern in INLINE_CODE if pattern.search(html)]


def require(condition: bool, reason: str) -> None:
    """Skip the test (and say why) when a service it needs is missing; CI sets
    REQUIRE_SERVICES=1 so that a missing service fails the run instead."""
    if condition:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


# --- servers the tests start (gunicorn, nginx), on free loopback ports -------------------


def free_port() -> int:
    """A loopback port nothing listens on (the kernel's choice, released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_database_url() -> str:
    """The URL of the database this test uses, for a server process of its own."""
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER'] or 'postgres'}@{host}/{db['NAME']}"


@dataclass
class Server:
    """A server process started by a test, its output going to `<logs>/<name>.out` and `.err`."""

    process: subprocess.Popen
    port: int
    logs: Path
    name: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def output(self) -> str:
        """Everything it wrote to stdout, once it has stopped."""
        self.stop()
        return (self.logs / f"{self.name}.out").read_text()

    def errors(self) -> str:
        self.stop()
        return (self.logs / f"{self.name}.err").read_text()


def server_start(command: list[str], *, name: str, port: int, logs: Path, **popen) -> Server:
    """Start `command` and wait until `port` takes connections (60 s at most: a loaded
    2-core machine starts Django slowly). The caller stops it."""
    with (logs / f"{name}.out").open("wb") as out, (logs / f"{name}.err").open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, **popen)
    server = Server(process, port, logs, name)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"{name} exited at start:\n{server.errors()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"{name} did not listen on port {port} within 60 s")
            time.sleep(0.1)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def csrf_token(self) -> str:
        return CSRF_TOKEN.search(self.text).group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the tests look at each redirect themselves


class HttpClient:
    """A browser for the servers the tests start: it keeps its cookies, follows no redirect,
    and may name a Host other than the address it connects to (127.0.0.1)."""

    def __init__(self, port: int, *, host: str | None = None, tls: bool = False):
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        self.host = host
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the tests' own self-signed certificate
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            urllib.request.HTTPSHandler(context=context),
            _NoRedirect,
        )

    def request(self, method: str, path: str, *, form=None, headers=None) -> Reply:
        data = None if form is None else urlencode(form).encode()
        request = urllib.request.Request(  # noqa: S310 (always http(s)://127.0.0.1)
            self.base + path, data=data, method=method, headers=dict(headers or {})
        )
        if self.host:
            request.add_header("Host", self.host)
        try:
            with self.opener.open(request, timeout=30) as response:
                return Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:  # any status but 2xx, redirects included
            with error:
                return Reply(error.code, error.headers, error.read())

    def get(self, path: str, **options) -> Reply:
        return self.request("GET", path, **options)

    def post(self, path: str, form: dict, **options) -> Reply:
        return self.request("POST", path, form=form, **options)


def counted(survey) -> tuple[dict, dict]:
    """The answers and respondents counted directly: a GROUP BY over the answers, and the
    Python twin of the key rule over the submitted responses."""
    cells = (
        Answer.objects.filter(survey=survey, group_key__isnull=False, value__isnull=False)
        .values_list("group_key", "statement_id", "value")
        .annotate(n=Count("id"))
    )
    submitted = Response.objects.filter(
        invitation__survey=survey, submitted_at__isnull=False
    ).select_related("invitation__expert")
    sizes = Counter(
        group_keys.group_key(
            assigned=r.invitation.expert.sector, sectors=r.sectors, gender=r.gender
        )
        for r in submitted
    )
    return {(k, s, v): n for k, s, v, n in cells}, dict(sizes)


def kept(survey) -> tuple[dict, dict]:
    """The kept counts, without their empty cells."""
    cells = AnswerCount.objects.filter(survey=survey).exclude(n=0)
    sizes = GroupSize.objects.filter(survey=survey).exclude(n=0)
    return (
        {(c.group_key, c.statement_id, c.value): c.n for c in cells},
        {s.group_key: s.n for s in sizes},
    )


def session_invitation_id(client) -> int | None:
    """The invitation a test client's expert session holds, if any."""
    request = RequestFactory().get("/")
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    link = session_link(request)
    return link and link.invitation_id


@contextlib.contextmanager
def celery_publishing_to(url: str):
    """The Celery app publishing to the broker at `url` instead of running tasks eagerly.
    The app keeps the pools of the broker it used first (kombu's, shared by broker URL, so
    never closed here): it forgets them both ways, and picks those of the URL it has."""
    from surveysite.celery import app

    def forget_connections():
        app._pool = None
        app.amqp._producer_pool = None

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    forget_connections()
    app.conf.broker_url, app.conf.task_always_eager = url, False
    try:
        yield app
    finally:
        forget_connections()
        app.conf.broker_url, app.conf.task_always_eager = saved


# ---------------------------------------------------------------- uploaded workbooks

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
        f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}


def xlsx_workbook(sheet_data: str, *, dimension: str = "", strings=(), parts=None) -> bytes:
    """An XLSX file written part by part, as a hostile or broken one may be: `sheet_data` is
    the XML inside <sheetData>, `dimension` the declared size (none when empty), `strings`
    the shared strings, `parts` any part replaced or added (name: bytes or text)."""
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    contents = _PARTS | {
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{_MAIN}">{declared}<sheetData>{sheet_data}</sheetData></worksheet>'
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{_MAIN}" count="{len(strings)}">{shared}</sst>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (contents | (parts or {})).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx_row(number: int, values) -> str:
    """One <row> of inline strings (str) and numbers, from column A."""
    cells = []
    for column, value in enumerate(values, start=1):
        ref = f"{get_column_letter(column)}{number}"
        if isinstance(value, str):
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        else:
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def german_offered(survey, *, actor=None):
    """The survey offered in German too, through the Translations page's service: every text
    it has, in German ("DE: " before the original), every statement too."""
    from responses.fieldwork.services.translations import StatementText, survey_translation_save
    from responses.respondent.languages import TEXT_FIELDS

    texts = {f: f"DE: {getattr(survey, f)}" for f in TEXT_FIELDS if getattr(survey, f).strip()}
    statements = [
        StatementText(item.statement_id, f"DE {item.statement.title}", f"DE {item.statement.text}")
        for item in survey.items.select_related("statement")
    ]
    return survey_translation_save(
        survey=survey,
        actor=actor,
        language="de",
        texts=texts | {"title": "Sicherheit und Governance von AGI"},
        sections={},
        statements=statements,
    )


def walk_through(
    invitation, *, answers: dict[int, int | None], comments=None, open_answer="", submitted=True
):
    """`respond` for a given invitation (a test invitation among them), with comments:
    `comments` maps the paper number to a comment."""
    comments = comments or {}
    response = respondent.response_start(invitation=invitation)
    by_number = dict(Statement.objects.values_list("number", "pk"))
    numbers = dict.fromkeys([*answers, *comments])
    respondent.answers_save(
        response=response,
        answers=[
            respondent.AnswerInput(by_number[n], answers.get(n), comments.get(n, ""))
            for n in numbers
        ],
        link_hash=invitation.link_hash,
    )
    respondent.response_background_save(
        response=response,
        sectors=[],
        gender="",
        open_answer=open_answer,
        link_hash=invitation.link_hash,
    )
    if submitted:
        respondent.response_submit(response=response)
    return response


def round_two(survey, actor, *, respondents=6, panel="respondents", statements="all", open=True):
    """A Delphi study's first round with `respondents` submitted responses (statement 1
    rated -2, -1, 0, 1, 2, … in turn, with a comment; statement 2 agreed by all) and one
    expert who never started, closed, and its round 2 started (and, with `open`, opened)."""
    from responses.fieldwork.services import lifecycle, rounds

    if survey.status == survey.Status.DRAFT:
        lifecycle.survey_open(survey=survey, actor=actor, confirm_provisional=True)
    for index in range(respondents):
        respond(
            survey,
            answers={1: index % 5 - 2, 2: 2},
            sector=("agi_lab", "academia", "civil_society")[index % 3],
            comments={1: f"Reason number {index}"},
        )
    invitation_create(survey=survey, email="absent@example.org", name="Absent", sector="other")
    lifecycle.survey_close(survey=survey, actor=actor)
    following = rounds.round_start(survey=survey, actor=actor, panel=panel, statements=statements)
    if open:
        lifecycle.survey_open(survey=following, actor=actor, confirm_provisional=True)
    return following
