"""Verification of an uploaded PDF: our intact seal over the whole file passes; one changed
byte anywhere, bytes appended, a later incremental update, a foreign CA, our certificate with
another key, and garbage all fail with a Japanese explanation, never an exception; issued
documents are found by SHA-256; `flask signing verify` prints the same as JSON."""
import hashlib
import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from pypdf import PdfReader, PdfWriter

from app.extensions import db
from app.models import SubscriptionAgreement
from app.signing.keys import SealSigner, load_signer
from app.signing.seal import seal_pdf, stamp_lines
from app.signing.verify import MAX_BYTES, lookup_issued, subject_text, verify_pdf
from tests.proposal_cases import import_acceptance_advisors, make_case
from tests.signing.pdfsig import japanese_pdf, pdfsig

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
LINES = stamp_lines("AGR-2026-000123", NOW)
SEAL_TEXT = "Pocket TECH Advisor 電子契約 運営者シール（Pocket TECH Advisor, JP）"


@pytest.fixture(scope="module")
def seal(app) -> SealSigner:
    return load_signer(app.config, app.instance_path)


@pytest.fixture(scope="module")
def foreign(tmp_path_factory) -> SealSigner:
    """Another installation's development CA: the same names, other keys."""
    return load_signer({"TESTING": True}, tmp_path_factory.mktemp("foreign"))


@pytest.fixture(scope="module")
def unsigned(app) -> bytes:
    with app.app_context():
        return japanese_pdf(pages=2)


@pytest.fixture(scope="module")
def sealed(seal, unsigned) -> bytes:
    return seal_pdf(unsigned, signer=seal, stamp_lines=LINES)


def check(pdf: bytes, seal: SealSigner, **kwargs):
    result = verify_pdf(pdf, trust_roots=seal.trust_roots,
                        seal_fingerprints=seal.known_fingerprints, **kwargs)
    json.dumps(asdict(result), ensure_ascii=False)  # what the CLI prints
    assert result.verdict and result.summary
    return result


def texts(result) -> list[str]:
    return [line.text for line in result.summary]


def flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def byte_range(pdf: bytes) -> list[int]:
    sig = PdfReader(BytesIO(pdf)).get_fields()["PlatformSeal"]["/V"]
    return [int(n) for n in sig["/ByteRange"]]


def test_our_intact_seal_passes(seal, sealed):
    r = check(sealed, seal)
    assert r.ok and r.is_pdf and r.signature_found and r.signature_count == 1
    assert r.intact and r.valid and r.covers_whole_file and r.trusted and r.signed_by_us
    assert r.field_name == "PlatformSeal" and "運営者シール" in r.signer_subject
    # In Japanese order, without the library's English labels (kept in the raw subject).
    assert r.signer_subject == SEAL_TEXT
    assert f"署名者 {SEAL_TEXT}" in texts(r)
    assert "Common Name" not in " ".join(texts(r))
    assert "Common Name: Pocket TECH Advisor 電子契約 運営者シール" in r.signer_subject_raw
    assert r.signer_fingerprint == seal.fingerprint
    assert r.signing_time.endswith(" JST") and r.signing_time_source == "server_clock"
    assert r.sha256 == hashlib.sha256(sealed).hexdigest()
    assert texts(r)[:4] == ["署名は改ざんされていません。", "ファイル全体が署名の対象です。",
                            "署名の証明書は信頼できる発行元のものです。",
                            "当サービスの運営者シールです。"]
    assert [line.ok for line in r.summary[:4]] == [True] * 4
    assert r.verdict == "当サービスの運営者シールは有効です。"


