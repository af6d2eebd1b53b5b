"""The committed catalogues: every message of the German .po translated, the compiled .mo
holding exactly the .po's translations (so nobody forgot `make messages`), placeholders kept."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}")
LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: {"msgid": ..., "msgid_plural"?: ..., "msgstr": [...]}."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry, key = {"msgstr": []}, None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = LINE.match(line)
            if match:
                key, value = match.group(1), ast.literal_eval(match.group(2))
                if key.startswith("msgstr"):
                    entry["msgstr"].append(value)
                else:
                    entry[key] = value
            elif line.startswith('"') and key is not None:
                if key.startswith("msgstr"):
                    entry["msgstr"][-1] += ast.literal_eval(line)
                else:
                    entry[key] += ast.literal_eval(line)
        entries.append(entry)
    return [entry for entry in entries if entry.get("msgid")]  # not the header


def catalog_path(language: str, suffix: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"django.{suffix}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_locale_every_message_is_translated(language):
    entries = po_entries(catalog_path(language, "po"))
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstr"])]
    assert entries and untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_locale_no_message_is_fuzzy(language):
    text = catalog_path(language, "po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text and "fuzzy," not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_locale_translations_keep_the_placeholders(language):
    # A plural's first form answers the msgid, its further forms the msgid_plural (an English
    # singular may leave the count out: "This question is optional.").
    wrong = [
        e["msgid"]
        for e in po_entries(catalog_path(language, "po"))
        for index, msgstr in enumerate(e["msgstr"])
        if set(PLACEHOLDER.findall(msgstr))
        != set(
            PLACEHOLDER.findall(e["msgid_plural"] if index and "msgid_plural" in e else e["msgid"])
        )
    ]
    assert wrong == []


def _mo_catalog(language: str) -> dict:
    with catalog_path(language, "mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    return {key: value for key, value in catalog.items() if key != ""}


def _po_catalog(language: str) -> dict:
    """The .po as the .mo stores it: (msgid, n) for plurals, msgctxt joined by \\x04."""
    catalog = {}
    for entry in po_entries(catalog_path(language, "po")):
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            catalog |= {(msgid, n): text for n, text in enumerate(entry["msgstr"])}
        else:
            catalog[msgid] = entry["msgstr"][0]
    return catalog


@pytest.mark.parametrize("language", LANGUAGES)
def test_locale_compiled_catalogue_matches_the_po(language):
    assert _mo_catalog(language) == _po_catalog(language)
