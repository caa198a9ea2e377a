"""The command line speaks AGREEMENTS_LANGUAGE, else the POSIX locale, else English: its help, results and errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.cli.support import cli_language
from app.i18n import current_language


@pytest.fixture
def run():
    runner = CliRunner()

    def _run(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return _run


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGREEMENTS_LANGUAGE", "fr")


@pytest.fixture
def spanish_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Spanish terminal: no AGREEMENTS_LANGUAGE, LANG=es_ES.UTF-8."""
    monkeypatch.delenv("AGREEMENTS_LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "es_ES.UTF-8")


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"AGREEMENTS_LANGUAGE": "fr", "LANG": "es_ES.UTF-8"}, "fr"),
        ({"AGREEMENTS_LANGUAGE": "es-MX"}, "es"),
        ({"AGREEMENTS_LANGUAGE": "de", "LANG": "fr_FR.UTF-8"}, "fr"),  # a language we do not speak: the locale
        ({"LANG": "es_ES.UTF-8"}, "es"),
        ({"LC_ALL": "fr_CA.UTF-8", "LANG": "es_ES.UTF-8"}, "fr"),
        ({"LC_MESSAGES": "es_AR", "LANG": "fr_FR"}, "es"),
        ({"LC_ALL": "", "LANG": "fr_FR.UTF-8@euro"}, "fr"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_of_a_command(environ, language) -> None:
    assert cli_language(environ) == language


def test_errors_in_french_from_agreements_language(french, run) -> None:
    result = run("users", "list", "--role", "chef")
    assert result.exit_code != 0
    assert result.stderr.startswith("erreur : rôle inconnu 'chef' ; choisissez parmi : admin, ")
    assert current_language() == "en"  # the command's language ends with it


def test_results_in_french_from_agreements_language(french, cli_database, run) -> None:
    created = run("users", "create", "--email", "ada@example.org", "--name", "Ada Lovelace", "--role", "viewer")
    assert created.exit_code == 0, created.output
    assert created.stdout.startswith("utilisateur 1 créé : ada@example.org (viewer)")
    listed = run("users", "list")
    assert "actif" in listed.stdout
    deactivated = run("users", "deactivate", "ada@example.org")
    assert deactivated.stdout.strip() == "ada@example.org est désormais désactivé"
    refused = run("users", "deactivate", "nobody@example.org")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == "erreur : aucun utilisateur avec l'adresse nobody@example.org"


def test_results_and_errors_in_spanish_from_the_posix_locale(spanish_locale, cli_database, run) -> None:
    created = run("users", "create", "--email", "ada@example.org", "--name", "Ada Lovelace", "--role", "viewer")
    assert created.stdout.startswith("usuario 1 creado: ada@example.org (viewer)"), created.output
    refused = run("tokens", "revoke", "99")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == "error: el token de API 99 no existe"
    bad = run("workflow", "show", "contract")
    assert bad.stderr.startswith("error: flujo de trabajo desconocido 'contract'; elija entre: ")


def test_help_in_french(french, run) -> None:
    text = " ".join(run("users", "create", "--help").stdout.split())
    assert "Créer un utilisateur avec un ou plusieurs rôles." in text
    assert "Adresse électronique ; sert aussi d'identifiant de connexion." in text
    assert "Options:" in text and "--email EMAIL" in text  # option names and placeholders stay as typed
    assert "Afficher ce message et quitter." in text
    listing = " ".join(run("users", "--help").stdout.split())
    assert "Désactiver un utilisateur ; ses jetons cessent" in listing


def test_help_in_spanish_from_the_posix_locale(spanish_locale, run) -> None:
    text = " ".join(run("tokens", "create", "--help").stdout.split())
    assert "Emitir un token de API; el secreto se muestra una sola vez y nunca se guarda." in text
    assert "Emitir un token que no caduca nunca." in text


def test_english_is_unchanged(run) -> None:
    result = run("users", "list", "--role", "chef")
    assert result.stderr.startswith("error: unknown role 'chef'; choose one of: admin, ")
    assert "Create a user with one or more roles." in run("users", "create", "--help").stdout
