"""The subscription agreement from sending to seal (立会人型電子契約). No request globals: the
caller passes the actor or the signer's IP and user agent, and the time. Flushes, never
commits.

Signing runs in three steps so that no write transaction is open while a PDF renders or the
seal is applied: `agree` claims the link (one conditional UPDATE: of two simultaneous
clicks exactly one wins) and records the signer; the caller commits; `seal` builds the
certificate page and seals the file (no database writes); `store_sealed` keeps the result
and starts the subscription."""
import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.audit.services import record
from app.errors import DomainError
from app.extensions import db
from app.japan import JapanInputError
from app.japan.dates import to_jst, today_jst
from app.japan.money import taxed_total
from app.japan.text import clean_text, format_phone, refuse_symbols, search_key
from app.models import (
    AgreementStatus,
    Case,
    CaseStatus,
    OutgoingMail,
    ReferralStatus,
    RequestStatus,
    SigningEvent,
    SigningMode,
    SigningRequest,
    Subscription,
    SubscriptionAgreement,
    User,
    utcnow,
)
from app.models.notification import MailStatus
from app.notifications.services import notify
from app.signing import tokens

EXPIRY_DEFAULT_DAYS = 14
EXPIRY_MAX_DAYS = 30
IN_BRANCH_MINUTES = 30
MAX_CODE_ATTEMPTS = 5
REMIND_BEFORE = timedelta(days=3)
DEFAULT_TERM_MONTHS = 12
DEFAULT_NOTICE_DAYS = 30
CONFIRMATIONS = {
    "read": "契約書の内容をすべて確認しました。",
    "authority": "申込者（会社）を代表して申し込む権限があります。",
    "electronic": ("電磁的記録により契約を締結し、運営者が立会人として電子署名（シール）を"
                   "付すことに同意します。"),
}


# Events the signer causes (no staff account): the audit log names the signer, not the system.
SIGNER_EVENTS = {"code_ok", "code_failed", "locked", "download_locked", "viewed", "agreed",
                 "declined"}


class SigningError(DomainError):
    """Refused by a rule (409); the message says why in Japanese."""


@dataclass(frozen=True)
class Issued:
    """A new signing link: the token and access code exist only here, to show once."""

    request: SigningRequest
    token: str
    access_code: str  # "" for in-branch signing


# ---------------------------------------------------------------- the agreement


def agreement_problems(case: Case, actor: User) -> list[str]:
    problems = []
    if not actor.role.is_branch_role or actor.branch_id != case.branch_id:
        problems.append("契約書の送付は、この支店の担当者が行います。")
    referral = case.referral
    if referral is None or referral.status != ReferralStatus.APPROVED:
        problems.append("紹介稟議の承認後に契約書を送付できます。")
    if case.status == CaseStatus.SIGNED:
        problems.append("この案件の契約はすでに締結されています。")
    return problems


def current_agreement(case: Case) -> SubscriptionAgreement | None:
    return db.session.scalar(sa.select(SubscriptionAgreement)
                             .where(SubscriptionAgreement.case_id == case.id)
                             .order_by(SubscriptionAgreement.version.desc()).limit(1))


def subscription_of(case: Case) -> Subscription | None:
    return db.session.scalar(sa.select(Subscription).where(Subscription.case_id == case.id))


