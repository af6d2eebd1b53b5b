"""A command starts light (issue 11, "Speed of the offline jobs"): the system checks import the
URLconf, so no view may load pandas, scipy, openpyxl, pyreadstat, Pillow or the task modules
at import time; each is imported where it is used. bench/exports.py times the start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = [
    "pandas", "numpy", "scipy", "openpyxl", "pyreadstat", "PIL", "matplotlib",
    "responses.results.tasks", "responses.fieldwork.tasks",
]  # fmt: skip
PROBE = """
import json, sys
import django
django.setup()
from django.core import checks
from django.urls import get_resolver
checks.run_checks()
get_resolver().url_patterns
print(json.dumps(sorted(name for name in {heavy} if name in sys.modules)))
"""


def test_startup_and_system_checks_load_no_heavy_library():
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "surveysite.settings",
        "DEBUG": "1",
        "SURVEYSITE_ENV_FILE": "",
    }
    environment.pop("DATABASE_URL", None)
    probe = PROBE.format(heavy=repr(HEAVY))
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True,
        text=True, check=True, timeout=120,
    )  # fmt: skip
    assert json.loads(result.stdout.splitlines()[-1]) == []
