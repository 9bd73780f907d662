"""The consent vocabulary (第三者提供同意, 個人情報保護法 27条・29条) as data: the items a client
may agree to share, with whom and what for. ConsentRecord.items stores the codes; the
consent form, the consent screen and the referral document print the labels."""
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Advisor, Case

# Ordered: forms and documents list the items in this order. All are ticked by default.
CONSENT_ITEMS: dict[str, str] = {
    "company": "会社名・所在地・業種・従業員数",
    "representative": "代表者の氏名・役職",
    "contact": "連絡先（メールアドレス・電話番号）",
    "needs": "ヒアリング内容（ご相談のテーマ・現在の状況・お話の内容）",
    "tools": "利用中のツール",
    "budget": "ご予算・希望時期・訪問の要否",
}
DEFAULT_ITEMS: list[str] = list(CONSENT_ITEMS)

PURPOSE = "アドバイザーの選定と顧問契約のご提案・ご支援のため"
RETENTION = ("提供先は、提供を受けた情報を上記の利用目的の範囲内でのみ取り扱い、"
             "目的を達した後は法令に従って保存・廃棄します。"
             "当金庫は、本同意書と提供の記録を法令に従って保存します。")
WITHDRAWAL = ("本同意は、いつでも撤回することができます。撤回のお申し出は当金庫の担当者までご連絡"
              "ください。撤回後は、新たな情報の提供を行いません。")

DEFAULT_PLATFORM_NAME = "Pocket TECH Advisor 運営事務局"
RECIPIENT_KINDS = {"platform": "サービス運営者", "advisor": "アドバイザー"}


def platform_name() -> str:
    return current_app.config.get("PLATFORM_NAME") or DEFAULT_PLATFORM_NAME


def item_label(code: str) -> str:
    return CONSENT_ITEMS.get(code, code)


def advisors_by_external_id(external_ids: list[str]) -> list[Advisor]:
    """The advisors of `external_ids`, in that order (unknown ids left out)."""
    if not external_ids:
        return []
    found = {a.external_id: a for a in db.session.scalars(
        sa.select(Advisor).where(Advisor.external_id.in_(external_ids)))}
    return [found[i] for i in external_ids if i in found]


def case_advisors(case: Case) -> list[Advisor]:
    """The advisors the client is asked about: those of the latest proposal, else the
    advisors selected for the case."""
    proposal = case.latest_proposal
    if proposal is not None:
        return advisors_by_external_id(list(proposal.advisor_external_ids or []))
    return [s.advisor for s in case.selections]


def consent_recipients(case: Case) -> list[dict]:
    """Who receives the client's information: the platform, then each advisor (the snapshot
    kept in ConsentRecord.recipients)."""
    return [{"kind": "platform", "name": platform_name()}] + [
        {"kind": "advisor", "name": a.name, "external_id": a.external_id}
        for a in case_advisors(case)]
