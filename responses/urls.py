"""The app's addresses: the researcher area (the fieldwork and results rooms, one namespace
"research") and the expert's pages (namespace "respondent")."""

from django.urls import include, path

from .fieldwork import urls as fieldwork_urls
from .results import urls as results_urls

research = ([*results_urls.urlpatterns, *fieldwork_urls.urlpatterns], "research")

urlpatterns = [
    path("research/", include(research)),
    path("", include("responses.respondent.urls")),
]
