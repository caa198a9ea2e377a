"""Small rooms: a module over the size limit must say at its top why it is that large.

A module longer than ``LIMIT`` lines needs a ``Size:`` paragraph in its docstring giving the reason (a migration
applied whole, a table of data, one algorithm that reads best in one place); otherwise split it along its concerns.
The Alembic revisions under ``app/migrations`` are left out: each is frozen history, never edited once released.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 400
SCANNED = ("app",)
SKIPPED = ("app/migrations",)


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _has_size_reason(path: Path) -> bool:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return any(line.strip().startswith("Size:") and line.strip() != "Size:" for line in docstring.splitlines())


def oversized_without_reason(root: Path = ROOT) -> list[tuple[str, int]]:
    """The modules under the scanned folders longer than ``LIMIT`` lines with no ``Size:`` reason, and their lengths."""
    found = []
    for folder in SCANNED:
        for path in sorted((root / folder).rglob("*.py")):
            if any(path.is_relative_to(root / skipped) for skipped in SKIPPED):
                continue
            lines = _line_count(path)
            if lines > LIMIT and not _has_size_reason(path):
                found.append((path.relative_to(root).as_posix(), lines))
    return found


def test_every_large_module_says_why_it_is_large() -> None:
    found = oversized_without_reason()
    listing = "\n".join(f"  {path}: {lines} lines" for path, lines in found)
    assert not found, (
        f"modules over {LIMIT} lines without a 'Size:' reason in their module docstring "
        f"(split them along their concerns, or write why they stay whole):\n{listing}"
    )


def test_the_check_sees_a_large_module_and_its_reason(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    body = "x = 1\n" * (LIMIT + 1)
    (tmp_path / "app" / "big.py").write_text('"""A big module."""\n' + body, encoding="utf-8")
    (tmp_path / "app" / "explained.py").write_text(
        '"""A big module.\n\nSize: one table of data.\n"""\n' + body, encoding="utf-8"
    )
    (tmp_path / "app" / "small.py").write_text('"""A small module."""\nx = 1\n', encoding="utf-8")
    (tmp_path / "app" / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "app" / "migrations" / "versions" / "revision.py").write_text('"""A revision."""\n' + body, "utf-8")
    assert oversized_without_reason(tmp_path) == [("app/big.py", LIMIT + 2)]
