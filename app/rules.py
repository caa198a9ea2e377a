"""Composition root of the workflow rules: every domain registers its own guards, effects and daily criteria in
its ``rules`` module; this module, above all the domains, imports them all.

Start-up (the API factory, the CLI, the scheduler's worker) and the tests call :func:`register_all` before any
workflow is loaded; loading one earlier fails with a message saying so, rather than importing domains from below.
"""

from __future__ import annotations

from app.agreements import rules as agreement_rules
from app.agreements import withdrawals as withdrawal_rules
from app.drafting import rules as drafting_rules
from app.imports import vocabulary
from app.obligations import rules as obligation_rules
from app.partnerships import rules as partnership_rules
from app.screening import rules as screening_rules
from app.workflow import registry

DOMAIN_RULES = (agreement_rules, withdrawal_rules, drafting_rules, obligation_rules, partnership_rules, screening_rules)
"""The modules that registered themselves by being imported above."""


def register_all() -> None:
    """Say every domain's rules are registered (importing this module did it): workflows may be loaded now."""
    registry.mark_registered()
    vocabulary.check_against_workflows()  # data that names states is checked against the workflows at start-up
