"""The researcher area, under /research/. Fieldwork and results add their patterns here."""

from django.urls import path

from .views import results

app_name = "research"

urlpatterns: list = [
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
]
