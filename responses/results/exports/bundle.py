"""The replication bundle: one zip of everything a reader needs to check the results.

- data/: every export in the registry (exports/registry.py), by key, so a format added
  there (SPSS, Stata, a codebook) is in the bundle too; in a Delphi study that is every
  round's data (the long file, the wide file across rounds) and the feedback each expert
  saw, while responses-wide.csv stays the bundle's own round, which replicate.py reads;
- instrument/: the statements as shown, with each wording's version (a hash of its text and
  the time it last changed), per language;
- snapshot/: the per-statement table (CSV, as `compute_results` writes it) and the whole
  snapshot as JSON with its fingerprint and code version;
- charts/: every chart as SVG;
- methods/: the methods report (Markdown and HTML);
- replicate.py: a standalone pandas script recomputing the per-statement table from
  data/responses-wide.csv;
- MANIFEST.txt: what the zip holds."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder

from statements.models import StatementTranslation

from ...models import SurveyItem
from .. import charts
from . import registry, writers

SCRIPT = Path(__file__).with_name("replicate.py")
INSTRUMENT_COLUMNS = [
    "position",
    "number",
    "section",
    "language",
    "title",
    "text",
    "wording",
    "version",
    "changed_at",
]


def _version(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:12]


def instrument_rows(survey):
    """The statements in questionnaire order, with every translation the survey offers."""
    yield list(INSTRUMENT_COLUMNS)
    items = SurveyItem.objects.filter(survey=survey).select_related("statement", "section")
    items = list(items.order_by("position", "pk"))
    translations = {}
    languages = [code for code in (survey.languages or []) if code != survey.language]
    for row in StatementTranslation.objects.filter(
        statement__in=[item.statement_id for item in items], language__in=languages
    ).order_by("language"):
        translations.setdefault(row.statement_id, []).append(row)
    for item in items:
        statement, section = item.statement, item.section.title if item.section else ""
        versions = [(survey.language, statement.title, statement.text, statement.updated_at)]
        versions += [
            (t.language, t.title, t.text, t.updated_at) for t in translations.get(statement.pk, [])
        ]
        for language, title, text, changed in versions:
            yield [
                item.position,
                statement.number,
                section,
                language,
                title,
                text,
                statement.wording,
                _version(title, text),
                changed,
            ]


def _snapshot_json(snapshot) -> bytes:
    body = {
        "fingerprint": snapshot.fingerprint,
        "code_version": snapshot.code_version,
        "computed_at": snapshot.computed_at,
        "respondents": snapshot.respondents,
        "tables": snapshot.tables,
    }
    return json.dumps(body, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


def bundle_files(*, survey, snapshot, methods_md: bytes, methods_html: bytes):
    """(path in the zip, bytes) of every file."""
    for key, exporter in registry.EXPORTERS.items():
        tables = snapshot.tables if exporter.from_snapshot else None
        body = registry.export_bytes(key=key, survey=survey, tables=tables)
        yield f"data/{exporter.filename}", body
    yield "instrument/instrument.csv", writers.csv_bytes(instrument_rows(survey))
    statements = registry.export_bytes(key="statements-csv", tables=snapshot.tables)
    yield "snapshot/statements.csv", statements
    yield "snapshot/snapshot.json", _snapshot_json(snapshot)
    for chart in charts.all_charts(snapshot.tables):
        yield f"charts/{chart.name}.svg", charts.svg(chart).encode()
    yield "methods/methods.md", methods_md
    yield "methods/methods.html", methods_html
    yield "replicate.py", SCRIPT.read_bytes()


def bundle_bytes(*, survey, snapshot, methods_md: bytes, methods_html: bytes) -> bytes:
    stream = io.BytesIO()
    names = []
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in bundle_files(
            survey=survey, snapshot=snapshot, methods_md=methods_md, methods_html=methods_html
        ):
            archive.writestr(f"{survey.slug}/{name}", body)
            names.append(f"{name} ({len(body)} bytes)")
        manifest = (
            f"Replication bundle of “{survey.title}”, snapshot {snapshot.fingerprint} "
            f"({snapshot.code_version}).\n"
            "Check the per-statement table: python replicate.py data/responses-wide.csv "
            "replicated.csv, then compare with snapshot/statements.csv.\n\n" + "\n".join(names)
        )
        archive.writestr(f"{survey.slug}/MANIFEST.txt", manifest + "\n")
    return stream.getvalue()
