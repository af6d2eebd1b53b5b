"""The fieldwork pages, under /research/ (namespace "research", see ../urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.survey_list, name="surveys"),
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/invitations/", views.invitations, name="invitations"),
    path("<slug:slug>/invitations/bulk/", views.invitations_bulk, name="invitations_bulk"),
    path(
        "<slug:slug>/invitations/export.csv",
        views.invitations_export,
        {"fmt": "csv"},
        name="invitations_csv",
    ),
    path(
        "<slug:slug>/invitations/export.xlsx",
        views.invitations_export,
        {"fmt": "xlsx"},
        name="invitations_xlsx",
    ),
    path("<slug:slug>/invitations/<int:pk>/", views.invitation_detail, name="invitation"),
    path("<slug:slug>/invitations/<int:pk>/expert/", views.expert_edit, name="expert_edit"),
    path(
        "<slug:slug>/invitations/<int:pk>/<str:action>/",
        views.invitation_action,
        name="invitation_action",
    ),
    path(
        "<slug:slug>/invitations/<int:pk>/deliveries/<int:delivery_id>/resend/",
        views.delivery_resend,
        name="delivery_resend",
    ),
    path("<slug:slug>/import/", views.import_upload, name="import"),
    path("<slug:slug>/import/<int:job_id>/", views.import_preview, name="import_preview"),
    path(
        "<slug:slug>/import/<int:job_id>/confirm/",
        views.import_confirm,
        name="import_confirm",
    ),
    path("<slug:slug>/emails/", views.email_settings, name="emails"),
    path("<slug:slug>/emails/preview/", views.email_preview, name="email_preview"),
    path("<slug:slug>/open/", views.survey_open, name="open"),
    path("<slug:slug>/close/", views.survey_close, name="close"),
    path("<slug:slug>/anonymise/", views.survey_anonymise, name="anonymise"),
    path("<slug:slug>/audit/", views.audit, name="audit"),
]
