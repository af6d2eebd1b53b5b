"""The methods report as sections of paragraphs and tables (data), and its Markdown writer;
the HTML page and download render the same sections with templates, escaped."""

import re

from django.utils import timezone

from ...models import Survey


def _date(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else "not recorded"


def _day(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else ""


def _pct(value) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _num(value, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


_NUMBER = re.compile(r"^(-?\d+(\.\d+)?%?( \*)?)?$")


def _table(caption: str, columns: list[str], rows: list[list]) -> dict:
    """Columns and cells as (text, numeric?) pairs: a column is numeric, so right-aligned,
    when every cell in it is a number or empty."""
    texts = [[str(cell) for cell in row] for row in rows]
    numeric = [
        bool(texts) and all(_NUMBER.match(row[i]) for row in texts) for i in range(len(columns))
    ]
    return {
        "caption": caption,
        "columns": list(zip(columns, numeric, strict=True)),
        "rows": [list(zip(row, numeric, strict=True)) for row in texts],
    }


def _sample(report: dict) -> dict:
    survey = report["survey"]
    dispositions = {row["code"]: row["n"] for row in report["dispositions"]}
    text = (
        f"{report['experts']} experts were listed for the survey “{survey.title}”"
        + (f" ({survey.organisation})" if survey.organisation else "")
        + f"; {report['fielded']} were invited (test invitations excluded) and "
        f"{dispositions['complete']} submitted the questionnaire of {report['statements']} "
        "statements."
    )
    rows = [[s["label"], s["fielded"], s["counts"]["complete"]] for s in report["by_sector"]]
    columns = ["Sector", "Invited", "Complete"]
    table = _table("Invited and complete, by assigned sector", columns, rows)
    return {"id": "sample", "heading": "Sample", "paragraphs": [text], "tables": [table]}


def _fieldwork_dates(survey: Survey, opened_at) -> str:
    opened = f"The survey opened {_date(opened_at)}" if opened_at else ""
    opened = opened or "The survey's opening time is not recorded"
    if survey.closed_at:
        return f"{opened}; it closed {_date(survey.closed_at)}."
    if survey.closes_at:
        return f"{opened}; it is due to close {_date(survey.closes_at)}."
    return f"{opened}; it has not closed yet."


def _emails(report: dict) -> dict:
    survey = report["survey"]
    dates = _fieldwork_dates(survey, report["opened_at"])
    text = (
        f"{dates} Each expert received a personal link by email; up to "
        f"{survey.reminder_max} reminders went to those who had not submitted, none within "
        f"{survey.reminder_quiet_days} days of a previous email."
    )
    rows = [
        [
            w["label"],
            _day(w["first_sent"]),
            _day(w["last_sent"]),
            w["emails"],
            w["completes"],
            _pct(w["cumulative_rr1"]),
        ]
        for w in report["waves"]
    ]
    table = _table(
        "Emails and completes by wave (a complete counts in the last wave sent before it)",
        ["Wave", "First sent", "Last sent", "Emails", "Completes", "Cumulative RR1"],
        rows,
    )
    return {
        "id": "emails",
        "heading": "Invitations and reminders",
        "paragraphs": [text],
        "tables": [table],
    }


def _rates(report: dict) -> dict:
    rates = {row["name"]: row["value"] for row in report["rates"]}
    text = (
        "Final dispositions follow the AAPOR Standard Definitions for an internet survey of "
        f"specifically named persons (a partial answered at least "
        f"{report['survey'].partial_threshold}% of the statements). The response rate was "
        f"{_pct(rates['RR1'])} (RR1; {_pct(rates['RR2'])} counting partials, RR2), the "
        f"cooperation rate {_pct(rates['COOP1'])} (COOP1), the refusal rate "
        f"{_pct(rates['REF1'])} (REF1) and the contact rate {_pct(rates['CON1'])} (CON1)."
    )
    letters = "; ".join(f"{letter} = {meaning}" for letter, meaning in report["letters"])
    dispositions = _table(
        "Final dispositions",
        ["AAPOR code", "Disposition", "Rule", "n"],
        [[d["aapor"], d["label"], d["rule"], d["n"]] for d in report["dispositions"]],
    )
    rates_table = _table(
        "Outcome rates (AAPOR definitions)",
        ["Rate", "Definition", "Meaning", "Value"],
        [[r["name"], r["formula"], r["meaning"], _pct(r["value"])] for r in report["rates"]],
    )
    names = report["rate_names"]
    by_sector = _table(
        "Outcome rates by assigned sector",
        ["Sector", "Invited", *names],
        [
            [s["label"], s["fielded"], *(_pct(s["rates"][n]) for n in names)]
            for s in report["by_sector"]
        ],
    )
    return {
        "id": "rates",
        "heading": "Response, cooperation, refusal and contact rates",
        "paragraphs": [text, letters],
        "tables": [dispositions, rates_table, by_sector],
    }


def _early_late(report: dict) -> dict:
    data = report["early_late"]
    if not data["shown"]:
        text = (
            f"Early ({data['early_n']}) and late ({data['late_n']}) respondents are not "
            f"compared: each group needs at least {report['survey'].min_group_size} "
            "respondents (the survey's minimum group size), and the comparison must not let a "
            "reader recover a smaller group by subtraction from the results' groups."
        )
        return {
            "id": "early-late",
            "heading": "Early and late respondents",
            "paragraphs": [text],
            "tables": [],
        }
    flagged = sum(1 for row in data["rows"] if row["significant"])
    text = (
        f"As a check of non-response bias, the {data['early_n']} respondents who submitted "
        f"before their first reminder were compared with the {data['late_n']} who submitted "
        "after it (Mann-Whitney U per statement, Holm-adjusted): "
        f"{flagged} statement{'s' if flagged != 1 else ''} differed at the 5% level."
    )
    rows = [
        [
            r["statement"],
            r["title"],
            r["early_n"],
            r["late_n"],
            _num(r["early_mean"]),
            _num(r["late_mean"]),
            _num(r["difference"]),
            _num(r["p_holm"], 3) + (" *" if r["significant"] else ""),
        ]
        for r in data["rows"]
    ]
    table = _table(
        "Early against late respondents",
        [
            "No.",
            "Statement",
            "n early",
            "n late",
            "Mean early",
            "Mean late",
            "Late minus early",
            "p (Holm)",
        ],
        rows,
    )
    return {
        "id": "early-late",
        "heading": "Early and late respondents",
        "paragraphs": [text],
        "tables": [table],
    }


def _randomisation(report: dict) -> dict:
    survey: Survey = report["survey"]
    order = {
        Survey.Order.RANDOMIZED: "in a random order drawn for each respondent and stored with "
        "the response",
        Survey.Order.QUESTIONNAIRE: "in the questionnaire's fixed order",
        Survey.Order.PAPER: "in the paper's order",
    }.get(survey.order, survey.get_order_display())
    text = (
        f"The {report['statements']} statements were shown {order}, "
        f"{survey.statements_per_page} per page"
        + (f", in {report['sections']} sections" if report["sections"] else "")
        + ". Answers were saved as they were given; respondents could go back until they "
        "submitted. The results and the anonymous exports carry no names or email addresses."
    )
    return {
        "id": "randomisation",
        "heading": "Randomisation and administration",
        "paragraphs": [text],
        "tables": [],
    }


def _consensus(report: dict) -> dict:
    survey = report["survey"]
    paragraphs = [report["consensus"]]
    if survey.consensus_rule:
        frozen = (
            f"It was fixed on {_date(survey.consensus_frozen_at)} "
            f"(fingerprint {survey.consensus_fingerprint[:16]}), before data collection."
            if survey.consensus_frozen_at
            else "It has not been fixed yet: it is fixed when the survey opens."
        )
        paragraphs.append(frozen)
    for deviation in report["deviations"]:
        paragraphs.append(
            f"Changed on {_date(deviation.created_at)} (fingerprint "
            f"{deviation.fingerprint_after[:16]}): {deviation.reason}"
        )
    return {"id": "consensus", "heading": "Consensus rule", "paragraphs": paragraphs, "tables": []}


def _missing(report: dict) -> dict:
    tables = []
    if report["item_nonresponse"]:
        rows = [
            [
                r["statement"],
                r["title"],
                r["answered"],
                r["blank"],
                _num(r["blank_pct"], 1),
                r["dont_know"],
                _num(r["dont_know_pct"], 1),
            ]
            for r in report["item_nonresponse"]
        ]
        tables.append(
            _table(
                "Item non-response per statement (of the submitted questionnaires)",
                ["No.", "Statement", "Answered", "Blank", "% blank", "I don't know", "% DK"],
                rows,
            )
        )
    return {
        "id": "missing",
        "heading": "Missing data",
        "paragraphs": report["missing"],
        "tables": tables,
    }


def _statistics(report: dict) -> dict:
    snapshot = report["snapshot"]
    paragraphs = list(report["statistics"])
    if snapshot is not None:
        paragraphs.append(
            f"Figures from the snapshot computed {_date(snapshot.computed_at)} from "
            f"{snapshot.respondents} responses (fingerprint {snapshot.fingerprint[:16]}, code "
            f"{snapshot.code_version})."
        )
    return {"id": "statistics", "heading": "Statistics", "paragraphs": paragraphs, "tables": []}


def _reporting(report: dict, headings: dict) -> dict:
    def rows(items):
        return [
            [item, headings[where] if where else "Not in the site's records: write it"]
            for item, where in items
        ]

    return {
        "id": "reporting",
        "heading": "Reporting guidelines",
        "paragraphs": [
            "Where this report answers the CREDES (Jünger et al., 2017) and ACCORD (Gattrell "
            "et al., 2024) reporting items."
        ],
        "tables": [
            _table("CREDES", ["Item", "Section"], rows(report["credes"])),
            _table("ACCORD", ["Item", "Section"], rows(report["accord"])),
        ],
    }


def methods_sections(report: dict) -> list[dict]:
    sections = [
        builder(report)
        for builder in (
            _sample,
            _emails,
            _rates,
            _early_late,
            _randomisation,
            _consensus,
            _missing,
            _statistics,
        )
    ]
    from .rounds_text import rounds_section  # it builds on this module's helpers

    rounds = rounds_section(report)
    if rounds is not None:
        sections.insert(1, rounds)
    headings = {section["id"]: section["heading"] for section in sections}
    return sections + [_reporting(report, headings)]


def _md_escape(text: str) -> str:
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def methods_markdown(title: str, sections: list[dict]) -> bytes:
    lines = [f"# Methods: {_md_escape(title)}", ""]
    for section in sections:
        lines += [f"## {_md_escape(section['heading'])}", ""]
        for paragraph in section["paragraphs"]:
            lines += [_md_escape(paragraph), ""]
        for table in section["tables"]:
            lines += [f"*{_md_escape(table['caption'])}*", ""]
            columns = table["columns"]
            lines.append("| " + " | ".join(_md_escape(c) for c, _ in columns) + " |")
            lines.append("|" + "".join("---:|" if num else "---|" for _, num in columns))
            for row in table["rows"]:
                lines.append("| " + " | ".join(_md_escape(c) for c, _ in row) + " |")
            lines.append("")
    return "\n".join(lines).encode("utf-8")


def methods_files(survey: Survey) -> tuple[list[dict], bytes, bytes]:
    """The report's sections, and its Markdown and HTML files (for the page, the downloads
    and the replication bundle)."""
    from django.template.loader import render_to_string

    # pandas and scipy load with the report, not with the URLconf (a command starts light).
    from ..methods_report import methods_report

    sections = methods_sections(methods_report(survey=survey))
    html = render_to_string(
        "research/results/methods_export.html", {"survey": survey, "sections": sections}
    )
    return sections, methods_markdown(survey.title, sections), html.encode()
