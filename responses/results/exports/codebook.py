"""The codebook of the raw-response files: DDI-Codebook 2.5 XML and the same as readable HTML.

The study (title, organisation, fieldwork dates, invited and responded), then one `var` per
column of the wide file (exports/variables.py): its label, the exact wording each language
showed (`qstn/qstnLit`, with `xml:lang`), and a `catgry` for every code, -88 "I don't know"
and blank "not answered" marked missing. Both read one description (`codebook_data`)."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree as ET

from django.db.models import Max, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone

from ...models import Invitation, Response
from . import study as delphi
from .respondents import iso_utc
from .variables import (
    CATEGORY,
    CODE,
    FLAG,
    NOT_ANSWERED,
    ROUND,
    Variable,
    study_variables,
    wide_variables,
)

DDI_NAMESPACE = "ddi:codebook:2_5"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
WIDE_FILE = "responses-wide"
WIDE_ROUNDS_FILE = "responses-wide-rounds"
INTERVALS = {CODE: "discrete", FLAG: "discrete", CATEGORY: "discrete", ROUND: "discrete"}


@dataclass(frozen=True)
class Codebook:
    survey: object
    variables: list[Variable]
    invited: int
    responded: int
    started: datetime | None
    ended: datetime | None
    produced: datetime
    # A Delphi study: each round's description (study.round_description), the stopping
    # rule, and the columns the wide file across rounds adds (file F2); empty outside one.
    rounds: list[dict] = field(default_factory=list)
    stopping: str = ""
    study_variables: list[Variable] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        return 100 * self.responded / self.invited if self.invited else None


# Invited as the fieldwork's rates count it (fieldwork/selectors.py): the invitation reached
# the expert, by email or by a link passed on.
_REACHED = (
    Q(sent_at__isnull=False)
    | Q(started_at__isnull=False)
    | Q(submitted_at__isnull=False)
    | Q(declined_at__isnull=False)
)


def codebook_data(survey, *, include_test: bool = False) -> Codebook:
    responses = Response.objects.filter(
        invitation__survey=survey, submitted_at__isnull=False, withdrawn_at__isnull=True
    )
    invitations = Invitation.objects.filter(_REACHED, survey=survey)
    if not include_test:
        responses = responses.filter(invitation__is_test=False)
        invitations = invitations.filter(is_test=False)
    span = responses.aggregate(first=Min("consented_at"), last=Max("submitted_at"))
    rounds = delphi.rounds_of(survey)
    in_study = len(rounds) > 1
    return Codebook(
        survey=survey,
        variables=wide_variables(survey),
        invited=invitations.count(),
        responded=responses.count(),
        started=survey.opens_at or span["first"],
        ended=survey.closed_at or span["last"],
        produced=timezone.now(),
        rounds=[delphi.round_description(r, include_test=include_test) for r in rounds]
        if in_study
        else [],
        stopping=delphi.stopping_text(rounds) if in_study else "",
        study_variables=_added_across_rounds(rounds) if in_study else [],
    )


def _added_across_rounds(rounds: list) -> list[Variable]:
    """The columns of the wide file across rounds that the round's wide file lacks."""
    return [v for v in study_variables(rounds) if v.name == "round" or v.kind == CODE]


def categories(variable: Variable) -> list[tuple[str, str, bool]]:
    """(code, label, missing) of every code a column may hold, blank "not answered" last."""
    found = [(str(value), label, value in variable.missing) for value, label in variable.codes]
    if variable.kind in (CODE, CATEGORY):  # a flag is always 0 or 1
        found.append(("", NOT_ANSWERED, True))
    return found


def _sub(parent, tag: str, text=None, **attributes):
    element = ET.SubElement(parent, f"{{{DDI_NAMESPACE}}}{tag}", attributes)
    if text is not None:
        element.text = str(text)
    return element