@pytest.mark.parametrize("where", ["header", "document", "after the signature", "end"])
def test_one_changed_signed_byte_fails(seal, sealed, where):
    _, len1, start2, len2 = byte_range(sealed)
    assert start2 + len2 == len(sealed)
    position = {"header": 10, "document": len1 // 2,
                "after the signature": start2 + len2 // 2, "end": len(sealed) - 3}[where]
    tampered = flip(sealed, position)
    r = check(tampered, seal)
    assert not r.ok and not r.intact
    assert "署名は改ざんされていません。" not in texts(r)
    independent = pdfsig(tampered, seal.trust_roots_pem())
    assert not independent.valid, independent.output


def test_a_changed_byte_in_the_unsigned_padding_fails(seal, sealed):
    """The zero padding after the signature is outside the signed bytes: pyHanko and pdfsig
    still call the signature valid, but the file is not the one we sealed."""
    _, len1, start2, _ = byte_range(sealed)
    assert sealed[start2 - 2:start2] == b"0>"
    r = check(flip(sealed, start2 - 2), seal)
    assert r.intact and r.valid and not r.covers_whole_file and not r.ok
    assert "署名の後にファイルへ追記・変更があります（署名の対象外の部分があります）。" in texts(r)

    gap = sealed[len1:start2]
    letter = next(i for i, c in enumerate(gap) if c in b"ABCDEF")
    recased = sealed[:len1 + letter] + gap[letter:letter + 1].lower() + sealed[len1 + letter + 1:]
    r = check(recased, seal)
    assert r.intact and not r.covers_whole_file and not r.ok


@pytest.mark.parametrize("extra", [b"\n", b"% appended\n", b"\n1 0 obj\n<<>>\nendobj\n%%EOF\n"])
def test_bytes_appended_after_eof_fail(seal, sealed, extra, tmp_path):
    appended = sealed + extra
    r = check(appended, seal)
    assert not r.covers_whole_file and not r.ok
    if r.readable:
        assert r.intact and r.verdict == "署名の後にファイルが変更されています。"
    else:  # an object without a cross-reference section: pyHanko cannot read the file
        assert extra.endswith(b"%%EOF\n") and "構造が壊れている" in r.verdict
    assert not pdfsig(appended, seal.trust_roots_pem()).total_document


def test_an_update_signed_after_our_seal_fails(seal, foreign, sealed):
    later = seal_pdf(sealed, signer=foreign, stamp_lines=["追記"], field_name="Later",
                     box=(40, 40, 200, 90))
    r = check(later, seal)
    assert r.signature_count == 2 and r.field_name == "PlatformSeal"  # ours is reported
    assert r.signed_by_us and r.intact and not r.covers_whole_file and not r.ok


def test_a_foreign_ca_is_intact_but_not_trusted_nor_ours(seal, foreign, unsigned):
    theirs = seal_pdf(unsigned, signer=foreign, stamp_lines=LINES)
    r = check(theirs, seal)
    assert r.intact and r.valid and r.covers_whole_file
    assert not r.trusted and not r.signed_by_us and not r.ok
    assert "運営者シール" in r.signer_subject  # the same name proves nothing
    assert r.verdict == "署名は改ざんされていませんが、信頼できる証明書による署名ではありません。"
    assert "当サービスの運営者シールではありません。" in texts(r)

    trusting_both = verify_pdf(theirs, trust_roots=seal.trust_roots + foreign.trust_roots,
                               seal_fingerprints=seal.known_fingerprints)
    assert trusting_both.trusted and not trusting_both.signed_by_us and not trusting_both.ok
    assert trusting_both.verdict == "署名は有効ですが、当サービスの運営者シールではありません。"


def test_our_certificate_with_another_key_is_not_our_seal(seal, foreign, unsigned):
    from pyhanko.sign.signers import SimpleSigner

    impostor = SimpleSigner(signing_cert=seal.certificate,
                            signing_key=foreign.signer.signing_key,
                            cert_registry=seal.signer.cert_registry)
    fake = SealSigner(signer=impostor, certificate=seal.certificate, trust_roots=(),
                      fingerprint=seal.fingerprint, known_fingerprints=())
    r = check(seal_pdf(unsigned, signer=fake, stamp_lines=LINES), seal)
    assert not r.valid and not r.signed_by_us and not r.ok


def encrypted(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    writer.encrypt("secret", algorithm="AES-128")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["empty", "text", "png", "pdf header only", "truncated",
                                  "unsigned", "encrypted", "huge"])
def test_garbage_gives_a_clean_japanese_result(seal, sealed, unsigned, name):
    data = {"empty": b"", "text": "請求書です".encode(), "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
            "pdf header only": b"%PDF-1.7\n" + bytes(range(256)) * 8,
            "truncated": sealed[:len(sealed) // 2], "unsigned": unsigned,
            "encrypted": encrypted(sealed), "huge": b"%PDF-1.7\n" + b"0" * MAX_BYTES}[name]
    r = check(data, seal)
    assert not r.ok and not r.signed_by_us
    expected = {"empty": "ファイルが空です。", "text": "PDFファイルではありません。",
                "png": "PDFファイルではありません。", "unsigned": "電子署名がありません。",
                "encrypted": "暗号化（パスワード保護）されたPDFは検証できません。",
                "huge": "ファイルが大きすぎます（上限 30 MB）。"}
    if name in expected:
        assert r.verdict == expected[name]
    else:
        assert "検証できません" in r.verdict or r.verdict == "電子署名がありません。"


def test_issued_documents_are_found_by_hash(seal, sealed):
    issued = {hashlib.sha256(sealed).hexdigest(): {"document_id": "AGR-2026-000123"}}
    r = check(sealed, seal, known_hashes=issued.get)
    assert r.ok and r.document == {"document_id": "AGR-2026-000123"}
    assert "当サービスが発行した文書と一致します（文書ID AGR-2026-000123）。" in texts(r)
    assert r.verdict == "当サービスの運営者シールが付いた、発行時のままの文書です。"

    r = check(sealed + b"\n", seal, known_hashes=issued.get)
    assert r.document is None and "当サービスが発行した文書の記録と一致しません。" in texts(r)


def test_a_failing_lookup_leaves_the_seal_check(seal, sealed, caplog):
    def broken(_sha256):
        raise RuntimeError("database down")

    r = check(sealed, seal, known_hashes=broken)
    # The seal itself checks out, but without the record the file is not confirmed.
    assert r.intact and r.valid and r.signed_by_us and r.document is None
    assert not r.ok
    assert "looking up issued documents failed" in caplog.text


def save_agreement(sent: bytes, sealed: bytes) -> SubscriptionAgreement:
    import_acceptance_advisors()
    case = make_case("A01")
    agreement = SubscriptionAgreement(
        document_id="AGR-2026-000123", case_id=case.id, bank_id=case.bank_id,
        branch_id=case.branch_id, client_id=case.client_id, version=1, plan_code="standard",
        plan_name="スタンダード", monthly_fee=30000, tax_rate_percent=10, annual_total=396000,
        starts_on=date(2027, 1, 1), term_months=12, notice_days=30,
        counterparty_name=case.client.name, pdf=sent, sha256=hashlib.sha256(sent).hexdigest(),
        signed_pdf=sealed, signed_sha256=hashlib.sha256(sealed).hexdigest(), signed_at=NOW,
        created_by_id=case.officer_id)
    db.session.add(agreement)
    db.session.commit()
    return agreement


def test_cli_prints_the_result_as_json(app, unsigned, sealed, tmp_path):
    with app.app_context():
        agreement = save_agreement(unsigned, sealed)
        case_number, counterparty = agreement.case.case_number, agreement.counterparty_name
        assert lookup_issued(agreement.signed_sha256) == {
            "document_id": "AGR-2026-000123", "case_number": case_number,
            "counterparty": counterparty, "signed": True, "signed_at": "2026年12月3日 18:30:00 JST"}
        assert lookup_issued(agreement.sha256)["signed"] is False
        # The agreement as sent was never signed itself: no date of signing next to it.
        assert lookup_issued(agreement.sha256)["signed_at"] == ""
        assert lookup_issued("0" * 64) is None

    runner = app.test_cli_runner()

    def run(data: bytes):
        path = tmp_path / "upload.pdf"
        path.write_bytes(data)
        outcome = runner.invoke(args=["signing", "verify", str(path)])
        return outcome.exit_code, json.loads(outcome.stdout)

    code, out = run(sealed)
    assert code == 0 and out["ok"] is True and out["signed_by_us"] is True
    assert out["signer_subject"].endswith("運営者シール（Pocket TECH Advisor, JP）")
    assert "Organization: Pocket TECH Advisor" in out["signer_subject_raw"]
    assert out["document"]["document_id"] == "AGR-2026-000123"
    assert "当サービスの運営者シールです。" in [line["text"] for line in out["summary"]]

    code, out = run(flip(sealed, len(sealed) // 3))
    assert code == 1 and out["ok"] is False and out["document"] is None

    code, out = run(sealed + b"\n")
    assert code == 1 and out["covers_whole_file"] is False

    # One byte inside the signature's own data (the certificates it carries are not covered
    # by the signature): the seal may still check out, but the file is not the one issued.
    inside = sealed.index(b"/Contents <") + len(b"/Contents <") + 200
    code, out = run(flip(sealed, inside))
    assert code == 1 and out["ok"] is False and out["document"] is None

    code, out = run(unsigned)  # the agreement as sent: ours, but not signed
    assert code == 1 and out["signature_found"] is False and out["document"]["signed"] is False
    assert "当サービスが送付した署名前の文書と一致します（文書ID AGR-2026-000123）。" in [
        line["text"] for line in out["summary"]]


@pytest.mark.parametrize("fields, text", [
    ({"country_name": "JP", "organization_name": "Pocket TECH Advisor",
      "common_name": "Pocket TECH Advisor 電子契約 運営者シール"},
     "Pocket TECH Advisor 電子契約 運営者シール（Pocket TECH Advisor, JP）"),
    ({"common_name": "運営者シール"}, "運営者シール"),
    ({"country_name": "JP", "organization_name": "Example CA"}, "Example CA（JP）"),
    ({"country_name": "JP", "organization_name": "みらい信用金庫",
      "organizational_unit_name": "事務部", "common_name": "テスト"},
     "テスト（みらい信用金庫, 事務部, JP）"),
])
def test_subject_text_is_in_japanese_order(fields, text):
    assert subject_text(asn1_x509.Name.build(fields)) == text
