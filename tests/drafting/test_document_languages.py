"""Documents entirely in their language: every template in en/fr/es, rendered to HTML, DOCX and PDF, with no English
word in a French or Spanish rendering (tables, header, footer, watermark, dates, countries); bilingual versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.drafting import labels, outputs
from app.drafting.template_files import KINDS, list_templates
from app.drafting.templates_engine import render
from app.i18n import LANGUAGES
from app.resources import agreement_templates_dir
from tests.drafting.document_words import (
    docx_text,
    english_in,
    english_words,
    html_text,
    neutral_variables,
    pdf_text,
    template_sources,
)

TEMPLATES = sorted(KINDS)
OTHER = ("fr", "es")
REFERENCE = "MOU-2026-0042 · PA-2026-0007"
# What the localised facts of neutral_variables read like in each language (countries, owner, dates, recurrence).
LOCALISED = {
    "fr": ["Kazakhstan", "Irlande", "15 mars 2026", "Signature", "PROJET", "Référence"],
    "es": ["Kazajistán", "Irlanda", "15 de marzo de 2026", "Firma", "BORRADOR", "Referencia"],
    "en": ["Kazakhstan", "Ireland", "15 March 2026", "Signature", "DRAFT", "Reference"],
}


def _rendered(key: str, language: str) -> str:
    result = render(key, language, neutral_variables(key))
    assert result.language == language  # no fallback to English
    return result.text


def _options(language: str) -> dict:
    return {"reference": REFERENCE, "version_label": labels.version_label(3, language), "draft": True,
            "language": language}  # fmt: skip


def test_every_template_and_every_clause_exists_in_english_french_and_spanish():
    infos = {info.key: info for info in list_templates()}
    assert set(infos) == set(KINDS)
    root = Path(agreement_templates_dir())
    for info in infos.values():
        assert set(info.languages) == set(LANGUAGES), info.key
        assert all((root / info.key / f"{language}.md.j2").is_file() for language in LANGUAGES)
    clauses = {path.name.split(".")[0] for path in (root / "clauses").glob("*.md.j2")}
    for clause in clauses:
        assert all((root / "clauses" / f"{clause}.{language}.md.j2").is_file() for language in LANGUAGES), clause
    for language in LANGUAGES:  # a template includes only clauses of its own language
        for path in root.glob(f"*/{language}.md.j2"):
            included = [line for line in path.read_text(encoding="utf-8").splitlines() if "include" in line]
            assert all(f".{language}.md.j2" in line for line in included), (path, included)


def test_the_english_word_list_is_built_from_the_sources_and_catches_english():
    french = english_words("fr")
    assert {"reference", "draft", "of", "party", "title", "witness", "until"} <= french
    assert not {"date", "signature", "organisation", "parties"} & french  # words French shares with English
    english_mou = outputs.to_html(_rendered("mou", "en"), **_options("en"))
    assert len(english_in(html_text(english_mou), "fr")) > 50  # the check sees English when there is some
    assert {"of", "draft", "reference"} <= set(english_in(html_text(outputs.to_html("# T", **_options("en"))), "fr"))


@pytest.mark.parametrize("language", OTHER)
@pytest.mark.parametrize("key", TEMPLATES)
def test_html_and_docx_in_french_and_spanish_hold_no_english_word(key, language):
    text = _rendered(key, language)
    html = html_text(outputs.to_html(text, **_options(language)))
    word = docx_text(outputs.to_docx(text, **_options(language)))
    for rendering in (html, word):
        assert english_in(rendering, language) == []
        assert all(fact in rendering for fact in LOCALISED[language]), [
            fact for fact in LOCALISED[language] if fact not in rendering
        ]
    page = {"fr": "Page  sur", "es": "Página  de"}[language]  # the footer around the page fields
    assert page in " ".join(word.split("\n"))


@pytest.mark.parametrize("language", OTHER)
@pytest.mark.parametrize("key", TEMPLATES)
def test_pdf_in_french_and_spanish_holds_no_english_word(key, language):
    text = pdf_text(outputs.to_pdf(_rendered(key, language), **_options(language)))
    assert english_in(text, language) == []
    assert {"fr": "Page 1 sur", "es": "Página 1 de"}[language] in text
    assert all(fact in text for fact in LOCALISED[language])


@pytest.mark.parametrize("key", TEMPLATES)
def test_english_renderings_keep_their_english_labels(key):
    text = _rendered(key, "en")
    html = html_text(outputs.to_html(text, **_options("en")))
    assert all(fact in html for fact in LOCALISED["en"])
    assert "Reference: MOU-2026-0042" in html and "Page   of" in html and "version 3 · DRAFT" in html


def test_facts_are_localised_only_outside_english():
    variables = neutral_variables("mou")
    french = render("mou", "fr", variables).text
    assert "Responsable du partenariat" in french and "Irlande" in french
    assert "Ж-report (échéance mensuelle jusqu'au 30 juin 2027)" in french
    spanish = render("mou", "es", variables).text
    assert (
        "Responsable de la asociación" in spanish and "(periodicidad mensual, hasta el 30 de junio de 2027)" in spanish
    )
    english = render("mou", "en", variables).text
    assert "Partnership owner" in english and "Ж-report (monthly until 2027-06-30)" in english
    note = render("ad_hoc_note", "fr", neutral_variables("ad_hoc_note")).text
    assert "Visite de terrain" in note and "Field visit" not in note


def _bilingual(key: str = "mou") -> str:
    return f"{_rendered(key, 'en')}\n{labels.LANGUAGE_BREAK.format(language='fr')}\n\n{_rendered(key, 'fr')}"


def test_a_bilingual_version_prints_both_texts_one_after_the_other():
    text = _bilingual()
    options = _options("en+fr")
    page = outputs.to_html(text, **options)
    assert '<section lang="en">' in page and '<section lang="fr" class="second-language">' in page
    shown = html_text(page)
    assert shown.index("Memorandum of Understanding") < shown.index("Mémorandum d'accord")
    assert "Reference: " in shown and "Référence : " in shown and "DRAFT / PROJET" in shown
    assert labels.LANGUAGE_BREAK.format(language="fr") not in shown
    word = docx_text(outputs.to_docx(text, **options))
    assert word.index("Memorandum of Understanding") < word.index("Mémorandum d'accord")
    assert "| Party |" not in word and "Partie" in word and "Party" in word


def test_a_bilingual_pdf_starts_the_second_language_on_a_new_page():
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(outputs.to_pdf(_bilingual("amendment"), **_options("en+fr"))))
    pages = [page.extract_text() for page in reader.pages]
    second = next(index for index, page in enumerate(pages) if "Avenant à l'accord" in page)
    assert second > 0 and "Amendment to the" not in pages[second]
    assert "Page 1 of" in pages[0] and "Page 1 sur" in pages[0]


def test_languages_of_a_document():
    assert labels.languages_of("en+fr") == ["en", "fr"]
    assert labels.languages_of("fr-CH") == ["fr"]
    assert labels.languages_of(None) == ["en"]
    assert outputs.split_texts("a\n<!-- language: fr -->\nb", "en+fr") == [("en", "a"), ("fr", "b")]
    assert outputs.split_texts("a\n<!-- language: fr -->\nb", "en") == [("en", "a\n<!-- language: fr -->\nb")]


def test_every_language_has_its_template_sources():
    assert all(template_sources(language) for language in LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_example_mous_in_docs_are_what_the_product_renders(language):
    from app.devtools.example_documents import EXAMPLES, REFERENCE, example_variables

    text = render("mou", language, example_variables(language)).text
    fresh = outputs.to_docx(text, reference=REFERENCE, version_label=labels.version_label(1, language),
                            language=language)  # fmt: skip
    shipped = (EXAMPLES / f"mou.{language}.docx").read_bytes()
    assert docx_text(shipped) == docx_text(fresh), "run python -m app.devtools.example_documents"
    assert (EXAMPLES / f"mou.{language}.pdf").read_bytes().startswith(b"%PDF")
    if language != "en":  # the organisation's legal name is English: it is a fact, not a label
        without_name = docx_text(shipped).replace("International Organization for Migration", "")
        assert english_in(without_name, language) == []
