"""Researchers sign in at /research/login/ (superusers also at the admin's login), with one
form that refuses non-staff accounts and throttles failures.

Failed sign-ins are counted per username (5 per 15 minutes) and per client address (20), in
surveysite/throttle.py. The failure past either limit, and every sign-in after it for that
username or from that address until its 15 minutes are up, are refused, the right password's
too, before the password is even checked: the page says when to try again (429), and nothing
is recorded as a sign-in. The throttles fail open when the cache is
down; the passwords' own hashing still slows guessing then.
"""

import unicodedata
from datetime import timedelta
from functools import wraps

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from .throttle import Throttle, failure_count, throttled_for

ERROR_THROTTLED = (
    "Too many failed sign-ins for this account or from this address. Sign-in is paused for "
    "{minutes} more minute(s), until {until}, even with the right password."
)


def _username(group, request) -> str:
    # The form normalises usernames (NFKC) before it authenticates: count what it checks,
    # so that look-alike spellings of one username share its count.
    return unicodedata.normalize("NFKC", request.POST.get("username", "")).casefold()


SIGNIN_PER_USERNAME = Throttle(group="signin.username", rate="5/15m", key=_username)
SIGNIN_PER_CLIENT = Throttle(group="signin.client", rate="20/15m")
SIGNIN_THROTTLES = (SIGNIN_PER_USERNAME, SIGNIN_PER_CLIENT)


def throttled_message(seconds: int, template: str = ERROR_THROTTLED) -> str:
    """`template` with the minutes left and the time it ends (the reset page's words too)."""
    until = timezone.localtime(timezone.now() + timedelta(seconds=seconds))
    minutes = -(-seconds // 60)
    return template.format(minutes=minutes, until=until.strftime("%H:%M %Z"))


class SigninForm(AdminAuthenticationForm):
    """The admin's form (active staff accounts only), throttled."""

    retry_after = 0

    def clean(self):
        self._refuse_if_throttled()
        try:
            return super().clean()
        except ValidationError:
            if any([failure_count(self.request, t) for t in SIGNIN_THROTTLES]):
                self._refuse_if_throttled()
            raise

    def _refuse_if_throttled(self) -> None:
        self.retry_after = max(throttled_for(self.request, t) for t in SIGNIN_THROTTLES)
        if self.retry_after:
            raise ValidationError(throttled_message(self.retry_after), code="throttled")


def signin_view(view):
    """A sign-in page the form refused as throttled answers 429 with Retry-After."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if isinstance(form, SigninForm) and form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response

    return wrapper


research_login = signin_view(
    auth_views.LoginView.as_view(
        template_name="research/login.html", authentication_form=SigninForm
    )
)
research_logout = auth_views.LogoutView.as_view()
