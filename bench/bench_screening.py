"""Benchmark: screening organisations against a Consolidated List of realistic size, and the matcher's precision
and recall on the labelled names of tests/fixtures/screening/labelled.yaml.

Usage: python bench/bench_screening.py [--organisations 160000] [--entries 1000] [--db-organisations 5000]

1. Matching alone: ``--entries`` synthetic list entries (entities and individuals, 1-5 aliases each, some in
   Cyrillic or Arabic script) and ``--organisations`` synthetic partner names; times ``Matcher.screen_many`` (the
   re-screening a list reload runs) and ``Matcher.screen`` (one organisation, as on creation or rename).
2. End to end on SQLite: a throw-away database with ``--db-organisations`` organisations, the list fixture loaded
   with ``load_list`` (parse, diff, re-screen everyone, write hits) — the time ``agreements screening load`` takes.
3. Precision and recall at several thresholds over the labelled names (the default threshold is marked).
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.screening.matching import DEFAULT_THRESHOLD, Matcher  # noqa: E402

PLACES = [
    "Nairobi",
    "Kisumu",
    "Mombasa",
    "Dakar",
    "Thies",
    "Lima",
    "Cusco",
    "Amman",
    "Irbid",
    "Beirut",
    "Tripoli",
    "Gao",
    "Mopti",
    "Kampala",
    "Gulu",
    "Juba",
    "Goma",
    "Bukavu",
    "Herat",
    "Kabul",
    "Aden",
    "Taiz",
    "Sanaa",
    "Mosul",
    "Erbil",
    "Basra",
    "Aleppo",
    "Homs",
    "Idlib",
    "Maputo",
    "Beira",
    "Harare",
    "Lusaka",
    "Dhaka",
    "Sylhet",
    "Cox",
    "Quito",
    "Bogota",
    "Cali",
    "Lagos",
    "Kano",
]
TOPICS = [
    "Women",
    "Youth",
    "Health",
    "Water",
    "Education",
    "Rights",
    "Relief",
    "Development",
    "Peace",
    "Migrants",
    "Refugees",
    "Children",
    "Farmers",
    "Workers",
    "Justice",
    "Literacy",
    "Nutrition",
    "Housing",
    "Shelter",
    "Livelihoods",
    "Environment",
    "Climate",
    "Media",
    "Legal",
    "Disability",
    "Elders",
    "Fisheries",
    "Orphans",
    "Community",
]
SECOND = [
    "Action",
    "Aid",
    "Care",
    "Support",
    "Voice",
    "Hope",
    "Future",
    "Unity",
    "Solidarity",
    "Progress",
    "Empowerment",
    "Outreach",
    "Learning",
    "Partnership",
    "Resilience",
    "Dignity",
    "Bridge",
    "Horizon",
    "Light",
    "Path",
    "Promise",
    "Roots",
    "Harvest",
    "Spring",
    "Star",
]
KINDS = [
    "Foundation",
    "Association",
    "Network",
    "Society",
    "Trust",
    "Initiative",
    "Centre",
    "Alliance",
    "Forum",
    "Collective",
]
GIVEN = [
    "Abdul",
    "Ahmad",
    "Ali",
    "Hassan",
    "Hussein",
    "Ibrahim",
    "Ismail",
    "Khalid",
    "Mahmoud",
    "Mohammed",
    "Mustafa",
    "Omar",
    "Osman",
    "Said",
    "Salim",
    "Tariq",
    "Yusuf",
    "Zaid",
    "Ivan",
    "Sergei",
    "Dmitri",
    "Nikolai",
    "Kim",
    "Ri",
    "Pak",
    "Jong",
    "Song",
    "Chol",
    "Amadou",
    "Moussa",
    "Ousmane",
]
FAMILY = [
    "Al-Farsi",
    "Al-Masri",
    "Al-Tamimi",
    "Al-Qahtani",
    "Haqqani",
    "Barzani",
    "Rahmani",
    "Karimov",
    "Sokolov",
    "Petrov",
    "Ivanov",
    "Volkov",
    "Kim",
    "Ri",
    "Pak",
    "Choe",
    "Diallo",
    "Traore",
    "Keita",
    "Coulibaly",
    "Toure",
    "Sanogo",
    "Maiga",
    "Cisse",
]
ENTITY_WORDS = [
    "Crescent",
    "Horizon",
    "Star",
    "Valley",
    "River",
    "Mountain",
    "Eastern",
    "Northern",
    "Western",
    "Southern",
    "Golden",
    "Green",
    "United",
    "Islamic",
    "Brotherhood",
    "Martyrs",
    "Victory",
    "Glory",
    "Dawn",
    "Light",
    "Shield",
    "Sword",
    "Banner",
]
ENTITY_KINDS = [
    "Trading Company",
    "Shipping LLC",
    "Relief Foundation",
    "Charitable Society",
    "Brigade",
    "Battalion",
    "General Corporation",
    "Exchange Company",
    "Import Export",
    "Front",
    "Movement",
    "Committee",
]
CYRILLIC = str.maketrans("abvgdezijklmnoprstufhc", "абвгдезийклмнопрстуфхц")


def synthetic_list(count: int, rng: random.Random) -> list[tuple[str, list[dict[str, str]], list[str], str]]:
    """``count`` entries as the matcher takes them: about 30% entities, 70% individuals, 1-5 names each."""
    entries = []
    for number in range(count):
        if rng.random() < 0.3:
            base = f"{rng.choice(ENTITY_WORDS)} {rng.choice(ENTITY_WORDS)} {rng.choice(ENTITY_KINDS)}".upper()
            aliases = [f"{base.split()[0].title()} {rng.choice(ENTITY_KINDS)}", base.lower().translate(CYRILLIC)]
            kind = "entity"
        else:
            base = f"{rng.choice(GIVEN)} {rng.choice(GIVEN)} {rng.choice(FAMILY)}".upper()
            aliases = [f"Abu {rng.choice(GIVEN)}", f"{base.split()[0].title()} {base.split()[-1].title()}"]
            kind = "individual"
        names = [{"name": base, "quality": "primary"}]
        names += [
            {"name": alias, "quality": rng.choice(["Good", "Low", "a.k.a."])} for alias in aliases[: rng.randint(1, 2)]
        ]
        entries.append(
            (str(6_900_000 + number), names, [rng.choice(["AF", "IQ", "SY", "YE", "SO", "KP", "RU", "ML"])], kind)
        )
    return entries


def synthetic_organisations(count: int, rng: random.Random) -> list[tuple[int, list[tuple[str, str]], str]]:
    """``count`` distinct partner names with a country, a third with a short name."""
    seen: set[str] = set()
    found = []
    while len(found) < count:
        name = f"{rng.choice(PLACES)} {rng.choice(TOPICS)} {rng.choice(SECOND)} {rng.choice(KINDS)}"
        if name in seen:
            continue
        seen.add(name)
        names = [("legal_name", name)]
        if rng.random() < 0.33:
            names.append(("short_name", "".join(word[0] for word in name.split()).upper()))
        found.append((len(found) + 1, names, rng.choice(["KE", "SN", "PE", "JO", "LB", "UG", "CD", "AF", "YE", "IQ"])))
    return found


def bench_matching(organisations: int, entries: int) -> None:
    rng = random.Random(21)
    started = time.perf_counter()
    matcher = Matcher(synthetic_list(entries, rng))
    built = time.perf_counter() - started
    partners = synthetic_organisations(organisations, rng)
    started = time.perf_counter()
    found = matcher.screen_many(partners, DEFAULT_THRESHOLD)
    seconds = time.perf_counter() - started
    hits = sum(len(matches) for matches in found.values())
    print(f"matcher built over {entries:,} entries ({len(matcher.names):,} names) in {built * 1000:.0f} ms")
    rate, each = organisations / seconds, seconds / organisations * 1e6
    print(
        f"screen_many: {organisations:,} organisations in {seconds:.1f} s ({rate:,.0f} per second, {each:.0f} µs each)"
    )
    print(f"  hits found: {hits}")
    sample = partners[:500]
    started = time.perf_counter()
    for _org_id, names, country in sample:
        matcher.screen(names, country, DEFAULT_THRESHOLD)
    one = (time.perf_counter() - started) / len(sample)
    print(f"screen (one organisation, as on its creation or rename): {one * 1000:.2f} ms")


def bench_end_to_end(organisations: int) -> None:
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from app import migrate
    from app.db import make_engine
    from app.organisations.models import Organisation, organisation_name_key
    from app.screening.loading import load_list

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        engine = make_engine(url)
        rows = [
            {"legal_name": names[0][1], "name_key": organisation_name_key(names[0][1]), "kind": "national_cso",
             "country_code": country, "correspondence_language": "en", "version": 1}
            for _id, names, country in synthetic_organisations(organisations, rng)
        ]  # fmt: skip
        with Session(engine) as session:
            session.execute(insert(Organisation), rows)
            session.commit()
            data = (ROOT / "tests" / "fixtures" / "screening" / "consolidated.xml").read_bytes()
            started = time.perf_counter()
            report = load_list(session, io.BytesIO(data), file_name="consolidated.xml")
            session.commit()
            seconds = time.perf_counter() - started
        engine.dispose()
    print(f"load_list on SQLite: {report.entries} entries, {report.organisations:,} organisations re-screened and "
          f"their screenings written in {seconds:.1f} s (commit included)")  # fmt: skip


def bench_precision_recall() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.screening.test_matching import fixture_matcher, precision_and_recall

    matcher = fixture_matcher()
    cases = yaml.safe_load((ROOT / "tests" / "fixtures" / "screening" / "labelled.yaml").read_text(encoding="utf-8"))
    positives = sum(1 for case in cases if case["expect"])
    print(f"labelled names: {len(cases)} ({positives} on the list: aliases, transliterations, variants; "
          f"{len(cases) - positives} near misses)")  # fmt: skip
    print("threshold  precision  recall  true hits  false hits  misses")
    for threshold in (80.0, 84.0, 86.0, DEFAULT_THRESHOLD, 90.0, 92.0, 95.0):
        precision, recall, hits, false_hits, misses = precision_and_recall(matcher, threshold)
        mark = "  <- default" if threshold == DEFAULT_THRESHOLD else ""
        print(f"{threshold:9.0f}  {precision:9.3f}  {recall:6.3f}  {hits:9}  {false_hits:10}  {misses:6}{mark}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=160_000)
    parser.add_argument("--entries", type=int, default=1_000)
    parser.add_argument("--db-organisations", type=int, default=5_000)
    args = parser.parse_args()
    bench_precision_recall()
    bench_matching(args.organisations, args.entries)
    if args.db_organisations:
        bench_end_to_end(args.db_organisations)


if __name__ == "__main__":
    main()
