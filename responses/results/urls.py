"""The results pages, under /research/<slug>/results/ (namespace "research", see ../urls.py)."""

from django.urls import path

from . import views

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
    path(
        "<slug:slug>/results/export/<slug:key>/",
        views.results_export,
        name="results_export",
    ),
]
