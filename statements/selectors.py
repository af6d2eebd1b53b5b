from django.db.models import Exists, OuterRef

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
