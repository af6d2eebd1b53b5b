"""The wide file as labelled SPSS (.sav) and Stata (.dta) data, written with pyreadstat.

Every column carries its label (a statement's: its number and title) and the answer columns
their value labels, -2..2 and -88 "I don't know". SPSS keeps -88 as a user-missing value;
Stata as the extended missing value .a, labelled "I don't know". Not answered is blank
(system-missing) in both. Times are date-times in UTC. The methods room's replication bundle
takes these as bytes (`sav_bytes`, `dta_bytes`) or writes them to a file (`labelled_write`).
"""

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


def _columns(rows, width: int) -> list[list]:
    columns: list[list] = [[] for _ in range(width)]
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    return columns


def _series(variable: Variable, values: list, fmt: str):
    import numpy as np
    import pandas as pd

    if variable.kind == TIME:
        moments = pd.to_datetime(pd.Series(values, dtype=object).replace("", None), utc=True)
        return moments.dt.tz_localize(None)
    if variable.kind not in (*LABELLED, NUMBER):
        return pd.Series(values, dtype=object)
    numbers = pd.Series([np.nan if value == "" else value for value in values], dtype="float64")
    if fmt == DTA and variable.kind == CODE:
        return numbers.astype(object).mask(numbers == DONT_KNOW, STATA_DONT_KNOW)
    return numbers


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
    import pandas as pd

    names = next(rows)
    columns = _columns(rows, len(names))
    return pd.DataFrame(
        {v.name: _series(v, values, fmt) for v, values in zip(variables, columns, strict=True)}
    )


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
    )


def _bytes(survey, fmt: str, include_test: bool, study: bool = False) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export.{fmt}"
        labelled_write(survey, path=path, fmt=fmt, include_test=include_test, study=study)
        return path.read_bytes()


def sav_bytes(survey, *, include_test: bool = False) -> bytes:
    return _bytes(survey, SAV, include_test)


def dta_bytes(survey, *, include_test: bool = False) -> bytes:
    return _bytes(survey, DTA, include_test)


def study_sav_bytes(survey, *, include_test: bool = False) -> bytes:
    return _bytes(survey, SAV, include_test, study=True)


def study_dta_bytes(survey, *, include_test: bool = False) -> bytes:
    return _bytes(survey, DTA, include_test, study=True)
