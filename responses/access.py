"""Who may see a survey's researcher pages: its owner, its collaborators, and superusers.

Every researcher view and export goes through `research_survey_view` (the survey list through
`researcher_required`); anything else gets the same 404, so a researcher cannot even learn
that another team's survey exists.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404

from .models import Survey


def surveys_for_user(user):
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return Survey.objects.none()
    if user.is_superuser:
        return Survey.objects.all()
    return Survey.objects.filter(Q(owner=user) | Q(collaborators=user)).distinct()


def survey_for_user(user, slug: str) -> Survey:
    survey = surveys_for_user(user).filter(slug=slug).first()
    if survey is None:
        raise Http404("No such survey")
    return survey


def researcher_required(view):
    """An active staff user: anonymous visitors go to the research sign-in (LOGIN_URL), and
    anyone else signed in gets the 404 of every other refusal."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            raise Http404("No such page")
        return view(request, *args, **kwargs)

    return wrapper


def research_survey_view(view):
    """A researcher (`researcher_required`), then membership of the survey in the URL's slug.
    The view receives the survey in place of the slug."""

    @researcher_required
    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        return view(request, survey_for_user(request.user, slug), *args, **kwargs)

    return wrapper


def no_store(view):
    """Researcher pages and exports show personal data and links: never cache them."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, private"
        return response

    return wrapper
