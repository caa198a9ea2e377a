"""Write a messy inventory sample and, line by line, what importing it must do.

    python samples/make_inventory_sample.py   # writes inventory_sample.csv and inventory_sample_expected.csv

Deterministic (no randomness): the same files every time. The sample opens with a title line above its header,
has clean rows in many spellings, multi-actor partnerships, duplicates (exact, case/accent/punctuation variants,
same registration number), typos that are read with a doubt, dates written both day first and month first (most
day first: a line that can only be read month first is doubtful, an ambiguous one is read day first and doubtful),
lines that are partnerships without a title (a reference, a modality, dates or a focal point alone), existing MoUs
in force, expired and not yet in force, a line contradicting an earlier one, blank lines, a total line, and rows
that must be rejected (missing or unknown values, bad dates, end before start, unknown owner…).

The expectations file states, for every data line, from the meaning of the line (what a careful clerk expects,
not what the importer happens to do): the outcome, the column (as the sample names it), a fragment of the reason,
what the line creates, the partnership's stage and title (derived from the organisation and its areas when the
line gives none) and the status of the agreement it records, as of ``TODAY``.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADERS = [
    "Org Ref",
    "Organisation Name",
    "Acronym",
    "Type",
    "Country",
    "Region",
    "Registration No",
    "Website",
    "Email",
    "Contact Person",
    "Contact Email",
    "Areas of engagement",
    "Partnership Ref",
    "Partnership Title",
    "Modality",
    "Role",
    "Start Date",
    "End Date",
    "Owner Email",
    "Notes",
]
TITLE = "Partnerships inventory (regional office export, figures as of 30 November 2026)"
"""A title line above the header, as offices write them: the header is found under it."""
HEADER_LINE = 2
TODAY = date(2026, 12, 1)
"""The day the expectations are stated for: agreements whose end date has passed are expired by then."""
OWNER = "pm.sample@example.org"
"""A project manager the importing test creates; other rows default to the importing user."""

FIRST = ["Association", "Fondation", "Centre", "Initiative", "Réseau", "Alliance", "Coalition", "Forum", "Société",
         "Union", "Collectif", "Mouvement"]  # fmt: skip
SECOND = ["Espoir", "Élan", "Horizon", "Lumière", "Solidarité", "Avenir", "Harmonie", "Dignité", "Passerelle",
          "Renouveau"]  # fmt: skip
THIRD = ["Rural", "Urbain", "Migrant", "Côtier", "du Sahel", "des Grands Lacs", "Mondial", "Citoyen"]
COUNTRIES = [
    ("KE", "KE"), ("Kenya", "KE"), ("KEN", "KE"), ("Côte d'Ivoire", "CI"), ("Ivory Coast", "CI"), ("DRC", "CD"),
    ("Congo, Dem. Rep.", "CD"), ("UK", "GB"), ("USA", "US"), ("Türkiye", "TR"), ("Turkey", "TR"), ("Uganda", "UG"),
    ("ETH", "ET"), ("Senegal", "SN"), ("Sénégal", "SN"), ("Nigeria", "NG"), ("Bangladesh", "BD"),
    ("Philippines", "PH"), ("Colombia", "CO"), ("Mexico", "MX"), ("Jordan", "JO"), ("Lebanon", "LB"),
    ("Maroc", "MA"), ("Morocco", "MA"),
]  # fmt: skip
KINDS = ["NGO", "National NGO", "INGO", "International NGO", "CBO", "Community-based organization", "University",
         "Academic", "Think tank", "Private sector", "Company", "Government", "Ministry", "UN agency", "IGO",
         "Regional organisation", "Other"]  # fmt: skip
MODALITIES = [
    ("MoU", "formal"), ("memorandum", "formal"), ("Memorandum of Understanding", "formal"), ("agreement", "formal"),
    ("contract", "formal"), ("formal", "formal"), ("informal", "informal"), ("verbal", "informal"),
    ("Letter of Intent", "informal"), ("in principle", "informal"), ("ad-hoc", "ad_hoc"), ("ad hoc", "ad_hoc"),
    ("event", "ad_hoc"), ("one-off", "ad_hoc"), ("negotiating", "formalising"), ("In negotiation", "formalising"),
    ("", "ad_hoc"),
]  # fmt: skip
AREA_NAMES = {
    "AVRR": ["Assisted voluntary return and reintegration"],
    "health; CT": ["Migrant health", "Counter-trafficking and assistance to victims of trafficking"],
    "counter trafficking, capacity building": ["Counter-trafficking and assistance to victims of trafficking",
                                               "Education, training and capacity building"],
    "DRR": ["Humanitarian activities"],
    "emergency;CCCM": ["Humanitarian activities"],
    "research, data": ["Research, data collection and information dissemination"],
    "policy dialogue": ["Migration policy dialogue and thematic consultations"],
    "integration; resettlement": ["Resettlement and migrant integration"],
    "training": ["Education, training and capacity building"],
    "anti-trafficking": ["Counter-trafficking and assistance to victims of trafficking"],
    "migrant health": ["Migrant health"],
    "Labour migration": ["Labour migration"],
    "awareness raising": ["Awareness raising and public information"],
    "AVRR; basket weaving": ["Assisted voluntary return and reintegration"],  # basket weaving is no area: left out
    "": [],
}  # fmt: skip
"""What each way of writing areas names, in the seed list's words (a partnership without a title is named so)."""
AREAS = ["AVRR", "health; CT", "counter trafficking, capacity building", "DRR", "emergency;CCCM", "research, data",
         "policy dialogue", "integration; resettlement", "training", "anti-trafficking", "migrant health",
         "Labour migration", "awareness raising", ""]  # fmt: skip


