from django.db.models import Exists, OuterRef

from .models import Statement


def statement_has_answers(*, statement: Statement) -> bool:
    from responses.models import Answer

    return Answer.objects.filter(statement=statement).exists()


def with_answer_flag(queryset):
    from responses.models import Answer

    return queryset.annotate(has_answers=Exists(Answer.objects.filter(statement=OuterRef("pk"))))


def provisional_statements(*, ids=None):
    queryset = Statement.objects.filter(wording=Statement.Wording.PROVISIONAL)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset
