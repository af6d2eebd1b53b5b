"""The methods report's Rounds section of a Delphi study: per round its dates, panel,
statements asked (and the settled ones left out), invited, responded, response rate, the
feedback given and the reason rule, the consensus definition and when it was fixed, and the
stopping rule. Sections in the shape methods_text.py writes."""

from .methods_text import _date, _pct, _table


def _paragraph(row: dict) -> str:
    asked = f"{row['asked']} statements were asked"
    if row["leaves_out_settled"]:
        asked += f", the {row['settled']} settled in earlier rounds left out"
    consensus = row["consensus"]
    if row["rule"]:
        fixed = _date(row["frozen_at"]) if row["frozen_at"] else "not yet fixed"
        consensus += f" Fixed {fixed} (fingerprint {row['fingerprint'][:16] or 'none'})."
    return (
        f"Round {row['number']} ran from {_date(row['started'])} to {_date(row['ended'])}. "
        f"Panel: {row['panel']}. {asked}. {row['listed']} experts were on its panel, "
        f"{row['invited']} invited and {row['responded']} responded "
        f"({_pct(row['rate']) or 'no rate'}). {row['feedback']} {consensus}"
    )


def rounds_section(report: dict) -> dict | None:
    rows = report.get("rounds") or []
    if not rows:
        return None
    table = _table(
        "Rounds of the Delphi study",
        ["Round", "Panel", "Statements asked", "Settled left out", "Invited", "Responded",
         "Response rate"],
        [
            [r["number"], r["panel"], r["asked"], r["settled"] if r["leaves_out_settled"] else 0,
             r["invited"], r["responded"], _pct(r["rate"])]
            for r in rows
        ],
    )  # fmt: skip
    paragraphs = [
        f"The study ran {len(rows)} rounds; each round is a survey of its own, started from "
        "the closed round before, with the same personal link for each expert.",
        *(_paragraph(row) for row in rows),
        report["stopping"],
    ]
    return {"id": "rounds", "heading": "Rounds", "paragraphs": paragraphs, "tables": [table]}
