"""The agreement, version, compare, obligation, quality, report, workflow and export pages in French and Spanish.

Each page is asked for with ``Accept-Language: fr`` (then ``es``) and must show its own words translated: the check
reads the English messages its template and page module hold (as the catalog's extraction does) and fails when one
whose translation differs is still visible in the page's ``<main>``. Words other parts own (workflow states and
triggers, the report's and the quality checks' own words, the layout) are not counted here.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.i18n import WEB
from app.i18n.extract import python_domain
from app.reminders.models import ReminderKind
from app.users.models import Role
from app.web.rendering import humanise
from app.workflow.definition import STATE_ATTRIBUTES, get_workflow
from tests.builders import advance, cast, draft_agreement, formalising_partnership, organisation

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "app" / "web" / "templates"
PAGES = ROOT / "app" / "web" / "pages"
LANGUAGES = ("fr", "es")
_PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}|<[^>]+>")
_SKIPPED = {"script", "style", "svg", "select"}  # options of selects are checked on their own where they are mine


def _vocabulary() -> set[str]:
    """Words the "vocab" catalog owns: states, triggers and roles as the pages humanise them."""
    words: set[str] = set()
    for name in STATE_ATTRIBUTES:
        workflow = get_workflow(name)
        words |= {humanise(state) for state in workflow.states}
        words |= {humanise(t.trigger) for t in workflow.transitions}
    return words | {humanise(kind) for kind in ReminderKind}


VOCABULARY = _vocabulary()
DATA = {"MOU", "Partnership"}  # words of the test data: agreements are "MOU 3", partnerships "Partnership 4"


def english(*templates: str, modules: tuple[str, ...] = ()) -> set[str]:
    """The English messages of the page's templates and Python modules (singular and plural forms)."""
    found: set[str] = set()
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    for name in templates:
        with (TEMPLATES / name).open("rb") as handle:
            for _line, message, _comments, _context in extract("jinja2", handle, keywords=keywords):
                found |= set(message) if isinstance(message, tuple) else {message}
    for name in modules:
        with (PAGES / name).open("rb") as handle:
            for _line, _function, message, _comments in python_domain(handle, None, None, {"domain": "web"}):
                found |= set(message) if isinstance(message, tuple) else {message}
    return found


