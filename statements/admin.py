from django.contrib import admin, messages
from django.utils.html import format_html

from .models import Statement
from .selectors import statement_has_answers, with_answer_flag
from .services import StatementFrozen, statement_update


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "wording_status", "questionnaire_position", "frozen")
    list_display_links = ("number", "title")
    list_filter = ("wording",)
    search_fields = ("title", "text")
    ordering = ("number",)
    fields = ("number", "questionnaire_position", "title", "text", "wording")

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request):
        return with_answer_flag(super().get_queryset(request))

    @admin.display(description="Wording", ordering="wording")
    def wording_status(self, obj):
        if obj.is_provisional:
            return format_html(
                '<span class="wording-provisional">{}</span>',
                "Provisional: replace before fielding",
            )
        return format_html('<span class="wording-verbatim">{}</span>', "Verbatim")

    @admin.display(description="Has answers (wording frozen)", boolean=True, ordering="has_answers")
    def frozen(self, obj):
        return obj.has_answers

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and statement_has_answers(statement=obj):
            return self.fields
        return ("number", "questionnaire_position") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        try:
            statement_update(statement=obj, title=obj.title, text=obj.text, wording=obj.wording)
        except StatementFrozen as error:
            messages.error(request, str(error))
