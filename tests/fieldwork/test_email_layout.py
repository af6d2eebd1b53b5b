"""The emails experts get: the HTML part parsed (one column, 16 px text, the button and the
plain link, no remote images), the text part saying the same, the merge fields without
values, the From, Reply-To and List-Unsubscribe headers, the preview and the test email."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.utils import timezone

from responses.fieldwork.services import deliveries, emails
from responses.links import invitation_decline_url, invitation_url
from responses.models import AuditEvent, EmailDelivery, Invitation
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db


class EmailParts(HTMLParser):
    """What a test needs of an HTML email: its links, images, meta tags, font sizes, text."""

    def __init__(self, html: str):
        super().__init__()
        self.links, self.images, self.metas, self.font_sizes, self.words = [], [], [], [], []
        self.feed(html)
        self.text = " ".join(" ".join(self.words).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs.get("href"))
        if tag == "img":
            self.images.append(attrs.get("src"))
        if tag == "meta":
            self.metas.append(attrs)
        for size in re.findall(r"font-size:\s*([0-9.]+)px", attrs.get("style") or ""):
            self.font_sizes.append(float(size))

    def handle_data(self, data):
        self.words.append(data)


@pytest.fixture
def fielded(survey):
    survey.organisation = "Centre for AI Governance"
    survey.contact_name = "Rita Researcher"
    survey.contact_email = "rita@example.org"
    survey.save()
    return survey


def test_email_html_has_the_personal_link_as_a_button_and_in_plain(invitation):
    email = emails.email_render(invitation=invitation, kind="invitation")
    parts = EmailParts(email.html)
    assert parts.links.count(invitation_url(invitation)) == 2
    assert invitation_url(invitation) in parts.text
    assert "Open the survey" in parts.text
    assert invitation_decline_url(invitation) in parts.links


def test_email_html_text_is_16px_or_larger_in_one_column_without_images(invitation):
    for kind in ("invitation", "reminder"):
        html = emails.email_render(invitation=invitation, kind=kind).html
        parts = EmailParts(html)
        assert parts.font_sizes and min(parts.font_sizes) >= 16
        assert parts.images == []
        assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in (
            parts.metas
        )
        assert "max-width:600px" in html
        assert "<img" not in html and "url(" not in html


def test_email_without_a_closing_date_has_no_closing_sentence(invitation):
    for kind in ("invitation", "reminder"):
        email = emails.email_render(invitation=invitation, kind=kind)
        for part in (email.text, EmailParts(email.html).text):
            assert "(no closing date set)" not in part
            assert "closes on" not in part
        assert "\n\n\n" not in email.text


def test_email_with_a_closing_date_says_it_in_both_parts(invitation):
    survey = invitation.survey
    survey.closes_at = timezone.now() + timedelta(days=10)
    survey.save()
    closes = timezone.localtime(survey.closes_at)
    sentence = f"The survey closes on {closes.day} {closes:%B %Y}."
    email = emails.email_render(invitation=invitation, kind="reminder")
    assert sentence in email.text
    assert sentence in EmailParts(email.html).text


def test_email_missing_value_drops_only_its_sentence(invitation):
    survey = invitation.survey
    survey.invitation_body = "Hello. The survey closes on {closing_date}. Thanks.\n\n{link}"
    survey.save()
    email = emails.email_render(invitation=invitation, kind="invitation")
    assert email.text.startswith("Hello. Thanks.\n\n")


def test_email_text_part_says_what_the_html_part_says(invitation):
    email = emails.email_render(invitation=invitation, kind="invitation")
    html_text = EmailParts(email.html).text
    for line in email.text.splitlines():
        assert " ".join(line.split()) in html_text


def test_email_html_reflows_hard_wrapped_lines_and_keeps_the_signature_break(invitation):
    survey = invitation.survey
    survey.invitation_body = "We would\nvalue your view.\n\n{link}\n\nWith thanks,\nRita"
    survey.save()
    html = emails.email_render(invitation=invitation, kind="invitation").html
    assert "We would value your view." in html
    assert "With thanks,<br>\nRita" in html


def test_email_headers_name_the_organisation_reply_to_the_contact_and_unsubscribe(
    fielded, invitation, settings
):
    settings.DEFAULT_FROM_EMAIL = "surveysite <survey@example.net>"
    message = emails.email_message(
        rendered=emails.email_render(invitation=invitation, kind="invitation")
    )
    assert message.from_email == "Centre for AI Governance <survey@example.net>"
    assert message.reply_to == ["Rita Researcher <rita@example.org>"]
    assert message.extra_headers["List-Unsubscribe"] == f"<{invitation_decline_url(invitation)}>"
    assert message.alternatives[0].mimetype == "text/html"


def test_email_sender_falls_back_to_the_default_without_an_organisation(invitation, settings):
    settings.DEFAULT_FROM_EMAIL = "Survey team <survey@example.net>"
    email = emails.email_render(invitation=invitation, kind="invitation")
    assert email.from_email == "Survey team <survey@example.net>"
    assert email.reply_to == []


def test_email_sender_name_with_a_line_break_stays_in_one_header(fielded, invitation):
    fielded.organisation = "Lab\r\nBcc: someone@example.com"
    fielded.save()
    message = emails.email_message(
        rendered=emails.email_render(invitation=invitation, kind="invitation")
    )
    header = message.message()["From"]
    assert "\n" not in str(header).replace("\n ", "")
    assert message.message()["Bcc"] is None


def test_email_preview_shows_from_reply_to_subject_and_frames_the_html(
    researcher_client, fielded, invitation
):
    page = researcher_client.get(url("email_preview", fielded)).content.decode()
    assert "Centre for AI Governance" in page
    assert "Rita Researcher &lt;rita@example.org&gt;" in page
    assert "Invitation: AGI safety and governance" in page
    frame = url("email_preview_html", fielded, "invitation")
    assert f'sandbox="" title="Invitation email, HTML part" src="{frame}?email=' in page


def test_email_preview_html_is_served_alone_under_a_strict_policy(
    researcher_client, survey, invitation
):
    response = researcher_client.get(url("email_preview_html", survey, "reminder"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "script-src" not in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert invitation_url(invitation) in response.content.decode()


def test_email_preview_html_refuses_an_unknown_kind_or_no_expert(researcher_client, survey):
    assert researcher_client.get(url("email_preview_html", survey, "reminder")).status_code == 404
    assert researcher_client.get(url("email_preview_html", survey, "other")).status_code == 404


def test_email_test_goes_to_the_researcher_and_is_no_delivery(
    researcher_client, fielded, invitation
):
    response = researcher_client.post(url("email_test", fielded), {"kind": "invitation"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["rita@example.org"]
    assert message.subject == "[Test] Invitation: AGI safety and governance"
    assert "Dear rita," in message.body
    assert invitation_url(invitation) not in message.body
    assert not EmailDelivery.objects.exists()
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    assert AuditEvent.objects.filter(action="emails.test_sent", survey=fielded).count() == 1


def test_email_test_refuses_an_unknown_kind_and_an_account_without_address(
    client, researcher, survey
):
    client.force_login(researcher)
    client.post(url("email_test", survey), {"kind": "newsletter"})
    researcher.email = ""
    researcher.save()
    response = client.post(url("email_test", survey), {"kind": "reminder"}, follow=True)
    assert emails.ERROR_NO_OWN_ADDRESS in response.content.decode()
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="emails.test_sent").exists()


def test_sent_invitation_carries_the_headers_and_both_parts(
    fielded, invitation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.invitations_send(survey=fielded, invitations=Invitation.objects.all())
    [message] = mail.outbox
    assert message.from_email.startswith("Centre for AI Governance <")
    assert message.reply_to == ["Rita Researcher <rita@example.org>"]
    assert message.extra_headers["List-Unsubscribe"] == f"<{invitation_decline_url(invitation)}>"
    html = message.alternatives[0].content
    assert EmailParts(html).links.count(invitation_url(invitation)) == 2


def test_email_preview_without_experts_still_offers_a_test_email(researcher_client, survey):
    page = researcher_client.get(url("email_preview", survey)).content.decode()
    assert "Import experts first" in page
    assert "Send a test invitation to me (rita@example.org)" in page
    researcher_client.post(url("email_test", survey), {"kind": "reminder"})
    assert [m.subject for m in mail.outbox] == ["[Test] Reminder: AGI safety and governance"]
