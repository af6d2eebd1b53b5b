"""The baseline the respondent benchmark measures against: plain Django, nothing of ours.

`bench/respondent.py` serves this urlconf (ROOT_URLCONF=bench._bareapp) so that the real
respondent pages and these two views run in the same gunicorn, behind the same middleware,
against the same database:

- POST /bench/bare/answer/ does one upsert of an Answer (CSRF-checked) and answers JSON;
- GET /bench/bare/page/ runs one query for ten statements and renders the real
  questionnaire template with them.
"""

from types import SimpleNamespace

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from responses.choices import SCALE
from responses.models import Answer
from statements.models import Statement

PER_PAGE = 10
SURVEY = SimpleNamespace(title="Bare baseline")


@require_POST
def bare_answer(request):
    row = Answer(
        response_id=int(request.POST["response"]),
        survey_id=int(request.POST["survey"]),
        statement_id=int(request.POST["statement"]),
        value=int(request.POST["value"]),
        comment=request.POST.get("comment", ""),
        updated_at=timezone.now(),
    )
    Answer.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["response", "statement"],
        update_fields=["value", "comment", "updated_at"],
    )
    return JsonResponse({"saved": True, "statement": row.statement_id, "value": row.value})


@require_GET
def bare_page(request):
    statements = Statement.objects.order_by("questionnaire_position")[:PER_PAGE]
    context = {
        "survey": SURVEY,
        "items": [{"statement": statement, "answer": None} for statement in statements],
        "scale": SCALE,
        "number": 1,
        "pages": range(1, 6),
        "page_total": 5,
        "answered": 0,
        "total": 50,
        "errors": [],
    }
    return render(request, "respondent/page.html", context)


urlpatterns = [
    path("bench/bare/answer/", bare_answer),
    path("bench/bare/page/", bare_page),
    path("", include("surveysite.urls")),
]

handler404 = "responses.respondent.views.links.not_found"
