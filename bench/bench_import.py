"""Benchmark of the advisor import: 10,000 valid advisors as a JSON list and as a CSV file
(UTF-8 with BOM, as a spreadsheet saves it), each imported into a fresh database through the
same path as the web import (parse_upload → preview_import → import_advisors, with audit
rows) and committed; then the same CSV again (nothing changed), with 1 row in 10 edited,
and with every row edited (skills too). Runs on a temporary SQLite database, and on
PostgreSQL when BENCH_PG_URL (default below) answers. Prints seconds; asserts nothing.

    .venv/bin/python bench/bench_import.py [--count 10000] [--no-postgres]
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matching import synthetic_records  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/pta_bench_import"


def records(n: int) -> list[dict]:
    """The matching benchmark's advisors, with the fields an operator's file also carries."""
    out = synthetic_records(n)
    for i, r in enumerate(out, start=1):
        r["email"] = f"adv{i:05d}@advisors.example.jp"
        r["bio"] = "製造業の業務改善を10年。kintoneでの受発注アプリ構築、在庫の見える化が得意。"
        r["invoice_registration"] = f"T{i:013d}" if i % 3 == 0 else None
    return out


def to_csv(rows: list[dict]) -> bytes:
    """The records as the CSV format documented on the import page (lists with 「;」)."""
    from app.advisors.csv_format import CSV_COLUMNS

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        flat = {**r, "hometown_prefecture": r["hometown"]["prefecture"],
                "hometown_municipality": r["hometown"]["municipality"],
                "residence_prefecture": r["residence"]["prefecture"],
                "residence_municipality": r["residence"]["municipality"],
                "skills": ";".join(f"{s['tag']}:{s['level']}" for s in r["skills"]),
                "onsite": "true" if r["onsite"] else "false",
                "rating": "" if r["rating"] is None else r["rating"],
                "invoice_registration": r["invoice_registration"] or ""}
        for key in ("contribution_prefectures", "industries", "tools", "conflicts"):
            flat[key] = ";".join(r[key])
        writer.writerow([flat[c] for c in CSV_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def run_import(db, actor, filename: str, data: bytes) -> dict[str, float]:
    """The web import's steps, timed: read the file, preview (validate + plan), import."""
    from app.advisors.csv_format import parse_upload
    from app.advisors.services import import_advisors, preview_import

    times = {}
    start = time.perf_counter()
    parsed = parse_upload(filename, data)
    times["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    preview = preview_import(parsed.records, rows=parsed.rows, source=parsed.source,
                             file_errors=parsed.errors)
    assert preview.ok, preview.errors[:3]  # a broken generator, not a measurement
    times["preview"] = time.perf_counter() - start
    db.session.rollback()  # the web preview and the confirmation are two requests
    start = time.perf_counter()
    summary = import_advisors(parsed.records, rows=parsed.rows, source=parsed.source,
                              actor=actor, ip="127.0.0.1", label=f"bench：{filename}",
                              batch="bench")
    db.session.commit()
    times["import"] = time.perf_counter() - start
    times["summary"] = str(summary)
    return times


def fresh_app(url: str):
    os.environ["DATABASE_URL"] = url
    from app import create_app
    from app.extensions import db

    app = create_app({"TESTING": True, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def operator(db):
    from app.models import Role, User

    user = User(login_id="bench-operator", name="運営 ベンチ", role=Role.OPERATOR)
    user.set_password("bench-password")
    db.session.add(user)
    db.session.commit()
    return user


def report(label: str, t: dict) -> None:
    total = t["parse"] + t["preview"] + t["import"]
    print(f"  {label:<34} parse {t['parse']:5.2f} s  preview {t['preview']:5.2f} s  "
          f"import+commit {t['import']:6.2f} s  total {total:6.2f} s   {t['summary']}")


def bench(url: str, label: str, n: int) -> None:
    from app.extensions import db
    from app.models import Advisor, AdvisorSkill, AuditLog

    data = records(n)
    json_bytes = json.dumps(data, ensure_ascii=False).encode("utf-8")
    csv_bytes = to_csv(data)
    print(f"{label}: {n:,} advisors  (JSON {len(json_bytes) / 1e6:.1f} MB, "
          f"CSV {len(csv_bytes) / 1e6:.1f} MB)")
    for name, payload in (("advisors.json", json_bytes), ("advisors.csv", csv_bytes)):
        app = fresh_app(url)
        with app.app_context():
            actor = operator(db)
            report(f"{name} into an empty roster", run_import(db, actor, name, payload))
            if name.endswith(".csv"):
                report("same CSV again (no change)", run_import(db, actor, name, payload))
                edited = [dict(r) for r in data]
                for r in edited[::10]:
                    r["active_clients"] = 0
                    r["status"] = "paused"
                report("CSV with 1 row in 10 edited", run_import(db, actor, name,
                                                                   to_csv(edited)))
                for r in edited:  # every advisor changed, skills included
                    r["capacity"] += 1
                    r["skills"] = [{"tag": s["tag"], "level": 4 - s["level"]}
                                   for s in r["skills"]][:2]
                report("CSV with every row edited", run_import(db, actor, name,
                                                                 to_csv(edited)))
            counts = [db.session.scalar(db.select(db.func.count()).select_from(m))
                      for m in (Advisor, AdvisorSkill, AuditLog)]
            print(f"    rows: advisor {counts[0]:,}  advisor_skill {counts[1]:,}  "
                  f"audit_log {counts[2]:,}")
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="pta-bench-import-")
    bench(f"sqlite:///{tmp}/bench.db", "SQLite", args.count)
    if args.no_postgres:
        return
    url = os.environ.get("BENCH_PG_URL", PG_URL)
    ready = subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_ready.py"), url],
                           check=False).returncode == 0
    if ready:
        bench(url, "PostgreSQL", args.count)
    else:
        print(f"PostgreSQL not reachable at {url}: skipped")


if __name__ == "__main__":
    main()
