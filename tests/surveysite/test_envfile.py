"""The local .env that `make run` writes: created once, then only the port follows."""

import stat

from surveysite import envfile

USER_FILE = """\
# mine
export EMAIL_BACKEND=console
SECRET_KEY='kept-key'   # do not touch
DEBUG=1
SITE_URL=http://127.0.0.1:8000
PORT=8000
"""


def test_new_secret_key_is_long_and_fresh_each_time():
    first, second = envfile.new_secret_key(), envfile.new_secret_key()
    assert len(first) >= 50
    assert first != second


def test_render_writes_debug_the_key_the_local_site_url_and_the_port_under_a_header():
    text = envfile.render(port=8123, secret_key="k" * 50)
    assert envfile.parse(text) == {
        "DEBUG": "1",
        "SECRET_KEY": "k" * 50,
        "SITE_URL": "http://127.0.0.1:8123",
        "PORT": "8123",
    }
    header = text.split("\nDEBUG=")[0]
    assert all(line.startswith("#") for line in header.splitlines())
    assert "Real environment variables win over it" in header


def test_parse_reads_comments_quotes_and_export():
    text = "# note\n\nexport A=1\nB='two words'  # why\nC=\"x\"\nD=\n"
    assert envfile.parse(text) == {"A": "1", "B": "two words", "C": "x", "D": ""}


def test_parse_takes_dollar_signs_literally():
    assert envfile.parse("SECRET_KEY=ab${HOME}cd\n") == {"SECRET_KEY": "ab${HOME}cd"}


def test_update_on_the_same_port_changes_nothing():
    assert envfile.update(USER_FILE, port=8000, secret_key="new") == USER_FILE


def test_update_moves_the_port_and_the_local_site_url_in_place_and_keeps_the_rest():
    text = envfile.update(USER_FILE, port=8123, secret_key="new")
    assert text == USER_FILE.replace(":8000", ":8123").replace("PORT=8000", "PORT=8123")


def test_update_keeps_a_custom_site_url():
    custom = USER_FILE.replace("http://127.0.0.1:8000", "https://survey.example.org")
    text = envfile.update(custom, port=8123, secret_key="new")
    assert envfile.parse(text)["SITE_URL"] == "https://survey.example.org"
    assert envfile.parse(text)["PORT"] == "8123"


def test_update_never_changes_an_existing_secret_key():
    text = envfile.update(USER_FILE, port=8123, secret_key="new")
    assert envfile.parse(text)["SECRET_KEY"] == "kept-key"


def test_update_fills_an_empty_secret_key_in_place():
    text = envfile.update("SECRET_KEY=\nPORT=8123\n", port=8123, secret_key="new")
    assert text.startswith("SECRET_KEY=new\nPORT=8123\n")


def test_update_adds_what_the_file_lacks_after_the_users_lines():
    text = envfile.update("EMAIL_BACKEND=console", port=8123, secret_key="new")
    assert text == (
        "EMAIL_BACKEND=console\n"
        "DEBUG=1\nSECRET_KEY=new\nSITE_URL=http://127.0.0.1:8123\nPORT=8123\n"
    )


def test_update_rewrites_every_line_of_a_repeated_key():
    text = envfile.update("PORT=8000\nPORT=8001\n", port=8123, secret_key="new")
    assert text.startswith("PORT=8123\nPORT=8123\n")


def test_env_file_is_the_projects_unless_the_variable_says_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("SURVEYSITE_ENV_FILE", raising=False)
    assert envfile.env_file_path() == envfile.BASE_DIR / ".env"
    monkeypatch.setenv("SURVEYSITE_ENV_FILE", str(tmp_path / "local.env"))
    assert envfile.env_file_path() == tmp_path / "local.env"
    monkeypatch.setenv("SURVEYSITE_ENV_FILE", "")
    assert envfile.env_file_path() is None


def test_main_creates_a_private_file_then_follows_the_port_and_keeps_the_key(monkeypatch, tmp_path):
    path = tmp_path / ".env"
    monkeypatch.setenv("SURVEYSITE_ENV_FILE", str(path))
    assert envfile.main(["--port", "8000"]) == 0
    first = envfile.parse(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert envfile.main(["--port", "8123"]) == 0
    second = envfile.parse(path.read_text())
    assert second == {**first, "SITE_URL": "http://127.0.0.1:8123", "PORT": "8123"}


def test_main_writes_nothing_when_the_variable_is_empty(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEYSITE_ENV_FILE", "")
    monkeypatch.chdir(tmp_path)
    assert envfile.main(["--port", "8123"]) == 0
    assert list(tmp_path.iterdir()) == []
