"""Benchmark of advisor matching: match() for an A01-like intake against 170 and 10,000
synthetic advisors (with reservations by open proposals on about 5% of them, as the matching
page passes them), explain() for one advisor, then load_profiles() + match() on a temporary
SQLite database of 10,000 advisors. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_matching.py [--runs 50] [--no-db]
"""
import argparse
import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.japan.identifiers import PREFECTURES, corporate_number_check_digit  # noqa: E402
from app.matching.engine import AdvisorProfile, MatchRequest, match  # noqa: E402
from app.matching.explain import explain  # noqa: E402
from app.matching.taxonomy import NEED_TAGS  # noqa: E402

# Rough shares: advisors mostly live around Tokyo but come from everywhere.
PREFECTURE_WEIGHTS = {p: 1.0 for p in PREFECTURES}
PREFECTURE_WEIGHTS.update({"東京都": 8, "神奈川県": 4, "埼玉県": 3, "千葉県": 3, "大阪府": 4,
                           "愛知県": 3, "福岡県": 3, "北海道": 3, "兵庫県": 2})
CITIES = {"福岡県": ["北九州市", "福岡市", "久留米市"], "北海道": ["札幌市", "旭川市", "函館市"],
          "東京都": ["世田谷区", "練馬区", "府中市"]}
TAG_WEIGHTS = [5, 4, 3, 3, 4, 3, 4, 3, 2, 3, 4, 2, 2, 3, 2, 2]
TOOLS = ["kintone", "Excel", "freee", "マネーフォワード", "Microsoft 365", "Google Workspace",
         "Shopify", "BASE", "Airレジ", "LINE公式アカウント", "ChatGPT", "Python", "WordPress",
         "Salesforce", "Access", "Indeed", "Instagram", "Tableau"]
INDUSTRIES = "ADEGHIKLMNOPR"
A01 = MatchRequest(
    needs=("在庫・受発注・生産管理", "採用・採用ブランディング", "業務効率化・ペーパーレス",
           "業務アプリ・ノーコード"),
    industry="E", prefecture="福岡県", municipality="北九州市",
    corporate_number="3290001120501", tools=("kintone", "Excel"), onsite_required=True,
    competitor_numbers=frozenset({"9290801020408"}),
)


def corporate_number(rng: random.Random) -> str:
    base = f"{rng.randrange(10**12):012d}"
    return f"{corporate_number_check_digit(base)}{base}"


def synthetic_records(n: int, seed: int = 20260101) -> list[dict]:
    """Advisor records in the import format (acceptance advisors.json)."""
    rng = random.Random(seed)
    prefs = list(PREFECTURE_WEIGHTS)
    weights = list(PREFECTURE_WEIGHTS.values())
    out = []
    for i in range(1, n + 1):
        pref = rng.choices(prefs, weights)[0]
        city = rng.choice(CITIES.get(pref, [f"{pref[:-1]}市"]))
        tags = list(dict.fromkeys(rng.choices(NEED_TAGS, TAG_WEIGHTS, k=rng.randint(1, 4))))
        capacity = rng.randint(1, 5)
        out.append({
            "external_id": f"ADV-{i:05d}",
            "name": f"アドバイザー {i}",
            "name_kana": "アドバイザー",
            "hometown": {"prefecture": pref, "municipality": city},
            "residence": {"prefecture": "東京都", "municipality": "世田谷区"},
            "contribution_prefectures": rng.sample(prefs, rng.choice([0, 0, 1, 2])),
            "skills": [{"tag": t, "level": rng.choices([1, 2, 3], [3, 5, 2])[0]} for t in tags],
            "industries": sorted(set(rng.choices(INDUSTRIES, k=rng.randint(1, 3)))),
            "tools": sorted(set(rng.choices(TOOLS, k=rng.randint(0, 4)))),
            "onsite": rng.random() < 0.7,
            "capacity": capacity,
            "active_clients": rng.randint(0, capacity),
            "rating": None if rng.random() < 0.2 else round(rng.uniform(3.0, 5.0), 1),
            "completed_engagements": rng.randint(0, 20),
            "status": rng.choices(["active", "paused", "inactive", "left"], [90, 4, 4, 2])[0],
            "conflicts": [corporate_number(rng) for _ in range(rng.choice([0, 0, 0, 1, 2]))],
            "invoice_registration": None,
            "bio": "",
        })
    return out


