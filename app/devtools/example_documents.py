"""Builds the example MOUs under ``docs/examples/``: one in English, French and Spanish, each as DOCX and PDF.

They are rendered exactly as the product renders an approved version (``app.drafting.templates_engine.render`` then
``app.drafting.outputs``), from facts written in each language, as partners would type them; the words the renderer
adds (reference, page footer, version, dates, country names) come from the ``documents`` catalog and Babel.
Run ``python -m app.devtools.example_documents`` after changing a template or the renderer, and commit the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.drafting import labels, outputs
from app.drafting.templates_engine import render

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
ORGANISATION = "International Organization for Migration"
PARTNER = "Asociación Caminos Seguros"
REFERENCE = "MOU-2026-0042"

# What a person types differs by language; the facts the system holds (names, dates, codes) do not.
_WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "purpose": "to assist migrants in vulnerable situations along the Central American route",
        "areas": [("Migrant health", "mobile clinics at border crossing points"),
                  ("Counter-trafficking and assistance to victims of trafficking", None)],
        "duties": ["provide technical guidance and training materials", "run two shelters for victims of trafficking"],
        "titles": ("Director General", "President", "Partnerships Officer"),
    },
    "fr": {
        "purpose": "venir en aide aux migrants en situation de vulnérabilité le long de la route d'Amérique centrale",
        "areas": [("Santé des migrants", "cliniques mobiles aux points de passage frontaliers"),
                  ("Lutte contre la traite et assistance aux victimes de la traite", None)],
        "duties": ["fournir des orientations techniques et du matériel de formation",
                   "gérer deux centres d'hébergement pour les victimes de la traite"],
        "titles": ("Directrice générale", "Présidente", "Chargé des partenariats"),
    },
    "es": {
        "purpose": "asistir a las personas migrantes en situación de vulnerabilidad en la ruta centroamericana",
        "areas": [("Salud de los migrantes", "clínicas móviles en los pasos fronterizos"),
                  ("Lucha contra la trata y asistencia a las víctimas de la trata", None)],
        "duties": ["proporcionar orientación técnica y materiales de capacitación",
                   "gestionar dos albergues para víctimas de la trata"],
        "titles": ("Directora General", "Presidenta", "Oficial de Alianzas"),
    },
}  # fmt: skip


def example_variables(language: str) -> dict[str, Any]:
    """The facts of the example MOU, free text in ``language``."""
    words = _WORDS[language]
    director, president, officer = words["titles"]
    return {
        "reference": REFERENCE,
        "organisation_name": ORGANISATION,
        "organisation_signatory_name": "Amy Pope",
        "organisation_signatory_title": director,
        "organisation_signed_on": "2026-03-15",
        "partners": [
            {
                "legal_name": PARTNER,
                "short_name": "Caminos Seguros",
                "country": "Guatemala",
                "country_code": "GT",
                "signatory_name": "María Fernanda López",
                "signatory_title": president,
                "signed_on": "2026-03-14",
            },
        ],
        "purpose": words["purpose"],
        "areas": [{"name": name, "description": description} for name, description in words["areas"]],
        "obligations": [
            {"party": ORGANISATION, "description": words["duties"][0], "due_date": "2026-06-30"},
            {"party": PARTNER, "description": words["duties"][1]},
        ],
        "contacts": [
            {"party": ORGANISATION, "name": "Jean Dupont", "title": officer, "email": "jdupont@example.org"},
            {
                "party": ORGANISATION,
                "name": "Ana Ruiz",
                "title": "Partnership owner",
                "role": "owner",
                "email": "aruiz@example.org",
            },
            {"party": PARTNER, "name": "María Fernanda López", "title": president, "email": "mf.lopez@example.org"},
        ],
        "effective_date": "2026-04-01",
        "end_date": "2028-03-31",
        "notice_period_days": 60,
        "handles_personal_data": True,
    }


def build(directory: Path = EXAMPLES) -> list[Path]:
    """Write ``mou.<language>.docx`` and ``.pdf`` for English, French and Spanish; the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for language in ("en", "fr", "es"):
        text = render("mou", language, example_variables(language)).text
        label = labels.version_label(1, language)
        files = {
            "docx": outputs.to_docx(text, reference=REFERENCE, version_label=label, language=language),
            "pdf": outputs.to_pdf(text, reference=REFERENCE, version_label=label, language=language),
        }
        for extension, content in files.items():
            path = directory / f"mou.{language}.{extension}"
            path.write_bytes(content)
            written.append(path)
    return written


if __name__ == "__main__":
    for written_path in build():
        print(written_path)
