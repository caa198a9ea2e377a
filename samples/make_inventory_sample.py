"""Write a messy inventory sample and, line by line, what importing it must do.

    python samples/make_inventory_sample.py   # writes inventory_sample.csv and inventory_sample_expected.csv

Deterministic (no randomness): the same files every time. The sample has clean rows in many spellings,
multi-actor partnerships, duplicates (exact, case/accent/punctuation variants, same registration number),
typos that are read with a doubt, ambiguous dates, and rows that must be rejected (missing or unknown values,
bad dates, end before start, unknown owner…). The expectations file gives, for every data line, the outcome,
the column (as the sample names it), a fragment of the reason, what the line creates and the stage expected.
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
AREAS = ["AVRR", "health; CT", "counter trafficking, capacity building", "DRR", "emergency;CCCM", "research, data",
         "policy dialogue", "integration; resettlement", "training", "anti-trafficking", "migrant health",
         "Labour migration", "awareness raising", ""]  # fmt: skip


def _name(index: int) -> str:
    first = FIRST[index % len(FIRST)]
    second = SECOND[(index // len(FIRST)) % len(SECOND)]
    third = THIRD[(index // (len(FIRST) * len(SECOND))) % len(THIRD)]
    return f"{first} {second} {third}"


def _date(index: int, year: int) -> str:
    """An unambiguous date in one of several formats (the day is always above 12)."""
    day = date(year, 1 + index % 12, 13 + index % 15)
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
    ) -> dict[str, str]:
        """Append a data line and its expectation."""
        self.rows.append(row)
        line = 1 + sum(1 for _ in self.rows)  # header is line 1; a blank line still counts
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
                "partnership_title": row.get("Partnership Title", ""),
            }
        )
        return row

    def blank(self) -> None:
        """A blank line, which is skipped."""
        self.rows.append(None)

    def organisation(self, index: int, **fields: str) -> dict[str, str]:
        """A clean row for a new organisation (no partnership unless ``fields`` name one)."""
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


def build() -> Sample:
    """Every line of the sample, with its expectation."""
    sample = Sample()
    clean: list[dict[str, str]] = []
    # A. 120 partnerships with one partner each, in every spelling of modality, country, kind and date.
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
        clean.append(sample.add(row, "created", organisations=1, partnerships=1, stage=stage))
    # B. 60 organisations without a partnership.
    directory = []
    for index in range(120, 180):
        row = sample.organisation(index)
        directory.append(sample.add(row, "created", organisations=1))
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
            sample.add(row, "created", organisations=1, partnerships=int(first), stage=stage if first else "")
    # D. Duplicates of organisations already in the file.
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
    for original in clean[:6]:  # the same partnership line again
        sample.add(dict(original), "unchanged", reason="same")
    # E. Lines imported with a doubt.
    typos = [("Keyna", "KE"), ("Ugnada", "UG"), ("Ethopia", "ET"), ("Somlia", "SO"), ("Germny", "DE"),
             ("Franse", "FR")]  # fmt: skip
    for number, (typo, _code) in enumerate(typos):
        row = sample.organisation(300 + number, Country=typo, **{"Registration No": ""})
        sample.add(row, "doubtful", "Country", "read as", organisations=1)
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
        sample.add(row, "doubtful", "Start Date", "ambiguous date", organisations=1, partnerships=1, stage="informal")
    for number in range(4):
        row = sample.organisation(320 + number, **{"Areas of engagement": "AVRR; basket weaving",
                                                   "Registration No": ""})  # fmt: skip
        sample.add(row, "doubtful", "Areas of engagement", "unknown area", organisations=1)
    for number in range(4):
        row = sample.organisation(330 + number, Email=f"not-an-email-{number}", **{"Registration No": ""})
        sample.add(row, "doubtful", "Email", "not an email address", organisations=1)
    for number, word in enumerate(["Univeristy", "Think tnak", "Goverment"]):
        row = sample.organisation(340 + number, Type=word, **{"Registration No": ""})
        sample.add(row, "doubtful", "Type", "read as", organisations=1)
    for original in directory[30:33]:  # same name, registered in another country: a separate organisation
        other = "Mexico" if original["Country"] not in {"Mexico", "MX"} else "Jordan"
        row = dict(original, **{"Org Ref": "", "Registration No": "", "Country": other})
        sample.add(row, "doubtful", "Country", "a separate one is added", organisations=1)
    # F. Lines that must be rejected (they write nothing).
    rejects = [
        ({"Organisation Name": ""}, "Organisation Name", "name is missing"),
        ({"Organisation Name": "   "}, "Organisation Name", "name is missing"),
        ({"Country": "Atlantis"}, "Country", "unknown country"),
        ({"Country": "Narnia"}, "Country", "unknown country"),
        ({"Country": "Nigera"}, "Country", "unknown country"),  # as close to Niger as to Nigeria: no guess
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
        ({"Partnership Ref": "NEW-1"}, "Partnership Title", "has no title"),
        ({"Partnership Ref": "NEW-2", "Modality": "MoU"}, "Partnership Title", "has no title"),
        ({"Partnership Title": "Funded", "Role": "donor"}, "Role", "must be a partner"),
        ({"Partnership Title": "Bossy", "Role": "boss"}, "Role", "unknown role"),
        ({"Organisation Name": "X" * 301}, "Organisation Name", "longer than 300"),
    ]  # fmt: skip
    for number, (fields, column, reason) in enumerate(rejects):
        row = sample.organisation(400 + number, **{"Registration No": "", "Org Ref": f"REJ-{number:02d}"})
        row.update(fields)
        sample.add(row, "rejected", column, reason)
    # G. More clean organisations to pass 300 lines, in a second block after the duplicates and errors.
    for index in range(500, 540):
        row = sample.organisation(index, **{"Registration No": ""})
        sample.add(row, "created", organisations=1)
    return sample


def write(sample: Sample, directory: Path = HERE) -> tuple[Path, Path]:
    """Write the sample CSV and its expectations; returns both paths."""
    sample_path = directory / "inventory_sample.csv"
    expected_path = directory / "inventory_sample_expected.csv"
    with sample_path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
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
