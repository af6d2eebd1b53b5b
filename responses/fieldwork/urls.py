"""The fieldwork pages, under /research/ (namespace "research", see ../urls.py)."""

from django.urls import path

from .views import (
    editor,
    editor_statements,
    emails,
    imports,
    invitations,
    preview,
    respondents,
    rounds,
    surveys,
    translations,
)

urlpatterns = [
    path("", surveys.survey_list, name="surveys"),
    # Before the survey pages: "new" is no survey's slug (lifecycle.RESERVED_SLUGS).
    path("new/", editor.survey_new, name="survey_new"),
    path("<slug:slug>/", surveys.dashboard, name="dashboard"),
    path("<slug:slug>/figures/", surveys.dashboard_figures, name="dashboard_figures"),
    path("<slug:slug>/invitations/", invitations.invitations, name="invitations"),
    path("<slug:slug>/invitations/bulk/", invitations.invitations_bulk, name="invitations_bulk"),
    path(
        "<slug:slug>/invitations/scheduled/<int:scheduled_id>/cancel/",
        invitations.scheduled_send_cancel,
        name="scheduled_send_cancel",
    ),
    path(
        "<slug:slug>/invitations/export.csv",
        invitations.invitations_export,
        {"fmt": "csv"},
        name="invitations_csv",
    ),
    path(
        "<slug:slug>/invitations/export.xlsx",
        invitations.invitations_export,
        {"fmt": "xlsx"},
        name="invitations_xlsx",
    ),
    path("<slug:slug>/invitations/<int:pk>/", invitations.invitation_detail, name="invitation"),
    path("<slug:slug>/invitations/<int:pk>/expert/", invitations.expert_edit, name="expert_edit"),
    path(
        "<slug:slug>/invitations/<int:pk>/<str:action>/",
        invitations.invitation_action,
        name="invitation_action",
    ),
    path(
        "<slug:slug>/invitations/<int:pk>/deliveries/<int:delivery_id>/resend/",
        invitations.delivery_resend,
        name="delivery_resend",
    ),
    path(
        "<slug:slug>/invitations/tests/",
        respondents.test_invitation_create,
        name="test_invitation_create",
    ),
    path(
        "<slug:slug>/invitations/tests/delete/",
        respondents.test_responses_delete,
        name="test_responses_delete",
    ),
    path("<slug:slug>/respondents/<int:pk>/", respondents.respondent, name="respondent"),
    path(
        "<slug:slug>/respondents/<int:pk>/withdraw/",
        respondents.respondent_withdraw,
        name="respondent_withdraw",
    ),
    path(
        "<slug:slug>/respondents/<int:pk>/delete/",
        respondents.respondent_delete,
        name="respondent_delete",
    ),
    path("<slug:slug>/preview/", preview.preview_start, name="preview"),
    path("<slug:slug>/preview/<int:number>/", preview.preview_page, name="preview_page"),
    path("<slug:slug>/import/", imports.import_upload, name="import"),
    path("<slug:slug>/import/<int:job_id>/", imports.import_preview, name="import_preview"),
    path(
        "<slug:slug>/import/<int:job_id>/confirm/",
        imports.import_confirm,
        name="import_confirm",
    ),
    path("<slug:slug>/emails/", emails.email_settings, name="emails"),
    path("<slug:slug>/emails/preview/", emails.email_preview, name="email_preview"),
    path("<slug:slug>/translations/", translations.translation_list, name="translations"),
    path(
        "<slug:slug>/translations/<str:language>/",
        translations.translation_edit,
        name="translation_edit",
    ),
    path(
        "<slug:slug>/emails/preview/<slug:kind>.html",
        emails.email_preview_html,
        name="email_preview_html",
    ),
    path("<slug:slug>/emails/test/", emails.email_test_send, name="email_test"),
    path("<slug:slug>/open/", surveys.survey_open, name="open"),
    path("<slug:slug>/close/", surveys.survey_close, name="close"),
    path("<slug:slug>/reopen/", surveys.survey_reopen, name="reopen"),
    path("<slug:slug>/edit/", editor.survey_edit, name="edit"),
    path("<slug:slug>/edit/background/", editor.survey_background, name="edit_background"),
    path("<slug:slug>/edit/reminders/", editor.survey_reminders, name="edit_reminders"),
    path(
        "<slug:slug>/edit/statements/",
        editor_statements.statements_edit,
        name="edit_statements",
    ),
    path(
        "<slug:slug>/edit/statements/add/",
        editor_statements.statement_add,
        name="statement_add",
    ),
    path(
        "<slug:slug>/edit/statements/<int:item_id>/",
        editor_statements.item_action,
        name="item_action",
    ),
    path(
        "<slug:slug>/edit/statements/<int:item_id>/wording/",
        editor_statements.item_wording,
        name="item_wording",
    ),
    path("<slug:slug>/edit/sections/", editor_statements.section_add, name="section_add"),
    path(
        "<slug:slug>/edit/sections/<int:section_id>/",
        editor_statements.section_action,
        name="section_action",
    ),
    path("<slug:slug>/round/next/", rounds.round_start, name="round_start"),
    path("<slug:slug>/edit/feedback/", rounds.round_feedback, name="edit_feedback"),
    path("<slug:slug>/edit/reasons/", rounds.round_reasons, name="reasons"),
    path("<slug:slug>/anonymise/", surveys.survey_anonymise, name="anonymise"),
    path("<slug:slug>/audit/", surveys.audit, name="audit"),
]
