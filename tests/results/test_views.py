import re

import pytest
from django.urls import reverse

from responses.models import ResultsSnapshot
from responses.results.services.snapshots import recompute_job_create, snapshot_refresh
from tests.factories import respond

pytestmark = pytest.mark.django_db

CHARTS = ["stacked", "diverging", "means", "extremes", "dont_know", "neither"]


def urls(slug, job_id=1):
    yield "get", reverse("research:results", args=[slug])
    yield "post", reverse("research:results_recompute", args=[slug])
    yield "get", reverse("research:results_job", args=[slug, job_id])
    for fmt in ("svg", "png"):
        yield "get", reverse("research:results_chart", args=[slug, "stacked", fmt])
    for name in ("statements-csv", "latex", "csv", "long-xlsx"):
        yield "get", reverse("research:results_export", args=[slug, name])


@pytest.fixture
def computed_survey(survey):
    for i in range(6):
        respond(
            survey,
            answers={1: 2, 2: -88, 3: i % 3 - 1},
            sector="agi_lab",
            stated=["agi_lab"],
            gender="man",
            open_answer='=HYPERLINK("x")',
        )
        respond(
            survey,
            answers={1: 1, 2: 0, 3: -2},
            sector="academia",
            stated=["academia"],
            gender="woman",
        )
    snapshot_refresh(survey=survey)
    return survey


@pytest.mark.parametrize("index", range(9))
def test_results_urls_refuse_anonymous(client, computed_survey, index):
    method, url = list(urls(computed_survey.slug))[index]
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("research:login"))


@pytest.mark.parametrize("index", range(9))
def test_results_urls_refuse_non_staff(client, django_user_model, computed_survey, index):
    user = django_user_model.objects.create_user("nina", "nina@example.org", "nina-password-1")
    client.force_login(user)
    method, url = list(urls(computed_survey.slug))[index]
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("index", range(9))
def test_results_urls_refuse_staff_not_on_survey(client, other_researcher, computed_survey, index):
    client.force_login(other_researcher)
    method, url = list(urls(computed_survey.slug))[index]
    response = getattr(client, method)(url)
    assert response.status_code == 404
    assert ResultsSnapshot.objects.count() == 1


