"""The words inventories use, in English, French and Spanish: data only (``normalise`` keys and reads them).

Phrases are written as people write them (accents, capitals, hyphens); ``normalise`` reduces every phrase and every
cell the same way before comparing, so a phrase is listed once. The first phrase of each value is its canonical
name: a cell that names it (or the value's code) is an exact read, anything else a reported mapping.
"""

from __future__ import annotations

from typing import NamedTuple

# Negation --------------------------------------------------------------------------------------------------------

NEGATION_WORDS = frozenset(
    {"not", "no", "non", "without", "never", "none", "nor", "neither", "lacking",
     "pas", "sans", "ni", "ne", "n", "aucun", "aucune", "jamais",
     "sin", "nunca", "ningun", "ninguna", "tampoco"}
)  # fmt: skip
"""Words that negate the polar word after them ("not signed", "sans accord formel", "sin firmar")."""

NEGATING_PREFIXES = ("non", "un", "in", "im", "ir", "il", "dis")
"""Prefixes that negate a polar stem written against it ("informal", "unsigned", "nonbinding")."""

DETACHED_PREFIXES = frozenset({"non", "un", "in", "im"})
"""Prefixes also written apart or hyphenated ("in-formal", "non signé"): joined to a polar stem that follows."""


class Axis(NamedTuple):
    """Two opposite poles of meaning, and how to name the choice in a message ("formal or informal").

    A negation ("not", "non-", "sin") turns one pole into the other when ``negatable``.
    """

    choice: str
    positive: tuple[str, ...]
    negative: tuple[str, ...] = ()
    negatable: bool = True
    beginnings: bool = False
    """Whether a word that only begins one of the axis's words ("form", "offic") is unsure, never a typo of another
    phrase ("form l" is not "forum")."""


MODALITY_AXES = {
    "formal": Axis(
        "formal or informal",
        ("formal", "formally", "formel", "formelle", "formels", "formelles", "formales", "formalised",
         "formalise", "formalisee", "formalises", "formalisees", "formalizado", "formalizada", "formalizados",
         "formalizadas")
    ),
    "signed": Axis(
        "signed or unsigned",
        ("signed", "signe", "signee", "signes", "signees", "firmado", "firmada", "firmados", "firmadas",
         "countersigned", "contresigne"),
        ("draft", "drafts", "brouillon", "ebauche", "borrador", "borradores"),
    ),
    "written": Axis(
        "written or verbal",
        ("written", "ecrit", "ecrite", "ecrits", "ecrites", "escrito", "escrita", "escritos", "escritas"),
        ("oral", "orale", "oraux", "orales", "orally", "verbal", "verbale", "verbaux", "verbales", "verbally",
         "spoken", "tacit", "tacite", "tacito", "tacita", "palabra"),
    ),
    "official": Axis(
        "official or unofficial",
        ("official", "officially", "officiel", "officielle", "oficial", "oficiales"),
        ("officieux", "officieuse", "oficioso", "oficiosa", "extraoficial"),
    ),
    "binding": Axis(
        "binding or non-binding", ("binding", "contraignant", "contraignante", "vinculante", "vinculantes")
    ),
}  # fmt: skip
MODALITY_AXES = {name: axis._replace(beginnings=True) for name, axis in MODALITY_AXES.items()}
"""Words whose opposite a near match must never reach: formal/informal, signed/unsigned/draft, written/verbal…"""

KIND_AXES = {
    "governmental": Axis(
        "governmental or non-governmental",
        ("governmental", "government", "gouvernemental", "gouvernementale", "gouvernementaux",
         "gouvernementales", "gouvernement", "gubernamental", "gubernamentales", "gobierno")
    ),
    "profit": Axis("for-profit or non-profit", ("profit", "lucratif", "lucrative", "lucrativo", "lucrativa", "lucro")),
    "sector": Axis(
        "private or public",
        ("private", "prive", "privee", "privado", "privada"),
        ("public", "publique", "publico", "publica"),
        negatable=False,
    ),
    "scope": Axis(
        "national or international",
        ("national", "nationale", "nationales", "nationaux", "nacional", "nacionales", "local", "locale", "locales",
         "locaux"),
        ("international", "internationale", "internationales", "internationaux", "internacional", "internacionales"),
        negatable=False,
    ),
}  # fmt: skip

AREA_AXES = {
    "voluntary": Axis(
        "voluntary or forced",
        ("voluntary", "volontaire", "voluntario", "voluntaria"),
        ("forced", "forcee", "forzado", "forzada", "forzoso", "forzosa", "compulsory", "obligatoire",
         "obligatorio"),
    ),
}  # fmt: skip

COUNTRY_AXES = {
    "north_south": Axis(
        "north or south", ("north", "northern", "nord", "norte"), ("south", "southern", "sud", "sur"), False
    ),
    "east_west": Axis("east or west", ("east", "eastern", "est", "este"), ("west", "western", "ouest", "oeste"), False),
}

STOPWORDS = frozenset(
    {"a", "an", "the", "of", "s", "le", "la", "les", "l", "un", "une", "de", "du", "des", "d", "el", "los", "las",
     "del", "al", "and", "et", "y", "e", "at", "by", "since", "from", "until", "dated", "only", "just", "ongoing",
     "seulement", "uniquement", "solamente", "desde", "hasta"}
)  # fmt: skip
"""Words left out when comparing phrases ("lettre d'intention" is "lettre intention"). Never "on": one swap from
"no", it must not vanish ("on signé" is not "signé")."""

PLACEHOLDERS = frozenset(
    {"n a", "na", "none", "nil", "null", "nan", "unknown", "tbd", "tbc", "tba", "not applicable", "not specified",
     "not known", "not available", "to be determined", "to be confirmed", "to be defined", "x", "xx", "xxx",
     "sans objet", "s o", "non applicable", "non precise", "non disponible", "inconnu", "aucun", "nd", "n d",
     "a preciser", "a definir", "a determiner", "a confirmer", "non renseigne",
     "no aplica", "no especificado", "no disponible", "desconocido", "ninguno", "ninguna", "por definir",
     "por determinar", "por confirmar", "s d", "sin datos", "sin informacion"}
)  # fmt: skip
"""Cells that say nothing, as their words written plainly ("N/A", "à préciser", "s/o"): an optional value stays
unsaid, a required one is missing. A cell without a letter or a digit ("-", "—", "?") says nothing too."""