def create_agreement(case: Case, actor: User, *, starts_on: date,
                     term_months: int = DEFAULT_TERM_MONTHS,
                     notice_days: int = DEFAULT_NOTICE_DAYS, ip: str = "",
                     now: datetime | None = None, render=None) -> SubscriptionAgreement:
    """Render the agreement for the case's approved proposal and keep it as sent. An earlier
    version still waiting for a signature becomes void (its links stop working)."""
    from app.signing.documents import render_agreement

    problems = agreement_problems(case, actor)
    if problems:
        raise SigningError(" ".join(problems))
    now = now or utcnow()
    if starts_on < today_jst(now):
        raise SigningError("開始日に過去の日付は指定できません。")
    proposal = case.referral.proposal
    rate = current_app.config.get("CONSUMPTION_TAX_RATE_PERCENT", 10)
    previous = current_agreement(case)
    agreement = SubscriptionAgreement(
        document_id=f"PTA-AGR-{uuid.uuid4().hex[:12].upper()}", case_id=case.id,
        bank_id=case.bank_id, branch_id=case.branch_id, client_id=case.client_id,
        version=(previous.version + 1) if previous else 1, status=AgreementStatus.SENT,
        plan_code=proposal.plan_code, plan_name=proposal.plan_name,
        monthly_fee=proposal.monthly_fee, tax_rate_percent=rate,
        annual_total=taxed_total([proposal.monthly_fee] * 12, rate).total, starts_on=starts_on,
        term_months=term_months, notice_days=notice_days,
        counterparty_name=case.client.name,
        counterparty_search=search_key(case.client.name, case.client.name_kana),
        pdf=b"", sha256="", created_by_id=actor.id, created_at=now)
    agreement.case = case
    agreement.client = case.client
    agreement.bank = case.bank
    agreement.branch = case.branch
    pdf = (render or render_agreement)(agreement)  # rendered before anything is written
    agreement.pdf, agreement.sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    if previous is not None and previous.status == AgreementStatus.SENT:
        previous.status = AgreementStatus.VOID
        _close_requests(previous, RequestStatus.SUPERSEDED)
    db.session.add(agreement)
    db.session.flush()
    _event(agreement, None, "created", f"契約書（第{agreement.version}版）を作成", actor.name, ip,
           "", now, actor=actor,
           after={"document_id": agreement.document_id, "sha256": agreement.sha256,
                  "plan": agreement.plan_code, "monthly_fee": agreement.monthly_fee,
                  "starts_on": starts_on, "term_months": term_months,
                  "notice_days": notice_days})
    return agreement


def _event(agreement: SubscriptionAgreement, request: SigningRequest | None, kind: str,
           label: str, actor_name: str, ip: str, user_agent: str, now: datetime, *,
           actor: User | None = None, after: dict | None = None) -> None:
    """One signing event: printed on the 合意締結証明書 and, the same moment, appended to the
    audit log (action signing.<kind>). Never carries the token or the access code."""
    db.session.add(SigningEvent(agreement_id=agreement.id,
                                request_id=request.id if request else None, kind=kind,
                                label=label[:200], actor_name=actor_name[:100], ip=ip[:45],
                                user_agent=user_agent[:300], at=now))
    details = {"request_id": request.id if request else None, "by": actor_name,
               "user_agent": user_agent[:200], **(after or {})}
    signer_side = actor is None and kind in SIGNER_EVENTS
    record(actor, f"signing.{kind}", "subscription_agreement", agreement.id, ip=ip, at=now,
           case_id=agreement.case_id, bank_id=agreement.bank_id,
           summary=f"{agreement.case.case_number} {label}", after=details,
           outsider=(_outsider(actor_name) if signer_side else ""))


def _outsider(actor_name: str) -> str:
    """The audit log's actor for the signer's side: the addressee before a name is given
    (「重松 千代子（宛先）」), then the signer (「𠮷田 髙志（署名者）」)."""
    if actor_name.endswith("（宛先）") or actor_name == "宛先":
        return actor_name
    return f"{actor_name or '氏名未確認'}（署名者）"


def _close_requests(agreement: SubscriptionAgreement, status: RequestStatus) -> None:
    db.session.execute(sa.update(SigningRequest)
                       .where(SigningRequest.agreement_id == agreement.id,
                              SigningRequest.status == RequestStatus.ACTIVE)
                       .values(status=status, version=SigningRequest.version + 1)
                       .execution_options(synchronize_session="fetch"))


# ---------------------------------------------------------------- links


