"""Each counted respondent's agreement index, for the respondent-level test
(results/analysis/agreement.py): the kept counts don't hold respondents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection

from ...models import Answer
from . import _decode

if TYPE_CHECKING:  # pandas is loaded where the tables are read, not at start-up
    import pandas as pd


def agreement_indices(*, survey_id: int) -> pd.DataFrame:
    """(assigned, stated, gender, index, m) per counted response: the mean of its answers
    on the scale (-2..2) and how many. One grouped statement over the answers' own group
    key, which is NULL for unsubmitted, test and withdrawn responses (group_keys.py): no
    join and no model instances."""
    sql = (
        f"SELECT group_key, AVG(value * 1.0), count(*) FROM {Answer._meta.db_table} "  # noqa: S608
        "WHERE survey_id = %s AND group_key IS NOT NULL AND value BETWEEN -2 AND 2 "
        "GROUP BY response_id, group_key"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [survey_id])
        rows = cursor.fetchall()
    import pandas as pd  # after the query: a first computation imports it meanwhile

    frame = pd.DataFrame(rows, columns=["k", "index", "m"])
    frame = frame.astype({"k": "int64", "index": "float64", "m": "int64"})
    return _decode(frame)
