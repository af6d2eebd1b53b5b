from django.contrib import admin

from .access import surveys_for_user
from .fieldwork.services.experts import expert_save
from .models import Answer, AuditEvent, Expert, Invitation, Response, Survey


class SurveyScoped(admin.ModelAdmin):
    """Non-superusers see only the rows of surveys they own or collaborate on."""

    survey_path = "survey"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        mine = surveys_for_user(request.user).values("pk")
        return queryset.filter(**{f"{self.survey_path}__in": mine}).distinct()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Survey and not request.user.is_superuser:
            kwargs["queryset"] = surveys_for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Survey)
class SurveyAdmin(SurveyScoped):
    survey_path = "pk"
    list_display = ("title", "slug", "status", "order", "opens_at", "closes_at")
    list_filter = ("status",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("statements", "collaborators")


@admin.register(Expert)
class ExpertAdmin(SurveyScoped):
    survey_path = "invitations__survey"
    list_display = ("name", "email", "sector", "affiliation")
    list_filter = ("sector",)
    search_fields = ("name", "email", "affiliation")

    def save_model(self, request, obj, form, change):
        expert_save(expert=obj, actor=request.user)


@admin.register(Invitation)
class InvitationAdmin(SurveyScoped):
    list_display = (
        "expert",
        "survey",
        "sent_at",
        "started_at",
        "submitted_at",
        "declined_at",
        "revoked_at",
    )
    list_filter = (("survey", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("expert", "survey")
    search_fields = ("expert__name", "expert__email")
    readonly_fields = ("created_at", "started_at", "submitted_at", "declined_at", "decline_reason")
    exclude = ("link_nonce", "link_hash")
    raw_id_fields = ("expert",)

    def get_readonly_fields(self, request, obj=None):
        # The answers carry their invitation's survey and their expert's sector.
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else (*fields, "survey", "expert")


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ("statement", "value", "comment", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(SurveyScoped):
    survey_path = "invitation__survey"
    list_display = ("invitation", "consented_at", "submitted_at")
    list_select_related = ("invitation__expert", "invitation__survey")
    readonly_fields = (
        "invitation",
        "consented_at",
        "statement_order",
        "sectors",
        "gender",
        "open_answer",
        "submitted_at",
    )
    inlines = [AnswerInline]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(SurveyScoped):
    list_display = ("created_at", "action", "actor_label", "survey", "invitation")
    list_filter = ("action", ("survey", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("survey", "invitation__expert")
    readonly_fields = (
        "created_at",
        "action",
        "actor",
        "actor_label",
        "survey",
        "invitation",
        "data",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
