"""Fuzzy matching: transliterations and aliases found, near misses left alone, precision and recall measured."""

from __future__ import annotations

from pathlib import Path

import yaml

from app.screening.matching import DEFAULT_THRESHOLD, Matcher, name_score, normalise, word_key
from app.screening.unlist import read_list
from tests.builders import SCREENING_LIST

LABELLED = Path(__file__).parents[1] / "fixtures" / "screening" / "labelled.yaml"
MIN_PRECISION, MIN_RECALL = 0.9, 0.95


def fixture_matcher() -> Matcher:
    """A matcher over the fictional list fixture."""
    with SCREENING_LIST.open("rb") as stream:
        entries = read_list(stream).entries
    return Matcher([(entry.data_id, entry.names, entry.countries, entry.kind) for entry in entries])


def precision_and_recall(matcher: Matcher, threshold: float) -> tuple[float, float, int, int, int]:
    """Precision, recall, true positives, false positives and misses over the labelled names."""
    cases = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    hits = false_hits = misses = 0
    for case in cases:
        found = {match.data_id for match in matcher.screen([("legal_name", case["name"])], case["country"], threshold)}
        if case["expect"]:
            hits += case["expect"] in found
            misses += case["expect"] not in found
            false_hits += len(found - {case["expect"]})
        else:
            false_hits += len(found)
    return hits / max(1, hits + false_hits), hits / max(1, hits + misses), hits, false_hits, misses


def test_precision_and_recall_at_the_default_threshold_meet_their_minimums() -> None:
    precision, recall, hits, false_hits, misses = precision_and_recall(fixture_matcher(), DEFAULT_THRESHOLD)
    assert hits >= 25 and precision >= MIN_PRECISION and recall >= MIN_RECALL, (precision, recall, false_hits, misses)


def test_names_are_normalised_across_scripts_accents_and_legal_forms() -> None:
    assert normalise("ООО Байкал Шиппинг") == "baykal shipping"  # noqa: RUF001  (Cyrillic on purpose)
    assert normalise("Baykal Shipping Ltd.") == "baykal shipping"
    assert normalise("Brigade de l'Unité du Sahel") == normalise("BRIGADE DE L'UNITE DU SAHEL")
    assert normalise("Al-Rashid Trading Company") == "rashid trading"
    assert normalise("U.N. Ltd") == "un"  # a name of legal forms only keeps something to compare


def test_a_short_name_is_not_found_inside_every_longer_name() -> None:
    score, _method = name_score(normalise("Koryo"), normalise("Koryo General Trading Corporation"))
    assert score < DEFAULT_THRESHOLD
    longer = normalise("Northern Crescent Relief Foundation")
    subset, method = name_score(normalise("Northern Crescent Foundation"), longer)
    assert method == "token_set_ratio" and subset >= DEFAULT_THRESHOLD


def test_each_hit_explains_its_score() -> None:
    matcher = fixture_matcher()
    [match] = matcher.screen([("legal_name", "Восточная Звезда")], "RU", DEFAULT_THRESHOLD)
    assert match.data_id == "6900007"
    components = match.components
    assert components["entry_name"] == "Восточная Звезда" and components["entry_name_quality"] == "original script"
    assert components["country"] > 0 and components["countries"] == ["RU", ["RU"]]
    assert components["score"] == match.score == min(100.0, components["name_score"] + components["country"])
    [elsewhere] = matcher.screen([("legal_name", "Восточная Звезда")], "KE", DEFAULT_THRESHOLD)
    assert elsewhere.score < match.score and elsewhere.components["country"] < 0


def test_blocking_by_word_keys_finds_what_comparing_every_name_finds() -> None:
    matcher = fixture_matcher()
    cases = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    organisations = [(number, [("legal_name", case["name"])], case["country"]) for number, case in enumerate(cases)]
    together = matcher.screen_many(organisations, 70.0)  # lower than the threshold: near scores compared too
    for number, names, country in organisations:
        every = matcher.screen(names, country, 70.0, exhaustive=True)
        assert [(m.data_id, m.score) for m in together[number]] == [(m.data_id, m.score) for m in every], names
    assert word_key("rasheed") == word_key("rashid") and word_key("baykal") == word_key("baikal")
    assert word_key("yousef") == word_key("yusuf") and word_key("muhammad") == word_key("mohammed")
