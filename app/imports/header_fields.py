"""The fields an inventory's columns map to, with their labels and aliases (English, French, Spanish), and the
normalisation of a header to words (case, accents, punctuation, filler words, plurals and abbreviations ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.i18n import MESSAGES
from app.organisations.models import plain_words

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
FIELD_TABLE = (
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
    name: FieldSpec(name, label, required, tuple(aliases.split("|"))) for name, label, required, aliases in FIELD_TABLE
}


def field_label(name: str) -> str:
    """The label of field ``name`` in the current language ("organisation name", "nom de l'organisation")."""
    labels = {
        "organisation reference": MESSAGES.gettext("organisation reference"),
        "organisation name": MESSAGES.gettext("organisation name"),
        "acronym": MESSAGES.gettext("acronym"),
        "partner type": MESSAGES.gettext("partner type"),
        "country": MESSAGES.gettext("country"),
        "region": MESSAGES.gettext("region"),
        "registration number": MESSAGES.gettext("registration number"),
        "website": MESSAGES.gettext("website"),
        "organisation e-mail": MESSAGES.gettext("organisation e-mail"),
        "contact name": MESSAGES.gettext("contact name"),
        "contact e-mail": MESSAGES.gettext("contact e-mail"),
        "contact phone": MESSAGES.gettext("contact phone"),
        "areas of engagement": MESSAGES.gettext("areas of engagement"),
        "partnership reference": MESSAGES.gettext("partnership reference"),
        "partnership title": MESSAGES.gettext("partnership title"),
        "modality": MESSAGES.gettext("modality"),
        "role": MESSAGES.gettext("role"),
        "start date": MESSAGES.gettext("start date"),
        "end date": MESSAGES.gettext("end date"),
        "signature date": MESSAGES.gettext("signature date"),
        "notice period (days)": MESSAGES.gettext("notice period (days)"),
        "owner e-mail": MESSAGES.gettext("owner e-mail"),
        "notes": MESSAGES.gettext("notes"),
    }
    label = FIELDS[name].label
    return labels.get(label, label)


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


def header_key(text: str) -> str:
    return " ".join(header_words(text))


def given_key(text: str) -> str:
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

LEXICON = {word: concept for concept, words in CONCEPTS.items() for raw in words.split() for word in header_words(raw)}
