"""The Django admin: superusers' view of the raw records (surveysite/admin.py keeps everyone
else out). No logic here: changes and deletions go through the services."""

from django.contrib import admin

from .fieldwork.services.experts import expert_save
from .models import Answer, AuditEvent, Expert, Invitation, Response, Survey, SurveyItem
from .results.services.counts import records_delete


class CountsKept(admin.ModelAdmin):
    """Deletions take the submitted responses out of the kept counts first."""

    def delete_model(self, request, obj):
        records_delete(records=type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        records_delete(records=queryset)


class SurveyItemInline(admin.TabularInline):
    model = SurveyItem
    fields = ("position", "statement", "section")
    raw_id_fields = ("statement",)
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "status", "order", "opens_at", "closes_at")
    list_filter = ("status",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("collaborators",)
    # The status changes only through the dashboard's Open, Close and Reopen (services).
    readonly_fields = ("status",)
    inlines = [SurveyItemInline]


@admin.register(Expert)
class ExpertAdmin(CountsKept):
    list_display = ("name", "email", "survey", "sector", "affiliation")
    list_filter = ("sector", ("survey", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("survey",)
    search_fields = ("name", "email", "affiliation")

    def has_add_permission(self, request):
        return False  # experts come with their invitations, from the services

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Shown, never moved to another survey; and being in the form, it lets the model
        # check that the email stays unique within the survey.
        return super().formfield_for_foreignkey(db_field, request, disabled=True, **kwargs)

    def save_model(self, request, obj, form, change):
        expert_save(expert=obj, actor=request.user)


@admin.register(Invitation)
class InvitationAdmin(CountsKept):
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
    # The answers carry their invitation's survey and their expert's sector.
    readonly_fields = (
        "survey",
        "expert",
        "created_at",
        "started_at",
        "submitted_at",
        "declined_at",
        "decline_reason",
    )
    exclude = ("link_nonce", "link_hash")

    def has_add_permission(self, request):
        return False  # an invitation's link comes from the services (import, invite, pages)


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ("statement", "value", "comment", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(CountsKept):
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
class AuditEventAdmin(admin.ModelAdmin):
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