# Modalities -------------------------------------------------------------------------------------------------------

MODALITY_PHRASES: dict[str, tuple[str, ...]] = {
    "formal": (
        "formal",
        # English
        "MoU", "M.o.U.", "MoU signed", "signed MoU", "memorandum", "signed memorandum", "memorandum of understanding",
        "signed memorandum of understanding", "memorandum of agreement", "MoA", "agreement", "signed agreement",
        "written agreement", "formal agreement", "formalised agreement", "formal partnership", "formalised",
        "signed", "written", "official", "binding", "contract", "signed contract", "contractual",
        "contractual agreement", "binding agreement", "legally binding agreement", "official agreement",
        "partnership agreement", "cooperation agreement",
        "collaboration agreement", "framework agreement", "grant agreement", "letter of agreement", "LoA",
        "exchange of letters", "MoU in force", "agreement in force", "memo of understanding",
        "letter of understanding", "LoU",
        # French
        "formel", "accord", "accord signé", "accord formel", "accord écrit", "accord officiel", "protocole d'accord",
        "protocole d'accord signé", "protocole d'entente", "protocole", "convention", "convention signée",
        "convention de partenariat", "convention de coopération", "mémorandum d'entente", "mémorandum signé",
        "accord de partenariat", "accord de coopération", "accord-cadre", "contrat", "contrat signé",
        "partenariat formel", "partenariat formalisé", "accord formalisé", "signé", "écrit", "officiel",
        "lettre d'entente", "mémorandum d'accord",
        # Spanish
        "acuerdo", "acuerdo formal", "acuerdo firmado", "acuerdo escrito", "acuerdo oficial", "convenio",
        "convenio firmado", "convenio de cooperación", "convenio de colaboración", "convenio marco", "acuerdo marco",
        "memorando de entendimiento", "memorándum de entendimiento", "memorando", "memorando firmado",
        "carta de acuerdo", "contrato", "contrato firmado", "alianza formal", "asociación formal", "formalizado",
        "acuerdo formalizado", "firmado", "firmada", "escrito", "oficial", "carta de entendimiento",
        # The status of an agreement said instead of the modality: one exists, in force, renewed or expired (the
        # importer records it expired from its dates)
        "active", "valid", "in force", "renewed", "expired", "lapsed", "no longer in force", "no longer valid",
        "not renewed",
        "actif", "en vigueur", "renouvelé", "renouvelée", "expiré", "expirée", "échu", "échue", "caduc", "caduque",
        "plus en vigueur", "non renouvelé",
        "activo", "vigente", "en vigor", "renovado", "renovada", "vencido", "vencida", "no vigente", "ya no vigente",
        "caducado", "caducada", "expirado", "expirada", "no renovado",
    ),
    "informal": (
        "informal",
        # English
        "informal agreement", "informal partnership", "informal arrangement", "informal collaboration",
        "informal cooperation", "non-formal", "non-formal agreement", "no formal", "not formal",
        "not formalised", "unwritten agreement", "verbal", "verbal agreement", "verbal commitment",
        "verbal undertaking", "oral", "oral agreement", "oral commitment", "oral undertaking",
        "gentlemen's agreement", "gentleman's agreement", "handshake agreement", "tacit agreement",
        "letter of intent", "LoI", "agreement in principle", "in principle", "partnership in principle",
        "undertaking", "commitment in principle", "verbally agreed", "agreed verbally", "orally agreed",
        "handshake", "signed letter of intent", "unofficial", "unofficial agreement",
        # French
        "informel", "accord informel", "partenariat informel", "collaboration informelle", "entente informelle",
        "non formel", "non formalisé", "engagement verbal", "engagement oral", "accord verbal", "accord oral",
        "entente verbale", "accord tacite", "officieux", "non officiel", "accord officieux", "accord de principe",
        "lettre d'intention", "lettre d'intention signée",
        # Spanish
        "acuerdo informal", "alianza informal", "colaboración informal", "asociación informal",
        "no formalizado", "sin formalizar", "compromiso verbal", "compromiso oral", "acuerdo verbal",
        "acuerdo oral", "acuerdo de palabra", "no oficial", "extraoficial", "acuerdo extraoficial", "de palabra",
        "acuerdo de caballeros", "acuerdo tácito",
        "carta de intención", "carta de intenciones", "acuerdo en principio", "acuerdo de principio",
    ),
    "ad_hoc": (
        "ad hoc",
        # English
        "ad hoc interaction", "ad hoc collaboration", "ad hoc activity", "ad hoc cooperation", "event", "one-off",
        "one-off event", "one-off activity", "single event", "single workshop", "single activity", "single meeting",
        "one-time", "one-time activity", "one-time event", "joint event", "joint activity", "meeting",
        "conference", "workshop", "seminar", "training event", "occasional", "occasional collaboration",
        # French
        "ponctuel", "ponctuelle", "activité ponctuelle", "atelier", "atelier ponctuel", "événement",
        "événement ponctuel", "réunion", "conférence", "séminaire", "activité conjointe", "événement conjoint",
        "interaction ponctuelle", "collaboration ponctuelle",
        # Spanish
        "evento", "evento puntual", "taller", "reunión", "actividad puntual", "conferencia", "seminario",
        "actividad conjunta", "evento conjunto", "colaboración puntual", "interacción puntual", "puntual",
        "encuentro",
    ),
    "formalising": (
        "formalising",
        # English: an unsigned or draft MoU is one being negotiated
        "formalisation", "formalisation in progress", "being formalised", "under formalisation", "negotiating",
        "negotiation", "in negotiation", "under negotiation", "MoU under negotiation", "MoU in negotiation",
        "MoU being negotiated", "MoU in preparation", "MoU being drafted", "MoU drafted", "draft", "draft MoU",
        "draft agreement", "draft memorandum", "unsigned", "unsigned MoU", "unsigned agreement",
        "unsigned memorandum", "MoU not signed", "MoU not yet signed", "not signed", "not yet signed",
        "pending signature", "awaiting signature", "signature pending", "MoU pending signature", "to be signed",
        "drafting", "in preparation", "planned MoU", "proposed MoU", "under discussion", "in discussion",
        "being discussed", "under review",
        # French
        "en négociation", "en cours de négociation", "négociation", "en cours de formalisation",
        "formalisation en cours", "en cours de signature", "en attente de signature", "projet de protocole",
        "projet de protocole d'accord", "projet d'accord", "projet de convention", "projet de mémorandum",
        "protocole en préparation", "accord en négociation", "non signé", "pas encore signé", "accord non signé",
        "protocole non signé", "convention non signée", "en préparation", "en discussion", "en cours de discussion",
        # Spanish
        "en negociación", "negociación", "borrador", "borrador de memorando", "borrador de acuerdo",
        "borrador de convenio", "pendiente de firma", "en proceso de firma", "por firmar", "sin firmar",
        "acuerdo sin firmar", "convenio sin firmar", "memorando sin firmar", "no firmado", "aún no firmado",
        "en preparación", "en proceso de formalización", "en formalización", "en trámite", "en discusión",
        # An agreement being renewed
        "renewal pending", "pending renewal", "renewal in progress", "under renewal", "being renewed",
        "to be renewed", "awaiting renewal", "renewal under negotiation",
        "en cours de renouvellement", "renouvellement en cours", "en attente de renouvellement", "en renouvellement",
        "à renouveler",
        "en renovación", "renovación en trámite", "renovación en curso", "en proceso de renovación",
        "pendiente de renovación", "por renovar",
    ),
}  # fmt: skip
"""Decision: an unsigned, draft or "not signed" agreement is one being negotiated, so it reads as formalising; an
agreement "active", "expired" or "former" is (or was) a formal one, and one "renewal pending" is being formalised."""

