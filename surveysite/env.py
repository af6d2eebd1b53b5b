"""The settings' typed readers of environment variables: each refuses a value it can't use
with a one-line ImproperlyConfigured naming the variable (surveysite/boot.py prints it)."""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    yes, no = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in yes + no:
        allowed = ", ".join(yes + no)
        raise ImproperlyConfigured(f"{name} must be one of {allowed}; not {os.environ[name]!r}.")
    return value in yes


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_choice(name: str, choices: dict[str, str], default: str) -> str:
    """The value of `choices` named by the variable."""
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; not {value!r}.")
    return choices[value]


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_database(name: str, default: str, conn_max_age: int) -> dict:
    try:
        return dj_database_url.parse(env_str(name, default), conn_max_age=conn_max_age)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a database URL we can use: {error}") from None
