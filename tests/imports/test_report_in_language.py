"""An import report is in its reader's language: the command's summary and rejected lines, the rejects file's
reasons and the API's report, in French; English stays as it was."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import db
from app.cli import cli
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP
from tests.i18n.test_problems_in_language import speaking  # noqa: F401  (the fixture)

IMPORTER = "clerk@example.org"
INVENTORY = (
    "Nom,Pays,Type de partenaire,Modalité,Rôle,Date de début,Date de fin,Responsable\n"
    "Société Générale d'Études,Sénégal,ONG,informel,,,,\n"
    "Coopérative Éléphant,Narnia,ONG,informel,,,,\n"  # unknown country
    "Fondation Kéré,Burkina Faso,Vaisseau spatial,,,,,\n"  # unknown partner type
    "Dates Inversées,Mali,ONG,informel,,2025-01-01,2024-01-01,\n"  # end before start
)


@pytest.fixture
def clerk(cli_database: str) -> Iterator[str]:
    with db.unit_of_work() as session:
        create_user(session, UserCreate(email=IMPORTER, full_name="Clerk", roles=[Role.PROJECT_MANAGER]), actor=SET_UP)
    yield IMPORTER


def _import(path: Path):
    return CliRunner().invoke(cli, ["import", str(path), "--as", IMPORTER], catch_exceptions=False)


def test_the_import_report_in_french(clerk, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AGREEMENTS_LANGUAGE", "fr")
    source = tmp_path / "inventaire.csv"
    source.write_text(INVENTORY, encoding="utf-8")
    result = _import(source)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert out.startswith("inventaire.csv : en-tête à la ligne 1\n")
    assert "  colonne « Pays » → pays\n" in out
    assert "4 ligne(s) lue(s) ; 1 créée(s), 0 mise(s) à jour" in out and "3 rejetée(s)" in out
    assert "  ligne 3 : rejeté [Pays] : le pays 'Narnia' n'est pas un pays ; indiquez son nom ou son code ISO" in out
    assert "  ligne 4 : rejeté [Type de partenaire] : type de partenaire inconnu 'Vaisseau spatial'" in out
    assert "  ligne 5 : rejeté [Date de fin] : la date de fin 2024-01-01 est antérieure à la date de début" in out
    assert result.stderr.startswith("erreur : 3 ligne(s) rejetée(s) ; corrigez-les dans ")
    rows = list(csv.DictReader(source.with_name(source.name + ".rejects.csv").open(encoding="utf-8-sig")))
    assert [row["line"] for row in rows] == ["3", "4", "5"]  # the rejects file's own columns keep their names
    assert (
        rows[0]["reason"] == "Pays: le pays 'Narnia' n'est pas un pays ; indiquez son nom ou son code ISO (p. ex. KE)"
    )


def test_the_import_report_in_english_is_unchanged(clerk, tmp_path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text(INVENTORY, encoding="utf-8")
    result = _import(source)
    assert "4 line(s) read; 1 created, 0 updated" in result.stdout
    assert (
        "  line 3: rejected [Pays]: country 'Narnia' is not a country; write its name or its ISO code" in result.stdout
    )


def test_the_import_report_over_http_in_french(speaking, auth) -> None:  # noqa: F811  (the fixture)
    _, headers = auth(Role.PROJECT_MANAGER)
    files = {"file": ("inventaire.csv", INVENTORY.encode(), "text/csv")}
    response = speaking.post("/api/v1/imports", files=files, headers={**headers, "Accept-Language": "fr"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rejected"] == 3 and body["created"] == 1  # figures and outcomes keep their codes
    reasons = {problem["line"]: (problem["outcome"], problem["reason"]) for problem in body["problems"]}
    assert reasons[3] == (
        "rejected",
        "le pays 'Narnia' n'est pas un pays ; indiquez son nom ou son code ISO (p. ex. KE)",
    )
    assert reasons[5][1] == "la date de fin 2024-01-01 est antérieure à la date de début 2025-01-01"
    assert "colonne « Nom » → nom de l'organisation" in body["header"]
    assert body["date_order"].startswith("aucune date n'indique l'ordre du jour et du mois")