MODALITY_NO_AGREEMENT = (
    "no agreement", "no formal agreement", "no written agreement", "without agreement",
    "pas d'accord", "aucun accord", "sans accord", "sin acuerdo", "ningún acuerdo", "no hay acuerdo",
    "acuerdo no formal",
)  # fmt: skip
"""A relationship with no formal agreement: informal alone; beside a stage that has none ("Joint event (no MoU)",
"No MoU - under negotiation") that stage. Every document after an absence word is one too (``MODALITY_ABSENCE``)."""

MODALITY_ABSENCE: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = (
    ("no", "without", "without a", "without any", "not any", "no formal", "without formal", "no written",
     "sans", "pas de", "aucun", "aucune", "sans aucun", "sans aucune", "sin", "no hay", "ningún", "ninguna",
     "no existe", "sin ningún", "sin ninguna"),
    ("formel", "formelle", "écrit", "écrite", "formal", "escrito", "escrita"),
    ("sans", "pas de", "aucun", "aucune", "sin", "ningún", "ninguna"),
)  # fmt: skip
"""Absence words written before a document ("No MoU", "sin convenio", "pas de convention"), formal words that may
follow it ("sans convention formelle"), and the absence words that take them."""

MODALITY_TERMINATED = (
    "terminated", "cancelled", "canceled", "revoked", "rescinded", "terminated early",
    "résilié", "résiliée", "dénoncé", "dénoncée", "annulé", "annulée", "révoqué", "révoquée",
    "rescindido", "rescindida", "cancelado", "cancelada", "anulado", "anulada", "revocado", "revocada",
)  # fmt: skip
"""An agreement ended before its term (alone or after or before a document): refused, as the partnership's stage
cannot be told from it."""
MODALITY_TERMINATED_BEFORE = ("terminated", "cancelled", "canceled", "revoked", "rescinded")
"""The words of ``MODALITY_TERMINATED`` also written before a document ("terminated MoU")."""

MODALITY_RELATIONS = (
    "partnership", "collaboration", "cooperation", "relationship", "engagement", "interaction",
    "partenariat", "coopération", "relation", "engagement",
    "alianza", "asociación", "colaboración", "cooperación", "relación", "interacción",
)  # fmt: skip
"""A relationship, which says no stage alone: only with a stage word ("partenariat ponctuel", "informal
partnership")."""

MODALITY_RELATION_STATUS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ad_hoc": (
        ("one-off", "one-time", "ad hoc", "occasional", "isolated", "single"),
        ("ponctuel", "ponctuelle", "ad hoc", "occasionnel", "occasionnelle", "puntual", "ocasional", "esporádica",
         "esporádico", "one-off"),
    ),
    "informal": (
        ("informal", "verbal", "oral", "unwritten", "tacit", "unofficial"),
        ("informel", "informelle", "verbal", "verbale", "oral", "orale", "tacite", "informal", "tácita", "tácito",
         "officieux", "officieuse", "non officiel", "non officielle", "no oficial"),
    ),
    "formal": (
        ("formal", "formalised"),
        ("formel", "formelle", "formalisé", "formalisée", "formal", "formalizada", "formalizado"),
    ),
}  # fmt: skip
"""Stage → (words written before a relationship, words written after it)."""

MODALITY_DOCUMENTS = (
    "MoU", "MoA", "memorandum", "memorandum of understanding", "agreement", "contract", "partnership agreement",
    "cooperation agreement", "collaboration agreement", "framework agreement", "grant agreement",
    "letter of agreement",
    "accord", "protocole", "protocole d'accord", "convention", "contrat", "mémorandum", "mémorandum d'entente",
    "convention de partenariat", "convention de coopération", "accord de partenariat", "accord de coopération",
    "accord-cadre", "lettre d'entente",
    "acuerdo", "convenio", "memorando", "memorando de entendimiento", "contrato", "convenio de cooperación",
    "convenio de colaboración", "convenio marco", "acuerdo marco", "carta de entendimiento",
)  # fmt: skip
"""Names of a written agreement, which a status word before or after turns into a modality ("MoU non signé")."""