class _Text(HTMLParser):
    """The visible text of ``<main>`` (badges, selects, scripts and drawings left out) and its aria-labels."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.depth = 0
        self.skipping: list[str] = []
        self.in_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "main":
            self.in_main = True
        if not self.in_main:
            return
        if self.skipping or tag in _SKIPPED or "badge" in (values.get("class") or "").split():
            if tag not in {"input", "br", "meta", "link", "img"}:
                self.skipping.append(tag)
            return
        for name in ("aria-label", "title", "placeholder"):
            if values.get(name):
                self.parts.append(str(values[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if self.in_main and not self.skipping:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def leftovers(html: str, language: str, messages: set[str], ignore: set[str] = frozenset()) -> list[str]:
    """The English messages (or their long fixed parts) still visible where ``language`` was asked for."""
    text = visible(html)
    for phrase in sorted(VOCABULARY, key=len, reverse=True):  # "Agreement in force" is a trigger, not "Agreement"
        text = text.replace(phrase, " ")
    left = []
    for message in sorted(messages - VOCABULARY - set(ignore)):
        if WEB.gettext(message, language) == message:
            continue  # the same word in both languages ("Document", "Transitions")
        fragments = [part.strip(" .,:;()·—") for part in _PLACEHOLDER.split(message)]
        wanted = [part for part in fragments if len(part) >= 12] if len(fragments) > 1 else [message.strip()]
        for part in wanted:
            if part and part not in ignore and re.search(rf"(?<![\w\u2019']){re.escape(part)}(?![\w\u2019'])", text):
                left.append(part)
    return left


def _today():
    return clock.today(get_settings().zone)


def _as(language: str) -> dict[str, str]:
    return {"Accept-Language": language}


@pytest.fixture
def people(make_user):
    return cast(make_user)


def test_the_words_check_finds_english_left_in_a_page() -> None:
    page = "<main><h2>Term</h2><p>Échéance le 3 mars</p><span class='badge'>Approved</span></main><nav>Term</nav>"
    assert leftovers(page, "fr", {"Term", "Approved", "Due %(date)s"}) == ["Term"]
    assert leftovers("<main><h2>Durée</h2></main>", "fr", {"Term"}) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_draft_agreement_page_speaks_the_readers_language(session: Session, people, sign_in, language: str) -> None:
    agreement = draft_agreement(session, people)
    agreement_id = agreement.id
    manager = sign_in(user=people.manager)
    html = manager.get(f"/agreements/{agreement_id}", headers=_as(language)).text
    words = english(
        "agreements/agreement.html",
        "agreements/_parts.html",
        "obligations/_actions.html",
        modules=("agreements.py", "agreement_forms.py", "agreement_documents.py"),
    )
    assert leftovers(html, language, words, ignore=DATA) == []
    expected = {
        "fr": ("Parties et signataires", "Versions du document", "Ajouter une obligation", "Préavis", "30 jours"),
        "es": ("Partes y firmantes", "Versiones del documento", "Añadir una obligación", "Preaviso", "30 días"),
    }[language]
    for words_there in expected:
        assert words_there in html, words_there
    end = agreement.end_date
    assert f"{end.day} " in html and str(end.year) in html and f"{end:%b %Y}" not in html  # the date, not in English


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_agreement_in_force_its_obligation_actions_history_and_signatures(
    session: Session, people, sign_in, language: str
) -> None:
    agreement = draft_agreement(session, people)
    for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, trigger, people)
    session.commit()
    agreement_id = agreement.id
    html = sign_in(user=people.manager).get(f"/agreements/{agreement_id}", headers=_as(language)).text
    words = english(
        "agreements/agreement.html",
        "agreements/_parts.html",
        "obligations/_actions.html",
        modules=("agreements.py", "agreement_forms.py", "agreement_documents.py", "obligation_forms.py"),
    )
    assert leftovers(html, language, words, ignore=DATA) == []
    expected = {
        "fr": ("Marquer comme exécutée", "Historique", "Signatures", "Soumis pour examen", "Rappels prévus"),
        "es": ("Marcar como cumplida", "Historial", "Firmas", "Enviado a revisión", "Recordatorios previstos"),
    }[language]
    for words_there in expected:
        assert words_there in html, words_there


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_flash_message_after_a_form_is_in_the_readers_language(
    session: Session, people, sign_in, language: str
) -> None:
    agreement = draft_agreement(session, people)
    manager = sign_in(user=people.manager)
    response = manager.post(
        f"/agreements/{agreement.id}/obligations",
        {"description": "Narrative report", "due_date": (_today() + timedelta(days=30)).isoformat()},
        headers=_as(language),
    )
    assert response.status_code == 303
    page = manager.get(response.headers["location"], headers=_as(language)).text
    assert {"fr": "Obligation ajoutée", "es": "Obligación añadida"}[language] in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_version_and_compare_pages_speak_the_readers_language(session: Session, people, sign_in, language: str) -> None:
    from app.agreements import service as agreements

    agreement = draft_agreement(session, people)
    agreements.add_version(session, agreement.id, "The text, changed", people.manager)
    session.commit()
    browser = sign_in(user=people.manager)
    version = browser.get(f"/agreements/{agreement.id}/versions/1", headers=_as(language)).text
    words = english("agreements/version.html", "agreements/_parts.html", modules=("agreement_documents.py",))
    assert leftovers(version, language, words) == []
    assert {"fr": "À propos de cette version", "es": "Acerca de esta versión"}[language] in version
    compare = browser.get(f"/agreements/{agreement.id}/compare", headers=_as(language)).text
    words = english("agreements/compare.html", "agreements/_redline.html", modules=("agreement_documents.py",))
    assert leftovers(compare, language, words) == []
    assert {"fr": "Modifications de la version 1 à la version 2", "es": "Cambios de la versión 1 a la versión 2"}[
        language
    ] in compare


@pytest.mark.parametrize("language", LANGUAGES)
def test_recording_an_existing_agreement_speaks_the_readers_language(
    session: Session, people, sign_in, language: str
) -> None:
    owner = formalising_partnership(session, people)
    html = (
        sign_in(user=people.lawyer).get(f"/partnerships/{owner.id}/existing-agreements/new", headers=_as(language)).text
    )
    assert leftovers(html, language, english("agreements/existing_upload.html")) == []
    assert {"fr": "Enregistrer un accord déjà signé", "es": "Registrar un acuerdo ya firmado"}[language] in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_quality_page_speaks_the_readers_language(session: Session, people, sign_in, language: str) -> None:
    draft_agreement(session, people)
    quality = sign_in(Role.VIEWER).get("/quality", headers=_as(language)).text
    words = english("quality/index.html", modules=("quality.py",))
    # The checks' own sentences (the reports catalog) hold "name" and "partnerships"; organisations are "Organisation 1"
    ignore = {"name", "score", "impact", "Organisation", "Organisations", "Partnership", "Partnerships"}
    assert leftovers(quality, language, words, ignore=ignore) == []
    assert {"fr": "<caption>Organisations (", "es": "<caption>Organizaciones ("}[language] in quality
    assert {"fr": "Qualité des données", "es": "Calidad de los datos"}[language] in quality
    assert re.search(r"quality-score__value\">\d+,\d<", quality)  # a decimal comma in both languages


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_portfolio_report_page_speaks_the_readers_language(
    session: Session, people, sign_in, language: str
) -> None:
    draft_agreement(session, people)
    report = sign_in(Role.VIEWER).get("/reports/portfolio?country_code=KE", headers=_as(language)).text
    words = english("reports/portfolio.html", modules=("reports.py",))
    notes = re.compile(r'<ul class="overview-meta">.*?</ul>', re.DOTALL)  # the report's own notes: reports catalog
    assert leftovers(notes.sub("", report), language, words) == []
    assert {"fr": "Rapport sur le portefeuille", "es": "Informe de la cartera"}[language] in report
    assert {"fr": "code de pays", "es": "código de país"}[language] in report


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_workflow_pages_speak_the_readers_language(sign_in, language: str) -> None:
    browser = sign_in(Role.VIEWER)
    words = english("workflows/list.html", "workflows/detail.html", modules=("workflows.py",))
    for name in ("", "/agreement", "/obligation", "/partnership"):
        page = browser.get(f"/workflows{name}", headers=_as(language)).text
        assert leftovers(page, language, words) == [], name
        if name == "/agreement":
            assert {"fr": "Processus des accords", "es": "Flujo de trabajo de los acuerdos"}[language] in page
            assert {"fr": "Cycle de vie", "es": "Ciclo de vida"}[language] in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_export_links_speak_the_readers_language(session: Session, sign_in, language: str) -> None:
    organisation(session)
    html = sign_in(Role.VIEWER).get("/organisations", headers=_as(language)).text
    assert {"fr": "Exporter en CSV", "es": "Exportar en CSV"}[language] in html
    assert ">Export CSV<" not in html and ">Export Excel<" not in html


def test_english_pages_keep_their_words(session: Session, people, sign_in) -> None:
    agreement = draft_agreement(session, people)
    html = sign_in(user=people.manager).get(f"/agreements/{agreement.id}").text
    assert "Parties and who signs" in html and "30 days" in html and "Add an obligation" in html
    end = agreement.end_date
    assert f"{end.day} {end:%b %Y}" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_review_of_a_signed_copy_speaks_the_readers_language(
    session: Session, people, sign_in, language: str
) -> None:
    from tests.agreements.signed_copies import DOCX, docx_file, english_mou, recordable_partnership

    owner = recordable_partnership(session, people)
    browser = sign_in(user=people.lawyer)
    effective = _today() - timedelta(days=90)
    uploaded = browser.client.post(
        f"/partnerships/{owner.id}/existing-agreements",
        data={"csrf_token": browser.csrf},
        files={"file": ("signed-mou.docx", docx_file(english_mou(effective)), DOCX)},
        headers=_as(language),
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text[:300]
    review = browser.get(uploaded.headers["location"], headers=_as(language)).text
    # the signed copy's own words, and the summary of its digital signatures (a service's sentence)
    snippets = re.compile(r'<blockquote class="snippet">.*?</blockquote>|(?<=</h2>\n  <p>)[^<]*', re.DOTALL)
    words = english(
        "agreements/existing_review.html", modules=("existing_agreement_forms.py", "existing_agreements.py")
    )
    title = {"Memorandum of understanding"}  # the title it proposes, read from the English copy
    assert leftovers(snippets.sub("", review), language, words, ignore=DATA | title) == []
    expected = {
        "fr": ("Confirmer l\u2019exemplaire signé", "Ce que propose le texte", "36 mois", "60 jours"),
        "es": ("Confirmar el ejemplar firmado", "Lo que propone el texto", "36 meses", "60 días"),
    }[language]
    for words_there in expected:
        assert words_there in visible(review), words_there  # Babel writes "36\u00a0mois"
