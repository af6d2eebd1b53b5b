"""One definition of "invited", read by every page that counts: the survey list, the
dashboard and the invitations export agree on every state an invitation can be in, and
anonymising keeps the fieldwork record they count."""

import csv
import io
import re
from collections import Counter

import pytest
from django.utils import timezone

from responses.choices import STATE_LABELS
from responses.fieldwork import selectors
from responses.fieldwork.services import lifecycle
from responses.fieldwork.services.experts import invitation_create
from responses.links import link_secret
from responses.models import Invitation
from responses.respondent.selectors import invitation_by_secret
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db

# Every state, reached by the paths that lead to it: (times set on the invitation).
STATES = {
    "never sent": {},
    "sent": {"sent_at"},
    "sent, started": {"sent_at", "started_at"},
    "sent, submitted": {"sent_at", "started_at", "submitted_at"},
    "link passed on, started": {"started_at"},
    "link passed on, submitted": {"started_at", "submitted_at"},
    "sent, declined": {"sent_at", "declined_at"},
    "link passed on, declined": {"declined_at"},
    "sent, bounced": {"sent_at", "failed_at"},
    "sent, revoked": {"sent_at", "revoked_at"},
    "never sent, revoked": {"revoked_at"},
    "submitted, then revoked": {"sent_at", "started_at", "submitted_at", "revoked_at"},
}


@pytest.fixture
def every_state(survey):
    now = timezone.now()
    for number, (name, times) in enumerate(STATES.items()):
        invitation, _ = invitation_create(
            survey=survey, email=f"e{number}@example.org", name=name, sector="academia"
        )
        Invitation.objects.filter(pk=invitation.pk).update(**dict.fromkeys(times, now))
    return survey


def _numbers(html: str, row_start: str) -> list[int]:
    table = html[html.index('<table class="research-table">') :]
    row = table[table.index(row_start) :]
    row = row[: row.index("</tr>")]
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]


def test_counts_agree_between_survey_list_dashboard_and_export(researcher_client, every_state):
    survey = every_state
    rates = selectors.rates_overall(survey)
    [listed] = [s for s in selectors.surveys_listed(survey.owner) if s.pk == survey.pk]
    assert vars(listed.rates) == vars(rates)
    assert (rates.invited, rates.started, rates.submitted) == (10, 5, 3)

    page = researcher_client.get("/research/").content.decode()
    assert _numbers(page, survey.title) == [len(STATES), 10, 5, 3]
    assert "30.0%" in page
    dashboard = researcher_client.get(url("dashboard", survey)).content.decode()
    assert "(3 of 10 invited)" in dashboard and "(5 of 10)" in dashboard

    export = researcher_client.get(url("invitations_csv", survey)).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(export)))
    assert sum(row["invited"] == "yes" for row in rows) == rates.invited
    by_label = Counter(row["state"] for row in rows)
    assert {code: by_label[label] for code, label in STATE_LABELS.items()} == (
        selectors.state_counts(survey)
    )


def _record(survey) -> tuple:
    by_sector = [
        (row["code"], row["total"], vars(row["rates"]))
        for row in selectors.rates_by_assigned_sector(survey)
    ]
    return selectors.state_counts(survey), vars(selectors.rates_overall(survey)), by_sector


def test_anonymise_keeps_every_state_and_the_dashboards_counts(
    researcher, researcher_client, every_state
):
    survey = every_state
    before = _record(survey)
    times = list(survey.invitations.order_by("pk").values_list("sent_at", "declined_at"))
    lifecycle.survey_close(survey=survey, actor=researcher)
    lifecycle.survey_anonymise(survey=survey, actor=researcher, confirm="agi", confirm_reasons=True)
    assert _record(survey) == before
    assert list(survey.invitations.order_by("pk").values_list("sent_at", "declined_at")) == times
    page = researcher_client.get(url("dashboard", survey)).content.decode()
    assert "(3 of 10 invited)" in page


def test_anonymise_leaves_no_link_that_opens_or_can_be_rebuilt(
    researcher, researcher_client, survey, invitation
):
    old = link_secret(invitation.link_nonce)
    lifecycle.survey_close(survey=survey, actor=researcher)
    lifecycle.survey_anonymise(survey=survey, actor=researcher, confirm="agi", confirm_reasons=True)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None  # its state stays what it was
    rebuilt = link_secret(invitation.link_nonce)
    assert invitation_by_secret(secret=old) is None
    assert invitation_by_secret(secret=rebuilt) is None
    page = researcher_client.get(url("invitation", survey, invitation.pk)).content.decode()
    assert rebuilt not in page


def test_anonymised_invitations_refuse_a_new_link(researcher, survey, invitation):
    lifecycle.survey_close(survey=survey, actor=researcher)
    lifecycle.survey_anonymise(survey=survey, actor=researcher, confirm="agi", confirm_reasons=True)
    invitation.refresh_from_db()
    stored = invitation.link_hash
    with pytest.raises(lifecycle.LifecycleError) as refused:
        lifecycle.invitation_regenerate_link(invitation=invitation, actor=researcher)
    assert str(refused.value) == lifecycle.ERROR_ANONYMISED_LINK
    invitation.refresh_from_db()
    assert invitation.link_hash == stored