MODALITY_EVENTS = (
    "event", "activity", "workshop", "meeting", "conference", "seminar", "webinar", "training", "visit", "mission",
    "forum", "symposium", "round table", "summit", "side event", "study visit", "exchange visit",
    "événement", "activité", "atelier", "réunion", "conférence", "séminaire", "webinaire", "formation", "visite",
    "colloque", "table ronde", "sommet", "visite d'étude", "visite d'échange",
    "evento", "actividad", "taller", "reunión", "conferencia", "seminario", "capacitación", "visita", "misión",
    "jornada", "encuentro", "foro", "simposio", "coloquio", "mesa redonda", "cumbre", "visita de estudio",
)  # fmt: skip
"""One-off happenings: alone or with a word such as "single", "ponctuel", "único", they read as ad hoc."""

MODALITY_STATUS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "formal": (
        ("signed", "formal", "written", "binding", "official", "non-binding", "active", "valid", "current",
         "renewed", "expired", "lapsed", "former", "previous", "past", "old", "ancien", "ancienne", "antiguo",
         "antigua"),
        ("signed", "in force", "signé", "signée", "en vigueur", "formel", "formelle", "écrit", "écrite", "officiel",
         "officielle", "firmado", "firmada", "en vigor", "formal", "escrito", "escrita", "oficial",
         "active", "valid", "renewed", "expired", "lapsed", "no longer in force", "not renewed", "signed expired",
         "non contraignant", "non contraignante", "actif", "active", "renouvelé", "renouvelée", "expiré", "expirée",
         "échu", "échue", "caduc", "caduque", "plus en vigueur", "non renouvelé", "non renouvelée",
         "no vinculante", "vigente", "activo", "activa", "renovado", "renovada", "vencido", "vencida",
         "no vigente", "caducado", "caducada", "expirado", "expirada", "anterior", "no renovado", "no renovada"),
    ),
    "formalising": (
        ("draft", "unsigned", "proposed", "planned", "projet de", "borrador de", "proyecto de"),
        ("not signed", "not yet signed", "unsigned", "under negotiation", "in negotiation", "being negotiated",
         "in preparation", "being drafted", "drafted", "pending signature", "awaiting signature", "to be signed",
         "under discussion", "under review", "being reviewed", "pending", "en discussion", "en cours d'examen",
         "en discusión", "en revisión",
         "non signé", "non signée", "pas encore signé", "pas encore signée", "en négociation",
         "en cours de négociation", "en préparation", "en cours de signature", "en attente de signature",
         "sin firmar", "no firmado", "no firmada", "aún no firmado", "en negociación", "en preparación",
         "pendiente de firma", "por firmar", "en trámite",
         "renewal pending", "pending renewal", "under renewal", "being renewed", "to be renewed", "awaiting renewal",
         "en cours de renouvellement", "en renouvellement", "à renouveler", "en attente de renouvellement",
         "en renovación", "en proceso de renovación", "pendiente de renovación", "por renovar",
         "renovación en trámite"),
    ),
    "ad_hoc": (
        ("single", "one-off", "one-time", "joint", "ad hoc", "occasional", "isolated"),
        ("ponctuel", "ponctuelle", "unique", "conjoint", "conjointe", "isolé", "isolée", "ad hoc", "puntual",
         "único", "única", "conjunto", "conjunta", "aislado", "aislada", "one-off"),
    ),
    "informal": (
        ("informal", "verbal", "oral", "unwritten", "tacit"),
        ("informel", "informelle", "verbal", "verbale", "oral", "orale", "tacite", "informal", "tácito",
         "de palabra"),
    ),
}  # fmt: skip
"""Stage → (words written before a document or an event, words written after it)."""

# Partner types ------------------------------------------------------------------------------------------------------

