"""Case numbers are unique under concurrency and formatted PTA-YYYY-NNNNNN per JST year."""
import threading
from datetime import UTC, datetime

import sqlalchemy as sa

from app.extensions import db
from app.intake.services import next_case_number
from app.models import CaseNumberCounter


def test_jst_year_boundary(app_ctx):
    # 2026-12-31 15:00 UTC is already 2027-01-01 in Japan.
    assert next_case_number(datetime(2026, 12, 31, 15, 0, tzinfo=UTC)) == "PTA-2027-000001"
    assert next_case_number(datetime(2026, 12, 31, 14, 59, tzinfo=UTC)) == "PTA-2026-000001"
    assert next_case_number(datetime(2026, 6, 1, tzinfo=UTC)) == "PTA-2026-000002"


def test_concurrent_allocations_never_repeat(app):
    numbers: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                for _ in range(5):
                    numbers.append(next_case_number(datetime(2026, 12, 3, tzinfo=UTC)))
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(numbers) == 20 and len(set(numbers)) == 20
    with app.app_context():
        assert db.session.scalar(sa.select(CaseNumberCounter.last_number)) == 20