def _new_request(agreement: SubscriptionAgreement, actor: User, mode: SigningMode, *,
                 expires_at: datetime, email: str = "", name: str = "",
                 identity_confirmed: bool = False, now: datetime) -> Issued:
    if agreement.status != AgreementStatus.SENT:
        raise SigningError(f"この契約書は「{agreement.status_label}」のため、送付できません。")
    _close_requests(agreement, RequestStatus.SUPERSEDED)  # a resend voids the old link
    salt = tokens.new_salt()
    token = tokens.token_for(salt)
    code = tokens.new_access_code() if mode == SigningMode.EMAIL else ""
    request = SigningRequest(
        agreement_id=agreement.id, token_hash=tokens.token_hash(token), token_salt=salt,
        access_code_hash=tokens.hash_code(code) if code else "", mode=mode,
        signer_email=email, signer_name=name, expires_at=expires_at,
        identity_confirmed_by_id=actor.id if identity_confirmed else None,
        created_by_id=actor.id, created_at=now)
    db.session.add(request)
    db.session.flush()
    return Issued(request, token, code)


def send_for_signature(agreement: SubscriptionAgreement, actor: User, *, email: str,
                       name: str, expires_days: int = EXPIRY_DEFAULT_DAYS, ip: str = "",
                       now: datetime | None = None) -> Issued:
    """Mail the signing link to the representative (the mail carries no access code: the
    officer passes it on by phone or in person). Any earlier link stops working."""
    now = now or utcnow()
    if not 1 <= expires_days <= EXPIRY_MAX_DAYS:
        raise SigningError(f"有効期限は1〜{EXPIRY_MAX_DAYS}日で指定してください。")
    resend = any(r.mode == SigningMode.EMAIL for r in agreement.requests)
    issued = _new_request(agreement, actor, SigningMode.EMAIL, email=email, name=name,
                          expires_at=now + timedelta(days=expires_days), now=now)
    _mail_signer(agreement, issued.request, now, reminder=False)
    kind, label = (("resent", "署名依頼を再送（以前のリンクは無効）") if resend
                   else ("sent", "署名依頼を送付"))
    _event(agreement, issued.request, kind, f"{label}：{email}", actor.name, ip, "", now,
           actor=actor, after={"email": email, "expires_at": issued.request.expires_at})
    return issued


def start_in_branch(agreement: SubscriptionAgreement, actor: User, *, name: str,
                    identity_confirmed: bool, ip: str = "",
                    now: datetime | None = None) -> Issued:
    """Signing on the client's own phone in the branch (QR code on the officer's screen).
    The officer confirms the signer's identity in person; the link lives 30 minutes."""
    now = now or utcnow()
    if not identity_confirmed:
        raise SigningError("店頭で署名する場合は、ご本人であることを確認してチェックしてください。")
    issued = _new_request(agreement, actor, SigningMode.IN_BRANCH, name=name,
                          identity_confirmed=True,
                          expires_at=now + timedelta(minutes=IN_BRANCH_MINUTES), now=now)
    _event(agreement, issued.request, "in_branch",
           f"店頭署名を開始（担当 {actor.name} が本人確認）", actor.name, ip, "", now,
           actor=actor, after={"signer": name, "expires_at": issued.request.expires_at})
    return issued


