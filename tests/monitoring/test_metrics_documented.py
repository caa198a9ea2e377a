"""Every metric family ``/metrics`` exposes is named in docs/deployment.md §7, and the guide names no other."""

from __future__ import annotations

import re

from app.users.models import Role
from tests.conftest import ROOT
from tests.monitoring.promtext import parse

DOC = ROOT / "docs" / "deployment.md"


def _documented() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("### Metrics") : text.index("Prometheus scrape configuration")]
    return set(re.findall(r"^\| `(agreements_[a-z_]+)` \|", table, re.MULTILINE))


def test_every_family_exposed_is_documented_and_every_documented_one_exposed(client, auth):
    client.get("/healthz")  # so that the per-process HTTP families have a sample
    response = client.get("/metrics", headers=auth(Role.ADMIN)[1])
    assert response.status_code == 200, response.text
    _, types = parse(response.text)
    exposed = set(types)
    assert exposed - _documented() == set(), "document these in docs/deployment.md §7"
    assert _documented() - exposed == set(), "the guide names families /metrics does not expose"
