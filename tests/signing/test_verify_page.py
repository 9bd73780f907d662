"""The public verification page (/verify): the sealed PDF is valid and matches the document
we issued; one changed byte makes it fail; bad uploads are 422; an anonymous visitor sees
no amounts."""
import io

import pytest

from app.extensions import db
from app.signing.verify import jst_text
from tests.signing.signer_world import (
    approved_case,
    csrf_of,
    make_officer,
    send,
    setup_world,
    sign_for_real,
)


@pytest.fixture
def signed(app_ctx):
    plans = setup_world()
    officer = make_officer()
    case = approved_case("A08", officer, plans["standard"])
    db.session.commit()
    return sign_for_real(send(case, officer))


def upload(client, data: bytes, name: str = "keiyaku.pdf"):
    token = csrf_of(client.get("/verify/").text)
    return client.post("/verify/", data={"csrf_token": token,
                                         "pdf": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_form_is_public(client, app_ctx):
    response = client.get("/verify/")
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text and 'type="file"' in response.text
    assert "mainnav" not in response.text and 'name="viewport"' in response.text


def test_sealed_pdf_is_valid_and_ours(client, signed):
    response = upload(client, signed.signed_pdf)
    html = response.text
    assert response.status_code == 200
    assert "verdict-valid" in html and ">有効<" in html
    assert "署名は改ざんされていません。" in html
    assert "ファイル全体が署名の対象です。" in html
    assert "署名の証明書は信頼できる発行元のものです。" in html
    assert "当サービスの運営者シールです。" in html
    assert "当サービスが発行した文書と一致します" in html
    assert signed.document_id in html and signed.counterparty_name in html
    assert signed.signed_sha256 in html
    assert "締結日時" in html and jst_text(signed.signed_at) in html
    # The seal's holder in Japanese order, not the certificate library's English labels.
    assert "署名者 Pocket TECH Advisor 電子契約 運営者シール（Pocket TECH Advisor, JP）" in html
    assert "Common Name" not in html and "Organization:" not in html
    # Nothing more about the deal for an anonymous visitor: no amounts, no case number.
    assert "¥" not in html and "円" not in html
    assert signed.case.case_number not in html


@pytest.mark.parametrize("where", [0.25, 0.5, "signature"])
def test_one_changed_byte_is_not_valid(client, signed, where):
    data = bytearray(signed.signed_pdf)
    if where == "signature":
        position = data.index(b"/Contents <") + len(b"/Contents <") + 200  # inside the seal
    else:
        position = int(len(data) * where)
    data[position] = ord("0") if data[position] != ord("0") else ord("1")
    response = upload(client, bytes(data))
    assert response.status_code == 200
    assert "verdict-valid" not in response.text
    assert "verdict-tampered" in response.text and "改ざんの可能性" in response.text
    assert "当サービスが発行した文書と一致します" not in response.text
    if where != "signature":  # (a byte in the seal's unsigned parts: the seal still holds)
        # No green ✓ next to 「改ざんの可能性」 saying the seal is ours.
        assert "当サービスの運営者シールです。" not in response.text


def test_unsigned_agreement_is_not_valid_but_recognised(client, signed):
    response = upload(client, signed.pdf)
    assert "verdict-invalid" in response.text and "電子署名がありません。" in response.text
    assert "送付した署名前の文書と一致します" in response.text
    # A file that was never signed has no date of signing (the agreement was signed later).
    assert "未締結（送付時の署名前の文書です）" in response.text
    assert "締結日時" not in response.text and jst_text(signed.signed_at) not in response.text


@pytest.mark.parametrize("data, name, message", [
    (b"", "empty.pdf", "PDFファイルを選んでください"),
    (b"hello, not a pdf", "memo.txt", "PDFファイルではありません"),
])
def test_bad_upload_is_422(client, app_ctx, data, name, message):
    response = upload(client, data, name)
    assert response.status_code == 422 and message in response.text
    assert 'type="file"' in response.text


def test_missing_file_is_422(client, app_ctx):
    token = csrf_of(client.get("/verify/").text)
    response = client.post("/verify/", data={"csrf_token": token})
    assert response.status_code == 422 and "PDFファイルを選んでください" in response.text


def test_too_large_upload_is_refused_on_the_page(app, client, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = upload(client, b"%PDF-1.7\n" + b"0" * 5000)
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.text and 'type="file"' in response.text


def test_lost_session_shows_the_form_again(client, app_ctx):
    response = client.post("/verify/", data={"pdf": (io.BytesIO(b"%PDF-1.7"), "a.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "画面の有効期限が切れました" in response.text and 'type="file"' in response.text