def revoke(request: SigningRequest, actor: User, *, ip: str = "",
           now: datetime | None = None) -> None:
    now = now or utcnow()
    changed = db.session.execute(
        sa.update(SigningRequest).where(SigningRequest.id == request.id,
                                        SigningRequest.status == RequestStatus.ACTIVE)
        .values(status=RequestStatus.REVOKED, version=SigningRequest.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.expire(request)
    if changed != 1:
        raise SigningError("このリンクはすでに使えない状態です。")
    agreement = request.agreement
    _event(agreement, request, "revoked", "署名リンクを取消", actor.name, ip, "", now,
           actor=actor)


def _mail_signer(agreement: SubscriptionAgreement, request: SigningRequest, now: datetime,
                 *, reminder: bool) -> None:
    case = agreement.case
    bank = agreement.bank
    expires = to_jst(request.expires_at).strftime("%Y年%m月%d日 %H:%M")
    lines = [
        f"{agreement.counterparty_name}",
        f"{request.signer_name} 様" if request.signer_name else "ご担当者 様",
        "",
        ("【リマインダー】署名の有効期限が近づいています。" if reminder else ""),
        f"{bank.name} {agreement.branch.name}からご紹介の「Pocket TECH Advisor」"
        f"{agreement.plan_name}プランの利用申込書兼契約書をお送りします。",
        "次のリンクを開き、担当者からお伝えしたアクセスコード（6桁）を入力して、"
        "内容をご確認のうえご署名ください。",
        "",
        tokens.link_placeholder(request.id),
        "",
        f"有効期限：{expires}（日本時間）",
        f"案件番号：{case.case_number}　文書ID：{agreement.document_id}",
        "",
        "アクセスコードはこのメールには記載していません。お手元にない場合は担当者にお問い合わせください。",
        "お心当たりのない場合は、このメールを破棄してください。",
        "",
        "――",
        "このメールは Pocket TECH Advisor desk から自動で送信しています（送信専用）。",
    ]
    subject = ("【リマインダー】" if reminder else "") + \
        f"【ご署名のお願い】利用申込書兼契約書（{case.case_number}）"
    db.session.add(OutgoingMail(
        bank_id=agreement.bank_id, to_address=request.signer_email,
        to_name=request.signer_name[:100], subject=subject[:200],
        body="\n".join(line for line in lines if line is not None) + "\n",
        status=MailStatus.PENDING, next_attempt_at=now, created_at=now))


def remind_due(now: datetime | None = None) -> int:
    """Remind signers whose e-mail link expires within three days, once per link."""
    now = now or utcnow()
    due = db.session.scalars(sa.select(SigningRequest).where(
        SigningRequest.status == RequestStatus.ACTIVE,
        SigningRequest.mode == SigningMode.EMAIL, SigningRequest.reminded_at.is_(None),
        SigningRequest.expires_at > now, SigningRequest.expires_at <= now + REMIND_BEFORE)).all()
    for request in due:
        request.reminded_at = now
        _mail_signer(request.agreement, request, now, reminder=True)
        _event(request.agreement, request, "reminded", "有効期限前のリマインダーを送信", "システム",
               "", "", now)
    db.session.flush()
    return len(due)


# ---------------------------------------------------------------- the signer's side


def find_request(token: str) -> SigningRequest | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(sa.select(SigningRequest)
                             .where(SigningRequest.token_hash == tokens.token_hash(token)))


def contact_officer(request: SigningRequest) -> User:
    """The officer the signer is told to contact: who issued the link, or the case officer
    once that account is closed."""
    officer = request.created_by
    if officer is not None and officer.active:
        return officer
    return request.agreement.case.officer or officer


def contact_text(request: SigningRequest) -> str:
    """「みらい信用金庫 北九州支店（担当 井上 大輔、電話 093…）」: the bank, the branch and the
    officer of the link, with the branch's phone when it has one (never the officer's own
    e-mail or phone)."""
    agreement = request.agreement
    officer = contact_officer(request)
    details = [f"担当 {officer.name}"] if officer is not None and officer.name else []
    phone = format_phone(agreement.branch.phone or "")
    if phone:
        details.append(f"電話 {phone}")
    where = f"{agreement.bank.name} {agreement.branch.name}"
    return f"{where}（{'、'.join(details)}）" if details else where


def unusable_reason(request: SigningRequest | None, now: datetime | None = None) -> str | None:
    """Why this link cannot be used to sign now (None: it can), naming whom to contact."""
    now = now or utcnow()
    if request is None:
        return "このリンクは無効です。メールのリンクをそのまま開いてください。"
    if request.status == RequestStatus.USED:
        return "このリンクはすでに使用されました。"
    contact = contact_text(request)
    if request.status == RequestStatus.SUPERSEDED:
        return ("このリンクは、新しいご案内の送付により無効になりました。"
                f"最新のメールをご確認ください。ご不明な点は{contact}にお問い合わせください。")
    if request.status == RequestStatus.REVOKED:
        return f"このリンクは取り消されました。{contact}にお問い合わせください。"
    if request.status == RequestStatus.LOCKED:
        return ("アクセスコードの誤りが続いたため、このリンクはロックされました。"
                f"{contact}にお問い合わせください。")
    if request.expires_at <= now:
        return f"このリンクは有効期限が切れています。{contact}に再送を依頼してください。"
    status = request.agreement.status
    if status in (AgreementStatus.AGREED, AgreementStatus.SIGNED):
        return "この契約書はすでに手続きが完了しています。"  # e.g. the other of two taps
    if status == AgreementStatus.DECLINED:
        return "この契約書はすでに辞退の手続きが完了しています。"
    if status != AgreementStatus.SENT:
        return f"この契約書は現在署名できません。{contact}にお問い合わせください。"
    return None


def _try_code(request: SigningRequest, code: str,
              status: RequestStatus) -> tuple[int | None, bool]:
    """Count one attempt on a link in `status` with fewer than MAX_CODE_ATTEMPTS wrong codes
    (one conditional UPDATE, holding the row until the caller commits), then compare the
    code; a right code gives its attempt back. (None, False): not counted, not compared."""
    attempts = db.session.execute(
        sa.update(SigningRequest)
        .where(SigningRequest.id == request.id, SigningRequest.status == status,
               SigningRequest.failed_attempts < MAX_CODE_ATTEMPTS)
        .values(failed_attempts=SigningRequest.failed_attempts + 1)
        .returning(SigningRequest.failed_attempts)).scalar()
    db.session.expire(request)
    if attempts is None:
        return None, False
    if not tokens.code_matches(request.access_code_hash, code):
        return attempts, False
    db.session.execute(sa.update(SigningRequest).where(SigningRequest.id == request.id)
                       .values(failed_attempts=SigningRequest.failed_attempts - 1))
    db.session.expire(request)
    return attempts - 1, True


def check_access_code(request: SigningRequest, code: str, *, ip: str, user_agent: str,
                      now: datetime | None = None) -> bool:
    """True if the code is right. The attempt is counted before the code is compared (one
    conditional UPDATE, which holds the row until the caller commits), so parallel guesses
    cannot test more than MAX_CODE_ATTEMPTS codes; a right code gives its attempt back. The
    fifth wrong code locks the link and tells the officer."""
    now = now or utcnow()
    agreement = request.agreement
    attempts, right = _try_code(request, code, RequestStatus.ACTIVE)
    if attempts is None:  # locked (or used) meanwhile: nothing compared
        return False
    if right:
        _event(agreement, request, "code_ok", "アクセスコードで本人確認", addressee_label(request),
               ip, user_agent, now)
        return True
    _event(agreement, request, "code_failed", "アクセスコードの誤り", "", ip, user_agent, now)
    if attempts >= MAX_CODE_ATTEMPTS:
        db.session.execute(sa.update(SigningRequest)
                           .where(SigningRequest.id == request.id,
                                  SigningRequest.status == RequestStatus.ACTIVE)
                           .values(status=RequestStatus.LOCKED,
                                   version=SigningRequest.version + 1))
        db.session.expire(request)
        _event(agreement, request, "locked",
               f"アクセスコードの誤りが{MAX_CODE_ATTEMPTS}回続いたためロック",
               "", ip, user_agent, now)
        notify([request.created_by], bank_id=agreement.bank_id, now=now,
               link=f"/cases/{agreement.case_id}#signing",
               subject=f"【署名リンクのロック】{agreement.case.case_number}",
               message=f"{agreement.case.case_number} {agreement.counterparty_name} "
                       "の署名リンクが、"
                       f"アクセスコードの誤りが{MAX_CODE_ATTEMPTS}回続いたためロックされました。"
                       "ご本人に確認のうえ、再送してください。")
    db.session.flush()
    return False


def download_locked(request: SigningRequest) -> bool:
    """A used link whose signed-PDF download by access code was stopped after
    MAX_CODE_ATTEMPTS wrong codes (the browser that signed still downloads; so does the
    officer, on the case page)."""
    return (request.status == RequestStatus.USED
            and request.failed_attempts >= MAX_CODE_ATTEMPTS)


def download_locked_text(request: SigningRequest) -> str:
    return ("アクセスコードの誤りが続いたため、このリンクからの署名済み契約書のダウンロードを"
            f"停止しました。署名済みの契約書は、{contact_text(request)}からお受け取りください。")


def check_download_code(request: SigningRequest, code: str, *, ip: str, user_agent: str,
                        now: datetime | None = None) -> bool | None:
    """After signing, another browser asks for the access code to download the sealed PDF.
    True: the right code; False: wrong; None: refused unchecked, the download is locked.

    The attempt is counted before the code is compared (one conditional UPDATE on the used
    link, which also holds the row until the caller commits), so parallel guesses cannot
    test more than MAX_CODE_ATTEMPTS codes; a right code gives its attempt back. The
    attempt that reaches the limit locks the download and tells the officer, once."""
    now = now or utcnow()
    agreement = request.agreement
    attempts, right = _try_code(request, code, RequestStatus.USED)
    if attempts is None:
        return None
    if right:
        _event(agreement, request, "code_ok",
               "署名済み契約書のダウンロードのため、アクセスコードで本人確認",
               addressee_label(request), ip, user_agent, now)
        db.session.flush()
        return True
    _event(agreement, request, "code_failed",
           "アクセスコードの誤り（署名済み契約書のダウンロード）", "", ip, user_agent, now)
    if attempts >= MAX_CODE_ATTEMPTS:
        _event(agreement, request, "download_locked",
               f"アクセスコードの誤りが{MAX_CODE_ATTEMPTS}回続いたため、"
               "署名済み契約書のダウンロードを停止", "", ip, user_agent, now)
        notify([request.created_by, agreement.case.officer], bank_id=agreement.bank_id,
               now=now, link=f"/cases/{agreement.case_id}#signing",
               subject=f"【ダウンロードの停止】{agreement.case.case_number}",
               message=f"{agreement.case.case_number} {agreement.counterparty_name} "
                       "の署名済みリンクで、署名済み契約書のダウンロードのための"
                       f"アクセスコードの誤りが{MAX_CODE_ATTEMPTS}回続いたため、"
                       "このリンクからのダウンロードを停止しました。お客さまからお問い合わせが"
                       "あれば、案件画面から署名済みの契約書をお渡しください。")
    db.session.flush()
    return False


def record_view(request: SigningRequest, *, ip: str, user_agent: str,
                now: datetime | None = None) -> None:
    if not any(e.kind == "viewed" and e.request_id == request.id
               for e in request.agreement.events):
        _event(request.agreement, request, "viewed", "契約書を表示", addressee_label(request),
               ip, user_agent, now or utcnow())
        db.session.flush()


def _claim(request: SigningRequest) -> None:
    """ACTIVE → USED with one conditional UPDATE: the second of two clicks gets an error."""
    changed = db.session.execute(
        sa.update(SigningRequest)
        .where(SigningRequest.id == request.id, SigningRequest.status == RequestStatus.ACTIVE)
        # the wrong codes before signing are in the events; the download after signing
        # (check_download_code) gets its own MAX_CODE_ATTEMPTS
        .values(status=RequestStatus.USED, version=SigningRequest.version + 1,
                failed_attempts=0)
        .execution_options(synchronize_session=False)).rowcount
    db.session.expire(request)
    if changed != 1:
        raise SigningError("この契約書はすでに手続きが完了しています。")


def validate_signer(form: dict) -> tuple[dict, dict[str, str]]:
    errors = {}
    values = {}
    for field, label, limit, hint in (
            ("signer_name", "お名前", 100, ""), ("signer_title", "役職", 50, "（例：代表取締役）")):
        try:
            values[field] = refuse_symbols(" ".join(clean_text(
                form.get(field) or "", max_length=limit, label=label).split()), label)
        except JapanInputError as exc:
            values[field] = form.get(field) or ""
            errors[field] = str(exc).replace("を入力してください。", f"を入力してください{hint}。")
    missing = [k for k in CONFIRMATIONS if not form.get(f"confirm_{k}")]
    if missing:
        errors["confirm"] = "確認事項にすべてチェックしてください。"
    return values, errors


def agree(request: SigningRequest, *, signer_name: str, signer_title: str, ip: str,
          user_agent: str, now: datetime | None = None) -> SubscriptionAgreement:
    """The signer agrees: claim the link, record who and how. The caller commits, then
    seals (seal + store_sealed) outside this transaction."""
    now = now or utcnow()
    reason = unusable_reason(request, now)
    if reason:
        raise SigningError(reason)
    agreement = request.agreement
    _claim(request)
    changed = db.session.execute(
        sa.update(SubscriptionAgreement)
        .where(SubscriptionAgreement.id == agreement.id,
               SubscriptionAgreement.status == AgreementStatus.SENT)
        .values(status=AgreementStatus.AGREED, signer_name=signer_name,
                signer_title=signer_title, signer_email=request.signer_email)
        .execution_options(synchronize_session=False)).rowcount
    db.session.expire(agreement)
    if changed != 1:
        raise SigningError("この契約書はすでに手続きが完了しています。")
    label = f"契約内容に同意（{signer_title} {signer_name}）"
    other = other_than_addressee(request, signer_name)
    if other:
        label += f"※{other}と異なる氏名"
    _event(agreement, request, "agreed", label, signer_name, ip, user_agent, now,
           after={"signer": signer_name, "title": signer_title, "mode": request.mode,
                  "addressee": request.signer_name, "addressee_differs": bool(other)})
    db.session.flush()
    return agreement


def decline(request: SigningRequest, *, reason: str, ip: str, user_agent: str,
            now: datetime | None = None) -> SubscriptionAgreement:
    now = now or utcnow()
    if not (reason or "").strip():
        raise SigningError("お手数ですが、辞退の理由をご記入ください。")
    try:
        reason = clean_text(reason, max_length=2000, multiline=True, label="辞退の理由")
    except JapanInputError as exc:
        raise SigningError(str(exc)) from None
    problem = unusable_reason(request, now)
    if problem:
        raise SigningError(problem)
    agreement = request.agreement
    _claim(request)
    agreement.status = AgreementStatus.DECLINED
    agreement.declined_reason = reason[:2000]
    _event(agreement, request, "declined", f"辞退（理由：{reason[:120]}）",
           addressee_label(request), ip, user_agent, now, after={"reason": reason})
    notify([request.created_by], bank_id=agreement.bank_id, now=now,
           link=f"/cases/{agreement.case_id}#signing",
           subject=f"【辞退】{agreement.case.case_number} {agreement.counterparty_name}",
           message=f"{agreement.case.case_number} {agreement.counterparty_name} "
                   "の契約が辞退されました。"
                   f"理由：{reason[:100]}")
    db.session.flush()
    return agreement


def addressee_role(request: SigningRequest) -> str:
    """Who the link was meant for: the addressee of the mail, or the person whose identity
    the officer confirmed in the branch."""
    return "店頭で本人確認した方" if request.mode == SigningMode.IN_BRANCH else "署名依頼の宛先"


def addressee_label(request: SigningRequest) -> str:
    """The actor of the steps before the signer gives a name (code, viewing, declining):
    the link's holder, named as addressed, not yet as the signer."""
    if request.mode == SigningMode.IN_BRANCH:
        return request.signer_name
    return f"{request.signer_name}（宛先）" if request.signer_name else "宛先"


def other_than_addressee(request: SigningRequest, signer_name: str) -> str:
    """「署名依頼の宛先（重松 千代子 様）」 when someone other than the addressee signs
    (spaces, width and variants such as 𠮷/吉 and 髙/高 do not count as different); "" when
    the same person or nobody was named."""
    if request.signer_name and search_key(request.signer_name) != search_key(signer_name):
        return f"{addressee_role(request)}（{request.signer_name} 様）"
    return ""


def signed_by_other_than_addressee(agreement: SubscriptionAgreement) -> str:
    """other_than_addressee() for a signed agreement and the link it was signed through."""
    used = next((r for r in agreement.requests if r.status == RequestStatus.USED), None)
    if used is None or not agreement.signer_name:
        return ""
    return other_than_addressee(used, agreement.signer_name)


def authentication_text(request: SigningRequest) -> str:
    if request.mode == SigningMode.IN_BRANCH:
        officer = request.identity_confirmed_by.name if request.identity_confirmed_by else ""
        return f"店頭での本人確認（確認者：担当 {officer}）"
    return f"メールのリンク（{request.signer_email}）＋アクセスコード（担当者から別経路で通知）"


def seal(agreement: SubscriptionAgreement, request: SigningRequest, *,
         now: datetime | None = None) -> bytes:
    """The agreement as sent with the signer printed in its signer fields, the certificate
    page appended, sealed with the platform's key. Reads only (no database writes)."""
    from app.signing.documents import (
        agreed_event,
        append_pages,
        fill_signer_block,
        render_certificate,
        signing_method,
    )
    from app.signing.keys import load_signer
    from app.signing.seal import seal_pdf, stamp_lines

    now = now or utcnow()
    signer = load_signer(current_app.config, current_app.instance_path)
    confirmed_by = request.identity_confirmed_by
    certificate = render_certificate(
        agreement, list(agreement.events),
        signer={"name": agreement.signer_name, "title": agreement.signer_title,
                "email": agreement.signer_email, "addressee": request.signer_name,
                "addressee_role": addressee_role(request),
                "addressee_differs": bool(other_than_addressee(request,
                                                               agreement.signer_name))},
        auth={"mode": request.mode, "text": authentication_text(request),
              "confirmed_by": confirmed_by.name if confirmed_by else ""},
        sealed_at=now, seal_subject=signer.subject, seal_fingerprint=signer.fingerprint)
    agreed = agreed_event(list(agreement.events))
    signed = fill_signer_block(agreement.pdf, name=agreement.signer_name,
                               title=agreement.signer_title,
                               agreed_at=agreed.at if agreed else now,
                               method=signing_method(request.mode))
    return seal_pdf(append_pages(signed, certificate), signer=signer,
                    stamp_lines=stamp_lines(agreement.document_id, now), signed_at=now)


def seal_and_store(agreement: SubscriptionAgreement, request: SigningRequest, *,
                   now: datetime | None = None) -> Subscription:
    """seal() then store_sealed() at one moment: the certificate page, the stamp, the
    signature's signing time and the audit row show the same second."""
    now = now or utcnow()  # every place prints it to the second
    return store_sealed(agreement, seal(agreement, request, now=now), now=now)


def store_sealed(agreement: SubscriptionAgreement, signed_pdf: bytes, *,
                 now: datetime | None = None) -> Subscription:
    """Keep the sealed PDF as issued, start the subscription, close the case."""
    now = now or utcnow()
    if agreement.status != AgreementStatus.AGREED:
        raise SigningError("封緘できる状態ではありません。")
    agreement.signed_pdf = signed_pdf
    agreement.signed_sha256 = hashlib.sha256(signed_pdf).hexdigest()
    agreement.signed_at = now
    agreement.signed_on = today_jst(now)
    agreement.status = AgreementStatus.SIGNED
    case = agreement.case
    case.status = CaseStatus.SIGNED
    subscription = Subscription(
        case_id=case.id, agreement_id=agreement.id, bank_id=agreement.bank_id,
        branch_id=agreement.branch_id, client_id=agreement.client_id,
        plan_code=agreement.plan_code, monthly_fee=agreement.monthly_fee,
        starts_on=agreement.starts_on, created_at=now)
    db.session.add(subscription)
    _event(agreement, None, "sealed", "運営者シールによる電子署名（封緘）", "システム", "", "", now,
           after={"signed_sha256": agreement.signed_sha256, "starts_on": agreement.starts_on})
    message = (f"{case.case_number} {agreement.counterparty_name} の利用申込書兼契約書が"
               f"締結されました（{agreement.signer_title} {agreement.signer_name} 様）。")
    other = signed_by_other_than_addressee(agreement)
    if other:
        message += f"{other}と異なる方が署名しています。署名の権限をご確認ください。"
    notify([agreement.created_by], bank_id=agreement.bank_id, now=now,
           link=f"/cases/{case.id}#signing",
           subject=f"【締結】{case.case_number} {agreement.counterparty_name}",
           message=message)
    db.session.flush()
    return subscription
