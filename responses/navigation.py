"""The researcher area's navigation: the survey's tabs (the current one marked) and the
surveys a researcher can switch to, for templates/research/base.html. A context processor,
so that every researcher page gets them whatever view renders it."""

from dataclasses import dataclass

from django.urls import reverse

from .access import surveys_for_user
from .fieldwork.selectors.rounds import study_rounds

# (tab, label, the URL names that belong to it). A page whose URL name is in no list marks
# no tab.
TABS = [
    (
        "dashboard",
        "Dashboard",
        {"dashboard", "dashboard_figures", "open", "close", "reopen", "anonymise", "round_start"},
    ),
    (
        "edit",
        "Edit survey",
        {
            "edit",
            "edit_background",
            "edit_reminders",
            "edit_feedback",
            "reasons",
            "edit_statements",
            "statement_add",
            "item_action",
            "item_wording",
            "section_add",
            "section_action",
        },  # fmt: skip
    ),
    (
        "invitations",
        "Invitations",
        {
            "invitations",
            "invitations_bulk",
            "invitation",
            "invitation_action",
            "delivery_resend",
            "respondent",
        },
    ),
    ("import", "Import experts", {"import", "import_preview", "import_confirm"}),
    ("emails", "Emails and reminders", {"emails", "email_preview"}),
    ("translations", "Translations", {"translations", "translation_edit"}),
    (
        "results",
        "Results",
        {
            "results",
            "results_job",
            "results_recompute",
            "results_methods",
            "results_methods_export",
            "results_bundle",
            "results_statement",
            "results_rounds",
            "results_rounds_chart",
        },
    ),
    ("comments", "Comments", {"comments"}),
    ("audit", "Audit log", {"audit"}),
]
SWITCHER_SIZE = 25


@dataclass(frozen=True)
class Tab:
    label: str
    url: str
    current: bool


def survey_tabs(*, slug: str, url_name: str) -> list[Tab]:
    return [
        Tab(label, reverse(f"research:{name}", args=[slug]), url_name in names)
        for name, label, names in TABS
    ]


def research_navigation(request) -> dict:
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "research":
        return {}
    context = {}
    user = request.user
    if user.is_authenticated and user.is_staff:
        # Lazy: a page that shows no switcher runs no query for it.
        context["research_surveys"] = lambda: list(
            surveys_for_user(user).only("pk", "slug", "title").order_by("title")[:SWITCHER_SIZE]
        )
    slug = match.kwargs.get("slug")
    if slug:
        context["research_tabs"] = survey_tabs(slug=slug, url_name=match.url_name)
        context["research_rounds"] = lambda: study_rounds_visible(user, slug)
    return context


def study_rounds_visible(user, slug: str) -> list:
    """The rounds of the survey's Delphi study the user may see, for the round switcher;
    empty outside a study (one query then)."""
    visible = surveys_for_user(user)
    survey = visible.filter(slug=slug).select_related("previous_round").first()
    if survey is None:
        return []
    rounds = study_rounds(survey)
    if len(rounds) < 2:
        return []
    allowed = set(visible.filter(pk__in=[r.pk for r in rounds]).values_list("pk", flat=True))
    return [r for r in rounds if r.pk in allowed]
