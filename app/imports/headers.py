"""The fields an inventory may hold, and which column of a file holds which field, by meaning.

A header is normalised to words (case, accents, punctuation, filler words, plurals and abbreviations
ignored), then matched: exactly (the field's name or label), by alias, by meaning (each word names a
concept — "e-mail", "focal point", "end" — and rules say which concepts make which field), and last by a
fuzzy comparison with the aliases for typos. Each field is taken by one column at most, the best one.
Pure functions, no database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from app.organisations.models import plain_words

__all__ = [
    "FIELDS",
    "ColumnMatch",
    "FieldSpec",
    "HeaderMapping",
    "MappingError",
    "header_score",
    "header_words",
    "load_mapping",
    "match_columns",
    "missing_message",
    "save_mapping",
]

IGNORE = "ignore"
FUZZY_THRESHOLD = 88
FUZZY_MARGIN = 5
MIN_RESEMBLANCE = 40
"""Headers less alike than this are not offered as candidates for a missing field."""


class MappingError(ValueError):
    """A column mapping (``--map`` or a mapping file) that cannot be applied; the message says why."""


@dataclass(frozen=True)
class FieldSpec:
    """A field the importer knows: its name, a label for messages, whether it is required, its wordings."""

    name: str
    label: str
    required: bool
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class ColumnMatch:
    """One column of the file and the field it holds; ``how`` is exact, alias, meaning or given."""

    index: int
    header: str
    field: str
    how: str


# The fields, in a stable order: name, label, required, aliases (en | fr | es, abbreviations).
_FIELD_TABLE = (
    ("organisation_ref", "organisation reference", False,
     "org ref|organisation ref|organisation id|organisation code|partner id|partner ref|partner code|partner number|"
     "external id|vendor id|id|ref|reference|code|id partenaire|code partenaire|référence du partenaire|id socio|"
     "código del socio|referencia de la organización"),
    ("organisation_name", "organisation name", True,
     "organisation|name|partner|partner name|org name|legal name|organisation name (full)|name of organisation|"
     "entity|institution|nom|nom de l'organisation|nom du partenaire|organisme|raison sociale|dénomination|"
     "partenaire|nombre|nombre de la organización|razón social|socio|entidad|organización"),
    ("acronym", "acronym", False,
     "short name|abbreviation|acronyme|sigle|nom court|acrónimo|sigla|siglas|nombre corto"),
    ("partner_type", "partner type", True,
     "type|kind|category|type of partner|kind of partner|partner category|organisation type|type of organisation|"
     "type de partenaire|type d'organisation|catégorie|nature du partenaire|tipo|tipo de socio|"
     "tipo de organización|categoría"),
    ("country", "country", True,
     "country code|country name|country iso|iso|iso2|iso code|pays|code pays|país|código de país"),
    ("region", "region", False, "sub region|subregion|région|sous-région|región|zone|zone géographique"),
    ("registration_number", "registration number", False,
     "registration|registration no|reg no|registration id|company number|tax id|n° d'enregistrement|"
     "numéro d'enregistrement|numéro d'immatriculation|rccm|número de registro|registro|nif"),
    ("website", "website", False, "web site|web|url|site|site web|site internet|sitio web|página web"),
    ("email", "organisation e-mail", False,
     "email|e-mail|organisation email|org email|general email|email address|courriel|adresse e-mail|"
     "adresse électronique|correo|correo electrónico"),
    ("contact_name", "contact name", False,
     "contact|contact person|focal point|focal point name|name of focal point|point of contact|"
     "personne de contact|point focal|nom du point focal|persona de contacto|punto focal|nombre del contacto"),
    ("contact_email", "contact e-mail", False,
     "contact email|contact person email|focal point email|email du point focal|courriel du contact|"
     "correo del contacto|correo de la persona de contacto|email punto focal"),
    ("contact_phone", "contact phone", False,
     "phone|telephone|phone number|focal point phone|mobile|tel|téléphone|tél. point focal|téléphone du contact|"
     "teléfono|teléfono de contacto|celular|móvil"),
    ("areas", "areas of engagement", False,
     "areas|area of engagement|thematic areas|sectors|sector|themes|topics|domaines|domaines d'intervention|"
     "secteurs|thématiques|áreas|áreas temáticas|sectores|ámbitos"),
    ("partnership_ref", "partnership reference", False,
     "partnership ref|partnership id|agreement ref|agreement number|agreement id|mou number|mou ref|"
     "contract number|réf. accord|référence de l'accord|numéro de convention|referencia del acuerdo|"
     "número de convenio"),
    ("partnership_title", "partnership title", False,
     "partnership|partnership name|title|agreement title|project|project title|project name|subject|titre|"
     "intitulé|objet|titre du partenariat|partenariat|nom du projet|título|objeto|nombre del proyecto"),
    ("modality", "modality", False,
     "stage|status|partnership type|type of partnership|type of agreement|agreement type|partnership status|"
     "form of cooperation|nature of the relationship|modalité|modalité de partenariat|type d'accord|statut|"
     "type de partenariat|modalidad|tipo de acuerdo|estado|tipo de alianza"),
    ("role", "role", False, "party role|partner role|role in partnership|rôle|rôle du partenaire|rol|rol del socio"),
    ("start_date", "start date", False,
     "start|starts|from|date start|agreement starts|mou start|effective date|commencement date|valid from|"
     "date de début|début|date d'effet|fecha de inicio|inicio|desde"),
    ("end_date", "end date", False,
     "end|ends|to|date to|valid to|until|date end|expiry|expiry date|expiration date|valid until|mou end|"
     "agreement ends|date de fin|fin|échéance|date d'expiration|fecha de fin|fecha de finalización|vencimiento|hasta"),
    ("signed_date", "signature date", False,
     "date signed|signed date|signed on|date of signature|date de signature|signé le|fecha de firma|firmado el"),
    ("notice_period", "notice period (days)", False,
     "notice period|notice|notice days|préavis|délai de préavis|préavis (jours)|plazo de preaviso|preaviso"),
    ("owner_email", "owner e-mail", False,
     "owner|owner email|project manager|project manager email|manager email|responsible officer|"
     "internal focal point|gestionnaire|responsable|chargé de programme|responsable del proyecto|gestor"),
    ("notes", "notes", False,
     "note|comments|comment|remarks|observations|commentaires|remarques|comentarios|observaciones|notas"),
)  # fmt: skip

FIELDS: dict[str, FieldSpec] = {
    name: FieldSpec(name, label, required, tuple(aliases.split("|"))) for name, label, required, aliases in _FIELD_TABLE
}
"""Every field the importer knows, in the order of the inventory template."""

# Normalisation ------------------------------------------------------------------------------------------------

_FILLER_WORDS = (
    "the of a an and or for in on at by per its with de d du des la le les l el los las del al y et en un une "
    "uno una su sus son sa ses pour par por para full complete if any etc s es x sub sous main primary principal "
    "general official legal registered current usual applicable optional please dd mm yy yyyy jj aaaa aa"
)
FILLERS = frozenset(_FILLER_WORDS.split())
ABBREVIATIONS = {
    "pt": "point", "org": "organisation", "orga": "organisation", "no": "number", "n": "number",
    "num": "number", "nr": "number", "nbr": "number", "tel": "phone", "telf": "phone", "tlf": "phone",
    "ph": "phone", "mob": "phone", "cel": "phone", "reg": "registration", "dt": "date", "fp": "focal point",
    "cat": "category", "addr": "address", "mgr": "manager", "resp": "responsible", "ctry": "country",
    "cntry": "country", "abbr": "abbreviation", "abbrev": "abbreviation", "pm": "project manager",
    "poc": "point contact", "obs": "observation", "agmt": "agreement", "agrmt": "agreement", "ptnr": "partner",
    "eff": "effective", "exp": "expiry", "sig": "signature", "info": "information",
}  # fmt: skip
_KEEP_S = frozenset({"pays", "status", "mois", "alias", "analysis", "focus"})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_LETTERS = re.compile(r"[^\W\d_]+")


def _singular(word: str) -> str:
    if len(word) <= 3 or word in _KEEP_S or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("iones"):  # observaciones
        return word[:-2]
    if word.endswith("ores"):  # sectores
        return word[:-2]
    if word.endswith("ies") and len(word) > 4:  # categories
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def _split_camel_case(found: re.Match[str]) -> str:
    """Split "StartDate" in two, but not the words the lexicon knows whole ("MoU", "WhatsApp")."""
    word = found.group()
    if not _CAMEL.search(word) or word.casefold() in LEXICON:
        return word
    return _CAMEL.sub(" ", word)


@lru_cache(maxsize=8192)
def header_words(text: str) -> tuple[str, ...]:
    """The words a header says, normalised: no case, accents, punctuation, filler words, plurals or abbreviations."""
    words: list[str] = []
    for word in plain_words(_LETTERS.sub(_split_camel_case, text)):
        if word in ("mail", "mails") and words and words[-1] == "e":
            words[-1] = "email"
            continue
        words.append(word)
    result: list[str] = []
    for word in words:
        word = word.replace("organiz", "organis")
        if word in FILLERS or word.isdigit():  # "1. Name": column numbers say nothing
            continue
        word = _singular(word)
        if word in FILLERS:
            continue
        result.extend(ABBREVIATIONS.get(word, word).split())
    return tuple(result)


def _key(text: str) -> str:
    return " ".join(header_words(text))


def _given_key(text: str) -> str:
    """How a ``--map`` header is compared with the file's: case, accents, spaces and punctuation ignored."""
    return "".join(plain_words(text))


