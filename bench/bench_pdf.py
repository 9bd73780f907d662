"""Benchmark of the proposal PDF (ご提案書). A warm process renders the A01 and A08 (rare
characters: 𠮷野髙﨑, 𠮷田 髙志) proposals N times after warm-ups and prints median/p95 (wall
and CPU) and sizes; then the same two with Debian's default CJK fallback (font family left
to fontconfig: Noto Sans CJK JP when fonts-noto-cjk is installed) and the ratio; and the
process RSS. With --options, the other font set-ups considered. Prints figures; asserts
nothing. The database is a temporary SQLite file.

    .venv/bin/python bench/bench_pdf.py [--runs 15] [--warmup 2] [--fallback-runs 3]
                                        [--options] [--fonttools]

--fonttools makes WeasyPrint subset with fontTools instead of HarfBuzz: what happens on a
machine without libharfbuzz-subset0."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data"
CASES = ("A01", "A08")
TEMPLATE = "documents/proposal.html"
OPTIONS = [
    ("BIZ UDPGothic, rare characters left to fontconfig", ["BIZ UDPGothic", "sans-serif"]),
    ("BIZ UDPGothic + IPAmjMincho (whole system file)", ["BIZ UDPGothic", "IPAmjMincho"]),
    ("BIZ UDPGothic + Noto Sans CJK JP (whole .ttc)", ["BIZ UDPGothic", "Noto Sans CJK JP"]),
    ("IPAexGothic + IPAmjMincho", ["IPAexGothic", "IPAmjMincho"]),
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine_speed_ms() -> float:
    """CPU time of a fixed allocation-heavy Python workload. This shared machine's speed for
    WeasyPrint-like work varies by 2× or more from hour to hour: compare figures taken with
    similar reference values."""
    start = time.process_time()
    rows = [{"key": str(i * 7919 % 100_000), "value": [i, i + 1]} for i in range(100_000)]
    rows.sort(key=lambda row: row["key"])
    "".join(row["key"] for row in rows)
    return (time.process_time() - start) * 1000


def font_names(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(["pdffonts", f.name], capture_output=True, text=True).stdout
    return ", ".join(line.split()[0].split("+", 1)[-1] for line in out.splitlines()[2:])


def build_contexts() -> dict[str, dict]:
    """A01 and A08 as saved cases (their matching team as the advisors) → proposal
    contexts. Call inside an app context on an empty database."""
    from app.advisors.services import import_advisors
    from app.clients.validation import clean_company, company_from_case_file
    from app.extensions import db
    from app.intake.validation import clean_intake
    from app.japan.dates import today_jst
    from app.japan.text import search_key
    from app.matching.inference import infer_needs
    from app.matching.services import match_intake
    from app.models import Advisor, Bank, Branch, Case, ClientCompany, Intake, Plan, Role, User
    from app.proposals.plans import DEFAULT_PLANS
    from app.proposals.services import proposal_context

    db.create_all()
    import_advisors(json.loads((DATA / "advisors.json").read_text(encoding="utf-8")))
    bank = Bank(code="9999", name="みらい信用金庫")
    branch = Branch(bank=bank, code="001", name="北九州支店", prefecture="福岡県",
                    municipality="北九州市", address="小倉北区浅野1-1", phone="0935410000")
    officer = User(login_id="bench", name="山本 健太", email="yamamoto@example.jp",
                   role=Role.OFFICER, bank=bank, branch=branch, password_hash="-")
    plan = Plan(**next(p for p in DEFAULT_PLANS if p["code"] == "standard"))
    db.session.add_all([bank, branch, officer, plan])
    files = {c["case_id"]: c for c in json.loads((DATA / "intakes.json").read_text("utf-8"))}
    contexts = {}
    for n, case_id in enumerate(CASES, start=1):
        company, _ = clean_company(company_from_case_file(files[case_id]["company"]))
        intake, _ = clean_intake(files[case_id]["intake"])
        intake["accepted_needs"] = [t for t in infer_needs(intake["notes"])
                                    if t not in intake["needs"]]
        client = ClientCompany(bank=bank, branch=branch, **company,
                               search_key=search_key(company["name"], company["name_kana"]))
        case = Case(case_number=f"PTA-2026-{n:06d}", bank=bank, branch=branch, client=client,
                    intake=Intake(client=client, created_by=officer, **intake), officer=officer)
        db.session.add(case)
        db.session.flush()
        team = match_intake(case.intake).team
        advisors = [(db.session.get(Advisor, r.advisor.id), r.reasons) for r in team]
        contexts[case_id] = proposal_context(case, plan, advisors, today_jst(), version=1)
    return contexts


def measure(render: Callable[[], bytes], runs: int, warmup: int) -> tuple[dict, bytes]:
    pdf = b""
    for _ in range(warmup):
        pdf = render()
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        pdf = render()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    ordered = sorted(wall)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(wall), "p95": p95, "cpu": statistics.median(cpu)}, pdf


def line(label: str, figures: dict, pdf: bytes, extra: str = "") -> str:
    return (f"  {label:<5} median {figures['median']:6.0f} ms  p95 {figures['p95']:6.0f} ms  "
            f"cpu {figures['cpu']:6.0f} ms  {len(pdf) / 1024:5.0f} KB{extra}\n"
            f"        fonts: {font_names(pdf)}")


def family_css(families: list[str]) -> str:
    from app.documents.fonts import MARGIN_BOXES

    stack = ", ".join(f if f in ("serif", "sans-serif") else f'"{f}"' for f in families)
    boxes = " ".join(f"@{b} {{ font-family: {stack}; }}" for b in MARGIN_BOXES)
    return f"html {{ font-family: {stack}; }} @page {{ font-family: {stack}; {boxes} }}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--fallback-runs", type=int, default=3)
    parser.add_argument("--options", action="store_true", help="other font set-ups too")
    parser.add_argument("--fonttools", action="store_true", help="subset with fontTools")
    args = parser.parse_args()

    if args.fonttools:
        import weasyprint.pdf.fonts

        weasyprint.pdf.fonts.harfbuzz_subset = None

    tmp = tempfile.mkdtemp(prefix="pta-bench-pdf-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    from app import create_app
    from app.documents.fonts import check_fonts
    from app.documents.render import render_pdf, renderer

    app = create_app({"TESTING": True, "SECRET_KEY": "bench"})
    app.instance_path = tmp  # the prepared fallback faces go to tmp/fonts
    with app.app_context():
        r = renderer()
        check = check_fonts(r.fonts)
        if not check.ok:
            print(f"missing: {'、'.join(check.missing)} → {check.install_command}")
        contexts = build_contexts()
        rss_before = rss_mb()  # the contexts (matching, advisors) are not the renderer's
        subsetter = "fontTools" if args.fonttools else "HarfBuzz"
        print(f"Proposal PDF, warm process, {args.runs} runs after {args.warmup} warm-ups "
              f"({subsetter} subsetting, load average {os.getloadavg()[0]:.2f}, "
              f"reference loop {machine_speed_ms():.0f} ms)")
        ours = {}
        for case_id, context in contexts.items():
            for face in r.fonts.cache_dir.glob("rare-*"):
                face.unlink()  # the first render of a character set prepares its faces
            start = time.perf_counter()
            render_pdf(TEMPLATE, context)
            first = (time.perf_counter() - start) * 1000
            figures, pdf = measure(lambda c=context: render_pdf(TEMPLATE, c), args.runs,
                                   args.warmup)
            ours[case_id] = figures["median"]
            print(line(case_id, figures, pdf, f"  first render {first:.0f} ms"))
        print(f"  RSS before rendering {rss_before:.0f} MB, after "
              f"{len(CASES) * (args.runs + args.warmup + 1)} renders {rss_mb():.0f} MB")

        htmls = {cid: r.render_html(TEMPLATE, ctx)[0] for cid, ctx in contexts.items()}
        setups = [("Debian default CJK fallback (font-family: sans-serif → fontconfig)",
                   ["sans-serif"])]
        setups += OPTIONS if args.options else []
        for label, families in setups:
            print(f"{label}: {args.fallback_runs} runs after 1 warm-up")
            css = family_css(families)
            for case_id, html in htmls.items():
                figures, pdf = measure(lambda h=html, c=css: r.html_to_pdf(h, font_css=c),
                                       args.fallback_runs, 1)
                ratio = figures["median"] / ours[case_id]
                print(line(case_id, figures, pdf, f"  = {ratio:.1f}× ours"))
        print(f"RSS at the end: {rss_mb():.0f} MB; reference loop {machine_speed_ms():.0f} ms")


if __name__ == "__main__":
    main()
