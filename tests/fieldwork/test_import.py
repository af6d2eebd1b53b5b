import codecs
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from responses import uploads
from responses.fieldwork.services import experts, staging
from responses.fieldwork.services.experts import experts_import, experts_parse
from responses.models import AuditEvent, Invitation, Job
from responses.uploads import ImportRefused
from tests.factories import research_url as url

pytestmark = pytest.mark.django_db

GOOD = (
    "name,email,sector,affiliation,country\n"
    "Ann Lab,ann@lab.example,agi_lab,Lab One,UK\n"
    "Carl Uni,carl@uni.example,academia,Uni Two,\n"
)


def parse(survey, text, filename="list.csv", encoding="utf-8"):
    return experts_parse(survey=survey, data=text.encode(encoding), filename=filename)


def test_parse_reads_rows_and_keeps_extra_columns_as_attributes(survey):
    parsed = parse(survey, GOOD)
    assert parsed.problems == []
    assert [row["email"] for row in parsed.rows] == ["ann@lab.example", "carl@uni.example"]
    assert parsed.rows[0]["attributes"] == {"country": "UK"}
    assert parsed.rows[1]["attributes"] == {}
    assert parsed.extra_columns == ["country"]


def test_parse_accepts_utf8_with_bom_and_non_ascii_names(survey):
    data = codecs.BOM_UTF8 + GOOD.replace("Ann Lab", "Anna Müller-Łukasz").encode()
    parsed = experts_parse(survey=survey, data=data, filename="list.csv")
    assert parsed.problems == []
    assert parsed.rows[0]["name"] == "Anna Müller-Łukasz"


def test_parse_refuses_latin1_with_line_number(survey):
    text = GOOD + "Zoë Nonutf,zoe@x.example,other,Inst\n"
    with pytest.raises(ImportRefused) as refused:
        parse(survey, text, encoding="latin-1")
    assert str(refused.value) == uploads.ERROR_ENCODING.format(line=4)


def test_parse_refuses_utf16(survey):
    with pytest.raises(ImportRefused) as refused:
        parse(survey, GOOD, encoding="utf-16")
    assert str(refused.value) == uploads.ERROR_ENCODING_UTF16


def test_parse_reports_missing_columns_on_line_1(survey):
    parsed = parse(survey, "name,email\nAnn,ann@lab.example\n")
    assert parsed.problems == [
        {"line": 1, "message": experts.ERROR_MISSING_COLUMNS.format(columns="sector, affiliation")}
    ]


def test_parse_lists_each_row_problem_with_its_line(survey, invitation):
    text = (
        "name,email,sector,affiliation\n"
        "Ann,ann@lab.example,agi_lab,\n"
        ",not-an-email,martian,\n"
        "Ann Again,ANN@lab.example,academia,\n"
        "Alice,alice@example.org,academia,\n"
    )
    parsed = parse(survey, text)
    assert parsed.problems == [
        {"line": 3, "message": experts.ERROR_NAME},
        {"line": 3, "message": experts.ERROR_EMAIL.format(email="not-an-email")},
        {
            "line": 3,
            "message": experts.ERROR_SECTOR.format(
                sector="martian", choices="agi_lab, academia, civil_society, other"
            ),
        },
        {
            "line": 4,
            "message": experts.ERROR_DUPLICATE_FILE.format(email="ANN@lab.example", line=2),
        },
        {"line": 5, "message": experts.ERROR_DUPLICATE_SURVEY.format(email="alice@example.org")},
    ]


def test_parse_counts_lines_of_multiline_quoted_fields(survey):
    text = 'name,email,sector,affiliation\n"Ann","ann@x.example",agi_lab,"Two\nlines"\nBob,bad,,\n'
    parsed = parse(survey, text)
    assert parsed.problems == [{"line": 4, "message": experts.ERROR_EMAIL.format(email="bad")}]


def test_parse_accepts_sector_labels_in_any_case(survey):
    parsed = parse(survey, "name,email,sector,affiliation\nAnn,a@x.example,Civil Society,\n")
    assert parsed.problems == []
    assert parsed.rows[0]["sector"] == "civil_society"


def xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_parse_reads_xlsx(survey):
    data = xlsx(
        [
            ["Name", "Email", "Sector", "Affiliation", "Seniority"],
            ["Ann", "ann@lab.example", "agi_lab", "Lab", 3],
            ["Bob", "bob@", "academia", "Uni", None],
        ]
    )
    parsed = experts_parse(survey=survey, data=data, filename="list.xlsx")
    assert parsed.rows[0]["attributes"] == {"seniority": "3"}
    assert parsed.problems == [{"line": 3, "message": experts.ERROR_EMAIL.format(email="bob@")}]


def test_parse_refuses_a_broken_xlsx_and_other_formats(survey):
    with pytest.raises(ImportRefused, match="Excel"):
        experts_parse(survey=survey, data=b"not a zip", filename="list.xlsx")
    with pytest.raises(ImportRefused) as refused:
        experts_parse(survey=survey, data=b"x", filename="list.pdf")
    assert str(refused.value) == uploads.ERROR_FORMAT


def test_import_creates_the_surveys_experts_and_their_invitations(survey, researcher):
    parsed = parse(survey, GOOD)
    assert experts_import(survey=survey, rows=parsed.rows, actor=researcher) == 2
    carl = Invitation.objects.get(survey=survey, expert__email="carl@uni.example")
    assert (carl.expert.sector, carl.expert.affiliation) == ("academia", "Uni Two")
    assert carl.expert.survey == survey
    assert carl.expert.attributes == {}
    assert len(carl.link_hash) == 64
    event = AuditEvent.objects.filter(action="experts.imported").get()
    assert (event.survey, event.actor, event.data) == (survey, researcher, {"invitations": 2})


def test_import_is_all_or_nothing(survey, invitation):
    rows = parse(survey, GOOD).rows + [
        {
            "line": 9,
            "name": "Alice",
            "email": "alice@example.org",
            "sector": "",
            "affiliation": "",
            "attributes": {},
        }
    ]
    with pytest.raises(ImportRefused):
        experts_import(survey=survey, rows=rows)
    assert Invitation.objects.filter(survey=survey).count() == 1


def test_import_view_previews_problems_and_imports_nothing(researcher_client, survey):
    upload = io.BytesIO(b"name,email,sector,affiliation\nAnn,nope,agi_lab,\n")
    upload.name = "list.csv"
    response = researcher_client.post(url("import", survey), {"file": upload}, follow=True)
    assert response.status_code == 200
    assert "The file has 1 problem" in response.content.decode()
    assert "&#x27;nope&#x27; is not a valid email address." in response.content.decode()
    job = Job.objects.get(kind="experts_import")
    confirm = researcher_client.post(url("import_confirm", survey, job.pk), follow=True)
    assert experts.ERROR_HAS_PROBLEMS in confirm.content.decode()
    assert Invitation.objects.count() == 0


def test_import_view_confirms_once_from_the_stored_upload(researcher_client, survey):
    upload = io.BytesIO(GOOD.encode())
    upload.name = "list.csv"
    preview = researcher_client.post(url("import", survey), {"file": upload}, follow=True)
    assert "2 experts ready to import" in preview.content.decode()
    job = Job.objects.get(kind="experts_import")
    # Rows posted back with the confirmation are ignored: only the stored upload counts.
    researcher_client.post(url("import_confirm", survey, job.pk), {"rows": "evil@x.example"})
    again = researcher_client.post(url("import_confirm", survey, job.pk), follow=True)
    assert again.status_code == 400
    assert staging.ERROR_ALREADY_USED in again.content.decode()
    assert sorted(Invitation.objects.values_list("expert__email", flat=True)) == [
        "ann@lab.example",
        "carl@uni.example",
    ]


def test_import_view_refuses_an_unreadable_file_clearly(researcher_client, survey):
    upload = io.BytesIO("name,email,sector,affiliation\nZoë,z@x.example,,\n".encode("latin-1"))
    upload.name = "list.csv"
    response = researcher_client.post(url("import", survey), {"file": upload})
    assert response.status_code == 400
    assert "not valid UTF-8" in response.content.decode()
    assert Job.objects.count() == 0


