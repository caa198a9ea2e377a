"""Free-text search over partnerships and organisations: matching, ranking, and an index that stays current."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app import listing
from app.listing import PageParams
from app.organisations import service as organisations
from app.organisations.schemas import OrganisationFilter, OrganisationUpdate
from app.partnerships.queries import list_partnerships
from app.partnerships.queries import selection as partnership_selection
from app.partnerships.schemas import PartnershipFilter, PartnershipUpdate, PartyInput
from app.partnerships.service import update_partnership
from app.search.index import rebuild_search_index
from app.search.models import SearchDocument
from app.users.models import Role
from tests.builders import SET_UP, organisation, partnership

API = "/api/v1"


def _partnerships(session, q: str, **filters) -> list[int]:
    return [p.id for p in list_partnerships(session, PartnershipFilter(q=q, **filters), PageParams()).items]


def _organisations(session, q: str) -> list[str]:
    found = organisations.list_organisations(session, OrganisationFilter(q=q), PageParams())
    return [org.legal_name for org in found.items]


def _documents(session) -> list[tuple[str, int, str | None, str]]:
    rows = session.execute(
        select(SearchDocument.kind, SearchDocument.id, SearchDocument.reference, SearchDocument.body).order_by(
            SearchDocument.kind, SearchDocument.id
        )
    )
    return [tuple(row) for row in rows]


@pytest.fixture
def manager(make_user):
    return make_user(Role.PROJECT_MANAGER)


def test_accents_and_case_are_ignored_both_ways(session, manager):
    societe = organisation(session, "Société Générale des Migrants", country_code="FR")
    organisation(session, "Plain Trust")
    deal = partnership(session, manager, societe, title="Accueil à Lyon")
    assert _organisations(session, "Societe") == ["Société Générale des Migrants"]
    assert _organisations(session, "GÉNÉRALE") == ["Société Générale des Migrants"]
    assert _partnerships(session, "societe") == [deal.id]
    assert _partnerships(session, "a lyon") == [deal.id]


def test_an_acronym_finds_its_organisation_first(session, manager):
    organisation(session, "Kenya Red Cross Society", short_name="KRCS")
    organisation(session, "KRCSX Holdings")
    assert _organisations(session, "krcs") == ["Kenya Red Cross Society", "KRCSX Holdings"]


def test_a_reference_finds_its_partnership_first(session, manager):
    org = organisation(session, "Reference Partners")
    deals = [partnership(session, manager, org, title=f"Deal {n}") for n in range(3)]
    target = deals[0]
    assert _partnerships(session, target.reference)[0] == target.id
    assert set(_partnerships(session, target.reference[:7])) >= {deal.id for deal in deals}  # "PA-2026"


def test_a_misspelling_is_found_after_exact_words(session, manager):
    international = organisation(session, "Lantern International Alliance")
    other = organisation(session, "Quiet Local Group")
    found = partnership(session, manager, international, title="Return support")
    partnership(session, manager, other, title="Something else")
    assert _organisations(session, "Interntional") == ["Lantern International Alliance"]
    assert _partnerships(session, "Interntional") == [found.id]


def test_a_word_the_index_holds_is_not_taken_for_a_misspelling(session):
    organisation(session, "Lantern Works")
    organisation(session, "Lanterm Works")  # one letter away, and a word of its own
    assert _organisations(session, "lanterm") == ["Lanterm Works"]
    assert _organisations(session, "lanterx") == ["Lanterm Works", "Lantern Works"]  # unknown: both resemble it


def test_ranking_reference_then_whole_words_then_prefixes_then_list_order(session, manager):
    org = organisation(session, "Ranking Partners")
    prefix_only = partnership(session, manager, org, title="Waterways study")
    whole_old = partnership(session, manager, org, title="Water study")
    whole_new = partnership(session, manager, org, title="Clean water")
    # whole words outrank a prefix; among equals, the list's usual order (newest first)
    assert _partnerships(session, "water") == [whole_new.id, whole_old.id, prefix_only.id]
    assert _partnerships(session, "water", stage="ad_hoc") == [whole_new.id, whole_old.id, prefix_only.id]
    # an explicit sort wins over relevance
    by_title = list_partnerships(session, PartnershipFilter(q="water"), PageParams(sort="title")).items
    assert [p.title for p in by_title] == ["Clean water", "Water study", "Waterways study"]


def test_substrings_still_match_as_before(session, manager):
    organisation(session, "Bluewater Trust")
    organisation(session, "Solar_Power")
    assert _organisations(session, "water") == ["Bluewater Trust"]
    assert _organisations(session, "r_p") == ["Solar_Power"]


def test_the_index_follows_create_rename_delete_and_parties(session, manager):
    org = organisation(session, "Original Name Trust")
    deal = partnership(session, manager, org, title="Followed partnership")
    assert _organisations(session, "original") == ["Original Name Trust"]
    organisations.update_organisation(session, org.id, OrganisationUpdate(legal_name="Renamed Body"), actor=SET_UP)
    session.commit()
    assert _organisations(session, "original") == [] and _organisations(session, "renamed") == ["Renamed Body"]
    assert _partnerships(session, "renamed body") == [deal.id]  # the partnership's document follows its party

    newcomer = organisation(session, "Newcomer Foundation")
    assert _partnerships(session, "newcomer") == []
    parties = [PartyInput(organisation_id=org.id, role="lead_partner"),
               PartyInput(organisation_id=newcomer.id, role="co_partner")]  # fmt: skip
    update_partnership(session, deal.id, PartnershipUpdate(parties=parties), actor=manager)
    session.commit()
    assert _partnerships(session, "newcomer") == [deal.id]

    lonely = organisation(session, "Short Lived Society")
    session.delete(lonely)
    session.commit()
    assert _organisations(session, "short lived") == []
    assert session.get(SearchDocument, ("organisation", lonely.id)) is None


def test_rebuild_gives_the_same_rows(session, manager):
    org = organisation(session, "Rebuilt Société", short_name="RS")
    partnership(session, manager, org, title="Before the rebuild")
    kept = _documents(session)
    assert ("organisation", org.id, "rs", "rebuilt societe rs") in kept
    session.execute(text("DELETE FROM search_documents"))
    rebuild_search_index(session)
    assert _documents(session) == kept
    assert _organisations(session, "rebuilt") == ["Rebuilt Société"]


@pytest.mark.parametrize(
    "q",
    [
        "'",
        '"',
        "a' OR '1'='1",
        "&|!:*()",
        "water & !fire",
        "(((",
        "*",
        "NEAR(a b)",
        "a:*",
        "--",
        "%",
        "\\",
        "é",
        "is not valid JSON",
        "not AND or NEAR",
    ],
)
def test_odd_input_never_fails(client, auth, q):
    _, headers = auth(Role.VIEWER)
    for path in ("partnerships", "organisations"):
        response = client.get(f"{API}/{path}", params={"q": q}, headers=headers)
        assert response.status_code == 200, response.text
        assert set(response.json()) >= {"items", "total", "page", "page_size", "next_cursor"}


def _plan(session, stmt) -> str:
    compiled = stmt.compile(session.get_bind())
    return "\n".join(row[0] for row in session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))


@pytest.mark.postgresql_only  # EXPLAIN plans and pg_trgm are PostgreSQL's
def test_the_search_query_uses_the_gin_indexes(session, backend, manager):
    from app.partnerships.queries import selection
    from app.search.service import text_search

    partnership(session, manager, organisation(session, "Lantern International"), title="Clean water")
    # Enough documents for the planner to weigh an index against reading them all (rolled back with the test).
    session.execute(
        text(
            "INSERT INTO search_documents (kind, id, reference, body) SELECT 'partnership', 1000000 + n, "
            "'pa-9999-' || n, 'pa-9999-' || n || ' filler partnership number ' || n || ' of the plan test' "
            "FROM generate_series(1, 20000) AS n"
        )
    )
    for index in ("ix_search_documents_document_partnership", "ix_search_documents_body_trgm_partnership"):
        session.execute(text(f"SELECT gin_clean_pending_list('{index}'::regclass)"))
    session.execute(text("ANALYZE search_documents"))
    session.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables next to a real portfolio: read none whole
    found = text_search(session, "partnership", "lantern")
    matching = _plan(session, select(SearchDocument.id).where(found.condition))
    assert "ix_search_documents_document" in matching and "ix_search_documents_body_trgm" in matching, matching
    assert "Seq Scan" not in matching, matching
    page = _plan(session, selection(session, PartnershipFilter(q="interntional water")).limit(50))
    assert "Seq Scan on partnerships" not in page, page


def test_several_misspelt_words_are_each_corrected(session, client, auth):
    """Two misspelt words: each is replaced by the real words like it, and both must match (fuzz found the
    SQLite query for this refused with a syntax error, a 500 on every list and export taking ``q``)."""
    organisation(session, "International Water Network")
    organisation(session, "International Health Alliance")
    _, headers = auth(Role.VIEWER)
    for path in ("organisations", "exports/organisations"):
        response = client.get(f"{API}/{path}", params={"q": "Interntional Waterr"}, headers=headers)
        assert response.status_code == 200, response.text
        assert "International Water Network" in response.text
        assert "International Health Alliance" not in response.text


def _pages(session, lister, filters, size: int) -> list[int]:
    """Every row of a list by relevance, read page after page of ``size``."""
    ids: list[int] = []
    page = 1
    while True:
        found = lister(session, filters, PageParams(page=page, page_size=size))
        ids += [item.id for item in found.items]
        if found.next_cursor is None:
            return ids
        page += 1


@pytest.mark.parametrize("head", [1, 2, 3, 5, 2_000])
def test_pages_read_tier_by_tier_are_the_ranked_order_cut_in_pages(session, manager, monkeypatch, head):
    """Whatever the page size, the pages are the single ranked query's rows in its order, across every tier's
    boundary (a reference, its prefix, whole words, prefixes, substrings, misspellings; documents without a
    reference), and whether a tier fills the page among the list's first rows or is read whole."""
    monkeypatch.setattr(listing, "HEAD", head)
    acronym = organisation(session, "Water Action Trust", short_name="WAT")
    organisation(session, "Watershed Keepers", short_name="WATK")
    organisation(session, "Bluewater Collective")  # no acronym: a NULL reference
    organisation(session, "Wat Phra Community Group")
    organisation(session, "Waterr Misspelt Union", short_name="WMU")
    orgs = [acronym, *(organisation(session, f"Clean Water Forum {n}") for n in range(4))]
    deals = [partnership(session, manager, orgs[n % len(orgs)], title=title) for n, title in enumerate(
        ["Water study", "Waterways plan", "Freshwater wells", "Clean water", "Wat repair", "Study of water", "Other"]
    )]  # fmt: skip
    queries = ["water", "wat", "WAT", deals[0].reference, deals[0].reference[:8], "watre", "clean water", "waterr"]
    for q in queries:
        ranked = [row.id for row in session.scalars(organisations.selection(session, OrganisationFilter(q=q)))]
        for size in (1, 2, 3, 50):
            assert _pages(session, organisations.list_organisations, OrganisationFilter(q=q), size) == ranked, (q, size)
        ranked = [row.id for row in session.scalars(partnership_selection(session, PartnershipFilter(q=q)))]
        for size in (1, 2, 3, 50):
            assert _pages(session, list_partnerships, PartnershipFilter(q=q), size) == ranked, (q, size)
    assert _organisations(session, "wat")[0] == "Water Action Trust"  # the acronym first
    assert len(_organisations(session, "water")) >= 6