def _name(index: int) -> str:
    first = FIRST[index % len(FIRST)]
    second = SECOND[(index // len(FIRST)) % len(SECOND)]
    third = THIRD[(index // (len(FIRST) * len(SECOND))) % len(THIRD)]
    return f"{first} {second} {third}"


def _day(index: int, year: int) -> date:
    """The date ``_date`` writes: the day is always above 12."""
    return date(year, 1 + index % 12, 13 + index % 15)


def _date(index: int, year: int) -> str:
    """An unambiguous date in one of several formats (the day is always above 12)."""
    day = _day(index, year)
    style = index % 6
    if style == 0:
        return day.isoformat()
    if style == 1:
        return day.strftime("%d/%m/%Y")
    if style == 2:
        return day.strftime("%m/%d/%Y")
    if style == 3:
        return day.strftime("%d %b %Y")
    if style == 4:
        return day.strftime("%B %d, %Y")
    return str((day - date(1899, 12, 30)).days)  # an Excel serial number, as a copy-paste leaves it


def is_partnership(row: dict[str, str]) -> bool:
    """Whether a clerk reads the line as a partnership: a reference, a title, a modality, dates or a focal point."""
    names = ("Partnership Ref", "Partnership Title", "Modality", "Start Date", "End Date", "Contact Person",
             "Contact Email")  # fmt: skip
    return any(row.get(name, "").strip() for name in names)


def derived_title(row: dict[str, str]) -> str:
    """The title of a partnership whose line gives none: the organisation and its areas of engagement."""
    areas = AREA_NAMES[row.get("Areas of engagement", "")]
    name = row["Organisation Name"]
    return f"{name}: {', '.join(areas)}" if areas else f"Partnership with {name}"


def month_first_only(index: int) -> str:
    """Which date of a section-A line can only be read month first (``_date`` style 2), or ``""``."""
    # Only odd lines have dates: the start date in style ``index % 6``, the end date in style ``(index + 1) % 6``.
    return "End Date" if index % 2 and (index + 1) % 6 == 2 else ""


class Sample:
    """Rows of the sample and the expectation of each."""

    def __init__(self) -> None:
        self.rows: list[dict[str, str] | None] = []
        self.expected: list[dict[str, str]] = []
        self.names = iter(range(10_000))

    def add(
        self,
        row: dict[str, str],
        outcome: str,
        column: str = "",
        reason: str = "",
        organisations: int = 0,
        partnerships: int = 0,
        stage: str = "",
        agreement: str = "",
        term: tuple[date | None, date | None] = (None, None),
    ) -> dict[str, str]:
        """Append a data line and its expectation (a new partnership without a title gets the derived one).

        ``term`` is the start and end dates the line means, as a clerk reads them.
        """
        self.rows.append(row)
        line = HEADER_LINE + len(self.rows)  # a blank line still counts
        title = row.get("Partnership Title", "")
        if partnerships and not title.strip():
            title = derived_title(row)
        self.expected.append(
            {
                "line": str(line),
                "outcome": outcome,
                "column": column,
                "reason": reason,
                "organisations_created": str(organisations),
                "partnerships_created": str(partnerships),
                "stage": stage,
                "partnership_ref": row.get("Partnership Ref", ""),
                "partnership_title": title,
                "agreement": agreement,
                "start_date": term[0].isoformat() if term[0] else "",
                "end_date": term[1].isoformat() if term[1] else "",
            }
        )
        return row

    def blank(self) -> None:
        """A blank line, which is skipped (and counted)."""
        self.rows.append(None)

    def organisation(self, index: int, **fields: str) -> dict[str, str]:
        """A clean row for a new organisation (a partnership if ``fields`` name one, or it has a contact person)."""
        country, _code = COUNTRIES[index % len(COUNTRIES)]
        row = {
            "Org Ref": f"ORG-{index:04d}" if index % 3 else "",
            "Organisation Name": _name(next(self.names)),
            "Acronym": f"A{index:03d}" if index % 2 else "",
            "Type": KINDS[index % len(KINDS)],
            "Country": country,
            "Region": ["East Africa", "West Africa", "Europe", "Americas", "Asia", ""][index % 6],
            "Registration No": f"REG-{index:05d}" if index % 4 == 0 else "",
            "Website": f"www.partner{index}.org" if index % 5 == 0 else "",
            "Email": f"info@partner{index}.org" if index % 2 == 0 else "",
            "Contact Person": f"Contact Person {index}" if index % 3 == 0 else "",
            "Contact Email": f"contact{index}@partner{index}.org" if index % 3 == 0 else "",
            "Areas of engagement": AREAS[index % len(AREAS)],
            "Notes": "",
        }
        row.update(fields)
        return row

    def new(self, row: dict[str, str], outcome: str = "created", column: str = "", reason: str = "") -> None:
        """A line for a new organisation: with the ad hoc partnership its focal point makes, if it names one."""
        partnership = is_partnership(row)
        self.add(row, outcome, column, reason, organisations=1, partnerships=int(partnership),
                 stage="ad_hoc" if partnership else "")  # fmt: skip


def build() -> Sample:
    """Every line of the sample, with its expectation."""
    sample = Sample()
    clean: list[dict[str, str]] = []
    # A. 120 partnerships with one partner each, in every spelling of modality, country, kind and date. Dates are
    # written in six ways; most numeric ones day first, so a line with a date only readable month first is doubtful.
    # A formal line with a start and an end date records its MoU, in force since 2025.
    for index in range(120):
        word, stage = MODALITIES[index % len(MODALITIES)]
        ref = f"P-{index:04d}" if index % 4 else ""
        row = sample.organisation(
            index,
            **{
                "Partnership Ref": ref,
                "Partnership Title": f"Partnership on topic {index}",
                "Modality": word,
                "Role": ["lead", "Lead partner", "", "implementing partner"][index % 4],
                "Start Date": _date(index, 2025) if index % 2 else "",
                "End Date": _date(index + 1, 2028) if index % 2 else "",
                "Owner Email": OWNER if index % 10 == 0 else "",
            },
        )
        agreement = "active" if stage == "formal" and row["Start Date"] and row["End Date"] else ""
        doubt = month_first_only(index)
        outcome, reason = ("doubtful", "can only be read month first") if doubt else ("created", "")
        term = (_day(index, 2025), _day(index + 1, 2028)) if index % 2 else (None, None)
        sample.add(row, outcome, doubt, reason, organisations=1, partnerships=1, stage=stage, agreement=agreement,
                   term=term)  # fmt: skip
        clean.append(row)
    # B. 60 organisations; the 20 that name a contact person are partnerships with that focal point, ad hoc, named
    # after the organisation and its areas.
    directory = []
    for index in range(120, 180):
        row = sample.organisation(index)
        sample.new(row)
        directory.append(row)
    sample.blank()
    # C. 10 multi-actor partnerships of three parties each: the first line carries the partnership's facts.
    for number in range(10):
        word, stage = MODALITIES[number]
        ref = f"MA-{number + 1:02d}"
        roles = ["lead partner", "co-partner", "implementing partner" if number % 2 else "donor"]
        for position, role in enumerate(roles):
            fields = {"Partnership Ref": ref, "Role": role}
            if position == 0:
                fields |= {"Partnership Title": f"Joint programme {number + 1}", "Modality": word,
                           "Start Date": _date(number, 2026), "End Date": _date(number, 2029)}  # fmt: skip
            row = sample.organisation(200 + number * 3 + position, **fields)
            first = position == 0
            doubt = "Start Date" if first and number % 6 == 2 else ""  # both dates month first
            outcome, reason = ("doubtful", "can only be read month first") if doubt else ("created", "")
            agreement = "active" if first and stage == "formal" else ""
            term = (_day(number, 2026), _day(number, 2029)) if first else (None, None)
            sample.add(row, outcome, doubt, reason, organisations=1, partnerships=int(first),
                       stage=stage if first else "", agreement=agreement, term=term)  # fmt: skip
    # D. Duplicates of organisations already in the file: nothing new, and no second partnership for a focal point
    # already recorded.
    for original in directory[:10]:  # exact copies
        sample.add(dict(original), "unchanged", reason="same organisation as")
    for number, original in enumerate(directory[10:20]):  # case, accents, punctuation, legal suffix
        name = original["Organisation Name"]
        variant = [name.upper(), name.lower(), name.replace(" ", "-"), f"{name} Ltd.", f" {name}  "][number % 5]
        if number % 2 == 0:
            variant = variant.replace("é", "e").replace("É", "E").replace("ô", "o").replace("Ô", "O")
        row = dict(original, **{"Organisation Name": variant, "Org Ref": "", "Registration No": ""})
        sample.add(row, "unchanged", reason="same name")
    for number, original in enumerate(directory[20:30]):  # variants that bring something new
        row = dict(original, **{"Organisation Name": original["Organisation Name"].upper(), "Org Ref": "",
                                "Registration No": "", "Areas of engagement": "policy dialogue; research",
                                "Website": original["Website"] or f"https://dup{number}.example.org"})  # fmt: skip
        sample.add(row, "updated", reason="same name")
    registered = [row for row in directory + clean if row["Registration No"]][:8]
    for number, original in enumerate(registered):  # same registration number, another spelling of the name
        fields = {
            "Org Ref": "",
            "Country": original["Country"],
            "Type": original["Type"],
            "Registration No": original["Registration No"].lower().replace("-", " "),
            "Areas of engagement": "labour migration",
            "Website": "",
            "Email": "",
            "Contact Person": "",
            "Contact Email": "",
        }
        row = sample.organisation(900 + number, **fields)
        sample.add(row, "updated", reason="same registration number")
    for index, original in enumerate(clean[:6]):  # the same partnership line again: its doubt is still reported
        doubt = month_first_only(index)
        reason = "can only be read month first" if doubt else "same organisation as"
        sample.add(dict(original), "unchanged", doubt, reason)
    # E. Lines imported with a doubt (written, and listed in the report; not in the rejects file).
    typos = [("Keyna", "KE"), ("Ugnada", "UG"), ("Ethopia", "ET"), ("Somlia", "SO"), ("Germny", "DE"),
             ("Franse", "FR")]  # fmt: skip
    for number, (typo, _code) in enumerate(typos):
        row = sample.organisation(300 + number, Country=typo, **{"Registration No": ""})
        sample.new(row, "doubtful", "Country", "read as")
    for number in range(6):
        start = f"0{number + 3}/0{number + 1}/2026" if number % 2 else f"{number + 1:02d}/{number + 3:02d}/2026"
        fields = {
            "Partnership Title": f"Ambiguous dates {number}",
            "Modality": "informal",
            "Start Date": start,
            "End Date": "2029-12-31",
            "Registration No": "",
        }
        row = sample.organisation(310 + number, **fields)
        day, month = (number + 3, number + 1) if number % 2 else (number + 1, number + 3)  # read day first
        sample.add(row, "doubtful", "Start Date", "ambiguous date", organisations=1, partnerships=1, stage="informal",
                   term=(date(2026, month, day), date(2029, 12, 31)))  # fmt: skip
    for number in range(4):
        row = sample.organisation(320 + number, **{"Areas of engagement": "AVRR; basket weaving",
                                                   "Registration No": ""})  # fmt: skip
        sample.new(row, "doubtful", "Areas of engagement", "unknown area")
    for number in range(4):
        row = sample.organisation(330 + number, Email=f"not-an-email-{number}", **{"Registration No": ""})
        sample.new(row, "doubtful", "Email", "not an email address")
    for number, word in enumerate(["Univeristy", "Think tnak", "Goverment"]):
        row = sample.organisation(340 + number, Type=word, **{"Registration No": ""})
        sample.new(row, "doubtful", "Type", "read as")
    for original in directory[30:33]:  # same name, registered in another country: a separate organisation
        other = "Mexico" if original["Country"] not in {"Mexico", "MX"} else "Jordan"
        row = dict(original, **{"Org Ref": "", "Registration No": "", "Country": other})
        sample.new(row, "doubtful", "Country", "a separate one is added")
    # F. Lines that must be rejected (they write nothing).
    rejects = [
        ({"Organisation Name": ""}, "Organisation Name", "name is missing"),
        ({"Organisation Name": "   "}, "Organisation Name", "name is missing"),
        ({"Country": "Atlantis"}, "Country", "is not a country"),
        ({"Country": "Narnia"}, "Country", "is not a country"),
        ({"Country": "Nigera"}, "Country", "did you mean Niger or Nigeria"),  # as close to both: no guess
        ({"Country": ""}, "Country", "country is missing"),
        ({"Country": ""}, "Country", "country is missing"),
        ({"Type": ""}, "Type", "partner type is missing"),
        ({"Type": "spaceship"}, "Type", "unknown partner type"),
        ({"Partnership Title": "Bad start", "Start Date": "2026-02-30"}, "Start Date", "not a date"),
        ({"Partnership Title": "Bad start 2", "Start Date": "31/31/2026"}, "Start Date", "not a date"),
        ({"Partnership Title": "Bad end", "End Date": "sometime soon"}, "End Date", "not a date"),
        ({"Partnership Title": "Backwards", "Start Date": "2027-06-30", "End Date": "2026-06-30"}, "End Date",
         "before the start date"),
        ({"Partnership Title": "Backwards 2", "Start Date": "15/08/2027", "End Date": "14 Aug 2027"}, "End Date",
         "before the start date"),
        ({"Partnership Title": "Maybe", "Modality": "perhaps someday"}, "Modality", "unknown modality"),
        ({"Partnership Title": "Orphan", "Owner Email": "nobody@example.org"}, "Owner Email", "no active user"),
        ({"Partnership Title": "Orphan 2", "Owner Email": "not an email"}, "Owner Email", "not an email address"),
    ]  # fmt: skip
    for number, (fields, column, reason) in enumerate(rejects):
        row = sample.organisation(400 + number, **{"Registration No": "", "Org Ref": f"REJ-{number:02d}"})
        row.update(fields)
        sample.add(row, "rejected", column, reason)
    # A partnership reference without a title is a partnership all the same: its title is derived.
    for number, fields in enumerate([{"Partnership Ref": "NEW-1"}, {"Partnership Ref": "NEW-2", "Modality": "MoU"}]):
        row = sample.organisation(417 + number, **{"Registration No": "", "Org Ref": f"REJ-{17 + number:02d}"})
        row.update(fields)
        sample.add(row, "created", organisations=1, partnerships=1, stage="formal" if number else "ad_hoc")
    later_rejects = [
        ({"Partnership Title": "Funded", "Role": "donor"}, "Role", "must be a partner"),
        ({"Partnership Title": "Bossy", "Role": "boss"}, "Role", "unknown role"),
        ({"Organisation Name": "X" * 301}, "Organisation Name", "longer than 300"),
    ]
    for number, (fields, column, reason) in enumerate(later_rejects, start=19):
        row = sample.organisation(400 + number, **{"Registration No": "", "Org Ref": f"REJ-{number:02d}"})
        row.update(fields)
        sample.add(row, "rejected", column, reason)
    # G. More clean organisations to pass 300 lines, in a second block after the duplicates and errors.
    for index in range(500, 540):
        row = sample.organisation(index, **{"Registration No": ""})
        sample.new(row)
    # H. What the lifecycle needs of an inventory: MoUs signed before (expired, in force, not yet in force),
    # partnerships named by a modality, dates or a focal point alone, a line contradicting an earlier one.
    expired = [
        ("MoU", "15/03/2019", "14/03/2022", date(2019, 3, 15), date(2022, 3, 14)),
        ("Memorandum of Understanding", "2018-07-01", "2021-06-30", date(2018, 7, 1), date(2021, 6, 30)),
    ]
    for number, (word, start, end, *term) in enumerate(expired):
        fields = {"Partnership Title": f"Earlier MoU {number + 1}", "Modality": word, "Start Date": start,
                  "End Date": end, "Registration No": ""}  # fmt: skip
        row = sample.organisation(600 + number, **fields)
        sample.add(row, "created", organisations=1, partnerships=1, stage="ended", agreement="expired",
                   term=(term[0], term[1]))  # fmt: skip
    fields = {"Partnership Title": "MoU signed for next year", "Modality": "MoU", "Start Date": "20/01/2027",
              "End Date": "19/01/2030", "Registration No": ""}  # fmt: skip
    row = sample.organisation(602, **fields)
    sample.add(row, "created", organisations=1, partnerships=1, stage="formal", agreement="signed",
               term=(date(2027, 1, 20), date(2030, 1, 19)))  # fmt: skip
    focal = {"Contact Person": "", "Contact Email": "focal.point@partner603.org", "Areas of engagement": "",
             "Registration No": ""}  # fmt: skip
    sample.new(sample.organisation(603, **focal))  # a focal point's e-mail alone
    row = sample.organisation(604, Modality="verbal", **{"Areas of engagement": "AVRR", "Registration No": ""})
    sample.add(row, "created", organisations=1, partnerships=1, stage="informal")  # a modality alone
    dates = {"Start Date": "20/01/2026", "End Date": "19/01/2027", "Areas of engagement": "migrant health",
             "Registration No": ""}  # fmt: skip
    row = sample.organisation(605, **dates)  # dates alone
    sample.add(row, "created", organisations=1, partnerships=1, stage="ad_hoc",
               term=(date(2026, 1, 20), date(2027, 1, 19)))  # fmt: skip
    fields = {"Partnership Ref": "MA-01", "Role": "co-partner", "Modality": "informal", "Registration No": ""}
    row = sample.organisation(606, **fields)  # a fourth party to MA-01, which an earlier line makes formal
    sample.add(row, "doubtful", "Modality", "the earlier one is kept", organisations=1)
    sample.blank()
    total = {header: "" for header in HEADERS} | {"Org Ref": "TOTAL", "Organisation Name": "330 partners"}
    sample.add(total, "skipped", reason="total")
    return sample


def write(sample: Sample, directory: Path = HERE) -> tuple[Path, Path]:
    """Write the sample CSV and its expectations; returns both paths."""
    sample_path = directory / "inventory_sample.csv"
    expected_path = directory / "inventory_sample_expected.csv"
    with sample_path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([TITLE])
        writer.writerow(HEADERS)
        for row in sample.rows:
            writer.writerow([] if row is None else [row.get(header, "") for header in HEADERS])
    with expected_path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(sample.expected[0]))
        writer.writeheader()
        writer.writerows(sample.expected)
    return sample_path, expected_path


if __name__ == "__main__":
    paths = write(build())
    print("wrote", *paths)