def _study(root, book: Codebook) -> None:
    survey = book.survey
    study = _sub(root, "stdyDscr")
    citation = _sub(study, "citation")
    titles = _sub(citation, "titlStmt")
    _sub(titles, "titl", survey.title)
    _sub(titles, "IDNo", survey.slug)
    if survey.organisation:
        _sub(_sub(citation, "rspStmt"), "AuthEnty", survey.organisation)
    production = _sub(citation, "prodStmt")
    if survey.organisation:
        _sub(production, "producer", survey.organisation)
    _sub(production, "prodDate", iso_utc(book.produced), date=iso_utc(book.produced))
    summary = _sub(_sub(study, "stdyInfo"), "sumDscr")
    for event, moment in (("start", book.started), ("end", book.ended)):
        if moment is not None:
            _sub(summary, "collDate", iso_utc(moment), event=event, date=iso_utc(moment))
    for described in book.rounds:
        for event in ("start", "end"):
            moment = described["started" if event == "start" else "ended"]
            if moment is not None:
                cycle = f"Round {described['number']}"
                _sub(summary, "collDate", iso_utc(moment), event=event, date=iso_utc(moment),
                     cycle=cycle)  # fmt: skip
    _sub(summary, "anlyUnit", "Individual experts")
    method = _sub(study, "method")
    collection = _sub(method, "dataColl")
    _sub(collection, "sampProc", f"{book.invited} experts invited by name.")
    _sub(_sub(collection, "targetSampleSize"), "sampleSize", book.invited)
    _sub(collection, "collMode", "Web questionnaire (personal links)")
    rate = "" if book.response_rate is None else f" ({book.response_rate:.1f}%)"
    _sub(_sub(method, "anlyInfo"), "respRate", f"{book.responded} of {book.invited}{rate}.")
    for note in consensus_notes(survey):
        _sub(study, "notes", note)
    for described in book.rounds:
        _sub(study, "notes", delphi.round_note(described), type="round")
    if book.stopping:
        _sub(study, "notes", book.stopping, type="stopping")


def consensus_notes(survey) -> list[str]:
    """The pre-registered consensus rule, when it was fixed, and every later change."""
    if survey.consensus_frozen_at is None:
        return []
    notes = [
        f"Consensus rule fixed {iso_utc(survey.consensus_frozen_at)}: "
        f"{json.dumps(survey.consensus_rule, sort_keys=True)} "
        f"(fingerprint {survey.consensus_fingerprint})."
    ]
    for deviation in survey.deviations.all():
        notes.append(
            f"Consensus rule changed {iso_utc(deviation.created_at)}: "
            f"{json.dumps(deviation.rule_after, sort_keys=True)}, because: {deviation.reason}"
        )
    return notes


def _variable(parent, variable: Variable, index: int, files: str = "F1") -> None:
    attributes = {"ID": f"V{index}", "name": variable.name, "files": files}
    if variable.kind in INTERVALS:
        attributes["intrvl"] = INTERVALS[variable.kind]
    var = _sub(parent, "var", **attributes)
    _sub(var, "labl", variable.label)
    if variable.question:
        question = _sub(var, "qstn")
        for language, text in variable.question.items():
            _sub(question, "qstnLit", text, **{XML_LANG: language})
    for code, label, missing in categories(variable):
        category = _sub(var, "catgry", **({"missing": "Y"} if missing else {}))
        _sub(category, "catValu", code)
        _sub(category, "labl", label)
    numeric = variable.kind in (CODE, FLAG) or variable.name == "duration_seconds"
    _sub(var, "varFormat", type="numeric" if numeric else "character")


def ddi_element(book: Codebook) -> ET.Element:
    ET.register_namespace("", DDI_NAMESPACE)
    root = ET.Element(f"{{{DDI_NAMESPACE}}}codeBook", {"version": "2.5"})
    _study(root, book)
    files = _sub(root, "fileDscr", ID="F1")
    text = _sub(files, "fileTxt")
    _sub(text, "fileName", f"{book.survey.slug}-{WIDE_FILE}.csv")
    dimensions = _sub(text, "dimensns")
    _sub(dimensions, "caseQnty", book.responded)
    _sub(dimensions, "varQnty", len(book.variables))
    if book.study_variables:
        _study_file(root, book)
    data = _sub(root, "dataDscr")
    # In a study, the respondent's columns are in the wide file across rounds (F2) too.
    shared = "F1 F2" if book.study_variables else "F1"
    for index, variable in enumerate(book.variables, start=1):
        _variable(data, variable, index, shared if variable.kind != CODE else "F1")
    for index, variable in enumerate(book.study_variables, start=len(book.variables) + 1):
        _variable(data, variable, index, "F2")
    return root


def _study_file(root, book: Codebook) -> None:
    files = _sub(root, "fileDscr", ID="F2")
    text = _sub(files, "fileTxt")
    _sub(text, "fileName", f"{book.survey.slug}-{WIDE_ROUNDS_FILE}.csv")
    _sub(text, "fileCont", "One row per expert of the Delphi study, every round's answers.")


def ddi_bytes(survey, *, include_test: bool = False) -> bytes:
    root = ddi_element(codebook_data(survey, include_test=include_test))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def html_bytes(survey, *, include_test: bool = False) -> bytes:
    book = codebook_data(survey, include_test=include_test)
    variables = book.variables + book.study_variables
    rows = [(variable, categories(variable)) for variable in variables]
    context = {"book": book, "survey": survey, "rows": rows, "wide_file": WIDE_FILE}
    context["notes"] = consensus_notes(survey)
    context["round_notes"] = [delphi.round_note(described) for described in book.rounds]
    context["wide_rounds_file"] = WIDE_ROUNDS_FILE
    return render_to_string("research/results/codebook.html", context).encode("utf-8")
