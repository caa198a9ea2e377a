"""The words agreements use, in English, French and Spanish: months, numbers, units and the cues that say what
a date or a period in the text is (entry into force, end, signature, notice), and the two small readers the
proposal modules share (a date from a match, a snippet around a span).
"""

from __future__ import annotations

import re
from datetime import date

SNIPPET_MARGIN = 90

MONTHS: dict[str, int] = {
    # English, with the usual abbreviations
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}  # fmt: skip

NUMBERS: dict[str, int] = {
    # English
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20,
    "twenty-one": 21, "twenty-four": 24, "thirty": 30, "thirty-six": 36, "forty-five": 45, "forty-eight": 48,
    "sixty": 60, "ninety": 90, "one hundred and twenty": 120, "one hundred twenty": 120,
    "one hundred and eighty": 180, "one hundred eighty": 180,
    # French
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
    "onze": 11, "douze": 12, "quinze": 15, "dix-huit": 18, "vingt": 20, "vingt-quatre": 24, "trente": 30,
    "trente-six": 36, "quarante-cinq": 45, "quarante-huit": 48, "soixante": 60, "quatre-vingt-dix": 90,
    "cent vingt": 120, "cent quatre-vingts": 180,
    # Spanish
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "once": 11, "doce": 12, "quince": 15, "dieciocho": 18, "veinte": 20,
    "veinticuatro": 24, "treinta": 30, "treinta y seis": 36, "cuarenta y cinco": 45, "cuarenta y ocho": 48,
    "sesenta": 60, "noventa": 90, "ciento veinte": 120, "ciento ochenta": 180,
}  # fmt: skip

# Unit word → (unit, days it counts for a notice period). A month of notice counts 30 days.
UNITS: dict[str, tuple[str, int]] = {
    "day": ("day", 1), "days": ("day", 1), "jour": ("day", 1), "jours": ("day", 1), "día": ("day", 1),
    "días": ("day", 1), "dia": ("day", 1), "dias": ("day", 1),
    "week": ("week", 7), "weeks": ("week", 7), "semaine": ("week", 7), "semaines": ("week", 7),
    "semana": ("week", 7), "semanas": ("week", 7),
    "month": ("month", 30), "months": ("month", 30), "mois": ("month", 30), "mes": ("month", 30),
    "meses": ("month", 30),
    "year": ("year", 365), "years": ("year", 365), "an": ("year", 365), "ans": ("year", 365),
    "année": ("year", 365), "années": ("year", 365), "año": ("year", 365), "años": ("year", 365),
}  # fmt: skip


def _alternatives(words: list[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)  # longest first, so "twenty-four" wins over "twenty"
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in ordered)


MONTH = _alternatives(list(MONTHS))
NUMBER_WORD = _alternatives(list(NUMBERS))
UNIT = _alternatives(list(UNITS))

# "sixty (60) days'", "3 months", "trois mois", "un (1) an", "treinta (30) días"
QUANTITY = (
    rf"(?:\b(?P<word>{NUMBER_WORD})\s*(?:\((?P<paren>\d{{1,4}})\)\s*)?|(?P<digits>\d{{1,4}})\s*)"
    rf"(?:(?:calendar|working|business|full|clear)\s+)?(?P<unit>{UNIT})\b(?:['\u2019]s|['\u2019])?"
)

_ORDINAL = r"(?:st|nd|rd|th|er|re|ro|º|°|\.º|\.°)?"
DATES = (
    # 1 March 2023, 1st March, 2023, 1er mars 2023, 1 de marzo de 2023, 15th day of March 2023
    rf"\b(?P<d1>\d{{1,2}}){_ORDINAL}\s+(?:day\s+of\s+|de\s+)?(?P<m1>{MONTH})\.?\s*,?\s+(?:de\s+|del\s+)?(?P<y1>\d{{4}})\b",
    # March 1, 2023
    rf"\b(?P<m2>{MONTH})\.?\s+(?P<d2>\d{{1,2}}){_ORDINAL}\s*,?\s+(?P<y2>\d{{4}})\b",
    # 2023-03-01
    r"\b(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})\b",
    # 01/03/2023 or 01.03.2023 (read day first, as in most of the world)
    r"\b(?P<d4>\d{1,2})[./](?P<m4>\d{1,2})[./](?P<y4>\d{4})\b",
)
DATE_PATTERN = re.compile("|".join(f"(?:{pattern})" for pattern in DATES), re.IGNORECASE)
QUANTITY_PATTERN = re.compile(QUANTITY, re.IGNORECASE)

