"""Recompute a surveysite survey's per-statement table from its raw data, with pandas alone.

Shipped in the replication bundle as `replicate.py`; it imports nothing of surveysite.
Run it from the bundle's folder:

    python replicate.py data/responses-wide.csv replicated.csv

It reads the wide file (one row per submitted response, a column S<number> per statement,
codes -2..2 and -88 for "I don't know", blank for not answered) and writes one row per
statement with the columns of snapshot/statements.csv (the title aside), which
`compute_results` also writes: the comparison is the check.

The conventions: n counts every answer, "I don't know" included, and is the percentage base;
mean, median, variance (n - 1), SE = SD / sqrt(m) and the quartiles (linear interpolation)
use the m answers on the scale, "I don't know" excluded; a blank is excluded from everything.
"""

import re
import sys

import numpy as np
import pandas as pd

DONT_KNOW = -88
OPTIONS = [
    ("strongly_disagree", -2),
    ("somewhat_disagree", -1),
    ("neither", 0),
    ("somewhat_agree", 1),
    ("strongly_agree", 2),
    ("dont_know", DONT_KNOW),
]
COLUMNS = (
    ["statement", "n"]
    + [name for name, _ in OPTIONS]
    + [f"pct_{name}" for name, _ in OPTIONS]
    + ["total_agree_pct", "total_disagree_pct", "mean", "median", "variance", "se", "q1", "q3"]
)


def statement_row(number: int, values: pd.Series) -> dict:
    values = values.dropna().astype(int)
    scale = values[values != DONT_KNOW].astype(float)
    n, m = len(values), len(scale)
    row = {"statement": number, "n": n}
    for name, code in OPTIONS:
        row[name] = int((values == code).sum())
        row[f"pct_{name}"] = 100 * row[name] / n if n else np.nan
    row["total_agree_pct"] = row["pct_somewhat_agree"] + row["pct_strongly_agree"]
    row["total_disagree_pct"] = row["pct_strongly_disagree"] + row["pct_somewhat_disagree"]
    row["mean"] = scale.mean() if m else np.nan
    row["median"] = scale.median() if m else np.nan
    row["variance"] = scale.var(ddof=1) if m > 1 else np.nan
    row["se"] = np.sqrt(row["variance"] / m) if m > 1 else np.nan
    row["q1"] = scale.quantile(0.25) if m else np.nan
    row["q3"] = scale.quantile(0.75) if m else np.nan
    return row


def statement_table(wide: pd.DataFrame) -> pd.DataFrame:
    numbers = sorted(int(c[1:]) for c in wide.columns if re.fullmatch(r"S\d+", str(c)))
    rows = [statement_row(number, pd.to_numeric(wide[f"S{number}"])) for number in numbers]
    return pd.DataFrame(rows, columns=COLUMNS)


def main(source: str = "data/responses-wide.csv", output: str = "replicated.csv") -> None:
    wide = pd.read_csv(source, keep_default_na=False, na_values=[""])
    statement_table(wide).to_csv(output, index=False)
    print(f"wrote {output}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
