"""The preview's pages in the expert's order and its navigation, for the researchers'
preview of the questionnaire (fieldwork's statement pages, the respondent room's others)."""

import math

from django.urls import reverse

from ..models import Survey
from .selectors import questionnaire_order


def preview_steps(*, survey: Survey) -> list[tuple[str, tuple]]:
    """(URL name in the "research" namespace, arguments) of each page: the landing page,
    each page of statements, about you, review, thanks."""
    count = len(questionnaire_order(survey=survey))
    page_total = max(1, math.ceil(count / survey.statements_per_page))
    pages = [("preview_page", (number,)) for number in range(1, page_total + 1)]
    before, after = [("preview_welcome", ())], ["preview_background", "preview_review"]
    return before + pages + [(name, ()) for name in after] + [("preview_thanks", ())]


def preview_url(survey: Survey, name: str, *args) -> str:
    return reverse(f"research:{name}", args=[survey.slug, *args])


def preview_nav(*, survey: Survey, current: tuple[str, tuple]) -> dict:
    """Page x of y of the preview and the addresses before and after it (none before the
    first or after the last)."""
    urls = [preview_url(survey, name, *args) for name, args in preview_steps(survey=survey)]
    index = preview_steps(survey=survey).index(current)
    return {
        "position": index + 1,
        "total": len(urls),
        "previous_url": urls[index - 1] if index else None,
        "next_url": urls[index + 1] if index + 1 < len(urls) else None,
    }
