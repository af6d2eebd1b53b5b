from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("", include("responses.urls")),
]

handler404 = "responses.respondent.views.not_found"
handler500 = "surveysite.views.server_error"
