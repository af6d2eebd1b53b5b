"""The wide file as labelled SPSS (.sav) and Stata (.dta) data, written with pyreadstat.

Every column carries its label (a statement's: its number and title) and the answer columns
their value labels, -2..2 and -88 "I don't know". SPSS keeps -88 as a user-missing value;
Stata as the extended missing value .a, labelled "I don't know". Not answered is blank
(system-missing) in both. Times are date-times in UTC. The methods room's replication bundle
takes these as pieces of bytes (`labelled_chunks`) or writes them to a file
(`labelled_write`).
"""

import itertools
import tempfile
from pathlib import Path

from ...choices import DONT_KNOW
from .respondents import responses_wide_rows
from .variables import (
    CODE,
    FLAG,
    NUMBER,
    ROUND,
    TIME,
    Variable,
    study_variables,
    survey_statements,
    wide_variables,
)

SAV, DTA = "sav", "dta"
# Stata's extended missing value for "I don't know".
STATA_DONT_KNOW = "a"
STATA_LABEL_LIMIT = 80
MEASURES = {CODE: "ordinal", FLAG: "nominal", NUMBER: "scale", ROUND: "ordinal"}
LABELLED = (CODE, FLAG, ROUND)
CHUNK_ROWS = 5000
CHUNK_BYTES = 1 << 20
# Times are written as numbers with a date-time format, not as datetime64 columns, which
# pyreadstat would convert on a copy of the whole frame: seconds since 1582-10-14 for
# SPSS, milliseconds since 1960-01-01 for Stata (pyreadstat's own offsets), from UTC.
UNIX_EPOCH = "1970-01-01T00:00:00Z"
EPOCH_OFFSET = {SAV: 12219379200, DTA: 315619200}
TIME_FORMAT = {SAV: "DATETIME", DTA: "%tc"}
DTA_CELLS = {"": float("nan"), DONT_KNOW: STATA_DONT_KNOW} | {v: float(v) for v in range(-2, 3)}


def _series(variable: Variable, values, fmt: str):
    """One chunk of a column, in the leanest type that holds it: answers, flags and rounds
    as nullable small integers (two bytes a cell), times as the format's own numbers."""
    import numpy as np
    import pandas as pd

    if variable.kind == TIME:
        moments = pd.to_datetime(pd.Series(values, dtype=object).replace("", None), utc=True)
        seconds = (moments - pd.Timestamp(UNIX_EPOCH)).dt.total_seconds() + EPOCH_OFFSET[fmt]
        return seconds * (1000 if fmt == DTA else 1)  # Stata counts milliseconds
    if fmt == DTA and variable.kind == CODE:
        # Stata's "I don't know" is the letter of an extended missing value, so the column
        # holds objects: shared ones (8 bytes a cell), not a float object per answer.
        return pd.Series([DTA_CELLS.get(value, value) for value in values], dtype=object)
    if variable.kind in LABELLED:
        return pd.Series([pd.NA if value == "" else value for value in values], dtype="Int8")
    if variable.kind == NUMBER:
        return pd.Series([np.nan if value == "" else value for value in values], dtype="float64")
    # Text as shared objects where a chunk repeats it (languages, sectors, empty answers).
    shared: dict = {}
    return pd.Series([shared.setdefault(value, value) for value in values], dtype=object)


def wide_frame(survey, *, fmt: str = SAV, include_test: bool = False, study: bool = False):
    """(DataFrame, variables) of the wide file (with `study`, the wide file across the
    study's rounds), built column by column from the streamed rows (no model instances: a
    few numbers per answer)."""
    if study:
        from .study import rounds_of
        from .study_rows import responses_wide_rounds_rows

        variables = study_variables(rounds_of(survey))
        rows = responses_wide_rounds_rows(survey, include_test=include_test)
    else:
        variables = wide_variables(survey, statements=survey_statements(survey))
        rows = responses_wide_rows(survey, include_test=include_test)
    return _frame(variables, rows, fmt), variables


def _frame(variables: list[Variable], rows, fmt: str):
    """The DataFrame, typed chunk by chunk as the rows stream in: the rows are never all
    held as Python objects (bench/RESULTS.md: peak memory by panel size)."""
    import pandas as pd

    next(rows)  # the header: the variables name the columns
    chunks: list[list] = [[] for _ in variables]
    while batch := list(itertools.islice(rows, CHUNK_ROWS)):
        for column, variable, values in zip(
            chunks, variables, zip(*batch, strict=True), strict=True
        ):
            column.append(_series(variable, values, fmt))
    if not chunks[0]:
        chunks = [[_series(variable, (), fmt)] for variable in variables]
    columns = {}
    for variable, column in zip(variables, chunks, strict=True):
        columns[variable.name] = pd.concat(column, ignore_index=True)
        column.clear()  # its chunks go as the column is made: never the frame twice
    return pd.DataFrame(columns, copy=False)


def _value_labels(variables: list[Variable], fmt: str) -> dict:
    labels = {}
    for variable in variables:
        if variable.kind not in LABELLED:
            continue
        codes = {}
        for value, label in variable.codes:
            key = STATA_DONT_KNOW if fmt == DTA and value == DONT_KNOW else value
            codes[key] = label
        labels[variable.name] = codes
    return labels


def labelled_write(
    survey, *, path: Path, fmt: str, include_test: bool = False, study: bool = False
) -> None:
    """Write the survey's wide file (with `study`, across the rounds) as SPSS (`fmt` "sav")
    or Stata ("dta") to `path`."""
    import pyreadstat

    frame, variables = wide_frame(survey, fmt=fmt, include_test=include_test, study=study)
    labels = {variable.name: variable.label for variable in variables}
    value_labels = _value_labels(variables, fmt)
    formats = {v.name: TIME_FORMAT[fmt] for v in variables if v.kind == TIME}
    title = survey.title[:STATA_LABEL_LIMIT]
    if fmt == SAV:
        pyreadstat.write_sav(
            frame,
            str(path),
            file_label=title,
            column_labels=labels,
            variable_value_labels=value_labels,
            missing_ranges={v.name: list(v.missing) for v in variables if v.missing},
            variable_measure={v.name: MEASURES[v.kind] for v in variables if v.kind in MEASURES},
            variable_format=formats,
        )
        return
    short = {name: label[:STATA_LABEL_LIMIT] for name, label in labels.items()}
    pyreadstat.write_dta(
        frame,
        str(path),
        file_label=title,
        column_labels=short,
        variable_value_labels=value_labels,
        missing_user_values={v.name: [STATA_DONT_KNOW] for v in variables if v.missing},
        variable_format=formats,
    )


def labelled_chunks(survey, *, fmt: str, include_test: bool = False, study: bool = False):
    """The survey's wide file (with `study`, across the rounds) as SPSS (`fmt` "sav") or
    Stata ("dta"), in pieces of a megabyte read back from a temporary file, so that neither
    the frame and the file nor the whole file are ever held at once."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export.{fmt}"
        labelled_write(survey, path=path, fmt=fmt, include_test=include_test, study=study)
        with path.open("rb") as stream:
            while piece := stream.read(CHUNK_BYTES):
                yield piece