# Meaning: concept words and the rules that make fields of them ------------------------------------------------

CONCEPTS = {
    "ORG": "organisation organismo organisme partner partenaire socio asociado contraparte counterpart entity entite "
    "entidad institution institucion structure company entreprise empresa vendor supplier "
    "fournisseur proveedor contractor grantee",
    "NAME": "name nom nombre denomination denominacion designation appellation raison razon",
    "ID": "id identifier identifiant identificador ref reference referencia code codigo",
    "NUMBER": "number numero",
    "ACRONYM": "acronym acronyme acronimo abbreviation abreviation abreviatura sigle sigla",
    "SHORT": "short court corto abbreviated abrege",
    "TYPE": "type kind category categorie categoria tipo typology typologie tipologia classification "
    "clasificacion nature naturaleza class classe clase",
    "COUNTRY": "country pays pais iso",
    "REGION": "region subregion zone province provincia geographic geographical geographique geografica",
    "REG": "registration enregistrement registro immatriculation matricule incorporation rccm nif siret ruc nit",
    "WEB": "website web url site sitio homepage internet",
    "EMAIL": "email mail courriel mel correo electronique electronico",
    "ADDR": "address adresse direccion",
    "CONTACT": "contact contacto focal point punto person persona personne referent interlocuteur interlocutor "
    "representative representant representante",
    "PHONE": "phone telephone telefono mobile movil cell cellular celular gsm portable whatsapp",
    "AREA": "area thematic theme thematique tematica tema topic sector secteur domain domaine ambito "
    "intervention focus",
    "ENGAGE": "engagement",
    "DEAL": "partnership partenariat alianza asociacion collaboration colaboracion cooperation cooperacion "
    "relationship relation relacion agreement accord acuerdo acordo convention convenio mou memorandum contract "
    "contrat contrato arrangement vinculo link lien",
    "MODALITY": "modality modalite modalidad stage status statut estado etat estatus form forme forma formality "
    "formalisation formalizacion formal informal",
    "ROLE": "role rol",
    "START": "start starting begin beginning commencement commence from since debut inicio comienzo effective "
    "effet desde force vigueur vigor",
    "END": "end ending until till expiry expiration expire expiring fin finalizacion finalisation termination "
    "terminacion termino vencimiento echeance caducite hasta close closing completion cloture fim",
    "DATE": "date fecha dated data",
    "VALID": "valid validity valable validite vigencia valido",
    "SIGN": "signed signature signing sign signe signee firma firmado firmada suscrito",
    "NOTICE": "notice preavis preaviso",
    "PERIOD": "period periode periodo plazo delay delai day jour dia week semaine semana month mois mes",
    "OWNER": "owner manager responsible responsable officer gestionnaire gestor charge staff",
    "PROJECT": "project projet proyecto programme program programa",
    "INTERNAL": "internal interne interno",
    "NOTE": "note comment remark observation commentaire comentario remarque annotation nota",
    "TITLE": "title titre titulo subject objet objeto intitule",
    # Words that say the column is about something else: no field is read from a header that has one.
    "OTHER": "office bureau oficina budget amount montant monto funding currency usd eur city ville ciudad "
    "location lieu duration duree duracion signatory signataire firmante juridique juridico juridica",
}
# field, the concepts it needs, the concepts it also tolerates (the most specific matching rule wins).
RULES = (
    ("organisation_ref", "ORG ID", "NUMBER"),
    ("organisation_ref", "ORG NUMBER", ""),
    ("organisation_ref", "ID", "NUMBER"),
    ("organisation_name", "ORG", "NAME"),
    ("organisation_name", "NAME", ""),
    ("acronym", "ACRONYM", "ORG NAME"),
    ("acronym", "NAME SHORT", "ORG"),
    ("partner_type", "TYPE", "ORG"),
    ("country", "COUNTRY", "ORG ID NAME REG NUMBER AREA"),
    ("region", "REGION", "ORG AREA NAME"),
    ("registration_number", "REG", "NUMBER ID ORG"),
    ("website", "WEB", "ORG ADDR"),
    ("email", "EMAIL", "ORG ADDR"),
    ("contact_email", "EMAIL CONTACT", "ORG ADDR"),
    ("contact_phone", "PHONE", "CONTACT ORG NUMBER"),
    ("contact_phone", "CONTACT NUMBER", "PHONE"),
    ("contact_name", "CONTACT", "NAME ORG"),
    ("areas", "AREA", "DEAL ORG PROJECT ENGAGE"),
    ("partnership_ref", "DEAL ID", "NUMBER PROJECT"),
    ("partnership_ref", "DEAL NUMBER", "PROJECT"),
    ("partnership_ref", "PROJECT ID", "NUMBER"),
    ("partnership_ref", "PROJECT NUMBER", ""),
    ("partnership_title", "TITLE", "DEAL PROJECT NAME"),
    ("partnership_title", "DEAL NAME", "PROJECT"),
    ("partnership_title", "PROJECT", "NAME"),
    ("modality", "MODALITY", "DEAL ORG ENGAGE"),
    ("modality", "TYPE ENGAGE", "DEAL"),
    ("modality", "TYPE DEAL", "MODALITY"),
    ("role", "ROLE", "ORG DEAL"),
    ("start_date", "START", "DATE DEAL VALID PROJECT"),
    ("end_date", "END", "DATE DEAL VALID PROJECT"),
    ("signed_date", "SIGN", "DATE DEAL"),
    ("notice_period", "NOTICE", "PERIOD DEAL END"),
    ("owner_email", "OWNER", "EMAIL NAME PROJECT DEAL CONTACT ORG"),
    ("owner_email", "CONTACT INTERNAL", "EMAIL NAME"),
    ("notes", "NOTE", "DEAL ORG"),
)
_RULES = tuple(
    (name, frozenset(needed.split()), frozenset(needed.split()) | frozenset(tolerated.split()))
    for name, needed, tolerated in RULES
)
LEXICON = {word: concept for concept, words in CONCEPTS.items() for raw in words.split() for word in header_words(raw)}
MAX_HEADER_WORDS = 10
MAX_HEADER_CHARS = 120


