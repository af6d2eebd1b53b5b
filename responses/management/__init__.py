"""Helpers shared by the management commands."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import CommandError

ERROR_SURVEY = "No survey with the slug '{slug}'."
ERROR_OUTPUT = "Cannot write {path}: {error}"


def survey_from_option(slug: str):
    from ..models import Survey

    found = Survey.objects.filter(slug=slug).first()
    if found is None:
        raise CommandError(ERROR_SURVEY.format(slug=slug))
    return found


def import_refused(command, refused) -> CommandError:
    """Write each problem of a refused import (ImportRefused) as `line N: ...`; the error to
    raise says why nothing was imported."""
    for problem in refused.problems:
        command.stderr.write(f"line {problem['line']}: {problem['message']}")
    return CommandError(str(refused))


def chunks_write(path: Path, chunks) -> None:
    """Write the chunks to a file beside `path`, then rename it: a failed export leaves no
    half-written file, and the chunks are never all in memory."""
    if not path.parent.is_dir():
        raise CommandError(ERROR_OUTPUT.format(path=path, error="no such directory"))
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise CommandError(ERROR_OUTPUT.format(path=path, error=error.strerror)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
        os.replace(temporary, path)
    except OSError as error:
        raise CommandError(ERROR_OUTPUT.format(path=path, error=error.strerror)) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