# What a date is, by the nearest cue before it in the same sentence.
EFFECTIVE_CUES = (
    r"enter(?:s|ed)?\s+into\s+force", r"entry\s+into\s+force", r"come(?:s)?\s+into\s+(?:force|effect)",
    r"effective(?:\s+date)?", r"take(?:s)?\s+effect", r"commenc\w*", r"start(?:ing|s)?(?:\s+date)?", r"begin\w*",
    r"\bfrom\b", r"as\s+of", r"with\s+effect\s+from",
    r"entr\w*\s+en\s+vigueur", r"prend\w*\s+effet", r"à\s+compter\s+du", r"à\s+partir\s+du", r"date\s+d['\u2019]effet",
    r"\bdu\b", r"entr\w*\s+en\s+vigor", r"surt\w*\s+efecto", r"a\s+partir\s+del?", r"fecha\s+de\s+inicio",
    r"\bdesde\b", r"vigente\s+desde",
)  # fmt: skip
END_CUES = (
    r"\buntil\b", r"\btill\b", r"expir\w*", r"end(?:s|ing)?\s+on", r"end\s+date", r"terminat\w*\s+on",
    r"\bthrough\b", r"\bto\b",
    r"jusqu['\u2019]\s*(?:au|à|a)", r"prend\w*\s+fin", r"date\s+de\s+fin", r"se\s+termin\w*", r"\bau\b",
    r"\bhasta\b", r"\bvenc\w*", r"finaliz\w*", r"termin\w*\s+el", r"fecha\s+de\s+(?:terminación|finalización)",
    r"\bal\b",
)  # fmt: skip
SIGNATURE_CUES = (
    r"\bsigned\b", r"signature", r"\bdate\s*:", r"done\s+(?:at|in)", r"in\s+witness", r"day\s+of",
    r"\bsigné\w*", r"fait\s+à", r"\bdate\s*:", r"\bfirmad\w*", r"\bfirma\b", r"hecho\s+en", r"suscrit\w*",
    r"\bfecha\s*:",
)  # fmt: skip
CUES = {
    "effective": re.compile("|".join(EFFECTIVE_CUES), re.IGNORECASE),
    "end": re.compile("|".join(END_CUES), re.IGNORECASE),
    "signature": re.compile("|".join(SIGNATURE_CUES), re.IGNORECASE),
}
# A plain "from/du/desde … to/au/al" is weaker than "enter into force" or "until": strong cues win in a sentence.
WEAK_CUES = re.compile(r"^(?:from|du|desde|to|au|al|through|as\s+of|start\w*|begin\w*)$", re.IGNORECASE)

# The term: "for a period of three (3) years", "pour une durée de deux ans", "por un período de tres años"
DURATION_PATTERN = re.compile(
    r"(?:period|term|duration|durée|période|periode|período|periodo|plazo|vigencia|valid(?:ity)?|valable|"
    r"remain(?:s)?\s+in\s+(?:force|effect)|restera\s+en\s+vigueur|demeurera\s+en\s+vigueur|"
    r"permanecer[áa]\s+(?:en\s+vigor|vigente))"
    r"(?:\s+\w+){0,3}?\s+(?:of|for|de|d['\u2019]|pendant|por|durante)\s*" + QUANTITY,
    re.IGNORECASE,
)
NOTICE_CUE = re.compile(
    r"notice|notif\w+|préavis|preavis|preaviso|aviso|antelación|antelacion|anticipación|anticipacion",
    re.IGNORECASE,
)

