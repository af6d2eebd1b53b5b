"""The app's addresses: the researcher area (the fieldwork and results rooms, one namespace
"research") and the expert's pages (namespace "respondent")."""

from django.urls import include, path

from surveysite import password_reset, signin

from .fieldwork import urls as fieldwork_urls
from .respondent import urls as respondent_urls
from .results import urls as results_urls

# Sign-in first: "login", "logout" and "password-reset" are not survey slugs (survey_create
# refuses them).
sign_in = [
    path("login/", signin.research_login, name="login"),
    path("logout/", signin.research_logout, name="logout"),
    path("password-reset/", password_reset.password_reset, name="password_reset"),
    path("password-reset/sent/", password_reset.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        password_reset.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        password_reset.password_reset_complete,
        name="password_reset_complete",
    ),
]
research_patterns = [
    *sign_in,
    *results_urls.urlpatterns,
    *fieldwork_urls.urlpatterns,
    *respondent_urls.preview_urlpatterns,
]
research = (research_patterns, "research")

urlpatterns = [
    path("research/", include(research)),
    path("", include(respondent_urls)),
]
