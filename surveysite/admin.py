"""The admin site, for superusers only. Researchers work on the /research/ pages, which check
each survey's membership; the admin's forms and widgets would show every team's rows."""

from django.contrib import admin
from django.urls import reverse


class AdminSite(admin.AdminSite):
    # "View site" in the admin's header: the researcher area, where the workflow lives.
    site_url = "/research/"

    def has_permission(self, request):
        user = request.user
        if request.path == reverse("admin:logout", current_app=self.name):
            # Researchers sign out through the admin's form too: let them.
            return user.is_active and user.is_staff
        return user.is_active and user.is_superuser
