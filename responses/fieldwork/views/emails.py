"""The survey's email templates, their preview (headers, the text part, and the HTML part in
a sandboxed frame served with a policy of its own) and a test email to the researcher. The
reminder schedule is shown here read-only: it is edited in the editor alone."""

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...access import no_store, research_survey_view
from ..forms import EmailTemplatesForm
from ..services import emails
from .common import render_page


def _templates_initial(survey) -> dict:
    return emails.survey_templates(survey) | {"researcher_name": survey.researcher_name}


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


def _preview_invitation(survey, email: str):
    candidates = survey.invitations.select_related("expert", "survey").order_by("expert__name")
    return candidates.filter(expert__email__iexact=email).first() if email else candidates.first()


KINDS = dict(emails.Kind.choices)


@require_GET
@research_survey_view
@no_store
def email_preview(request, survey):
    email = request.GET.get("email", "").strip()
    invitation = _preview_invitation(survey, email)
    not_found = bool(email) and invitation is None
    context = {"email": email, "invitation": invitation, "not_found": not_found}
    context["kinds"] = KINDS.items()
    if invitation is not None:
        context["previews"] = [
            (kind, label, emails.email_render(invitation=invitation, kind=kind))
            for kind, label in KINDS.items()
        ]
    return render_page(request, "email_preview.html", survey, **context)


# The email's HTML as a mail client shows it: its inline styles allowed, nothing else (no
# scripts, images, forms or fonts from anywhere), framed by the preview page alone.
EMAIL_FRAME_POLICY = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "img-src": [NONE],
    "form-action": [NONE],
    "base-uri": [NONE],
    "frame-ancestors": [SELF],
    "sandbox": True,
}


@require_GET
@research_survey_view
@no_store
@xframe_options_sameorigin
@csp(EMAIL_FRAME_POLICY)
def email_preview_html(request, survey, kind):
    if kind not in KINDS:
        raise Http404("No such email")
    invitation = _preview_invitation(survey, request.GET.get("email", "").strip())
    if invitation is None:
        raise Http404("No expert to preview")
    rendered = emails.email_render(invitation=invitation, kind=kind)
    return HttpResponse(rendered.html, content_type="text/html; charset=utf-8")


MESSAGE_TEST_SENT = "A test of the {kind} went to {address}; it counts as no expert's email."


@require_POST
@research_survey_view
def email_test_send(request, survey):
    kind = request.POST.get("kind", "")
    try:
        address = emails.email_test_send(survey=survey, actor=request.user, kind=kind)
    except emails.EmailError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, MESSAGE_TEST_SENT.format(kind=kind, address=address))
    return redirect("research:email_preview", survey.slug)
