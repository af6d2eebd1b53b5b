from django.db.models import Exists, OuterRef, Q

from .models import Statement


def _answers():
    # Answers point at statements; statements know them only through that reverse relation,
    # so the catalogue imports nothing from the apps that use it.
    return Statement._meta.get_field("answers").related_model.objects


def statement_has_answers(*, statement: Statement) -> bool:
    return statement.answers.exists()


def with_answer_flag(queryset):
    return queryset.annotate(has_answers=Exists(_answers().filter(statement=OuterRef("pk"))))


def provisional_statements(*, ids=None):
    queryset = Statement.objects.filter(wording=Statement.Wording.PROVISIONAL)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset


CATALOGUE_PAGE = 25


def catalogue_search(*, query: str = "", exclude_ids=()):
    """The catalogue's statements whose title or text holds the query, in the paper's order,
    leaving out `exclude_ids` (a survey's own)."""
    rows = Statement.objects.exclude(pk__in=exclude_ids)
    for word in query.split()[:8]:
        rows = rows.filter(Q(title__icontains=word) | Q(text__icontains=word))
    return rows.order_by("number")