def profile(r: dict) -> AdvisorProfile:
    return AdvisorProfile(
        id=None, external_id=r["external_id"], name=r["name"], name_kana=r["name_kana"],
        hometown_prefecture=r["hometown"]["prefecture"],
        hometown_municipality=r["hometown"]["municipality"],
        contribution_prefectures=tuple(r["contribution_prefectures"]),
        skills={s["tag"]: s["level"] for s in r["skills"]}, industries=frozenset(r["industries"]),
        tools=frozenset(r["tools"]), onsite=r["onsite"], capacity=r["capacity"],
        active_clients=r["active_clients"], rating=r["rating"],
        completed_engagements=r["completed_engagements"], status=r["status"],
        conflicts=frozenset(r["conflicts"]),
    )


def timed(fn, runs: int) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def reservations(profiles: list[AdvisorProfile], seed: int = 7) -> dict[str, int]:
    """About one advisor in twenty proposed in one or two other open cases."""
    rng = random.Random(seed)
    picked = rng.sample(profiles, max(1, len(profiles) // 20))
    return {p.external_id: rng.choice([1, 1, 2]) for p in picked}


def bench_engine(runs: int) -> None:
    for n in (170, 10_000):
        profiles = [profile(r) for r in synthetic_records(n)]
        request = dataclasses.replace(A01, reservations=reservations(profiles))
        result = match(request, profiles)
        full = sum(e.full for e in result.excluded)
        print(f"match() {n:>6} advisors: {len(result.standings)} ranked, "
              f"{len(result.excluded)} excluded ({full} full), team {len(result.team)}, "
              f"{len(request.reservations)} with reservations")
        for top in (20, None):
            med, p95 = timed(lambda p=profiles, t=top, q=request: match(q, p, top=t), runs)
            label = "all ranked" if top is None else f"top={top}"
            print(f"    {label:<10}  median {med:7.2f} ms   p95 {p95:7.2f} ms   ({runs} runs)")
        last = result.standings[-1].advisor.external_id
        med, p95 = timed(lambda r=result, e=last, q=request: explain(e, r, q, top=20), runs)
        print(f"    explain() the last ranked  median {med:7.2f} ms   p95 {p95:7.2f} ms")


def bench_database(runs: int) -> None:
    tmp = tempfile.mkdtemp(prefix="pta-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    from app import create_app
    from app.advisors.services import import_advisors
    from app.extensions import db
    from app.matching.services import load_profiles

    app = create_app({"TESTING": True, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        import_advisors(synthetic_records(10_000))
        db.session.commit()
        print(f"import_advisors() 10,000 records: {time.perf_counter() - start:.2f} s")

        def load() -> None:
            db.session.expunge_all()
            load_profiles()

        def load_and_match() -> None:
            db.session.expunge_all()
            match(A01, load_profiles(), top=20)

        runs = max(5, runs // 5)
        for label, fn in (("load_profiles()", load), ("load_profiles() + match()", load_and_match)):
            med, p95 = timed(fn, runs)
            print(f"SQLite 10,000 {label:<27} median {med:7.1f} ms   p95 {p95:7.1f} ms"
                  f"   ({runs} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--no-db", action="store_true", help="skip the SQLite part")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}")
    bench_engine(args.runs)
    if not args.no_db:
        try:
            bench_database(args.runs)
        except Exception as exc:  # the engine figures above still stand
            print(f"SQLite part skipped: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
