"""The gettext catalogs cannot be fooled: every message of every domain is in the French and Spanish catalogs,
translated, not fuzzy, and compiled; and the language machinery picks, formats and names things the reader's way."""

from __future__ import annotations

from datetime import date

import pytest

from app import i18n
from app.i18n import catalogs


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_message_is_translated_and_compiled(domain) -> None:
    assert catalogs.mapping_file(domain).exists(), f"{domain} has no pybabel mapping"
    assert catalogs.problems(domain) == []


def test_the_checker_catches_a_missing_an_untranslated_and_a_fuzzy_message(tmp_path, monkeypatch) -> None:
    mapping = catalogs.mapping_file("web").read_text()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "page.py").write_text(
        'from app.i18n import WEB\n_ = WEB.gettext\nA = _("Kept")\nB = WEB.gettext("Never translated")\n'
        'C = _("Guessed")\nD = _("Not in the catalog")\n'
    )
    locale = tmp_path / "app" / "locale"
    locale.mkdir()
    (locale / "web.cfg").write_text(mapping)
    monkeypatch.setattr(catalogs, "ROOT", tmp_path)
    monkeypatch.setattr(catalogs, "LOCALE", locale)
    for language in catalogs.TRANSLATED:
        path = catalogs.po_file(language, "web")
        path.parent.mkdir(parents=True)
        path.write_text(
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            'msgid "Kept"\nmsgstr "Gardé"\n\nmsgid "Never translated"\nmsgstr ""\n\n'
            '#, fuzzy\nmsgid "Guessed"\nmsgstr "Deviné"\n'
        )
    assert any("compile" in problem for problem in catalogs.problems("web"))
    catalogs.compile_domain("web")
    found = catalogs.problems("web")
    for language in catalogs.TRANSLATED:
        assert f"{language}/web: untranslated: 'Never translated'" in found
        assert f"{language}/web: fuzzy: 'Guessed'" in found
        assert f"{language}/web: not in the catalog: 'Not in the catalog'" in found
    assert not any("'Kept'" in problem for problem in found)


@pytest.mark.parametrize(
    ("header", "language"),
    [("fr-CH, fr;q=0.9, en;q=0.8", "fr"), ("de-DE,es;q=0.5,fr;q=0.4", "es"), ("de, it", None), ("", None),
     ("en;q=0, es", "es"), ("fr;q=bogus, es;q=0.1", "es"), ("*", None)],
)  # fmt: skip
def test_accept_language_picks_the_preferred_supported_language(header, language) -> None:
    assert i18n.negotiate(header) == language


def test_the_language_in_use_is_scoped() -> None:
    assert i18n.current_language() == "en"
    with i18n.use_language("es-MX") as chosen:
        assert chosen == "es" and i18n.current_language() == "es"
        with i18n.use_language("pt"):
            assert i18n.current_language() == "en"
        assert i18n.current_language() == "es"
    assert i18n.current_language() == "en"


@pytest.mark.parametrize(
    ("language", "end_date", "duration", "number", "kenya"),
    [("en", "31 December 2027", "1 year and 9 months", "1,234.5", "Kenya"),
     ("fr", "31 décembre 2027", "1\xa0an et 9\xa0mois", "1\u202f234,5", "Kenya"),
     ("es", "31 de diciembre de 2027", "1 año y 9 meses", "1.234,5", "Kenia")],
)  # fmt: skip
def test_facts_are_written_the_readers_way(language, end_date, duration, number, kenya) -> None:
    assert i18n.format_date(date(2027, 12, 31), language=language) == end_date
    assert i18n.format_duration(628.0, language) == duration
    assert i18n.format_number(1234.5, language) == number
    assert i18n.country_name("ke", language) == kenya


def test_short_durations_are_whole_days_and_nothing_is_a_float() -> None:
    assert i18n.format_duration(12.4, "en") == "12 days"
    assert i18n.format_duration(0, "fr") == "0\xa0jour"
    assert i18n.format_duration(None, "es") == "—"
    assert "." not in i18n.format_duration(1000.7, "en")
