"""The words a rendered agreement prints around its template text, in the document's language (never the reader's).

Everything here goes through the ``documents`` gettext domain with the language passed explicitly: a French MOU
prints "Référence", "PROJET" and "Page 1 sur 3" whoever downloads it. A bilingual document ("en+fr") prints both
where they differ ("DRAFT / PROJET"). ``localise_variables`` turns the language-neutral facts a version stores
(country codes, the owner's role, recurrences, interaction kinds) into words of the document's language.
"""

from __future__ import annotations

import re
from typing import Any

from app import i18n
from app.i18n import DOCUMENTS, VOCAB, vocab

_ = DOCUMENTS.gettext

BILINGUAL_SEPARATOR = "+"
LANGUAGE_BREAK = "<!-- language: {language} -->"
"""The line that separates the two texts of a bilingual version (``en+fr``): the second text follows it."""


def languages_of(language: str | None) -> list[str]:
    """The languages of a document: "en+fr" → ["en", "fr"], "fr-CH" → ["fr"], None → ["en"]."""
    parts = [i18n.normalise(part) for part in (language or "en").split(BILINGUAL_SEPARATOR) if part.strip()]
    return list(dict.fromkeys(parts)) or ["en"]


def _joined(texts: list[str]) -> str:
    return " / ".join(dict.fromkeys(texts))


def reference_label(reference: str, language: str) -> str:
    """ "Reference: MOU-2026-0001" in the document's language(s)."""
    return _joined([_("Reference: {reference}", lang, reference=reference) for lang in languages_of(language)])


def draft_mark(language: str) -> str:
    """The DRAFT watermark word in the document's language(s)."""
    return _joined([_("DRAFT", lang) for lang in languages_of(language)])


def version_label(number: int, language: str) -> str:
    """ "version 3" in the document's language(s)."""
    return _joined([_("version {number}", lang, number=number) for lang in languages_of(language)])


def preview_label(language: str) -> str:
    """The running-header word of a preview that is not stored."""
    return _joined([_("preview", lang) for lang in languages_of(language)])


def untitled(language: str) -> str:
    """The title of a document that has none, and its DOCX category."""
    return _joined([_("Agreement", lang) for lang in languages_of(language)])


def courtesy_header(language: str) -> str:
    """The running-header words of a courtesy translation."""
    return _joined([_("Courtesy translation — not binding", lang) for lang in languages_of(language)])


def courtesy_notice(language: str, number: int, signed_language: str, sha256: str) -> str:
    """The sentence a courtesy translation opens with: which signed version binds, in which language, and its hash."""
    names = " / ".join(i18n.language_name(lang, language) for lang in languages_of(signed_language))
    return _(
        "Courtesy translation — not binding. The signed text is version {number} ({signed_language}), "
        "SHA-256 {sha256}; only that text binds the Parties.",
        language,
        number=number,
        signed_language=names,
        sha256=sha256,
    )


def page_footer(language: str) -> list[tuple[str, str]]:
    """The page footer as pieces: ("text", "Page "), ("field", "PAGE"), ("text", " of "), ("field", "NUMPAGES")."""
    pieces: list[tuple[str, str]] = []
    for index, lang in enumerate(languages_of(language)):
        if index:
            pieces.append(("text", " / "))
        message = _("Page {page} of {pages}", lang)
        for part in re.split(r"(\{page\}|\{pages\})", message):
            if part == "{page}":
                pieces.append(("field", "PAGE"))
            elif part == "{pages}":
                pieces.append(("field", "NUMPAGES"))
            elif part:
                pieces.append(("text", part))
    return pieces


def signature_headers() -> set[str]:
    """The signature column's header in every language ("signature", "firma"), lower case."""
    return {_("Signature", lang).strip().lower() for lang in i18n.LANGUAGES}


# ------------------------------------------------------------------------------------------ variables


def _recurrence_words(language: str) -> dict[str, str]:
    return {
        "monthly": _("monthly", language),
        "quarterly": _("quarterly", language),
        "semi_annually": _("semi-annually", language),
        "annually": _("annually", language),
    }


def default_event(kind: str) -> str:
    """The English words of an interaction kind as the facts state them ("field_visit" → "Field visit")."""
    return kind.replace("_", " ").capitalize()


def _obligation(item: dict[str, Any], language: str) -> dict[str, Any]:
    recurrence, summary = item.get("recurrence"), item.get("summary")
    if not recurrence or not summary:
        return item
    from app.drafting.filters import format_date

    word = _recurrence_words(language).get(recurrence, recurrence)
    until = item.get("recurrence_until")
    if until:
        text = _("{description} ({recurrence} until {date})", language, description=summary, recurrence=word,
                 date=format_date(until, language))  # fmt: skip
    else:
        text = _("{description} ({recurrence})", language, description=summary, recurrence=word)
    return {**item, "description": text}


def localise_variables(variables: dict[str, Any], language: str) -> dict[str, Any]:
    """The facts in ``language``: country names, the owner's title, recurrences, area names and the event's kind.

    English facts are stored as they are shown, so an English rendering is unchanged.
    """
    lang = i18n.normalise(language)
    if lang == i18n.DEFAULT_LANGUAGE:
        return dict(variables)
    out = dict(variables)
    if isinstance(out.get("partners"), list):
        out["partners"] = [
            {**p, "country": i18n.country_name(p["country_code"], lang)}
            if isinstance(p, dict) and p.get("country_code")
            else p
            for p in out["partners"]
        ]
    if isinstance(out.get("contacts"), list):
        out["contacts"] = [
            {**c, "title": _("Partnership owner", lang)} if isinstance(c, dict) and c.get("role") == "owner" else c
            for c in out["contacts"]
        ]
    if isinstance(out.get("obligations"), list):
        out["obligations"] = [_obligation(o, lang) if isinstance(o, dict) else o for o in out["obligations"]]
    if isinstance(out.get("areas"), list):
        out["areas"] = [
            {**a, "name": VOCAB.gettext(a["name"], lang)} if isinstance(a, dict) and isinstance(a.get("name"), str)
            else VOCAB.gettext(a, lang) if isinstance(a, str) and a else a
            for a in out["areas"]
        ]  # fmt: skip
    kind = out.get("event_kind")
    if isinstance(kind, str) and out.get("event") == default_event(kind):
        out["event"] = vocab.interaction_kind(kind, lang)
    return out
