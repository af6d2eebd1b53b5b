"""Helpers that build data through the real services, as production does, so that every test
exercises the same paths (the kept counts among them)."""

import contextlib
import io
import itertools
import zipfile
from xml.sax.saxutils import escape

from django.test import override_settings
from django.urls import reverse
from openpyxl.utils import get_column_letter

from responses.fieldwork.services import deliveries
from responses.fieldwork.services.experts import invitation_create
from responses.models import EmailDelivery
from responses.respondent import services as respondent
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
):
    """One expert's response through the expert's own services: consent, answers, background
    and (unless `submitted=False`) submission. `answers` maps the paper number to a code
    (None = cleared). The survey must be open."""
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
            respondent.AnswerInput(by_number[number], value, "")
            for number, value in answers.items()
        ],
    )
    respondent.response_background_save(
        response=response, sectors=list(stated), gender=gender, open_answer=open_answer
    )
    if submitted:
        respondent.response_submit(response=response)
    return response


# Statement 49 of ../shared/SURVEY.md: SD 2, sD 4, N 6, sA 13, SA 8, DK 4 (n = 37).
STATEMENT_49 = [-2] * 2 + [-1] * 4 + [0] * 6 + [1] * 13 + [2] * 8 + [-88] * 4


def research_url(name, survey, *args):
    return reverse(f"research:{name}", args=[survey.slug, *args])


def worker_killed_while_sending(*, kind: str = "invitation") -> EmailDelivery:
    """Give the pending emails of `kind` to a batch whose worker is SIGKILLed just after the
    mail server took the first one: that one is left 'sending', the rest pending."""
    pending = EmailDelivery.objects.filter(kind=kind, status=EmailDelivery.Status.PENDING)
    ids = list(pending.values_list("pk", flat=True))
    backend = "tests.fieldwork.backends.DyingBackend"
    with override_settings(EMAIL_BACKEND=backend), contextlib.suppress(backends.WorkerKilled):
        deliveries.deliveries_send(delivery_ids=ids)
    return EmailDelivery.objects.get(pk=min(ids))


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
