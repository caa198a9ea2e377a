"""An organisations export is an inventory the import reads back: same columns, nothing new, nothing rejected."""

from __future__ import annotations

import io

import pytest

from app.exports import service
from app.imports.service import ImportOptions, open_inventory, run_import
from app.users.models import Role


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_organisations_export_re_imports_as_unchanged(session, make_user, portfolio, file_format):
    query = service.parse_query("organisations", {"format": file_format, "country_code": "KE"})
    export = service.prepare(session, "organisations", query)
    buffer = io.BytesIO()
    written = service.write(session, export, buffer)
    content = buffer.getvalue()
    assert written >= 1

    table, header = open_inventory(export.filename, io.BytesIO(content))
    table.close()
    mapping = header.by_index()
    layout = export.table.headers[:12]
    assert [mapping[index] for index in range(12)] == layout  # every import column is recognised, in order
    assert "notes" in mapping.values()
    assert set(header.ignored) <= {"contact_title", "other_contacts", "id", "created_at", "updated_at"}

    options = ImportOptions(dry_run=True)
    summary = run_import(session, io.BytesIO(content), export.filename, make_user(Role.ADMIN), options)
    assert summary.rows == written
    assert summary.organisations_created == 0, summary.problems
    assert summary.counts == {"created": 0, "updated": 0, "unchanged": written, "rejected": 0, "doubtful": 0,
                              "conflict": 0, "skipped": 0}  # fmt: skip
