"""The results page per statement, pure: a snapshot's tables in, what the page shows out (the
statement's figures overall, each shown group's, its neighbours for the navigation). Only
groups the snapshot shows appear: suppression has already withheld the rest."""

from ..choices import OPTION_NAMES


def distribution_bars(tables: dict, number: int) -> list[dict] | None:
    """One bar per population: everyone, then each shown group of each grouping, with its
    six counts and n. None when the snapshot has no such statement."""
    row = next((r for r in tables["statements"] if r["statement"] == number), None)
    if row is None:
        return None
    bars = [
        {
            "label": "All respondents",
            "n": row["n"],
            "counts": {name: row[name] for name in OPTION_NAMES},
        }
    ]
    for view in tables["groups"]:
        group_row = next((r for r in view["statements"] if r["statement"] == number), None)
        if group_row is None or len(view["groups"]) < 2:
            continue
        for group in view["groups"]:
            figures = group_row["groups"][group["key"]]
            if "counts" in figures:
                bars.append(
                    {
                        "label": f"{view['label']}: {group['label']}",
                        "n": figures["n"],
                        "counts": figures["counts"],
                    }
                )
    return bars


def statement_page(tables: dict, number: int) -> dict | None:
    numbers = [
        row["statement"] for row in sorted(tables["statements"], key=lambda r: r["statement"])
    ]
    if number not in numbers:
        return None
    index = numbers.index(number)
    row = tables["statements"][[r["statement"] for r in tables["statements"]].index(number)]
    groups = []
    for view in tables["groups"]:
        group_row = next((r for r in view["statements"] if r["statement"] == number), None)
        if group_row is None:
            continue
        shown = [{**group, **group_row["groups"][group["key"]]} for group in view["groups"]]
        groups.append(
            {
                "name": view["name"],
                "label": view["label"],
                "groups": shown,
                "withheld": view.get("withheld_groups", 0),
                "row": group_row,
            }
        )
    return {
        "row": row,
        "groups": groups,
        "previous": numbers[index - 1] if index else None,
        "next": numbers[index + 1] if index + 1 < len(numbers) else None,
        "min_group_size": tables["min_group_size"],
        "chart_name": f"statement-{number}",
    }
