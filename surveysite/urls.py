from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("research/", include("responses.urls_research")),
    path("", include("responses.urls")),
]

handler404 = "responses.views.respondent.not_found"