@lru_cache(maxsize=4096)
def _closest_word(word: str) -> str | None:
    """The concept of the lexicon words a typo is closest to (1 edit, 2 for long words), if they agree on one."""
    if len(word) < 5 or word.isdigit():
        return None
    limit = 1 if len(word) <= 9 else 2
    best, concepts = limit + 1, set()
    for known, concept in LEXICON.items():
        if len(known) < 4 or known[0] != word[0]:  # typos seldom touch the first letter: "pending" is not "ending"
            continue
        distance = OSA.distance(word, known, score_cutoff=limit)
        if distance < best:
            best, concepts = distance, {concept}
        elif distance == best:
            concepts.add(concept)
    return concepts.pop() if best <= limit and len(concepts) == 1 else None


def _by_meaning(words: tuple[str, ...]) -> tuple[str, int] | None:
    concepts: list[str] = []
    unknown = corrected = 0
    for word in words:
        concept = LEXICON.get(word)
        if concept is None:
            concept = _closest_word(word)
            corrected += concept is not None
        if concept is None:
            unknown += 1
        else:
            concepts.append(concept)
    said = frozenset(concepts)
    if not said or "OTHER" in said or unknown > (2 if len(concepts) >= 3 else 1):
        return None
    matching = [(len(needed), name) for name, needed, allowed in _RULES if needed <= said <= allowed]
    if not matching:
        return None
    specificity, name = max(matching, key=lambda found: found[0])  # max() keeps the first of equals
    return name, min(85, 60 + 6 * specificity + 2 * len(concepts) - 8 * unknown - 3 * corrected)