KIND_PHRASES: dict[str, tuple[str, ...]] = {
    "international_cso": (
        "international CSO", "international NGO", "INGO", "international non-governmental organisation",
        "international civil society organisation", "ONG internationale",
        "organisation non gouvernementale internationale", "organisation internationale de la société civile",
        "ONG internacional", "organización no gubernamental internacional",
        "organización internacional de la sociedad civil",
        "ONGI", "organisation internationale non gouvernementale", "ONG internationales",
        # A network of civil society across a region's countries (a regional body of states is a regional
        # organisation, a regional consultative process too)
        "international network", "global network", "regional network", "regional NGO", "regional CSO",
        "réseau international", "réseau régional", "ONG régionale", "red internacional", "red regional",
        "ONG regional",
    ),
    "national_cso": (
        "national CSO", "NGO", "NNGO", "national NGO", "local NGO", "CSO", "civil society",
        "civil society organisation", "non-governmental organisation", "non-government organisation", "ONG",
        "association", "foundation", "charity", "non-profit", "non-profit organisation", "not-for-profit",
        "NPO", "faith-based organisation", "FBO",
        "LNGO", "local CSO", "local civil society organisation", "non-governmental", "non-government",
        "NGO network", "CSO network", "civil society network", "national network",
        # Red Cross and Red Crescent National Societies: national associations auxiliary to their government
        "Red Cross", "Red Crescent", "Red Cross Red Crescent", "Red Cross and Red Crescent", "National Society",
        "Red Cross National Society", "Red Crescent National Society", "National Red Cross Society",
        "National Red Crescent Society", "Croix-Rouge", "Croissant-Rouge", "Société nationale",
        "Société nationale de la Croix-Rouge", "Société nationale du Croissant-Rouge", "Cruz Roja",
        "Media Luna Roja", "Sociedad Nacional", "Sociedad Nacional de la Cruz Roja",
        "Sociedad Nacional de la Media Luna Roja",
        # Faith-based, diaspora and workers' organisations: civil society
        "faith-based", "faith-based NGO", "religious organisation", "religious NGO", "church", "ONG confessionnelle",
        "organisation confessionnelle", "association confessionnelle", "organisation religieuse", "ONG religieuse",
        "église", "organización religiosa", "organización confesional", "organización basada en la fe",
        "ONG religiosa", "ONG confesional", "iglesia",
        "diaspora", "diaspora organisation", "diaspora association", "diaspora group", "diaspora network",
        "organisation de la diaspora", "association de la diaspora", "organización de la diáspora",
        "asociación de la diáspora",
        "trade union", "labour union", "workers' union", "workers' organisation", "syndicat",
        "organisation syndicale", "syndicat de travailleurs", "sindicato", "organización sindical",
        "sindicato de trabajadores",
        "ONG nationale", "ONG locale", "organisation non gouvernementale", "organisation de la société civile",
        "OSC", "société civile", "association locale", "fondation", "organisation à but non lucratif",
        "association sans but lucratif",
        "ONG nacional", "ONG local", "organización no gubernamental", "organización de la sociedad civil",
        "sociedad civil", "asociación", "fundación", "organización sin fines de lucro", "asociación sin fines de lucro",
        "asociación sin ánimo de lucro",
        "organización sin ánimo de lucro", "entidad sin ánimo de lucro",
    ),
    "community_based_organisation": (
        "community-based organisation", "CBO", "community based", "community group", "community organisation",
        "grassroots", "grassroots organisation",
        "organisation communautaire", "organisation à base communautaire", "OBC", "association communautaire",
        "groupe communautaire", "organisation de base",
        "organización comunitaria", "organización de base comunitaria", "grupo comunitario", "organización de base",
        # Cooperatives: member-owned groups of producers or workers, mostly local
        "cooperative", "co-operative", "cooperative society", "self-help group", "coopérative",
        "groupement coopératif", "groupe d'entraide", "cooperativa", "grupo de autoayuda",
    ),
    "intergovernmental_organisation": (
        "intergovernmental organisation", "IGO", "intergovernmental", "inter-governmental",
        "international organisation", "organisation intergouvernementale", "OIG", "organisation internationale",
        "organización intergubernamental", "organismo intergubernamental", "organización internacional",
        "organismo internacional",
    ),
    "regional_organisation": (
        "regional organisation", "regional", "regional body", "regional economic community", "REC",
        "organisation régionale", "organisme régional", "communauté économique régionale", "CER",
        "organización regional", "organismo regional", "comunidad económica regional",
        "regional consultative process", "RCP", "processus consultatif régional", "proceso consultivo regional",
    ),
    "academic_institution": (
        "academic institution", "university", "academic", "academia", "research institute", "research centre",
        "college", "school",
        "université", "institution académique", "institut de recherche", "centre de recherche",
        "établissement d'enseignement supérieur", "école", "institut universitaire",
        "universidad", "institución académica", "centro de investigación", "instituto de investigación",
        "escuela",
        "public university", "private university", "state university", "national university",
        "université publique", "université privée", "université d'État", "université nationale",
        "universidad pública", "universidad privada", "universidad estatal", "universidad nacional",
    ),
    "think_tank": (
        "think tank", "policy institute",
        "groupe de réflexion", "laboratoire d'idées", "cercle de réflexion",
        "centro de pensamiento", "grupo de reflexión", "laboratorio de ideas", "centro de estudios",
    ),
    "private_sector": (
        "private sector", "private", "private company", "company", "business", "corporate", "corporation",
        "enterprise", "firm", "for-profit",
        "secteur privé", "privé", "entreprise", "entreprise privée", "société privée",
        "sector privado", "privado", "empresa", "empresa privada", "compañía", "con fines de lucro",
        "chamber of commerce", "business association", "employers' organisation", "social enterprise",
        "chambre de commerce", "organisation patronale", "cámara de comercio", "asociación empresarial",
    ),
    "government": (
        "government", "govt", "gov", "ministry", "government agency", "public authority", "public institution",
        "local authority", "municipality", "embassy", "governmental organisation", "governmental agency",
        "public sector", "public administration", "secteur public", "administration publique",
        "sector público", "administración pública",
        "gouvernement", "ministère", "agence gouvernementale", "autorité publique", "institution publique",
        "autorité locale", "collectivité locale", "municipalité", "mairie", "ambassade",
        "gobierno", "ministerio", "agencia gubernamental", "autoridad pública", "institución pública",
        "autoridad local", "municipalidad", "municipio", "alcaldía", "embajada",
        "government ministry", "line ministry", "government department", "national agency", "state agency",
        "local government", "local authorities", "municipal government", "regional government",
        "provincial government", "state government", "county government", "city council", "district council",
        "collectivité territoriale", "collectivités territoriales", "collectivités locales", "commune",
        "conseil municipal", "conseil régional", "conseil départemental", "gouvernorat", "préfecture",
        "agence nationale", "ministère de tutelle",
        "gobierno local", "gobierno municipal", "gobierno regional", "gobierno provincial", "gobierno departamental",
        "ayuntamiento", "gobernación", "prefectura", "agencia nacional", "autoridades locales",
    ),
    "un_agency": (
        "UN agency", "UN", "UN entity", "United Nations", "United Nations agency", "UN fund", "UN programme",
        "agence des Nations Unies", "agence onusienne", "Nations Unies", "ONU", "système des Nations Unies",
        "agencia de la ONU", "agencia de las Naciones Unidas", "Naciones Unidas", "organismo de las Naciones Unidas",
        "sistema de las Naciones Unidas",
        "UN organisation", "UN system", "organisation des Nations Unies", "agence de l'ONU", "organismo de la ONU",
    ),
    "other": ("other", "autre", "autres", "otro", "otros", "otra"),
}  # fmt: skip