def test_import_command_imports_a_file(survey, tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text(GOOD)
    call_command("import_experts", "--survey", survey.slug, str(path))
    assert "Imported 2 experts" in capsys.readouterr().out
    assert Invitation.objects.filter(survey=survey).count() == 2


def test_import_command_lists_problems_and_imports_nothing(survey, tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text(GOOD + "Dup,ann@lab.example,agi_lab,\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_experts", "--survey", survey.slug, str(path))
    assert "line 4: ann@lab.example appears already on line 2." in capsys.readouterr().err
    assert Invitation.objects.count() == 0


def test_import_command_refuses_unknown_survey(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(GOOD)
    with pytest.raises(CommandError, match="No survey"):
        call_command("import_experts", "--survey", "nope", str(path))


def test_parse_reports_fields_longer_than_the_database_stores(survey):
    name, affiliation, note = "N" * 201, "A" * 301, "x" * 1001
    email = "e" * 243 + "@example.org"  # 255 characters
    text = f"name,email,sector,affiliation,note\n{name},{email},,{affiliation},{note}\n"
    assert parse(survey, text).problems == [
        {"line": 2, "message": experts.ERROR_TOO_LONG.format(field="name", limit=200)},
        {"line": 2, "message": experts.ERROR_TOO_LONG.format(field="email", limit=254)},
        {"line": 2, "message": experts.ERROR_TOO_LONG.format(field="affiliation", limit=300)},
        {"line": 2, "message": experts.ERROR_ATTRIBUTE_TOO_LONG.format(column="note", limit=1000)},
    ]


def test_parse_accepts_fields_as_long_as_the_database_stores(survey):
    name, affiliation, note = "N" * 200, "A" * 300, "x" * 1000
    email = "e" * 242 + "@example.org"  # 254 characters
    text = f"name,email,sector,affiliation,note\n{name},{email},,{affiliation},{note}\n"
    assert parse(survey, text).problems == []


def test_parse_refuses_a_line_break_in_a_name(survey):
    parsed = parse(survey, 'name,email,sector,affiliation\n"Ann\nLab",ann@lab.example,,\n')
    assert parsed.problems == [{"line": 2, "message": experts.ERROR_NAME_BREAK}]


def test_parse_reports_an_attribute_column_name_too_long_on_line_1(survey):
    column = "c" * 101
    parsed = parse(survey, f"name,email,sector,affiliation,{column}\nAnn,ann@lab.example,,,x\n")
    message = experts.ERROR_ATTRIBUTE_NAME.format(column="c" * 59 + "…", limit=100)
    assert parsed.problems == [{"line": 1, "message": message}]


def test_parse_quotes_long_values_cut_short_in_problems(survey):
    parsed = parse(
        survey, "name,email,sector,affiliation\nAnn,ann@lab.example," + "m" * 500 + ",\n"
    )
    choices = "agi_lab, academia, civil_society, other"
    message = experts.ERROR_SECTOR.format(sector="m" * 59 + "…", choices=choices)
    assert parsed.problems == [{"line": 2, "message": message}]


def test_import_view_refuses_a_nul_byte_with_a_400_and_stages_nothing(researcher_client, survey):
    upload = io.BytesIO(b"name,email,sector,affiliation\nAnn\x00,ann@lab.example,,\n")
    upload.name = "list.csv"
    response = researcher_client.post(url("import", survey), {"file": upload})
    assert response.status_code == 400
    message = uploads.ERROR_CONTROL.format(line=2, column=1, code=0)
    assert message in response.content.decode()
    assert Job.objects.count() == 0


def test_import_view_refuses_a_field_past_the_csv_limit_with_a_400(researcher_client, survey):
    upload = io.BytesIO(b"name,email,sector,affiliation\nAnn,ann@lab.example,," + b"x" * 140_000)
    upload.name = "list.csv"
    response = researcher_client.post(url("import", survey), {"file": upload})
    assert response.status_code == 400
    assert uploads.ERROR_FIELD_TOO_LONG.format(line=2) in response.content.decode()
    assert Job.objects.count() == 0


def test_import_view_without_a_file_is_a_400(researcher_client, survey):
    response = researcher_client.post(url("import", survey), {})
    assert response.status_code == 400
    assert Job.objects.count() == 0
