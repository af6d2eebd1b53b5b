from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from surveysite import signin

# The admin's login, with the researchers' throttled form, answering 429 while throttled.
admin.site.login_form = signin.SigninForm

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/login/", signin.signin_view(admin.site.login), name="admin_login"),
    path("admin/", admin.site.urls),
    path("", include("responses.urls")),
]

handler404 = "responses.respondent.views.links.not_found"
handler500 = "surveysite.views.server_error"
