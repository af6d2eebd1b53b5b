"""The researcher area, under /research/. Fieldwork and results add their patterns here."""

from django.urls import path

from .views import fieldwork, results

app_name = "research"

urlpatterns: list = [
    # Results (issue 4)
    path("<slug:slug>/results/", results.results, name="results"),
    path("<slug:slug>/results/recompute/", results.results_recompute, name="results_recompute"),
    path("<slug:slug>/results/jobs/<int:job_id>/", results.results_job, name="results_job"),
    path(
        "<slug:slug>/results/charts/<slug:name>.<str:fmt>",
        results.results_chart,
        name="results_chart",
    ),
    path(
        "<slug:slug>/results/export/<str:filename>",
        results.results_export,
        name="results_export",
    ),
    # Fieldwork (issue 3)
    path("", fieldwork.survey_list, name="surveys"),
    path("<slug:slug>/", fieldwork.dashboard, name="dashboard"),
    path("<slug:slug>/invitations/", fieldwork.invitations, name="invitations"),
    path("<slug:slug>/invitations/bulk/", fieldwork.invitations_bulk, name="invitations_bulk"),
    path(
        "<slug:slug>/invitations/export.csv",
        fieldwork.invitations_export,
        {"fmt": "csv"},
        name="invitations_csv",
    ),
    path(
        "<slug:slug>/invitations/export.xlsx",
        fieldwork.invitations_export,
        {"fmt": "xlsx"},
        name="invitations_xlsx",
    ),
    path("<slug:slug>/invitations/<int:pk>/", fieldwork.invitation_detail, name="invitation"),
    path(
        "<slug:slug>/invitations/<int:pk>/<str:action>/",
        fieldwork.invitation_action,
        name="invitation_action",
    ),
    path("<slug:slug>/import/", fieldwork.import_upload, name="import"),
    path("<slug:slug>/import/<int:job_id>/", fieldwork.import_preview, name="import_preview"),
    path(
        "<slug:slug>/import/<int:job_id>/confirm/",
        fieldwork.import_confirm,
        name="import_confirm",
    ),
    path("<slug:slug>/emails/", fieldwork.email_settings, name="emails"),
    path("<slug:slug>/emails/preview/", fieldwork.email_preview, name="email_preview"),
    path("<slug:slug>/open/", fieldwork.survey_open, name="open"),
    path("<slug:slug>/close/", fieldwork.survey_close, name="close"),
    path("<slug:slug>/anonymise/", fieldwork.survey_anonymise, name="anonymise"),
    path("<slug:slug>/audit/", fieldwork.audit, name="audit"),
]
