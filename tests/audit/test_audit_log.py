"""The audit log chain: appends verify; changing one stored byte names the row."""
import sqlalchemy as sa

from app.audit.cli import audit_cli
from app.audit.services import changed_fields, history, record, verify_chain
from app.extensions import db
from app.models import AuditLog, Role
from tests.factories import make_user


def _rows(n: int = 4):
    actor = make_user(Role.OPERATOR, name="運営 花子")
    for i in range(n):
        record(actor, "advisor.update", "advisor", 7, summary=f"変更{i}",
               before={"capacity": i}, after={"capacity": i + 1}, ip="127.0.0.1")
    db.session.commit()


def test_chain_verifies_and_history_lists_newest_first(app_ctx):
    _rows()
    assert verify_chain().ok and verify_chain().rows == 4
    rows = history("advisor", 7)
    assert [r.summary for r in rows] == ["変更3", "変更2", "変更1", "変更0"]
    assert rows[0].actor_name == "運営 花子" and rows[0].actor_role == "operator"
    assert changed_fields(rows[0].before, rows[0].after) == {"capacity": [3, 4]}


def test_one_changed_byte_is_found_and_named(app, app_ctx):
    _rows()
    target = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()[2]
    # Tamper below the ORM, as someone with database access would.
    db.session.execute(sa.text("UPDATE audit_log SET ip = '127.0.0.2' WHERE id = :id"),
                       {"id": target.id})
    db.session.commit()
    result = verify_chain()
    assert not result.ok and result.broken_id == target.id
    out = app.test_cli_runner().invoke(audit_cli, ["verify"])
    assert out.exit_code == 1 and f"ID {target.id}" in out.output


def test_a_removed_row_breaks_the_chain(app, app_ctx):
    _rows()
    ids = db.session.scalars(sa.select(AuditLog.id).order_by(AuditLog.id)).all()
    db.session.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
    db.session.commit()
    assert verify_chain().broken_id == ids[2]
    assert app.test_cli_runner().invoke(audit_cli, ["verify"]).exit_code == 1


def test_a_cut_off_tail_is_found_with_the_noted_head(app, app_ctx):
    _rows()
    out = app.test_cli_runner().invoke(audit_cli, ["verify"])
    head = out.output.split("最新の行：")[1].split("（")[0]
    assert out.exit_code == 0 and ":" in head
    assert app.test_cli_runner().invoke(audit_cli, ["verify", "--expect-head", head]).exit_code == 0
    last = db.session.scalar(sa.select(sa.func.max(AuditLog.id)))
    db.session.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": last})
    db.session.commit()
    # The chain alone cannot tell a removed last row; the noted head can.
    assert app.test_cli_runner().invoke(audit_cli, ["verify"]).exit_code == 0
    out = app.test_cli_runner().invoke(audit_cli, ["verify", "--expect-head", head])
    assert out.exit_code == 1 and "末尾の行の削除" in out.output
