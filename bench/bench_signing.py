"""Benchmark of the platform seal. A warm process renders a 3-page Japanese agreement once with
WeasyPrint, then times only the steps in `pipelines()` N times after warm-ups and prints
median/p95 (wall and CPU) and sizes; also the first seal of the process (it prepares the
stamp font) and the verification of the sealed file. Prints figures; asserts nothing. Keys
and the database are temporary (development CA made on first use).

    .venv/bin/python bench/bench_signing.py [--runs 30] [--warmup 3]"""
import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_pdf import machine_speed_ms, measure  # noqa: E402  (same folder, same style)

DOCUMENT_ID = "AGR-2026-000123"
CLAUSE = ("<p>第{n}条　甲は、乙が提供するデジタル顧問サービス（準委任）を利用する。"
          "乙は善良な管理者の注意をもって助言を行い、業務の完成を約束するものではない。"
          "秘密情報及び個人情報は本契約の目的の範囲でのみ利用し、第三者に開示しない。"
          "本契約は電子契約であり、印紙税の課税文書には該当しない。</p>")


def agreement_html(pages: int = 3) -> str:
    body = "".join(f'<section style="break-after: page"><h1>利用申込書兼契約書（{p}/{pages}）</h1>'
                   + "".join(CLAUSE.format(n=(p - 1) * 6 + n) for n in range(1, 7))
                   + "</section>" for p in range(1, pages + 1))
    return ('<!doctype html><html lang="ja"><head><meta charset="utf-8">'
            "<style>@page { size: A4; margin: 20mm; }</style></head>"
            f"<body>{body}</body></html>")


def pipelines(agreement: bytes, signer, signing=None) -> dict[str, Callable[[], bytes]]:
    """What a signing does, as timed steps: the seal alone on a 3-page agreement, and the
    whole signing step as the signer's click runs it (合意締結証明書 rendered, appended to the
    agreement as sent, sealed) when `signing` = (agreement row, signing request) is given."""
    from app.signing import services
    from app.signing.seal import seal_pdf, stamp_lines

    def seal_only() -> bytes:
        return seal_pdf(agreement, signer=signer,
                        stamp_lines=stamp_lines(DOCUMENT_ID, datetime.now(UTC)))

    steps = {"seal only (3 pages)": seal_only}
    if signing is not None:
        steps["certificate + seal"] = lambda: services.seal(*signing)
    return steps


def demo_signing():
    """A real agreement of the demo's approved case, agreed through the services (seal not
    yet applied): what services.seal() gets when the signer clicks 「同意して署名する」."""
    import sqlalchemy as sa

    from app.demo.seed import seed_demo
    from app.extensions import db
    from app.models import Case, CaseStatus, User
    from app.signing import services

    seed_demo()
    case = db.session.scalar(sa.select(Case).where(Case.status == CaseStatus.APPROVED)
                             .order_by(Case.id).limit(1))
    officer = db.session.get(User, case.officer_id)
    agreement = services.create_agreement(case, officer, starts_on=datetime(2027, 1, 1).date())
    issued = services.send_for_signature(agreement, officer, email="rep@example.jp",
                                         name="𠮷田 髙志")
    services.agree(issued.request, signer_name="𠮷田 髙志", signer_title="代表取締役",
                   ip="192.0.2.10", user_agent="Mozilla/5.0 (iPhone; bench)")
    db.session.commit()
    return agreement, issued.request


def line(label: str, figures: dict, pdf: bytes | None = None) -> str:
    size = f"  {len(pdf) / 1024:5.0f} KB" if pdf else ""
    return (f"  {label:<22} median {figures['median']:6.1f} ms  p95 {figures['p95']:6.1f} ms  "
            f"cpu {figures['cpu']:6.1f} ms{size}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="pta-bench-signing-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    from pypdf import PdfReader

    from app import create_app
    from app.documents.render import renderer
    from app.extensions import db
    from app.signing.keys import load_signer
    from app.signing.seal import seal_pdf, stamp_lines
    from app.signing.verify import verify_pdf

    app = create_app({"TESTING": True, "SECRET_KEY": "bench"})
    app.instance_path = tmp  # development CA, seal certificate, prepared fonts
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        signer = load_signer(app.config, app.instance_path)
        keys_ms = (time.perf_counter() - start) * 1000
        agreement = renderer().html_to_pdf(agreement_html())
        start = time.perf_counter()
        first = seal_pdf(agreement, signer=signer,
                         stamp_lines=stamp_lines(DOCUMENT_ID, datetime.now(UTC)))
        first_ms = (time.perf_counter() - start) * 1000
        print(f"Platform seal, warm process, {args.runs} runs after {args.warmup} warm-ups "
              f"(load average {os.getloadavg()[0]:.2f}, reference loop "
              f"{machine_speed_ms():.0f} ms)")
        pages = len(PdfReader(BytesIO(agreement)).pages)
        print(f"  agreement: {pages} pages, {len(agreement) / 1024:.0f} KB; keys made in "
              f"{keys_ms:.0f} ms; first seal of the process {first_ms:.0f} ms "
              f"(prepares the stamp font)")
        signing = demo_signing()
        real_pages = len(PdfReader(BytesIO(signing[0].pdf)).pages)
        print(f"  demo agreement: {real_pages} pages, {len(signing[0].pdf) / 1024:.0f} KB "
              f"(+ the certificate page)")
        sealed = first
        for label, step in pipelines(agreement, signer, signing).items():
            figures, sealed = measure(step, args.runs, args.warmup)
            print(line(label, figures, sealed))
        figures, _ = measure(lambda: verify_pdf(sealed, trust_roots=signer.trust_roots,
                                                seal_fingerprints=signer.known_fingerprints),
                             args.runs, args.warmup)
        print(line("verify (upload page)", figures))
        print(f"Reference loop at the end {machine_speed_ms():.0f} ms")


if __name__ == "__main__":
    main()
