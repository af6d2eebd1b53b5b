from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin with our site (surveysite/admin.py)."""

    default_site = "surveysite.admin.AdminSite"
