"""Benchmark of the matching page's server time: a temporary SQLite database with the demo
data (~170 advisors, completed demo cases, a few open proposals so that reservations are
counted), the officer logged in through the real login form, then N requests through
app.test_client(): the full page, the filter fragment and the why-not fragment. Then the
same with 10,000 advisors (the demo ones plus synthetic ones) to show how it grows.
Prints figures; asserts nothing.

    .venv/bin/python bench/bench_matching_page.py [--runs 30] [--no-large]
"""
import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_matching import synthetic_records, timed  # noqa: E402

OFFICER, PASSWORD = "officer@kitakyushu", "demo-officer"


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not m:
        raise RuntimeError("no CSRF token on the login page")
    return m.group(1)


def _open_proposals(case_ids: list[int], external_ids: list[str]) -> None:
    """Issued proposals without rendering a PDF (the bench measures matching, not WeasyPrint):
    each case proposes two advisors, so several advisors carry reservations."""
    from app.extensions import db
    from app.models import Case, CaseStatus, Proposal

    for i, case_id in enumerate(case_ids):
        case = db.session.get(Case, case_id)
        db.session.add(Proposal(
            case=case, version=1, plan_code="standard", plan_name="スタンダード",
            monthly_fee=50_000, advisor_external_ids=external_ids[2 * i:2 * i + 2],
            pdf=b"%PDF-bench", sha256="0" * 64, size_bytes=10))
        case.status = CaseStatus.PROPOSED


def _measure(app, label: str, runs: int) -> None:
    import sqlalchemy as sa

    from app.extensions import db
    from app.matching.services import load_profiles
    from app.models import Advisor, Case, User

    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.login_id == OFFICER))
        case_id = db.session.scalar(
            sa.select(Case.id).where(Case.branch_id == officer.branch_id).order_by(Case.id))
        n_advisors = db.session.scalar(sa.select(sa.func.count()).select_from(Advisor))
        needs = db.session.get(Case, case_id).intake.all_needs
        med, p95 = timed(load_profiles, max(5, runs // 3))
        print(f"{label}: {n_advisors} advisors, case id {case_id}")
        print(f"    load_profiles()                 median {med:7.1f} ms   p95 {p95:7.1f} ms")

    client = app.test_client()
    token = _csrf(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"login_id": OFFICER, "password": PASSWORD,
                                                "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"login failed: {response.status_code}")
    fragment = {"HX-Request": "true", "HX-Target": "ranking"}
    requests = [
        ("GET page", f"/matching/{case_id}", {}, {}),
        ("GET filter fragment", f"/matching/{case_id}",
         {"filtered": "1", "needs": needs[:1], "use_tools": "on"}, fragment),
        ("GET why ?q= (search)", f"/matching/{case_id}/why", {"q": "アドバイザー"},
         {"HX-Request": "true", "HX-Target": "why"}),
        ("GET why ?advisor= (explain)", f"/matching/{case_id}/why",
         {"advisor": "PTA-A-0100"}, {"HX-Request": "true", "HX-Target": "why"}),
    ]
    for name, url, query, headers in requests:
        def get(url=url, query=query, headers=headers):
            r = client.get(url, query_string=query, headers=headers)
            if r.status_code != 200:
                raise RuntimeError(f"{url}: {r.status_code}")
        med, p95 = timed(get, runs)
        print(f"    {name:<31} median {med:7.1f} ms   p95 {p95:7.1f} ms   ({runs} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-large", action="store_true", help="skip the 10,000 advisors part")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="pta-bench-page-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"

    import sqlalchemy as sa

    from app import create_app
    from app.advisors.services import import_advisors
    from app.demo.seed import seed_demo
    from app.extensions import db
    from app.models import Advisor, Case

    app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": True})
    app.instance_path = tmp
    print(f"Python {sys.version.split()[0]}, SQLite in {tmp}")
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
        case_ids = list(db.session.scalars(sa.select(Case.id).order_by(Case.id.desc())))
        n_demo = db.session.scalar(sa.select(sa.func.count()).select_from(Advisor))
        advisors = list(db.session.scalars(
            sa.select(Advisor.external_id).where(Advisor.status == "active")
            .order_by(Advisor.external_id)))
        # The newest cases (not the one measured) propose advisors: reservations to count.
        _open_proposals(case_ids[:3], advisors)
        db.session.commit()
    _measure(app, "demo data", args.runs)
    if args.no_large:
        return
    with app.app_context():
        start = time.perf_counter()
        records = synthetic_records(10_000 - n_demo)
        import_advisors(records)
        db.session.commit()
        print(f"(imported {len(records)} synthetic advisors in "
              f"{time.perf_counter() - start:.1f} s)")
    _measure(app, "10,000 advisors", max(5, args.runs // 3))


if __name__ == "__main__":
    main()