KIND_HEADS = (
    "ministry", "ministries", "ministère", "ministerio", "municipality", "municipalité", "municipalidad", "municipio",
    "mairie", "commune", "ayuntamiento", "alcaldía", "gobernación", "governorate", "gouvernorat", "prefecture",
    "préfecture", "prefectura", "city council", "county government", "secretaría de estado",
)  # fmt: skip
"""Words that make a government body whatever they are of: "Ministry of Health", "Mairie de Dakar"."""
KIND_HEAD_LINKS = frozenset({"of", "for", "de", "du", "des", "d", "del", "pour", "para", "de la"})

# Areas of engagement ------------------------------------------------------------------------------------------------

AREA_PHRASES: dict[str, tuple[str, ...]] = {
    "counter_trafficking": (
        "Counter-trafficking and assistance to victims of trafficking", "counter trafficking", "CT",
        "anti-trafficking", "trafficking", "human trafficking", "victims of trafficking", "VoT",
        "lutte contre la traite", "lutte contre la traite des personnes", "lutte contre la traite des êtres humains",
        "traite des personnes", "traite des êtres humains", "traite", "victimes de la traite",
        "assistance aux victimes de la traite",
        "trata de personas", "trata", "lucha contra la trata", "lucha contra la trata de personas",
        "víctimas de trata", "asistencia a víctimas de trata",
    ),
    "assisted_voluntary_return": (
        "Assisted voluntary return and reintegration", "assisted voluntary return", "AVR", "AVRR",
        "voluntary return", "return", "return and reintegration", "reintegration",
        "retour volontaire assisté", "aide au retour volontaire", "aide au retour volontaire et à la réintégration",
        "retour volontaire", "retour", "retour et réintégration", "réintégration", "ARVR",
        "retorno voluntario asistido", "retorno voluntario", "retorno", "retorno y reintegración", "reintegración",
        "RVA",
    ),
    "education_training": (
        "Education, training and capacity building", "education", "training", "capacity building",
        "capacity development", "education and training",
        "éducation", "formation", "renforcement des capacités", "éducation et formation",
        "educación", "formación", "capacitación", "fortalecimiento de capacidades", "desarrollo de capacidades",
        "educación y formación",
    ),
    "migrant_health": (
        "Migrant health", "health", "migration health", "MHPSS", "mental health", "psychosocial support",
        "santé", "santé des migrants", "santé mentale", "soutien psychosocial",
        "salud", "salud de los migrantes", "salud migrante", "salud mental", "apoyo psicosocial",
    ),
    "awareness_raising": (
        "Awareness raising and public information", "awareness", "awareness raising", "public information",
        "information campaigns", "outreach",
        "sensibilisation", "information du public", "campagnes d'information",
        "sensibilización", "concienciación", "información pública", "campañas de información",
    ),
    "migrants_rights": (
        "Protection of migrants' rights", "rights", "migrant rights", "migrants rights", "protection",
        "human rights",
        "droits des migrants", "protection des droits des migrants", "droits de l'homme", "droits humains",
        "derechos de los migrantes", "protección de los derechos de los migrantes", "derechos humanos",
        "protección", "derechos",
    ),
    "labour_migration": (
        "Labour migration", "labour", "employment", "recruitment", "labour mobility",
        "migration de travail", "migration de main-d'œuvre", "migration professionnelle", "emploi", "recrutement",
        "mobilité de la main-d'œuvre",
        "migración laboral", "empleo", "reclutamiento", "movilidad laboral",
    ),
    "humanitarian": (
        "Humanitarian activities", "humanitarian", "DRR", "disaster risk reduction", "disaster preparedness",
        "emergency", "emergency response", "CCCM", "camp management", "camp coordination and camp management",
        "community stabilisation",
        "humanitaire", "action humanitaire", "activités humanitaires", "réduction des risques de catastrophe",
        "préparation aux catastrophes", "urgence", "réponse d'urgence", "gestion des camps",
        "coordination et gestion des camps", "stabilisation communautaire",
        "humanitario", "acción humanitaria", "actividades humanitarias", "reducción del riesgo de desastres",
        "preparación para desastres", "emergencia", "respuesta de emergencia", "gestión de campamentos",
        "coordinación y gestión de campamentos", "estabilización comunitaria",
    ),
    "community_development": (
        "Community development", "livelihoods", "income generation", "infrastructure", "development",
        "développement communautaire", "moyens de subsistance", "génération de revenus",
        "activités génératrices de revenus", "infrastructures", "développement",
        "desarrollo comunitario", "medios de vida", "generación de ingresos", "infraestructura", "desarrollo",
    ),
    "research_data": (
        "Research, data collection and information dissemination", "research", "data", "data collection",
        "research and data", "DTM", "studies",
        "recherche", "données", "collecte de données", "recherche et données", "études",
        "diffusion de l'information",
        "investigación", "datos", "recopilación de datos", "recolección de datos", "investigación y datos",
        "estudios", "difusión de información",
    ),
    "policy_dialogue": (
        "Migration policy dialogue and thematic consultations", "policy dialogue", "policy", "dialogue",
        "migration policy dialogue", "thematic consultations", "governance", "migration governance",
        "dialogue politique", "dialogue sur les politiques migratoires", "politique migratoire",
        "consultations thématiques", "gouvernance", "gouvernance des migrations",
        "diálogo político", "diálogo sobre políticas migratorias", "política migratoria", "consultas temáticas",
        "gobernanza", "gobernanza migratoria",
    ),
    "resettlement_integration": (
        "Resettlement and migrant integration", "resettlement", "integration", "migrant integration",
        "social cohesion", "inclusion",
        "réinstallation", "intégration", "intégration des migrants", "cohésion sociale",
        "reasentamiento", "integración", "integración de los migrantes", "cohesión social", "inclusión",
    ),
}  # fmt: skip

# Roles --------------------------------------------------------------------------------------------------------------

