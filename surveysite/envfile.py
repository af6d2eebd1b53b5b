"""The local `.env` that `make run` writes and the settings read.

`python -m surveysite.envfile --port 8123` creates it with DEBUG=1, a fresh SECRET_KEY,
SITE_URL and PORT. An existing file keeps every line; only PORT follows the port asked for,
and SITE_URL with it while it is still the local one written here. SECRET_KEY is never
changed: personal links are derived from it. No Django here: it runs before the settings can.
"""

import argparse
import io
import os
import secrets
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

BASE_DIR = Path(__file__).resolve().parent.parent

HEADER = """\
# Local development settings, written by `make run` (surveysite/envfile.py); git ignores it.
# Real environment variables win over it. Edit freely: `make run` only moves PORT (and a
# local SITE_URL) to the port it serves. Keep SECRET_KEY: personal links are derived from it.
# Every variable is described in .env.example and the README.
"""


def env_file_path() -> Path | None:
    """SURVEYSITE_ENV_FILE: unset means the project's .env, empty means none, else that file."""
    value = os.environ.get("SURVEYSITE_ENV_FILE")
    if value is None:
        return BASE_DIR / ".env"
    return Path(value) if value else None


def local_site_url(port: int | str | None) -> str:
    return f"http://127.0.0.1:{port}"


def new_secret_key() -> str:
    return secrets.token_urlsafe(48)  # 64 characters, 384 bits


def parse(text: str) -> dict[str, str | None]:
    # No interpolation: a value is what is written, `$` included.
    return dotenv_values(stream=io.StringIO(text), interpolate=False)


def _wanted(*, port: int, secret_key: str) -> dict[str, str]:
    return {
        "DEBUG": "1",
        "SECRET_KEY": secret_key,
        "SITE_URL": local_site_url(port),
        "PORT": str(port),
    }


def render(*, port: int, secret_key: str) -> str:
    return HEADER + "".join(
        f"{key}={value}\n" for key, value in _wanted(port=port, secret_key=secret_key).items()
    )


def update(text: str, *, port: int, secret_key: str) -> str:
    """The file with PORT (and a local SITE_URL) on `port` and what it lacks added at the end;
    every other line as it was. `secret_key` is used only if the file has none."""
    old = parse(text)
    wanted = _wanted(port=port, secret_key=secret_key)
    # A key that is missing, or a SECRET_KEY left empty, is filled in.
    changes = {key: value for key, value in wanted.items() if key not in old}
    if not old.get("SECRET_KEY"):
        changes["SECRET_KEY"] = secret_key
    changes["PORT"] = wanted["PORT"]
    if old.get("SITE_URL") == local_site_url(old.get("PORT")):
        changes["SITE_URL"] = wanted["SITE_URL"]
    changes = {key: value for key, value in changes.items() if old.get(key) != value}
    # The library's own parser, so multi-line values and comments are cut where it cuts them.
    lines = [
        f"{binding.key}={changes[binding.key]}\n"
        if binding.key in changes
        else binding.original.string
        for binding in parse_stream(io.StringIO(text))
    ]
    added = [f"{key}={value}\n" for key, value in changes.items() if key not in old]
    if added and lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return "".join(lines + added)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or update the local .env for make run.")
    parser.add_argument("--port", type=int, required=True, help="The port make run serves.")
    port = parser.parse_args(argv).port
    path = env_file_path()
    if path is None:
        print("SURVEYSITE_ENV_FILE is empty: no .env written.")
        return 0
    old = path.read_text() if path.exists() else None
    key = new_secret_key()
    new = (
        render(port=port, secret_key=key) if old is None else update(old, port=port, secret_key=key)
    )
    if new != old:
        path.touch(mode=0o600)  # it holds SECRET_KEY; the mode applies to a new file only
        path.write_text(new)
        print(f"{'Wrote' if old is None else 'Updated'} {path} (PORT={port}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
