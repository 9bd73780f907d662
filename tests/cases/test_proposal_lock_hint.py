"""The case page says why the proposal cannot be issued again while the 紹介稟議 holds it,
and offers 差戻し・取り戻し only while they are still possible (承認待ち)."""
import re

import pytest

from app.extensions import db
from app.models import ActionKind
from app.referrals.services import act, submit
from tests.factories import login
from tests.referrals.conftest import give_consent, make_world


@pytest.fixture
def submitted(app_ctx):
    world = make_world()
    give_consent(world.case, world.officer)
    world["referral"] = submit(world.case, world.officer)
    db.session.commit()
    return world


def _hint(client, world) -> str | None:
    login(client, world.officer)
    page = client.get(f"/cases/{world.case.id}").get_data(as_text=True)
    section = re.search(r"<h2>提案書</h2>(.*?)</section>", page, re.S)[1]
    assert ("提案書（PDF）を発行する" in section) == ("発行し直せません" not in section)
    hint = re.search(r'<p class="hint">([^<]*発行し直せません[^<]*)</p>', section)
    return hint[1] if hint else None


def test_pending_offers_return_or_withdrawal(client, submitted):
    assert _hint(client, submitted) == (
        "紹介稟議の承認待ちのため、提案書は発行し直せません（差戻し・取り戻しの後に発行できます）。")


def test_approved_does_not_offer_return_or_withdrawal(client, submitted):
    act(submitted.referral, submitted.supervisor, ActionKind.APPROVE)
    act(submitted.referral, submitted.manager, ActionKind.APPROVE)
    db.session.commit()
    assert _hint(client, submitted) == "紹介稟議が承認されたため、提案書は発行し直せません。"


def test_rejected_does_not_offer_return_or_withdrawal(client, submitted):
    act(submitted.referral, submitted.supervisor, ActionKind.REJECT, comment="予算が合わない")
    db.session.commit()
    assert _hint(client, submitted) == "紹介稟議が否決されたため、提案書は発行し直せません。"


def test_withdrawn_can_issue_again(client, submitted):
    act(submitted.referral, submitted.officer, ActionKind.WITHDRAW)
    db.session.commit()
    assert _hint(client, submitted) is None
