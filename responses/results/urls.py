"""The results pages, under /research/<slug>/results/ (namespace "research", see ../urls.py)."""

from django.urls import path

from . import views
from .views import exports as views_exports
from .views import rounds as views_rounds

urlpatterns = [
    path("<slug:slug>/results/", views.results, name="results"),
    path("<slug:slug>/results/consensus/", views.results_consensus, name="results_consensus"),
    path("<slug:slug>/results/recompute/", views.results_recompute, name="results_recompute"),
    path("<slug:slug>/results/jobs/<int:job_id>/", views.results_job, name="results_job"),
    path(
        "<slug:slug>/results/charts/<slug:name>.<str:fmt>",
        views.results_chart,
        name="results_chart",
    ),
    path("<slug:slug>/results/rounds/", views_rounds.results_rounds, name="results_rounds"),
    path(
        "<slug:slug>/results/rounds/<slug:name>.svg",
        views_rounds.results_rounds_chart,
        name="results_rounds_chart",
    ),
    path("<slug:slug>/comments/", views.comments, name="comments"),
    path(
        "<slug:slug>/comments/export.csv",
        views.comments_export,
        {"fmt": "csv"},
        name="comments_csv",
    ),
    path(
        "<slug:slug>/comments/export.xlsx",
        views.comments_export,
        {"fmt": "xlsx"},
        name="comments_xlsx",
    ),
    path("<slug:slug>/results/methods/", views.results_methods, name="results_methods"),
    path(
        "<slug:slug>/results/methods.<str:fmt>",
        views.results_methods_export,
        name="results_methods_export",
    ),
    path("<slug:slug>/results/bundle.zip", views_exports.results_bundle, name="results_bundle"),
    path(
        "<slug:slug>/results/statements/<int:number>/",
        views.results_statement,
        name="results_statement",
    ),
    path(
        "<slug:slug>/results/export/<slug:key>/",
        views_exports.results_export,
        name="results_export",
    ),
    path(
        "<slug:slug>/results/exports/<int:job_id>/",
        views_exports.results_export_job,
        name="results_export_job",
    ),
    path(
        "<slug:slug>/results/exports/<int:job_id>/retry/",
        views_exports.results_export_retry,
        name="results_export_retry",
    ),
    path(
        "<slug:slug>/results/exports/<int:job_id>/file",
        views_exports.results_export_file,
        name="results_export_file",
    ),
]