ROLE_PHRASES: dict[str, tuple[str, ...]] = {
    "lead_partner": (
        "lead partner", "lead", "main partner", "lead organisation",
        "chef de file", "partenaire chef de file", "partenaire principal",
        "socio principal", "socio líder", "organización líder",
    ),
    "co_partner": (
        "co-partner", "partner", "co", "associate partner", "associated partner",
        "partenaire", "co-partenaire", "partenaire associé",
        "socio", "co-socio", "socio asociado",
    ),
    "implementing_partner": (
        "implementing partner", "implementing", "IP", "implementer", "executing partner", "operational partner",
        "partenaire de mise en œuvre", "partenaire d'exécution", "partenaire opérationnel",
        "socio implementador", "socio ejecutor", "socio de implementación", "implementador", "ejecutor",
    ),
    "donor": (
        "donor", "funder", "sponsor", "funding partner",
        "bailleur", "bailleur de fonds", "donateur", "financeur", "partenaire financier",
        "donante", "financiador", "donador", "socio financiador",
    ),
    "observer": ("observer", "observateur", "observatrice", "observador", "observadora"),
}  # fmt: skip

# Countries ----------------------------------------------------------------------------------------------------------

COUNTRY_VARIANTS = {
    "CI": ("Ivory Coast", "Cote dIvoire"),
    "CD": ("DRC", "DR Congo", "D.R. Congo", "RD Congo", "RDC", "Congo, Dem. Rep.", "Congo Democratic Republic",
           "Democratic Republic of Congo", "Democratic Republic of the Congo", "République démocratique du Congo",
           "Congo Kinshasa", "Zaire"),
    "CG": ("Republic of Congo", "Republic of the Congo", "Congo, Rep.", "Congo Brazzaville"),
    "CF": ("CAR", "RCA", "Centrafrique"),
    "GB": ("UK", "U.K.", "R.-U.", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland"),
    "US": ("U.S.A.", "America", "United States of America", "EE.UU.", "EEUU", "É.-U."),
    "AE": ("UAE", "Emirates", "EAU"),
    "TR": ("Turkey", "Turkiye"),
    "KR": ("South Korea", "Korea, Rep.", "ROK"),
    "KP": ("DPRK", "Korea, Dem. Rep."),
    "LA": ("Lao PDR",),
    "PS": ("Palestine", "oPt", "Occupied Palestinian Territory", "Occupied Palestinian Territories"),
    "MK": ("Macedonia", "FYROM", "Republic of Macedonia"),
    "SZ": ("Swaziland",),
    "MM": ("Burma",),
    "CV": ("Cape Verde",),
    "NL": ("Holland",),
    "TL": ("East Timor",),
    "TW": ("Republic of China",),
    "MO": ("Macau",),
    "BA": ("Bosnia",),
    "GN": ("Guinea Conakry", "Guinée Conakry"),
    "IR": ("Persia",),
    "SA": ("Saudi", "KSA"),
    "VA": ("Vatican", "Holy See"),
    "CZ": ("Czech Republic",),
    "RU": ("Russia",),
    "BF": ("Burkina",),
    "TT": ("Trinidad",),
    "AG": ("Antigua",),
    "KN": ("St Kitts", "Saint Kitts"),
    "VC": ("St Vincent", "Saint Vincent"),
    "ST": ("Sao Tome", "São Tomé"),
}  # fmt: skip
"""Short and political names that neither pycountry nor Babel gives (Babel adds the en/fr/es and native names)."""

COUNTRY_SHORT_NAMES = {
    "Congo": ("CG", "Congo is read as the Republic of the Congo (CG); write DRC for the Democratic Republic"),
    "Korea": (
        "KR",
        "Korea is read as South Korea (KR); write North Korea or DPRK for the Democratic People's Republic (KP)",
    ),
    "Corée": ("KR", "Corée is read as South Korea (KR); write Corée du Nord for North Korea (KP)"),
    "Corea": ("KR", "Corea is read as South Korea (KR); write Corea del Norte for North Korea (KP)"),
}
"""Names two countries share, read as the one usually meant, always doubtful."""

COUNTRIES_WITHOUT_CODE = {"Kosovo": ("Kosovo", "Kosova", "Kosovë", "XK", "XKX")}
"""Countries with no ISO 3166-1 code (Kosovo's XK is user-assigned): refused, with the reason."""

REGIONS = (
    "global", "regional", "multi-country", "multiple countries", "several countries", "worldwide", "various",
    "international", "East Africa", "West Africa", "Southern Africa", "North Africa", "Central Africa",
    "Horn of Africa", "Sahel", "Middle East", "MENA", "Latin America", "Asia Pacific",
    "mondial", "régional", "plusieurs pays", "multi-pays", "Afrique de l'Ouest", "Afrique de l'Est",
    "Afrique centrale", "Afrique du Nord", "Moyen-Orient",
    "mundial", "varios países", "multipaís", "África occidental", "África oriental", "Oriente Medio",
)  # fmt: skip
"""What inventories put in the country column for work that is not in one country."""

COUNTRY_ARTICLES = frozenset({"the", "la", "le", "les", "l", "el", "los", "las", "die", "der"})
COUNTRY_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "rep": "republic",
    "dem": "democratic",
    "is": "islands",
    "isl": "islands",
    "fed": "federated",
    "sts": "states",
    "utd": "united",
}
COUNTRY_TITLES = (
    "republic of", "kingdom of", "state of", "principality of", "sultanate of", "grand duchy of",
    "commonwealth of", "federal republic of", "islamic republic of", "republique du", "republique de",
    "republique d", "royaume du", "royaume de", "etat du", "etat de", "republica de", "republica del",
    "reino de", "estado de", "plurinational state of", "etat plurinational de", "estado plurinacional de",
)  # fmt: skip
"""Titles dropped when the bare name is known ("Republic of Kenya", "Kenya, Republic of", "République du Mali")."""

# Dates and totals ---------------------------------------------------------------------------------------------------

MONTH_NAMES = (
    "january february march april may june july august september october november december",
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
)
MONTH_ABBREVIATIONS = {"sept": 9, "set": 9, "setiembre": 9}

