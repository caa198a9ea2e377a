"""``docs/deployment.md``: its configuration table is the one generated from ``Settings`` (so it cannot drift)."""

from __future__ import annotations

import re

from app.config import Settings
from app.monitoring.reference import END, START, configuration_table
from tests.conftest import ROOT

DOC = ROOT / "docs" / "deployment.md"


def _table_in_doc() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1
    return text[text.index(START) : text.index(END) + len(END)]


def test_the_doc_table_is_the_generated_one():
    assert _table_in_doc() == configuration_table(), "run: python -m app.monitoring.reference, paste into the doc"


def test_every_setting_is_in_the_doc_with_a_description():
    rows = re.findall(r"^\| `AGREEMENTS_([A-Z0-9_]+)` \| `([^`]*)` \| (.+) \|$", _table_in_doc(), re.MULTILINE)
    assert [name.lower() for name, _, _ in rows] == list(Settings.model_fields)
    assert all(meaning.strip() for _, _, meaning in rows)
    assert all(field.description for field in Settings.model_fields.values())


def test_secrets_have_no_default_shown():
    rows = dict(re.findall(r"^\| `(AGREEMENTS_[A-Z0-9_]+)` \| `([^`]*)` \|", _table_in_doc(), re.MULTILINE))
    assert rows["AGREEMENTS_SMTP_PASSWORD"] == "unset" and rows["AGREEMENTS_METRICS_TOKEN"] == "unset"
