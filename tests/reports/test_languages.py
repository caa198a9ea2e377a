"""The portfolio report and the data-quality words in French and Spanish: names, not codes; durations in words, not
floats; and not one English sentence of the reports catalog left in the JSON, the PDF or the text."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf
import pytest

from app.config import get_settings
from app.i18n import current_language, translations, use_language
from app.i18n.catalogs import extract
from app.quality import service as quality
from app.quality.rules import level_words
from app.reports.pdf import report_html, report_pdf
from app.reports.service import portfolio
from app.reports.text import report_text
from tests.reports.portfolio import TODAY

EXPECTED = {
    "fr": {
        "countries": {"Kenya": 3, "France": 2, "Brésil": 2},
        "area": "Activités humanitaires",
        "stage": "En sommeil",
        "modality": "Formel (y compris en formalisation)",
        "kind": "Organisme des Nations Unies",
        "median": "20 jours",
        "window": "Dans les 30 jours",
        "heading": "Rapport sur le portefeuille",
        "month": "janv. 2027",
        "region": "Afrique orientale",
    },
    "es": {
        "countries": {"Kenia": 3, "Francia": 2, "Brasil": 2},
        "area": "Actividades humanitarias",
        "stage": "Latente",
        "modality": "Formal (incluida en formalización)",
        "kind": "Organismo de las Naciones Unidas",
        "median": "20 días",
        "window": "En los próximos 30 días",
        "heading": "Informe de cartera",
        "month": "ene 2027",
        "region": "África oriental",
    },
}
CODES = re.compile(r"\b(KE|BR|ad_hoc|un_agency|national_cso|migrant_health|research_data|humanitarian)\b")
FLOAT_DAYS = re.compile(r"\d+[.,]\d+\s*(days|jours|días|months|mois|meses)")


def _english_sentences(language: str) -> list[str]:
    """The reports catalog's English messages a translation changes (fields cut out: their fixed words only)."""
    found = []
    catalog = translations(language, "reports")
    for message in extract("reports"):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for msgid in filter(None, ids):
            translated = catalog.ngettext(*ids, 2) if len(ids) == 2 else catalog.gettext(msgid)
            if translated == msgid:
                continue
            parts = [part.strip(" .:;()·") for part in re.split(r"\{\w+\}", msgid)]
            found += [part for part in parts if part not in translated]  # "parties" is French too
    return sorted({part for part in found if len(part) >= 4 and part.strip()})