TOTAL_WORDS = (
    "grand total", "sub total", "sous total", "subtotal", "soustotal", "total", "totals", "totales", "totaux",
    "total general", "sum", "suma", "somme", "count", "summary", "resumen", "recapitulatif", "recuento",
)  # fmt: skip
TOTAL_QUALIFIERS = frozenset(
    {"general", "generale", "generales", "global", "globale", "overall", "final", "partners", "partenaires", "socios",
     "organisations", "organizaciones", "partnerships", "partenariats", "alianzas", "rows", "lines", "lignes",
     "filas", "records", "entries", "count", "number", "nombre", "numero", "registros",
     "parceiros", "parcerias", "organizacoes", "entidades", "entities", "agreements", "accords", "acuerdos",
     "convenios", "conventions", "contracts", "contrats", "contratos", "mous", "countries", "pays", "paises",
     "geral", "linhas", "registos", "items", "elements", "elementos"}
)  # fmt: skip
"""Words that may follow a total word ("Total général", "TOTAL PARTNERS: 10") without naming an organisation."""

NOTE_MARKERS = (
    "note", "notes", "nb", "n.b.", "nota", "nota bene", "obs", "observation", "observations", "observación",
    "observaciones", "remark", "remarks", "remarque", "remarques", "source", "sources", "fuente", "fuentes", "fonte",
    "fontes", "comment", "comments", "commentaire", "commentaires", "comentario", "comentarios", "disclaimer",
    "legend", "légende", "leyenda", "caveat",
)  # fmt: skip
"""Words a remark under a table starts with ("Note:", "N.B.", "Fuente: DTM")."""

NAME_PARTICLES = frozenset(
    {"of", "the", "and", "for", "in", "on", "de", "du", "des", "la", "le", "les", "l", "d", "et", "pour", "en",
     "sur", "au", "aux", "y", "del", "el", "los", "las", "para", "por", "con", "e", "da", "do", "dos", "das",
     "van", "von", "der", "a"}
)  # fmt: skip
"""Words an organisation's name leaves in lower case ("Association pour la Promotion des Droits")."""

# Periods of time ----------------------------------------------------------------------------------------------------

OPEN_ENDED = (
    "ongoing", "on-going", "open-ended", "open ended", "indefinite", "indefinitely", "no end date", "no end",
    "no expiry", "no expiry date", "no expiration", "no expiration date", "until further notice", "unlimited",
    "permanent", "continuing", "until terminated", "tacit renewal", "automatic renewal", "auto-renewal",
    "en cours", "indéterminée", "indéterminé", "durée indéterminée", "à durée indéterminée", "sans date de fin",
    "sans limite", "illimitée", "illimité", "jusqu'à nouvel ordre", "jusqu'à nouvel avis", "tacite reconduction",
    "reconduction tacite", "renouvellement automatique",
    "indefinido", "indefinida", "tiempo indefinido", "plazo indefinido", "por tiempo indefinido", "vigente",
    "en curso", "sin fecha de fin", "sin fecha de término", "sin fecha de terminación", "sin vencimiento",
    "hasta nuevo aviso", "renovación automática", "permanente",
)  # fmt: skip
"""What an end date column says of an agreement with no end: read as no end date, and doubtful."""

NUMBER_WORDS = {
    1: ("one", "un", "une", "uno", "una"), 2: ("two", "deux", "dos"), 3: ("three", "trois", "tres"),
    4: ("four", "quatre", "cuatro"), 5: ("five", "cinq", "cinco"), 6: ("six", "seis"), 7: ("seven", "sept", "siete"),
    8: ("eight", "huit", "ocho"), 9: ("nine", "neuf", "nueve"), 10: ("ten", "dix", "diez"),
    11: ("eleven", "onze", "once"), 12: ("twelve", "douze", "doce"), 14: ("fourteen", "quatorze", "catorce"),
    15: ("fifteen", "quinze", "quince"), 20: ("twenty", "vingt", "veinte"), 21: ("twenty-one", "veintiuno"),
    30: ("thirty", "trente", "treinta"), 45: ("forty-five", "quarante-cinq", "cuarenta y cinco"),
    60: ("sixty", "soixante", "sesenta"), 90: ("ninety", "quatre-vingt-dix", "noventa"),
    120: ("one hundred twenty", "one hundred and twenty", "cent vingt", "ciento veinte"),
    180: ("one hundred eighty", "one hundred and eighty", "cent quatre-vingts", "ciento ochenta"),
}  # fmt: skip
"""Numbers written in words in notice periods ("six months", "deux semaines", "tres meses")."""

NOTICE_UNITS: dict[str, tuple[str, ...]] = {
    "day": ("day", "days", "d", "calendar day", "calendar days", "jour", "jours", "j", "jour calendaire",
            "jours calendaires", "jours civils", "jours francs", "dia", "dias", "dia calendario", "dias calendario",
            "dias naturales", "dias corridos"),
    "working day": ("working day", "working days", "business day", "business days", "work day", "work days",
                    "workday", "workdays", "jour ouvrable", "jours ouvrables", "jour ouvre", "jours ouvres",
                    "dia habil", "dias habiles", "dia laborable", "dias laborables", "dias laborales"),
    "week": ("week", "weeks", "wk", "wks", "w", "semaine", "semaines", "sem", "semana", "semanas"),
    "fortnight": ("fortnight", "fortnights"),
    "month": ("month", "months", "mo", "mos", "mth", "mths", "m", "mois", "mes", "meses"),
    "year": ("year", "years", "yr", "yrs", "an", "ans", "annee", "annees", "ano", "anos"),
}  # fmt: skip
"""The units of a notice period, as plain words."""

NOTICE_FILLERS = frozenset(
    {"notice", "prior", "written", "advance", "in", "of", "with", "the", "at", "least", "minimum", "min", "within",
     "period", "termination", "preavis", "de", "d", "du", "avec", "au", "moins", "ecrit", "delai", "resiliation",
     "preaviso", "previo", "previa", "por", "escrito", "con", "al", "menos", "antelacion", "anticipacion", "plazo",
     "s"}
)  # fmt: skip
"""Words around a notice period that do not change it ("60 days' prior written notice", "préavis de 3 mois")."""