# Exact, alias and fuzzy tables ---------------------------------------------------------------------------------


def _tables() -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    exact: dict[str, str] = {}
    alias: dict[str, str] = {}
    for spec in FIELDS.values():
        for text in (spec.name, spec.label):
            exact[_key(text)] = spec.name
    for spec in FIELDS.values():
        for text in spec.aliases:
            alias.setdefault(_key(text), spec.name)
    corpus = [(key, name) for table in (exact, alias) for key, name in table.items()]
    return exact, alias, corpus


_EXACT, _ALIAS, _CORPUS = _tables()


def _fuzzy(key: str) -> tuple[str, int] | None:
    best: dict[str, float] = {}
    for known, name in _CORPUS:
        score = max(fuzz.ratio(key, known), fuzz.token_sort_ratio(key, known))
        if score > best.get(name, 0):
            best[name] = score
    ranked = sorted(best.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < FUZZY_THRESHOLD:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < FUZZY_MARGIN:
        return None  # two fields equally close: no guess
    return ranked[0][0], int(ranked[0][1] * 0.8)


_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@lru_cache(maxsize=4096)
def _guess(header: str) -> tuple[str, str, int] | None:
    """The field a header names, how it was found and a score (higher is surer), or ``None``.

    A header that names nothing is tried again without its brackets: "Role (lead, implementing, donor)".
    """
    found = _guess_words(header)
    if found is None and _BRACKETED.search(header):
        found = _guess_words(_BRACKETED.sub(" ", header))
    return found


def _guess_words(header: str) -> tuple[str, str, int] | None:
    if not header or len(header) > MAX_HEADER_CHARS or "@" in header or "://" in header:
        return None
    words = header_words(header)
    if not words or len(words) > MAX_HEADER_WORDS:
        return None
    key = " ".join(words)
    if key in _EXACT:
        return _EXACT[key], "exact", 100
    if key in _ALIAS:
        return _ALIAS[key], "alias", 90 + min(len(words), 5)
    found = _by_meaning(words) or _fuzzy(key)
    return (found[0], "meaning", found[1]) if found else None


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def header_score(cells: list[object], given: dict[str, str] | None = None) -> int:
    """How many distinct fields the cells name (0 for a title row, a data row scores low).

    ``given`` (a ``--map`` mapping) counts its headers as naming their fields.
    """
    named_by_hand = {_given_key(header): value for header, value in (given or {}).items()}
    fields: set[str] = set()
    for cell in cells:
        if not isinstance(cell, str):
            continue
        text = _text(cell)
        by_hand = named_by_hand.get(_given_key(text)) if text else None
        if by_hand is not None:
            if by_hand.strip().lower() != IGNORE:
                fields.add(by_hand)
            continue
        found = _guess(text)
        if found is not None:
            fields.add(found[0])
    return len(fields)


def two_row_header(
    groups: list[object], headers: list[object], given: dict[str, str] | None = None
) -> list[str] | None:
    """The header of a table whose columns are grouped under a row above ("Focal point" over "Name | E-mail |
    Phone", a merged cell in Excel): each group's label joined to the headers under it, or ``None`` when the
    joined header names no more fields than the lower row alone.

    A label runs right until the next one (merged cells read as one label and blanks); a column keeps its own
    header where the joined words name nothing, and a column with no header of its own takes the label above it.
    """
    if sum(1 for cell in groups if _text(cell)) < 2:  # one cell is a title, not groups
        return None
    joined: list[str] = []
    label = ""
    for index, cell in enumerate(headers):
        above = _text(groups[index]) if index < len(groups) else ""
        label = above or label
        own = _text(cell)
        if not own:
            joined.append(above)
        elif label and _guess(f"{label} {own}") is not None:
            joined.append(f"{label} {own}")
        else:
            joined.append(own)
    if header_score(list(joined), given) <= header_score(list(headers), given):
        return None
    return joined


# The mapping of one file ---------------------------------------------------------------------------------------


@dataclass
class HeaderMapping:
    """Which column holds which field, which headers are ignored and which required fields are missing."""

    columns: list[ColumnMatch]
    ignored: list[str]
    missing: list[str]
    headers: list[str] = field(default_factory=list)
    """The file's header row as read (used to keep the file's order when saving)."""

    def by_index(self) -> dict[int, str]:
        """Column position → field name."""
        return {column.index: column.field for column in self.columns}

    def describe(self) -> list[str]:
        """One line per column for the user: what each mapped column holds, then the ignored ones."""
        lines = [f'column "{column.header}" → {FIELDS[column.field].label}' for column in self.columns]
        holders = {column.field: column.header for column in self.columns}
        for header in self.ignored:
            found = _guess(header)
            if found and found[0] in holders and holders[found[0]] != header:
                lines.append(f'column "{header}" ignored ({FIELDS[found[0]].label} comes from "{holders[found[0]]}")')
            else:
                lines.append(f'column "{header}" ignored')
        return lines

    def as_saved(self) -> dict[str, str]:
        """``{"Header text": "field"}`` for every mapped column and ``"ignore"`` for the others, in file order."""
        by_index = self.by_index()
        saved: dict[str, str] = {}
        if self.headers:
            for index, header in enumerate(self.headers):
                text = _text(header)
                if index in by_index:
                    saved.setdefault(text, by_index[index])
                elif text:
                    saved.setdefault(text, IGNORE)
            return saved
        for column in self.columns:
            saved.setdefault(column.header, column.field)
        for header in self.ignored:
            saved.setdefault(header, IGNORE)
        return saved


def _field_named(value: object) -> str:
    """The field (or ``"ignore"``) a mapping value names: the field's name or label, in any case or spacing."""
    text = _text(value)
    if text.lower() == IGNORE:
        return IGNORE
    wanted = "_".join(plain_words(text))
    for spec in FIELDS.values():
        if wanted in (spec.name, "_".join(plain_words(spec.label))):
            return spec.name
    close = max(FIELDS, key=lambda name: fuzz.ratio(wanted, name))
    hint = f' (did you mean "{close}"?)' if fuzz.ratio(wanted, close) >= 70 else ""
    raise MappingError(
        f'unknown field "{text}" in the column mapping{hint}; '
        f'valid fields: {", ".join(FIELDS)} (or "{IGNORE}" to leave a column out)'
    )


def match_columns(headers: list[str], given: dict[str, str] | None = None) -> HeaderMapping:
    """Map each header cell to a field: given ones first, then exact, alias and meaning; one column per field.

    ``given`` is ``{"Header text": "field" | "ignore"}`` (``--map`` or a mapping file); its header texts are
    compared ignoring case, accents, spaces and punctuation. ``MappingError`` names an unknown field, or a
    given header that is not in the file.
    """
    texts = [_text(header) for header in headers]
    chosen: dict[int, ColumnMatch] = {}
    left_out: set[int] = set()
    for header, value in (given or {}).items():
        target = _field_named(value)
        same = [i for i, text in enumerate(texts) if text == _text(header)] or [
            i for i, text in enumerate(texts) if _given_key(header) and _given_key(text) == _given_key(header)
        ]
        if not same:
            shown = ", ".join(f'"{text}"' for text in texts if text) or "none"
            raise MappingError(f'the column mapping names the header "{header}", which is not in the file; '
                               f"its headers are: {shown}")  # fmt: skip
        index = next((i for i in same if i not in chosen and i not in left_out), None)
        if index is None:
            raise MappingError(f'the column mapping names the header "{header}" more than once')
        if target == IGNORE:
            left_out.add(index)
            continue
        taken = next((match for match in chosen.values() if match.field == target), None)
        if taken is not None:
            raise MappingError(
                f'the column mapping gives {FIELDS[target].label} twice: "{taken.header}" and "{texts[index]}"'
            )
        chosen[index] = ColumnMatch(index, texts[index], target, "given")
    candidates = []
    for index, text in enumerate(texts):
        if index in chosen or index in left_out:
            continue
        found = _guess(text)
        if found is not None:
            candidates.append((-found[2], index, found[0], found[1]))
    taken_fields = {match.field for match in chosen.values()}
    for _score, index, name, how in sorted(candidates):
        if name not in taken_fields:
            taken_fields.add(name)
            chosen[index] = ColumnMatch(index, texts[index], name, how)
    _contact_block(chosen)
    columns = [chosen[index] for index in sorted(chosen)]
    ignored = [text for index, text in enumerate(texts) if text and index not in chosen]
    missing = [spec.name for spec in FIELDS.values() if spec.required and spec.name not in taken_fields]
    return HeaderMapping(columns, ignored, missing, list(texts))


CONTACT_FOLLOWERS = {"email": "contact_email"}


def _contact_block(chosen: dict[int, ColumnMatch]) -> None:
    """A bare "E-mail" just after the contact person's name (or after its phone) is that person's e-mail.

    Offices write "Contact person | E-mail | Phone": the e-mail there is not the organisation's general one.
    Only when no column says contact e-mail outright, and never over a column the user mapped by hand.
    """
    fields = {match.field for match in chosen.values()}
    if "contact_name" not in fields or "contact_email" in fields:
        return
    name_index = next(index for index, match in chosen.items() if match.field == "contact_name")
    for index in (name_index + 1, name_index + 2):
        match = chosen.get(index)
        if match is None:
            return
        if match.field in CONTACT_FOLLOWERS and match.how != "given":
            chosen[index] = ColumnMatch(index, match.header, CONTACT_FOLLOWERS[match.field], "meaning")
            return
        if match.field != "contact_phone":
            return


def _resemblance(header: str, name: str) -> int:
    """How much a header looks like a field, 0-100: the best of its fuzzy scores against the field's wordings."""
    key = _key(header)
    if not key:
        return 0
    spec = FIELDS[name]
    wordings = [_key(text) for text in (spec.name, spec.label, *spec.aliases)]
    return round(max(max(fuzz.ratio(key, w), fuzz.token_set_ratio(key, w)) for w in wordings if w))


def missing_message(mapping: HeaderMapping, headers: list[str], api: bool = False) -> str:
    """For each missing required field: its label, the closest headers of the file and the mapping that fixes it
    (``--map "Header=field"`` on the command line, ``{"Header": "field"}`` in the API's ``mapping`` field)."""

    def fix(header: str, name: str) -> str:
        return f'put {{"{header}": "{name}"}} in the mapping field' if api else f'add --map "{header}={name}"'

    sure = {column.index for column in mapping.columns if column.how != "meaning"}
    lines = []
    for name in mapping.missing:
        label = FIELDS[name].label
        scored = [
            (_resemblance(text, name), index, text)
            for index, text in enumerate(_text(header) for header in headers)
            if text and index not in sure
        ]
        ranked = sorted(scored, key=lambda candidate: (-candidate[0], candidate[1]))
        closest = [(score, text) for score, _index, text in ranked if score >= MIN_RESEMBLANCE][:3]
        if closest:
            shown = ", ".join(f'"{text}" ({score}%)' for score, text in closest)
            lines.append(
                f'required column "{label}" not found; closest headers: {shown}; '
                f"if one of them is it, {fix(closest[0][1], name)}"
            )
        else:
            lines.append(
                f'required column "{label}" not found and no header of the file resembles it; '
                f"add the column, or name it: {fix('<header>', name)}"
            )
    return "\n".join(lines)


def load_mapping(path: Path) -> dict[str, str]:
    """Read a mapping file: a JSON object ``{"header": "field" or "ignore"}``; ``MappingError`` says what is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MappingError(f"cannot read the mapping file {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"the mapping file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MappingError(
            f'the mapping file {path} must hold one JSON object such as {{"Raison sociale": "organisation_name"}}, '
            f"not a {type(data).__name__}"
        )
    mapping: dict[str, str] = {}
    for header, value in data.items():
        if not isinstance(value, str):
            raise MappingError(
                f'in the mapping file {path}, "{header}" must name a field as text (e.g. "country"), '
                f"not {json.dumps(value)}"
            )
        try:
            mapping[header] = _field_named(value)
        except MappingError as exc:
            raise MappingError(f'in the mapping file {path}, for "{header}": {exc}') from None
    return mapping


def save_mapping(path: Path, mapping: HeaderMapping) -> None:
    """Write the mapping as JSON (UTF-8, indented), headers in the file's order, so a later import can reuse it."""
    text = json.dumps(mapping.as_saved(), ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
