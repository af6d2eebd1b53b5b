"""What the offline commands load before they work: not the URLconf, not pandas or scipy."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
import django
django.setup()
from django.core.management import load_command_class
for name in ("compute_results", "export_responses", "export_codebook"):
    command = load_command_class("responses", name)
    assert command.requires_system_checks == [], name
print(" ".join(m for m in ("pandas", "scipy.stats", "responses.urls") if m in sys.modules))
"""


def test_commands_start_without_the_urlconf_pandas_or_scipy():
    env = {"DJANGO_SETTINGS_MODULE": "surveysite.settings", "DEBUG": "1", "PATH": "/usr/bin"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