# Where the parties are named: the preamble, and the signature blocks.
BETWEEN = re.compile(r"\b(?:between|entre)\b\s*:?\s*", re.IGNORECASE)
PARTY_SPLIT = re.compile(r"\s*(?:,?\s+\band\b\s+|,?\s+\bet\b\s+|,?\s+\by\b\s+|;)\s*", re.IGNORECASE)
# Where the "between … and …" clause ends: a sentence, a blank line, or a new article or numbered heading.
CLAUSE_END = re.compile(
    r"\.\s+[A-ZÀ-Ý]|\n\n|:\s*\n|\n\s*(?:(?i:article|section|clause|chapter|chapitre|artículo|cláusula|capítulo)\b|\d+[.)])"
)
NOT_A_NAME = re.compile(
    r"^(?:article|section|clause|chapter|annex|appendix|chapitre|annexe|artículo|cláusula|capítulo|anexo)\b|^\d",
    re.IGNORECASE,
)
PARTY_END = re.compile(
    r"\(|hereinafter|hereafter|ci-après|ci-apres|en\s+adelante|en\s+lo\s+sucesivo|referred\s+to|"
    r"represented|représenté|representad|having\s+its|dont\s+le\s+siège|con\s+sede|,\s*(?:a|an|une?|un[ao]?)\s",
    re.IGNORECASE,
)
ON_BEHALF = re.compile(
    r"^(?:for\s+and\s+on\s+behalf\s+of|on\s+behalf\s+of|for|pour\s+le\s+compte\s+de|au\s+nom\s+de|pour|"
    r"en\s+nombre\s+de|por)\s+(?:the\s+|l['\u2019]\s*|la\s+|le\s+|el\s+|los\s+|las\s+)?(?P<name>.{3,200})$",
    re.IGNORECASE,
)
SIGNATORY_NAME = re.compile(r"^(?:name|nom|nombre)\s*:\s*(?P<value>.{2,200})$", re.IGNORECASE)
SIGNATORY_TITLE = re.compile(
    r"^(?:title|position|titre|fonction|cargo|título)\s*:\s*(?P<value>.{2,200})$", re.IGNORECASE
)
SIGNATURE_DATE = re.compile(r"^(?:date|fecha|le|on)\s*:?\s*(?P<value>.{6,60})$", re.IGNORECASE)
LEADING_ARTICLE = re.compile(r"^(?:(?:the|la|le|les|el|los|las)\s+|l['\u2019]\s*)", re.IGNORECASE)

TITLE_WORDS = re.compile(
    r"memorandum|agreement|understanding|accord|protocole|convention|memorando|acuerdo|convenio|entendimiento|"
    r"amendment|avenant|enmienda|addendum|extension|prorogation|prórroga|renewal|renouvellement|renovación",
    re.IGNORECASE,
)
KIND_WORDS = {
    "amendment": re.compile(r"\bamendment\b|\bavenant\b|\benmienda\b|\baddendum\b", re.IGNORECASE),
    "extension": re.compile(r"\bextension\b|\bprorogation\b|\bprórroga\b|\bprorroga\b", re.IGNORECASE),
    "renewal": re.compile(r"\brenewal\b|\brenouvellement\b|\brenovación\b|\brenovacion\b", re.IGNORECASE),
}


# readers -----------------------------------------------------------------------------------------------------


def snippet(text: str, start: int, end: int, margin: int = SNIPPET_MARGIN) -> str:
    """The words around ``text[start:end]`` on one line, with an ellipsis where it was cut."""
    left, right = max(0, start - margin), min(len(text), end + margin)
    while left > 0 and not text[left - 1].isspace() and start - left < margin + 20:
        left -= 1
    while right < len(text) and not text[right].isspace() and right - end < margin + 20:
        right += 1
    words_there = " ".join(text[left:right].split())
    return f"{'…' if left > 0 else ''}{words_there}{'…' if right < len(text) else ''}"


def date_of(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    for suffix in "1234":
        day, month, year = groups.get(f"d{suffix}"), groups.get(f"m{suffix}"), groups.get(f"y{suffix}")
        if day and month and year:
            number = int(month) if month.isdigit() else MONTHS.get(month.lower().rstrip("."))
            try:
                return date(int(year), number or 0, int(day))
            except ValueError:
                return None
    return None
