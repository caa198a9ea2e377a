"""Agreement templates: every shipped template renders the Markdown subset; the sandbox refuses abuse."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from app.drafting.preflight import preflight
from app.drafting.samples import sample_variables
from app.drafting.sandbox import format_date, inline
from app.drafting.template_files import KINDS, find_template, get_template_info, list_templates, load_template_info
from app.drafting.templates_engine import (
    PreflightFailed,
    TemplateError,
    UnknownTemplate,
    render,
    render_source,
    validate_custom_template,
)

ALL = ("en", "fr", "es")
SHIPPED = {
    "mou": ALL,
    "undertaking_record": ALL,
    "ad_hoc_note": ALL,
    "amendment": ALL,
    "extension": ALL,
    "renewal": ALL,
    "termination_notice": ALL,
}
TABLE_HEADERS = {
    "en": "| Party | Name | Title | Date | Signature |",
    "fr": "| Partie | Nom | Fonction | Date | Signature |",
    "es": "| Parte | Nombre | Cargo | Fecha | Firma |",
}
TABLE_HEADER = TABLE_HEADERS["en"]
ALLOWED_LINE = re.compile(r"^(## \d+\. \S.*|## \S.*|- \S.*|\|.*\||Reference: \S.*|[^#\-|\s].*)$")


def all_renderings() -> list[tuple[str, str]]:
    return [(key, language) for key, languages in SHIPPED.items() for language in languages]


def clause_numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^## (\d+)\. ", text, flags=re.MULTILINE)]


def table_rows(text: str, language: str = "en") -> list[str]:
    lines = text.splitlines()
    start = lines.index(TABLE_HEADERS[language])
    rows = []
    for line in lines[start + 1 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def split_cells(row: str) -> list[str]:
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)[1:-1]]


def assert_markdown_subset(text: str) -> None:
    lines = text.splitlines()
    assert lines[0].startswith("# ") and len(lines[0]) > 2
    assert not any(line.startswith("#") and not line.startswith("## ") for line in lines[1:])
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "\n\n\n" not in text
    for line in lines[1:]:
        assert line == "" or ALLOWED_LINE.match(line), f"line outside the Markdown subset: {line!r}"
    if len(lines) > 1 and lines[1].startswith("Reference: "):
        assert lines[1] == "Reference: PA-2026-0042"
    assert not any(line.startswith("Reference:") for line in lines[2:])
    numbers = clause_numbers(text)
    assert numbers == list(range(1, len(numbers) + 1)), numbers


def test_the_library_lists_every_shipped_template_with_valid_metadata():
    infos = {info.key: info for info in list_templates()}
    assert set(infos) == set(SHIPPED)
    for key, languages in SHIPPED.items():
        info = infos[key]
        assert info.languages == languages
        assert set(info.kinds) <= KINDS and key in info.kinds
        assert info.version == "1.0"
        assert all(v.description and v.description[0].islower() for v in info.variables)


@pytest.mark.parametrize(("key", "language"), all_renderings())
def test_every_template_renders_the_markdown_subset_in_every_language(key, language):
    variables = sample_variables(key)
    result = render(key, language, variables)
    assert (result.template_key, result.template_version, result.language) == (key, "1.0", language)
    assert result.missing == []
    assert_markdown_subset(result.text)
    assert len(clause_numbers(result.text)) >= 3
    rows = table_rows(result.text, language)
    names = [variables["organisation_name"]] + [p["legal_name"] for p in variables["partners"]]
    assert [split_cells(row)[0] for row in rows] == names
    assert all(len(split_cells(row)) == 5 and row.endswith("| |") for row in rows)
    assert "{{" not in result.text and "{%" not in result.text


def test_the_mou_has_every_clause_in_order_and_the_signature_row_values():
    text = render("mou", "en", sample_variables()).text
    headings = re.findall(r"^## (?:\d+\. )?(.+)$", text, flags=re.MULTILINE)
    assert headings == [
        "Purpose",
        "Definitions",
        "Areas of cooperation",
        "Obligations of the Parties",
        "Entry into force, duration, amendment and termination",
        "Privileges and immunities",
        "Data protection",
        "Use of name and emblem",
        "Confidentiality",
        "Settlement of disputes",
        "Notices",
        "Signatures",
    ]
    assert "| International Organization for Migration | Amy Pope | Director General | 15 March 2026 | |" in text
    assert "| Ассоциация «Мигрант» | Айгерим Сапарова | Председатель | 14 March 2026 | |" in text
    assert "60 days' written notice" in text
    assert "- Jean Dupont, Partnerships Officer, jd@example.org" in text
    assert "- migrant health: mobile clinics at border crossing points" in text
    assert "- fund the mobile clinics (by 1 September 2026)" in text
    assert "until 31 December 2027" in text


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_data_protection_appears_only_when_personal_data_is_handled(language):
    heading = {"en": "Data protection", "fr": "Protection des données", "es": "Protección de datos"}[language]
    with_data = render("mou", language, sample_variables()).text
    variables = sample_variables() | {"handles_personal_data": False}
    without = render("mou", language, variables).text
    assert re.search(rf"^## \d+\. {heading}$", with_data, flags=re.MULTILINE)
    assert heading not in without
    assert_markdown_subset(without)
    assert len(clause_numbers(without)) == len(clause_numbers(with_data)) - 1


def test_dates_use_the_month_names_of_the_language():
    assert format_date("2027-12-31") == "31 December 2027"
    assert format_date("2027-12-31", "fr") == "31 décembre 2027"
    assert format_date("2027-01-01", "fr-CH") == "1er janvier 2027"
    assert format_date("2027-12-31", "es") == "31 de diciembre de 2027"
    assert "hasta el 31 de diciembre de 2027" in render("mou", "es", sample_variables()).text


def test_preflight_lists_every_missing_variable_in_plain_words():
    variables = sample_variables()
    for name in ("end_date", "purpose", "partners", "notice_period_days"):
        del variables[name]
    with pytest.raises(PreflightFailed) as caught:
        render("mou", "en", variables)
    messages = {p.variable: p.message for p in caught.value.problems}
    assert messages == {
        "end_date": "the end date of the agreement is missing",
        "purpose": "the purpose of the partnership is missing",
        "partners": "the partners who are party to the agreement is missing",
        "notice_period_days": "the notice period is missing",
    }


def test_preflight_explains_wrong_types():
    info = get_template_info("mou")
    variables = sample_variables() | {
        "notice_period_days": "sixty",
        "end_date": "31/12/2027",
        "handles_personal_data": "yes",
        "partners": [{"short_name": "X"}],
        "contacts": [{"party": "International Organization for Migration", "name": "A", "email": "nope"}],
    }
    messages = [p.message for p in preflight(info, variables)]
    assert "the notice period must be a whole number of days" in messages
    assert "the end date of the agreement must be a date like 2027-12-31" in messages
    assert "whether the partnership handles personal data must be yes or no (true or false)" in messages
    assert "the partners who are party to the agreement: party 1 has no legal name" in messages
    assert "the focal points of each party: contact 1 needs a valid email address" in messages
    negative = preflight(info, sample_variables() | {"notice_period_days": -1})
    assert [p.message for p in negative] == ["the notice period must be a whole number of days"]


def test_preflight_refuses_an_obligation_owed_by_someone_who_is_not_a_party():
    variables = sample_variables()
    variables["obligations"] = [*variables["obligations"], {"party": "Nobody Ltd", "description": "pay"}]
    problems = preflight(get_template_info("mou"), variables)
    assert [p.variable for p in problems] == ["obligations"]
    assert "'Nobody Ltd', which is not a party to the agreement" in problems[0].message


def test_optional_variables_left_out_are_reported_and_rendered_blank():
    variables = sample_variables()
    for name in ("reference", "organisation_signatory_name", "organisation_signatory_title", "organisation_signed_on"):
        del variables[name]
    result = render("mou", "en", variables)
    assert sorted(result.missing) == sorted(
        ["reference", "organisation_signatory_name", "organisation_signatory_title", "organisation_signed_on"]
    )
    assert not result.text.splitlines()[1].startswith("Reference")
    assert "| International Organization for Migration | | | | |" in result.text
    assert_markdown_subset(result.text)


def test_language_falls_back_to_the_base_language_then_english():
    assert find_template("mou", "fr-CH")[1] == "fr"
    assert find_template("mou", "es_AR")[1] == "es"
    assert find_template("mou", "de")[1] == "en"
    assert find_template("amendment", "fr")[1] == "fr"
    assert find_template("amendment", "de")[1] == "en"
    assert render("mou", "fr-CH", sample_variables()).text.startswith("# Mémorandum d'accord\n")
    assert render("mou", "de", sample_variables()).language == "en"
    with pytest.raises(UnknownTemplate):
        find_template("../mou", "en")
    with pytest.raises(UnknownTemplate):
        find_template("clauses", "en")


def test_special_characters_come_out_verbatim():
    text = render("mou", "en", sample_variables()).text
    assert 'Smith & <Partners> "Alliance" O\'Neil' in text
    assert "Ассоциация «Мигрант»" in text
    assert "&amp;" not in text and "&lt;" not in text and "&#34;" not in text


def test_user_text_cannot_create_headings_bullets_or_tables():
    variables = sample_variables()
    variables["purpose"] = "to cooperate\n# Heading\n\n## 99. Fake clause\n| x | y |\n- bullet"
    variables["partners"][1]["legal_name"] = "| x |\n# Evil | Corp"
    variables["areas"] = ["# not a heading", "| x |", "- nested", "plain\n\n- sneaky"]
    variables["obligations"] = [o for o in variables["obligations"] if o["party"] != "the Alliance"]
    variables["contacts"] = variables["contacts"][:2]
    text = render("mou", "en", variables).text
    assert_markdown_subset(text)
    assert "\n# " not in text
    assert "\n## 99." not in text
    assert "following purpose: to cooperate # Heading ## 99. Fake clause | x | y | - bullet" in text
    assert "- \\# not a heading\n- \\| x |\n- \\- nested\n- plain - sneaky\n" in text
    rows = table_rows(text)
    assert len(rows) == 3
    assert rows[2] == "| \\| x \\| # Evil \\| Corp | | | | |"
    assert split_cells(rows[2])[0] == "| x | # Evil | Corp"
    assert [line for line in text.splitlines() if line.startswith("|")] == [TABLE_HEADER, *rows]


def test_inline_filter_collapses_lines_and_escapes_structure():
    assert inline("a\r\nb\n\n c") == "a b c"
    assert inline("  # title") == "\\# title"
    assert inline("- item") == "\\- item"
    assert inline("| cell |") == "\\| cell |"
    assert inline("* star") == "\\* star"
    assert inline(None) == ""


SSTI_PAYLOADS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ config }}",
    "{{ self._TemplateReference__context }}",
    "{{ range.__globals__ }}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "{{ 'a' * 10**9 }}",
    "{{ [1] * 10**9 }}",
    "{{ 2 ** 100000000 }}",
    "{{ ('a' * 10000).replace('a', 'a' * 10000) }}",
    "{{ 'a'|center(1000000000) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '%999999999s' % 1 }}",
    "{{ lipsum(10**6) }}",
    "{% set a = ['x' * 10000] %}{% set b = [a,a,a,a,a,a,a,a,a,a] %}{% set c = [b,b,b,b,b,b,b,b,b,b] %}{{ c }}",
    "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "{% for i in range(10000) %}{{ 'x' * 100 }}{% endfor %}",
    "{% include '../../app/config.py' %}",
    "{% include '/etc/passwd' %}",
]


@pytest.mark.parametrize("source", SSTI_PAYLOADS)
def test_template_injection_is_refused_quickly(source):
    started = time.monotonic()
    with pytest.raises(TemplateError):
        render_source(source, {}, max_chars=100_000, timeout_s=1)
    assert time.monotonic() - started < 5


def test_output_longer_than_the_limit_is_refused():
    with pytest.raises(TemplateError, match="longer than 1,000 characters"):
        render("mou", "en", sample_variables(), max_chars=1_000)


def test_custom_templates_render_in_the_sandbox_and_may_include_extra_templates():
    source = (
        "# Note\n\n{{ who|inline }} met on {{ day|date }}.\n{% for i in range(3) %}\n- item {{ i }}\n{% endfor %}\n"
    )
    text = render_source(source, {"who": "A & <B>", "day": "2027-12-31"})
    assert text == "# Note\n\nA & <B> met on 31 December 2027.\n- item 0\n- item 1\n- item 2\n"
    assert render_source("{{ d|date }}", {"d": "2027-05-01"}, language="es") == "1 de mayo de 2027\n"
    assert render_source("{{ n|string }} {{ n * 2 }} {{ n|abs }}", {"n": 250_000}) == "250000 500000 250000\n"
    included = render_source(
        '{% include "heading.md.j2" %}', {"t": "Title"}, extra_templates={"heading.md.j2": "# {{ t|inline }}"}
    )
    assert included == "# Title\n"


def test_validate_custom_template_reports_syntax_errors_with_their_line():
    problems = validate_custom_template("# Title\n\n{% if x %}\n{{ y }\n{% endif %}\n", ["x", "y"])
    assert len(problems) == 1 and problems[0].startswith("line 4:")
    unclosed = validate_custom_template("# Title\n{% for a in items %}\n- {{ a }}\n", ["items"])
    assert len(unclosed) == 1 and unclosed[0].startswith("line ")


def test_validate_custom_template_reports_undeclared_unused_and_missing_includes():
    source = (
        "# {{ title|inline }}\n{% for a in areas %}\n- {{ a|inline }} {{ loop.index }} {{ secret }}\n{% endfor %}\n"
        '{% include "clauses/nope.en.md.j2" %}\n{% set local = 1 %}{{ local }} {{ range(2)|list }} {{ language }}'
    )
    assert validate_custom_template(source, ["title", "areas", "unused"]) == [
        "the template uses 'secret', which is not a declared variable",
        "the declared variable 'unused' is never used",
        "the template includes 'clauses/nope.en.md.j2', which does not exist",
    ]
    assert validate_custom_template("# {{ title|inline }}", ["title"]) == []
    assert validate_custom_template("{% include name %}", ["name"]) == [
        "the template includes another template chosen at render time, which is not allowed"
    ]


def write_template(root: Path, yaml_text: str, key: str = "demo") -> Path:
    directory = root / key
    directory.mkdir()
    (directory / "template.yaml").write_text(yaml_text, encoding="utf-8")
    (directory / "en.md.j2").write_text("# Demo\n", encoding="utf-8")
    return directory


GOOD_YAML = (
    'key: demo\ntitle: "Demo"\nversion: "1.0"\nlanguages: [en]\nkinds: [ad_hoc_note]\n'
    "variables:\n  - {name: when, type: date, required: true, description: the date}\n"
)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("type: date", "type: datetime"), "variable 'when' has unknown type 'datetime'"),
        (('title: "Demo"\n', ""), "missing field 'title'"),
        (('version: "1.0"', "version: 1.0"), 'version must be quoted text like "1.0"'),
        (("kinds: [ad_hoc_note]", "kinds: [contract]"), "kinds must be a non-empty list"),
        (("languages: [en]", "languages: [en, fr]"), "language 'fr' has no file fr.md.j2"),
        ((", description: the date", ""), "variable 1 has no description"),
        (("required: true", "required: maybe"), "variable 'when': required must be true or false"),
        (("key: demo", "key: other"), "must be lowercase and equal the directory name"),
    ],
)
def test_invalid_metadata_names_the_file_and_the_reason(tmp_path, change, reason):
    directory = write_template(tmp_path, GOOD_YAML.replace(*change))
    with pytest.raises(TemplateError) as caught:
        list_templates(tmp_path)
    assert str(directory / "template.yaml") in str(caught.value)
    assert reason in str(caught.value)


def test_valid_metadata_loads_from_another_root(tmp_path):
    info = load_template_info(write_template(tmp_path, GOOD_YAML))
    assert (info.key, info.languages, info.variables[0].type) == ("demo", ("en",), "date")
    assert render("demo", "en", {"when": "2027-01-01"}, root=tmp_path).text == "# Demo\n"


def test_the_document_converter_reads_the_mou_structure():
    outputs = pytest.importorskip("app.drafting.outputs")
    variables = sample_variables()
    variables["partners"][1]["legal_name"] = "Pipe | Partners"
    variables["contacts"] = variables["contacts"][:2]
    variables["obligations"] = [o for o in variables["obligations"] if o["party"] != "the Alliance"]
    doc = outputs.parse(render("mou", "en", variables).text)
    assert (doc.title, doc.reference) == ("Memorandum of Understanding", "PA-2026-0042")
    headings = [block for block in doc.blocks if type(block).__name__ == "Heading"]
    assert [h.number for h in headings] == [str(n) for n in range(1, 12)] + [""]
    tables = [block for block in doc.blocks if type(block).__name__ == "Table"]
    assert len(tables) == 1
    assert tables[0].header == ["Party", "Name", "Title", "Date", "Signature"]
    assert [row[0] for row in tables[0].rows] == [
        "International Organization for Migration",
        "Ассоциация «Мигрант»",
        "Pipe | Partners",
    ]