def test_results_page_shows_snapshot_time_staleness_and_headline(
    client, researcher, computed_survey
):
    client.force_login(researcher)
    response = client.get(reverse("research:results", args=[computed_survey.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Computed <time" in html and "Up to date" in html
    assert "<dt>Respondents</dt><dd>12</dd>" in html
    assert "<dd>1 of 50</dd>" in html  # only S1 has majority agreement
    for name in CHARTS + ["groups-assigned_sector", "groups-gender", "groups-agi_lab_vs_rest"]:
        assert f'id="chart-{name}"' in html


def test_results_page_has_no_inline_script_or_style(client, researcher, computed_survey):
    client.force_login(researcher)
    html = client.get(reverse("research:results", args=[computed_survey.slug])).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert "js/sortable.js" in html


def _submit_late(survey):
    from responses.respondent.services import response_submit

    response_submit(response=respond(survey, answers={1: 1}, submitted=False))


def test_results_page_with_a_worker_says_stale_and_when_it_refreshes(
    client, researcher, computed_survey, settings
):
    _submit_late(computed_survey)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.RESULTS_REFRESH_SECONDS = 60
    client.force_login(researcher)
    html = client.get(reverse("research:results", args=[computed_survey.slug])).content.decode()
    assert "<strong>Stale:</strong>" in html
    assert "The worker recomputes stale results every 60 seconds" in html
    assert ResultsSnapshot.objects.filter(survey=computed_survey).count() == 1


def test_results_page_without_a_worker_recomputes_when_stale(
    client, researcher, computed_survey, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _submit_late(computed_survey)
    client.force_login(researcher)
    html = client.get(reverse("research:results", args=[computed_survey.slug])).content.decode()
    assert "<dt>Respondents</dt><dd>13</dd>" in html
    assert "Stale" not in html and "Up to date" in html
    assert "within about a minute" not in html
    assert ResultsSnapshot.objects.filter(survey=computed_survey).count() == 2


def test_results_page_without_a_worker_computes_a_first_snapshot(
    client, researcher, survey, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    respond(survey, answers={1: 2})
    ResultsSnapshot.objects.filter(survey=survey).delete()
    client.force_login(researcher)
    html = client.get(reverse("research:results", args=[survey.slug])).content.decode()
    assert "<dt>Respondents</dt><dd>1</dd>" in html


def test_results_page_fresh_snapshot_is_not_recomputed(client, researcher, computed_survey):
    client.force_login(researcher)
    client.get(reverse("research:results", args=[computed_survey.slug]))
    assert ResultsSnapshot.objects.filter(survey=computed_survey).count() == 1


def test_results_page_without_snapshot(client, researcher, survey):
    client.force_login(researcher)
    response = client.get(reverse("research:results", args=[survey.slug]))
    assert b"No results have been computed yet." in response.content


def test_results_table_sorts_on_the_server(client, researcher, computed_survey):
    client.force_login(researcher)
    url = reverse("research:results", args=[computed_survey.slug]) + "?sort=dont_know"
    numbers = re.findall(r"<tr>\s*<td>(\d+)</td>", client.get(url).content.decode())
    # S2 has 50% "I don't know", S1 and S3 none; unanswered statements come last.
    assert numbers[:4] == ["2", "1", "3", "4"]
    assert len(numbers) == 50


def test_results_unknown_sort_falls_back_to_number(client, researcher, computed_survey):
    client.force_login(researcher)
    html = client.get(
        reverse("research:results", args=[computed_survey.slug]) + "?sort=evil"
    ).content
    assert re.findall(r"<tr>\s*<td>(\d+)</td>", html.decode())[:2] == ["1", "2"]


@pytest.mark.parametrize("name", CHARTS + ["groups-gender"])
def test_chart_svg_has_title_and_description(client, researcher, computed_survey, name):
    client.force_login(researcher)
    response = client.get(
        reverse("research:results_chart", args=[computed_survey.slug, name, "svg"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("<svg") and "<title id=" in body and "<desc id=" in body
    assert "<script" not in body


def test_chart_png_downloads(client, researcher, computed_survey):
    client.force_login(researcher)
    url = reverse("research:results_chart", args=[computed_survey.slug, "stacked", "png"])
    response = client.get(url + "?sort=mean&download=1")
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert response["Content-Disposition"] == 'attachment; filename="agi-stacked.png"'


@pytest.mark.parametrize(
    "path", [("stacked", "gif"), ("nothing", "svg"), ("groups-stated_sector", "svg")]
)
def test_chart_unknown_is_404(client, researcher, computed_survey, path):
    # stated_sector has no group of 5 or more apart from... agi_lab and academia: 2 groups.
    client.force_login(researcher)
    response = client.get(reverse("research:results_chart", args=[computed_survey.slug, *path]))
    expected = 200 if path[0] == "groups-stated_sector" else 404
    assert response.status_code == expected


def test_chart_before_any_snapshot_is_404(client, researcher, survey):
    client.force_login(researcher)
    response = client.get(reverse("research:results_chart", args=[survey.slug, "stacked", "svg"]))
    assert response.status_code == 404


def test_export_unknown_is_404(client, researcher, computed_survey):
    client.force_login(researcher)
    response = client.get(
        reverse("research:results_export", args=[computed_survey.slug, "statements-pdf"])
    )
    assert response.status_code == 404


def test_export_statements_csv_has_the_columns(client, researcher, computed_survey):
    client.force_login(researcher)
    response = client.get(
        reverse("research:results_export", args=[computed_survey.slug, "statements-csv"])
    )
    header = response.content.decode().splitlines()[0]
    assert header.startswith('"statement","title","n","strongly_disagree",')
    assert '"mean","median","variance","se","q1","q3","agree_ci_low"' in header
    assert header.endswith('"iqr","tastle_wierman","consensus"')
    assert response["Content-Disposition"] == 'attachment; filename="agi-statements.csv"'


def test_export_latex_escapes_titles(client, researcher, computed_survey):
    client.force_login(researcher)
    response = client.get(reverse("research:results_export", args=[computed_survey.slug, "latex"]))
    text = response.content.decode()
    assert "\\begin{longtable}" in text and "\\end{longtable}" in text
    # caption, the header on the first page and on the next ones, 50 statements
    assert text.count("\\\\") == 53


def test_export_latex_has_caption_label_and_full_column_names(client, researcher, computed_survey):
    client.force_login(researcher)
    response = client.get(reverse("research:results_export", args=[computed_survey.slug, "latex"]))
    text = response.content.decode()
    assert "\\caption{Answers per statement:" in text and "\\label{tab:statements}" in text
    assert "Strongly agree (\\%) & Somewhat agree (\\%)" in text
    assert "I don't know (\\%) & Mean & SE" in text


def test_export_wide_is_anonymous_and_neutralised(client, researcher, computed_survey):
    client.force_login(researcher)
    response = client.get(reverse("research:results_export", args=[computed_survey.slug, "csv"]))
    text = b"".join(response.streaming_content).decode()
    assert "Expert" not in text and "@example.org" not in text
    assert "'=HYPERLINK" in text
    assert ",-88," in text


def test_results_pages_and_exports_are_never_cached(client, researcher, computed_survey):
    client.force_login(researcher)
    for url in [
        f"/research/{computed_survey.slug}/results/",
        f"/research/{computed_survey.slug}/results/export/csv/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize("name", ["results", "results_job", "dashboard", "emails", "audit"])
def test_results_pages_use_the_researcher_base_with_sign_out(
    client, researcher, computed_survey, name
):
    client.force_login(researcher)
    args = [computed_survey.slug]
    if name == "results_job":
        args.append(recompute_job_create(survey=computed_survey).pk)
    page = client.get(reverse(f"research:{name}", args=args)).content.decode()
    assert "Django administration" not in page
    assert '<a class="research-brand" href="/research/">surveysite' in page
    assert 'action="/research/logout/"' in page and "rita" in page