def _english_left(text: str, language: str) -> list[str]:
    flat = " ".join(text.split())
    return [part for part in _english_sentences(language) if re.search(rf"(?<!\w){re.escape(part)}(?!\w)", flat)]


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def _words(report) -> str:
    """Every text of the report a person reads (codes, keys and the month key left out)."""
    data = report.model_dump(mode="json")
    data.pop("filters")
    for row in data["stages"] + data["funnel"] + data["stage_durations"]:
        row.pop("stage"), row.pop("modality", None)
    for row in data["modalities"] + data["modality_by_area"] + data["stage_by_area"]:
        row.pop("key"), row.pop("stages", None)
    for row in data["areas"] + data["by_partner_kind"] + data["by_region"] + data["by_country"]:
        row.pop("code", None), row.pop("key", None)
    for row in data["end_dates_by_month"]:
        row.pop("month")
    us = get_settings().organisation_name  # a proper name, in no catalog
    return "\n".join(_strings(data)).replace(us, "")


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_report_in_french_and_spanish_names_things_in_words(session, small_portfolio, language):
    expected = EXPECTED[language]
    with use_language(language):
        report = portfolio(session, TODAY)
    assert report == portfolio(session, TODAY, locale=language).model_copy(update={"generated_at": report.generated_at})
    assert {c.label: c.count for c in report.by_country} == expected["countries"]
    assert {c.key for c in report.by_country} == {"KE", "FR", "BR"}  # codes stay codes
    assert next(a.name for a in report.areas if a.code == "humanitarian") == expected["area"]
    assert next(s.label for s in report.stages if s.stage == "dormant") == expected["stage"]
    assert next(m.label for m in report.modalities if m.key == "formal") == expected["modality"]
    assert next(c.label for c in report.by_partner_kind if c.key == "un_agency") == expected["kind"]
    durations = {row.stage: row for row in report.stage_durations}
    assert durations["ad_hoc"].median.replace("\xa0", " ") == expected["median"]
    assert durations["ad_hoc"].median_days == 20
    assert report.expiring[0].label == expected["window"]
    assert expected["region"] in {c.label for c in report.by_region}  # a UN M49 sub-region; "East Africa" as written
    assert expected["month"] in [m.label for m in report.end_dates_by_month]
    words = _words(report)
    assert not CODES.search(words), CODES.search(words)
    assert not FLOAT_DAYS.search(words)
    assert _english_left(words, language) == []
    assert current_language() == "en"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_pdf_and_the_text_in_french_and_spanish_hold_no_english_and_no_codes(session, small_portfolio, language):
    with use_language(language):
        report = portfolio(session, TODAY)
        pdf = report_pdf(report)
        html = report_html(report)
        text = report_text(report)
    assert f'<html lang="{language}">' in html
    content = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for output in (content, text):
        flat = " ".join(output.replace("\xa0", " ").replace("\u202f", " ").split())
        flat = flat.replace(" ".join(get_settings().organisation_name.split()), "")
        assert EXPECTED[language]["heading"] in flat
        assert EXPECTED[language]["countries"].keys() <= set(re.findall(r"\w+", flat)) | {"Brésil"}
        assert EXPECTED[language]["area"] in flat and EXPECTED[language]["median"] in flat
        assert not CODES.search(flat), CODES.search(flat)
        assert not FLOAT_DAYS.search(flat)
        assert _english_left(flat, language) == []
    assert ("Page 1 sur" if language == "fr" else "Página 1 de") in " ".join(content.split())


def test_the_english_report_is_unchanged_by_the_catalogs(session, small_portfolio):
    report = portfolio(session, TODAY)
    assert next(s.label for s in report.stages if s.stage == "ad_hoc") == "Ad hoc"
    assert report.expiring[0].label == "Within 30 days" and report.expiring[1].label == "In 31 to 60 days"
    assert report.areas[-1].name == "No area"
    assert {c.label for c in report.by_country} == {"Kenya", "France", "Brazil"}


@pytest.mark.parametrize(
    ("language", "description", "problem", "every"),
    [
        ("fr", "a une dénomination légale", "aucun domaine d'intervention n'est enregistré", "chaque organisation"),
        ("es", "tiene una denominación legal", "no se ha registrado ninguna esfera de actuación", "cada organización"),
    ],
)
def test_quality_words_in_french_and_spanish(session, small_portfolio, language, description, problem, every):
    with use_language(language):
        summary = quality.summary(session, TODAY)
        to_fix = quality.records_to_fix(session, TODAY)
        levels = [level_words(level) for level in ("required", "expected", "stale")]
    words = {"fr": ["obligatoire", "attendu", "fraîcheur"], "es": ["obligatorio", "esperado", "actualización"]}
    assert levels == words[language]
    organisations = next(part for part in summary.entities if part.entity == "organisation")
    legal_name = next(check for check in organisations.checks if check.name == "legal_name")
    assert (legal_name.description, legal_name.applies_to, legal_name.level) == (description, every, "required")
    area = next(check for check in organisations.checks if check.name == "area")
    assert area.problem == problem
    english = _english_sentences(language)
    texts = [c.description for p in summary.entities for c in p.checks] + [c.problem for p in summary.entities
             for c in p.checks] + [f.problem for item in to_fix.items for f in item.failed]  # fmt: skip
    assert [text for text in texts if text in english] == []
    assert all(item.category_label and item.category_label != item.category for item in to_fix.items)
