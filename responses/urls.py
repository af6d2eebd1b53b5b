"""The app's addresses: the researcher area (the fieldwork and results rooms, one namespace
"research") and the expert's pages (namespace "respondent")."""

from django.urls import include, path

from surveysite import signin

from .fieldwork import urls as fieldwork_urls
from .results import urls as results_urls

# Sign-in first: "login" and "logout" are not survey slugs (survey_create refuses them).
sign_in = [
    path("login/", signin.research_login, name="login"),
    path("logout/", signin.research_logout, name="logout"),
]
research = ([*sign_in, *results_urls.urlpatterns, *fieldwork_urls.urlpatterns], "research")

urlpatterns = [
    path("research/", include(research)),
    path("", include("responses.respondent.urls")),
]
