"""`manage.py collectstatic` with DEBUG off: every file of static/ gets its hashed copy."""

import json

from django.conf import settings


def test_collectstatic_with_debug_off_writes_a_hashed_copy_of_every_file(collected_static):
    # The manifest storage rewrites the references inside CSS and JS; one to a file we do not
    # ship (a vendored `sourceMappingURL`) fails the whole collectstatic.
    ours = sorted(
        path.relative_to(settings.BASE_DIR / "static").as_posix()
        for path in (settings.BASE_DIR / "static").rglob("*")
        if path.is_file()
    )
    paths = json.loads((collected_static / "staticfiles.json").read_text())["paths"]
    missing = [name for name in ours if not (collected_static / paths.get(name, name)).is_file()]
    unhashed = [name for name in ours if paths.get(name, name) == name]
    assert (missing, unhashed) == ([], [])


def test_collectstatic_compresses_the_stylesheets_and_scripts(collected_static):
    paths = json.loads((collected_static / "staticfiles.json").read_text())["paths"]
    text = [hashed for name, hashed in paths.items() if name.endswith((".css", ".js"))]
    uncompressed = [name for name in text if not (collected_static / f"{name}.gz").is_file()]
    assert text and uncompressed == []
