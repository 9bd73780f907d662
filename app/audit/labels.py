"""Japanese names of what the audit log stores as codes: the action (case.create) and the
kind of record (subscription_agreement), for the page and the CSV. The one place to add a
name when a new record(...) call appears; tests/audit/test_labels.py reads every call in
app/ and fails on a code without a name here."""
from app.models.referral import ACTION_LABELS as REFERRAL_ACTION_LABELS
from app.models.signing import SIGNING_EVENT_LABELS

ACTION_LABELS = {
    "audit.export": "監査ログのCSV出力",
    "advisor.create": "アドバイザーの登録", "advisor.update": "アドバイザーの変更",
    "advisor.export": "アドバイザー名簿のCSV出力", "advisor.import": "アドバイザーの取り込み",
    "bank.update": "信用金庫の設定変更",
    "case.create": "案件の作成",
    "consent.record": "同意の記録",
    "outgoing_mail.retry": "メールの再送",
    "plan.create": "プランの登録", "plan.update": "プランの変更",
    "proposal.issue": "提案書の発行",
    **{f"referral.{kind.value}": f"紹介稟議の{label}"
       for kind, label in REFERRAL_ACTION_LABELS.items()},
    "referral_document.issue": "紹介票の発行",
    **{f"signing.{kind}": f"電子契約：{label}" for kind, label in SIGNING_EVENT_LABELS.items()},
    "subsidy_programme.create": "補助金の登録", "subsidy_programme.update": "補助金の変更",
    "user.deputy": "代理承認者の指名",
    # Written by earlier versions of the signing code; such rows stay in the log for good.
    "agreement.create": "電子契約：契約書の作成", "signing.revoke": "電子契約：署名リンクの取消",
    "signing.agree": "電子契約：署名者の同意", "signing.decline": "電子契約：署名者の辞退",
    "signing.seal": "電子契約：封緘（締結）",
}

RECORD_TYPE_LABELS = {
    "advisor": "アドバイザー",
    "advisor_import": "アドバイザーの取り込み",
    "advisor_roster": "アドバイザー名簿",
    "audit_log": "監査ログ",
    "bank": "信用金庫の設定",
    "case": "案件",
    "consent_record": "第三者提供の同意",
    "outgoing_mail": "メール",
    "plan": "プラン",
    "proposal": "提案書",
    "referral": "紹介稟議",
    "referral_document": "紹介票兼同意確認書",
    "signing_request": "署名依頼",  # earlier versions of the signing code
    "subscription_agreement": "利用申込書兼契約書",
    "subsidy_programme": "補助金",
    "user": "職員",
}


def action_label(action: str) -> str:
    """「案件の作成」 for case.create; an unknown code is shown as stored."""
    return ACTION_LABELS.get(action, action)


def record_type_label(record_type: str) -> str:
    return RECORD_TYPE_LABELS.get(record_type, record_type)


def record_label(record_type: str, record_id: str) -> str:
    """「利用申込書兼契約書 #12」. An ID that is not a number (a CSV export's 'search', an
    import's batch token) says nothing to the reader: the known kind alone is shown. An
    unknown kind falls back to its code."""
    if record_type not in RECORD_TYPE_LABELS or record_id.isascii() and record_id.isdigit():
        return f"{record_type_label(record_type)} #{record_id}"
    return record_type_label(record_type)


# Names of the fields the workflow rows (稟議, consent, proposal, signing, mail) keep in their
# before/after; the settings records have theirs in app.admin.services.
FIELD_LABELS = {
    "status": "状態", "step": "段階", "steps": "承認の段階", "round": "申請の回",
    "comment": "コメント", "on_behalf_of": "代理した支店長", "proposal_version": "提案書の版",
    "annual_value": "年間契約額", "consent_id": "同意記録ID", "items": "提供する項目",
    "recipients": "提供先", "consented_on": "同意日", "method": "同意の方法",
    "consenter": "同意者", "obtained_by": "取得者", "scan_sha256": "同意書スキャンのSHA-256",
    "sha256": "SHA-256", "size_bytes": "サイズ（バイト）", "plan": "プラン",
    "advisors": "アドバイザー", "document_id": "文書ID", "monthly_fee": "月額（税抜）",
    "starts_on": "利用開始日", "term_months": "契約期間（か月）", "notice_days": "解約予告（日）",
    "request_id": "署名依頼ID", "by": "操作者", "user_agent": "ユーザーエージェント",
    "email": "メールアドレス", "expires_at": "有効期限", "signer": "署名者", "title": "役職",
    "mode": "署名の方法", "addressee": "署名依頼の宛先", "addressee_differs": "宛先と異なる署名者",
    "reason": "理由", "signed_sha256": "署名済みPDFのSHA-256", "attempts": "送信の試行回数",
    "next_attempt_at": "次回の送信",
}
