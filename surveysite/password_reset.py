"""Researchers reset a forgotten password by email, with Django's auth views on the sign-in
page's look, at /research/password-reset/.

Only active staff accounts get an email, and the page says the same whatever the address
(Django's views never tell whether an account exists). Each request that could send one is
counted, per address (3 an hour) and per client (10 an hour), in surveysite/throttle.py: past
either, the page answers 429 with Retry-After and sends nothing, so the form cannot be used to
flood a mailbox. The link is built on SITE_URL, not on the request's Host header."""

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from .signin import throttled_message
from .throttle import Throttle, failure_count, throttled_for

ERROR_THROTTLED = (
    "Too many reset requests for this email address or from your network. Requests are "
    "paused for {minutes} more minute(s), until {until}."
)


def _email(group, request) -> str:
    return request.POST.get("email", "").strip().casefold()


RESET_PER_EMAIL = Throttle(group="reset.email", rate="3/h", key=_email)
RESET_PER_CLIENT = Throttle(group="reset.client", rate="10/h")
RESET_THROTTLES = (RESET_PER_EMAIL, RESET_PER_CLIENT)


class ResearcherPasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, for researchers (staff) only: an expert has no account to reset."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.is_staff)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "research/password_reset.html"
    form_class = ResearcherPasswordResetForm
    email_template_name = "research/password_reset_email.txt"
    subject_template_name = "research/password_reset_subject.txt"
    success_url = reverse_lazy("research:password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)

    def post(self, request, *args, **kwargs):
        wait = max(throttled_for(request, throttle) for throttle in RESET_THROTTLES)
        if not wait and any([failure_count(request, t) for t in RESET_THROTTLES]):
            wait = max(throttled_for(request, throttle) for throttle in RESET_THROTTLES) or 60
        if not wait:
            return super().post(request, *args, **kwargs)
        form = self.get_form()
        form.is_valid()
        form.add_error(None, throttled_message(wait, ERROR_THROTTLED))
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="research/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="research/password_reset_confirm.html",
    success_url=reverse_lazy("research:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="research/password_reset_complete.html"
)
