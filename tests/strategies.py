"""Hypothesis strategies and the profile of the fuzz tests (`@pytest.mark.fuzz`): what an
attacker sends, in bulk. Text with NUL bytes, control characters, lone surrogates (sent as
their UTF-8 bytes, which Django decodes with replacement) and very long runs; numbers past
every integer type; random fields; and uploaded files, CSV and XLSX, damaged in the ways
openpyxl and the csv module meet.

FUZZ_EXAMPLES (10,000 by default) generated inputs go to each of the expert's endpoints, and
as many files to each import, through every step (upload, preview, confirm).
One endpoint, or one shard of an import's files, is one test case with its own fixed seed:
xdist runs them in parallel, and CI sends the same inputs every time."""

import contextlib
import csv
import io
import logging
import os
import zipfile
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

from django.db import connection
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from responses import uploads
from tests.factories import xlsx_workbook

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10000"))
SHARDS = 4

settings.register_profile(
    "fuzz",
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=False,  # each shard has its own @seed instead: same inputs on every run
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
FUZZ = settings.get_profile("fuzz")

# ---------------------------------------------------------------- text and numbers

_CHARACTERS = st.one_of(
    st.characters(codec="utf-8"),  # any character UTF-8 can carry
    st.sampled_from("\x00\x01\x07\x0b\x1b\x7f\x85\u2028\ufeff\ufffd\r\n\t;,=+-@'\"%|<>&"),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # lone surrogates
)
short_text = st.text(_CHARACTERS, max_size=30)


class Repeated(str):
    """A long run of one short text, which `encoded` percent-encodes once, not per character."""

    def __new__(cls, unit: str, times: int):
        text = super().__new__(cls, unit * times)
        text.unit, text.times = unit, times
        return text


# Past every length limit: just past the fields' (200 to 10,000), past csv's 128 KiB, and,
# multi-byte and encoded, past Django's 2.5 MB for a request's form data. Rarer the longer,
# since Django decodes every percent sign of a form in Python.
long_text = st.builds(
    Repeated,
    st.one_of(st.sampled_from(["x", "é", "€", "\x00", "\ud800", "=", ";", "\n"]), short_text),
    st.sampled_from([201, 1_001, 5_001, 10_001] * 3 + [70_000, 140_000]),
)
huge_integers = st.one_of(
    st.sampled_from([2**31, 2**32, 2**63 - 1, 2**63, 2**64, -(2**63) - 1]).map(str),
    st.integers(min_value=-(2**200), max_value=2**200).map(str),
    st.just("9" * 5000),  # past the digits int() reads
)
nasty_text = st.sampled_from(["short"] * 6 + ["long", "huge"]).flatmap(
    {"short": short_text, "long": long_text, "huge": huge_integers}.get
)


@contextlib.contextmanager
def quiet():
    """Django logs every 4xx: thousands of lines, and time, that say nothing here."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def rows_of(queries: list[tuple[str, list]]) -> list:
    """The rows each query returns: the snapshot a fuzz test compares before and after a
    request. Raw SQL, since it runs around every request and the ORM's work would double it."""
    with connection.cursor() as cursor:
        rows = []
        for sql, parameters in queries:
            cursor.execute(sql, parameters)
            rows.append(cursor.fetchall())
    return rows


def value_of(*meaningful) -> st.SearchStrategy[str]:
    """What a field gets: mostly a meaningful value, else anything."""
    return st.one_of(st.sampled_from(meaningful), nasty_text) if meaningful else nasty_text


def encoded(text: str) -> str:
    """Percent-encoded as its UTF-8 bytes; a lone surrogate goes as the bytes of one."""
    if isinstance(text, Repeated):
        return encoded(text.unit) * text.times
    return quote_plus(text.encode("utf-8", "surrogatepass"))


def form_body(fields: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{encoded(key)}={encoded(value)}" for key, value in fields).encode("ascii")


def path_segment(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def form_fields(known: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy:
    """Some of the form's own fields, each maybe twice, and random others, in any order."""
    own = [st.tuples(st.just(name), strategy) for name, strategy in known.items()]
    other = st.tuples(nasty_text, nasty_text)
    return st.lists(st.one_of(*own, other), max_size=8) if own else st.lists(other, max_size=4)


query_strings = st.one_of(
    st.just(""),
    st.lists(st.tuples(short_text, nasty_text), max_size=3).map(lambda pairs: form_body(pairs)),
).map(lambda query: f"?{query.decode()}" if query else "")

# ---------------------------------------------------------------- uploaded files


def _csv_text(rows: list[list[str]]) -> str:
    stream = io.StringIO()
    csv.writer(stream).writerows(rows)
    return stream.getvalue()


def _encode(text: str, how: str) -> bytes:
    if how == "utf-8-sig":
        return text.encode("utf-8-sig", "surrogatepass")
    if how == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    if how == "latin-1":
        return text.encode("latin-1", "replace")
    return text.encode("utf-8", "surrogatepass")


def _xml_text(text: str, quote: str = "") -> str:
    """Escaped for XML; a lone surrogate, which no XML file can hold, becomes U+FFFD. Most
    controls stay, and make the file broken XML, as in a damaged workbook."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return escape(text, {'"': "&quot;"} if quote else {})


def _cell_xml(ref: str, value: str, kind: str) -> str:
    text, ref = _xml_text(value), _xml_text(ref, quote='"')
    return {
        "inline": f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>',
        "number": f'<c r="{ref}"><v>{text}</v></c>',
        "shared": f'<c r="{ref}" t="s"><v>{text}</v></c>',
        "bool": f'<c r="{ref}" t="b"><v>{text}</v></c>',
        "error": f'<c r="{ref}" t="e"><v>{text}</v></c>',
        "date": f'<c r="{ref}" t="d"><v>{text}</v></c>',
        "formula": f'<c r="{ref}"><f>{text}</f></c>',
        "str": f'<c r="{ref}" t="str"><v>{text}</v></c>',
    }[kind]


_REFS = st.one_of(
    st.builds(
        lambda column, row: f"{column}{row}",
        st.sampled_from(["A", "B", "C", "D", "E", "Z", "AA", "XFD", "ZZZ", ""]),
        st.sampled_from(["1", "2", "3", "7", "50001", "1048576", "0", "-1", ""]),
    ),
    short_text,
)


# Strategies are built once, here: Hypothesis validates each one it meets for the first time.
_KINDS = ["inline"] * 6 + ["number", "shared", "bool", "error", "date", "formula", "str"]
# A cell's type and, None or else, the reference it lies with; a row's own lying reference.
_CELL_STYLES = st.lists(
    st.tuples(st.sampled_from(_KINDS), st.one_of(st.none(), _REFS)), min_size=1, max_size=4
)
_ROW_REFS = st.sampled_from([None] * 8 + ["1048576", "0", "x"])
_DIMENSIONS = st.sampled_from(["", "", "A1:D3", "A1:XFD1048576", "A1", "ZZ", "B2:A1"])
_SHARED = st.lists(st.one_of(short_text, long_text), max_size=3)
_DAMAGE = st.sampled_from(["as is"] * 4 + ["cut", "flip", "part"])


@st.composite
def sheets(draw, rows: list[list[str]]) -> str:
    """The rows as sheet XML, with cells of every type and, sometimes, lying references: a
    few cell styles drawn, repeated along each row."""
    styles = draw(_CELL_STYLES)
    parts = []
    for number, values in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(values):
            kind, ref = styles[column % len(styles)]
            ref = f"{chr(65 + column % 26)}{number}" if ref is None else ref
            cells.append(_cell_xml(ref, value, kind))
        row_ref = draw(_ROW_REFS) or str(number)
        parts.append(f'<row r="{_xml_text(row_ref, quote=True)}">{"".join(cells)}</row>')
    return "".join(parts)


@st.composite
def xlsx_files(draw, rows: list[list[str]]) -> bytes:
    sheet = draw(sheets(rows))
    strings = [
        text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for text in draw(_SHARED)
    ]
    data = xlsx_workbook(sheet, dimension=draw(_DIMENSIONS), strings=strings)
    return draw(damaged(data))


@st.composite
def damaged(draw, data: bytes) -> bytes:
    """The file as it is, or cut short, or with bytes changed, or a part rewritten."""
    how = draw(_DAMAGE)
    if how == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if how == "flip":
        at = draw(st.integers(0, max(0, len(data) - 1)))
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if how == "part":
        return _rewritten(data, draw(st.sampled_from(_PART_NAMES)), draw(st.binary(max_size=64)))
    return data


_PART_NAMES = [
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
    "xl/worksheets/sheet1.xml",
]


def _rewritten(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.namelist():
            archive.writestr(part, content if part == name else source.read(part))
    return buffer.getvalue()


def _bomb(name: str, size: int) -> bytes:
    return xlsx_workbook("", parts={name: b" " * size})


# Built once: a zip bomb per kind of part, and blank rows past the limit.
PREBUILT = [
    _bomb("xl/worksheets/sheet1.xml", uploads.MAX_STREAMED_PART_BYTES + 1),
    _bomb("xl/styles.xml", uploads.MAX_PART_BYTES + 1),
    xlsx_workbook(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
        '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    ),  # fmt: skip
]


_UPLOAD_KINDS = st.sampled_from(["csv"] * 5 + ["xlsx"] * 4 + ["bytes", "prebuilt", "blank"])
_ENCODINGS = st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "latin-1"])
_BLANK_LINES = st.sampled_from([10] * 4 + [uploads.MAX_ROWS + 1])


def uploads_of(header: list[str], cell: st.SearchStrategy[str]) -> st.SearchStrategy:
    """(filename, data) of an upload whose first row is mostly `header` and whose cells are
    mostly drawn from `cell`."""
    headers = st.one_of(st.just(header), st.lists(value_of(*header), max_size=6))
    # A few cells drawn, repeated across the row's width: a wide row costs no more to draw.
    bodies = st.lists(
        st.tuples(st.lists(cell, min_size=1, max_size=8), st.integers(0, len(header) + 2)),
        max_size=6,
    )

    @st.composite
    def upload(draw):
        body = [(cells * width)[:width] for cells, width in draw(bodies)]
        rows = [draw(headers), *body]
        kind = draw(_UPLOAD_KINDS)
        if kind == "xlsx":
            return draw(st.sampled_from(["list.xlsx", "LIST.XLSX"])), draw(xlsx_files(rows))
        if kind == "bytes":
            return draw(st.sampled_from(["list.csv", "list.xlsx", "list.pdf"])), draw(st.binary())
        if kind == "prebuilt":
            return "list.xlsx", draw(st.sampled_from(PREBUILT))
        text = _csv_text(rows) + ("\n" * draw(_BLANK_LINES) if kind == "blank" else "")
        return draw(st.sampled_from(["list.csv", "list.txt"])), _encode(text, draw(_ENCODINGS))

    return upload()
