"""The data the application reads at run time ships inside the package: ``app.resources`` finds each folder, the code
reads it from there, and the wheel's package-data patterns in ``pyproject.toml`` cover every file of those folders.

Building and starting a real wheel is ``.ci/wheel-check`` (run by ``.ci/run``); this checks the rule without a build.
"""

from __future__ import annotations

import configparser
import glob
import tomllib
from pathlib import Path

import pytest

from app import migrate, resources
from app.drafting import sandbox
from app.workflow import definition

ROOT = Path(__file__).resolve().parents[1]
APP_DIR = ROOT / "app"
SHIPPED = {
    "workflows": ["agreement.yaml", "obligation.yaml", "partnership.yaml"],
    "agreement_templates": ["mou/template.yaml", "mou/en.md.j2", "clauses/signatures.en.md.j2"],
    "email_templates": ["_base.html.j2", "end_date.txt.j2"],
    "document_styles": ["reference.docx"],
    "migrations": ["env.py", "script.py.mako", "versions"],
    "locale": ["web.cfg", "vocab.cfg"],
}


def package_data_patterns() -> list[str]:
    """The package-data patterns of the ``app`` package, as ``pyproject.toml`` gives them to setuptools."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]["app"]


def files_under(package_dir: Path, folders: list[str]) -> set[str]:
    """Every file under the given folders of a package (Python's own caches aside), relative to the package."""
    found = set()
    for folder in folders:
        for path in (package_dir / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                found.add(path.relative_to(package_dir).as_posix())
    return found


def matched_by(package_dir: Path, patterns: list[str]) -> set[str]:
    """The files the patterns select, expanded the way setuptools expands package data (recursive glob)."""
    return {
        Path(match).as_posix()
        for pattern in patterns
        for match in glob.glob(pattern, root_dir=package_dir, recursive=True)
        if (package_dir / match).is_file()
    }


def data_folders() -> list[str]:
    """The folders of ``app`` that ``app.resources`` reads (each named once)."""
    return sorted({parts[0] for parts in resources.DATA_DIRECTORIES.values()})


@pytest.mark.parametrize("kind", sorted(SHIPPED))
def test_resources_find_each_data_directory_inside_the_package(kind):
    directory = resources.data_directory(kind)
    assert directory.is_dir()
    assert directory.resolve().is_relative_to(APP_DIR.resolve())
    for name in SHIPPED[kind]:
        assert (directory / name).exists(), f"{kind}: {name} missing from {directory}"


def test_every_kind_of_shipped_data_is_checked():
    assert set(SHIPPED) == set(resources.DATA_DIRECTORIES)


def test_the_code_reads_the_data_where_the_resources_find_it():
    assert resources.workflows_dir() == definition.WORKFLOWS_DIR
    assert resources.agreement_templates_dir() == sandbox.TEMPLATES_DIR
    script_location = migrate.alembic_config("sqlite://").get_main_option("script_location")
    assert Path(script_location) == resources.migrations_dir()
    assert migrate.head_revision()  # Alembic reads the revisions from there
    assert resources.code_root() / "app" == resources.workflows_dir().resolve().parent


def test_the_developer_alembic_command_uses_the_same_migrations():
    parser = configparser.ConfigParser(defaults={"here": str(ROOT)})
    parser.read(ROOT / "alembic.ini", encoding="utf-8")
    assert Path(parser.get("alembic", "script_location")).resolve() == resources.migrations_dir().resolve()


def test_the_wheel_patterns_cover_every_file_of_the_data_folders():
    shipped = files_under(APP_DIR, data_folders())
    assert len(shipped) > 80  # workflows, templates, emails and migrations are all there
    missing = sorted(shipped - matched_by(APP_DIR, package_data_patterns()))
    assert not missing, (
        "files the application reads at run time that the wheel would leave out; add a pattern to "
        f'[tool.setuptools.package-data] "app" in pyproject.toml: {missing}'
    )


def test_every_wheel_pattern_still_selects_a_file():
    stale = [pattern for pattern in package_data_patterns() if not matched_by(APP_DIR, [pattern])]
    assert not stale, f"package-data patterns that select nothing (a folder moved?): {stale}"


def test_the_coverage_check_sees_a_file_no_pattern_selects(tmp_path):
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "agreement.yaml").write_text("name: agreement\n", encoding="utf-8")
    (tmp_path / "workflows" / "notes.txt").write_text("a stray file\n", encoding="utf-8")
    (tmp_path / "workflows" / "__pycache__").mkdir()
    (tmp_path / "workflows" / "__pycache__" / "x.pyc").write_bytes(b"")
    shipped = files_under(tmp_path, ["workflows"])
    assert shipped == {"workflows/agreement.yaml", "workflows/notes.txt"}
    assert shipped - matched_by(tmp_path, ["workflows/*.yaml"]) == {"workflows/notes.txt"}
