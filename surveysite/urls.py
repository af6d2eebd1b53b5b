from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from surveysite import signin

# The admin's login, with the researchers' throttled form, answering 429 while throttled.
admin.site.login_form = signin.SigninForm


def _superusers_only(request) -> bool:
    return request.user.is_active and request.user.is_superuser


# Researchers have the research pages; the admin's raw records are for superusers only.
# (Stand-in for the experts branch of issue 8, which owns this rule in responses/admin.py.)
admin.site.has_permission = _superusers_only

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/login/", signin.signin_view(admin.site.login), name="admin_login"),
    path("admin/", admin.site.urls),
    path("", include("responses.urls")),
]

handler404 = "responses.respondent.views.not_found"
