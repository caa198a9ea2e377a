"""Lists for screening tests: the fictional fixture, and variants of it as a new publication would bring."""

from __future__ import annotations

import io

from sqlalchemy.orm import Session

from app.screening import loading
from app.screening.service import LoadReport
from tests.builders import SCREENING_LIST

FIXTURE_TEXT = SCREENING_LIST.read_text(encoding="utf-8")


def variant(*replacements: tuple[str, str]) -> bytes:
    """The fixture with each ``(old, new)`` replaced once (each ``old`` must be there)."""
    text = FIXTURE_TEXT
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode()


def load(session: Session, data: bytes, name: str = "consolidated.xml") -> LoadReport:
    """Load a list from bytes, as the CLI loads a file."""
    return loading.load_list(session, io.BytesIO(data), file_name=name)


NEW_VERSION_OF_CRESCENT = (
    "<DATAID>6900001</DATAID>\n<VERSIONNUM>1</VERSIONNUM>",
    "<DATAID>6900001</DATAID>\n<VERSIONNUM>2</VERSIONNUM>",
)
"""The Northern Crescent entry amended (a new VERSIONNUM), as the Committee publishes an amendment."""
