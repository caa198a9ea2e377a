"""Fixtures for the report tests: the pages' signed-in browser, and a small portfolio with known figures."""

from __future__ import annotations

from tests.reports.history_story import story  # noqa: F401  (fixture)
from tests.reports.portfolio import small_portfolio  # noqa: F401  (fixture)
from tests.web.conftest import sign_in  # noqa: F401  (fixture)
