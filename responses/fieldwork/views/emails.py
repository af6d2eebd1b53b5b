"""The survey's email templates and their preview."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from ...access import no_store, research_survey_view
from ..forms import EmailTemplatesForm
from ..services import emails
from .common import render_page


def _templates_initial(survey) -> dict:
    return emails.survey_templates(survey) | {
        "researcher_name": survey.researcher_name,
        "reminder_days": ", ".join(str(day) for day in survey.reminder_days),
        "reminder_max": survey.reminder_max,
    }


@require_http_methods(["GET", "POST"])
@research_survey_view
@no_store
def email_settings(request, survey):
    form = EmailTemplatesForm(request.POST or None, initial=_templates_initial(survey))
    if request.method == "POST" and form.is_valid():
        try:
            emails.survey_emails_save(survey=survey, actor=request.user, **form.cleaned_data)
        except emails.EmailError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Email settings saved.")
            return redirect("research:email_preview", survey.slug)
    context = {"form": form, "merge_fields": emails.MERGE_FIELDS.items()}
    return render_page(request, "emails.html", survey, **context)


@require_GET
@research_survey_view
@no_store
def email_preview(request, survey):
    email = request.GET.get("email", "").strip()
    candidates = survey.invitations.select_related("expert", "survey").order_by("expert__name")
    invitation = (
        candidates.filter(expert__email__iexact=email).first() if email else candidates.first()
    )
    not_found = bool(email) and invitation is None
    context = {"email": email, "invitation": invitation, "not_found": not_found}
    if invitation is not None:
        context["previews"] = [
            ("Invitation", emails.email_render(invitation=invitation, kind="invitation")),
            ("Reminder", emails.email_render(invitation=invitation, kind="reminder")),
        ]
    return render_page(request, "email_preview.html", survey, **context)
