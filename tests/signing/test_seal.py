"""The platform seal: development keys made once (also when several start at once),
production key files, a PAdES seal that pyHanko and poppler's pdfsig accept (trusted only
with our CA), a readable Japanese stamp, an RFC 3161 timestamp from a loopback server."""
import http.server
import stat
import threading
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from app.signing import keys
from app.signing.keys import SigningKeyError, load_signer
from app.signing.seal import SEAL_BOX, seal_pdf, stamp_lines
from app.signing.verify import verify_pdf
from tests.documents.pdftools import text
from tests.signing.pdfsig import dark_pixels, japanese_pdf, pdfsig, rasterise

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # 18:30 JST
LINES = stamp_lines("AGR-2026-000123", NOW)
DEV_FILES = {"ca.pem", "ca-key.pem", "seal.pem", "seal-key.pem"}


@pytest.fixture(scope="module")
def seal(app):
    return load_signer(app.config, app.instance_path)


@pytest.fixture(scope="module")
def three_pages(app):
    with app.app_context():
        return japanese_pdf(pages=3)


@pytest.fixture(scope="module")
def sealed(seal, three_pages):
    return seal_pdf(three_pages, signer=seal, stamp_lines=LINES)


def pyhanko_status(pdf: bytes, roots):
    signatures = PdfFileReader(BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1
    return validate_pdf_signature(signatures[0], ValidationContext(trust_roots=list(roots)))


def seal_widget(pdf: bytes) -> tuple[int, dict]:
    """(page index, widget annotation) of the one signature field."""
    found = [(n, a.get_object()) for n, page in enumerate(PdfReader(BytesIO(pdf)).pages)
             for a in page.get("/Annots") or [] if a.get_object().get("/FT") == "/Sig"]
    assert len(found) == 1
    return found[0]


def appearance_fonts(widget) -> list:
    """The fonts used by the widget's appearance stream (nested form XObjects included)."""
    fonts, todo = [], [widget["/AP"]["/N"].get_object()]
    while todo:
        resources = (todo.pop().get("/Resources") or {})
        resources = resources.get_object() if hasattr(resources, "get_object") else resources
        fonts += [f.get_object() for f in (resources.get("/Font") or {}).values()]
        todo += [x.get_object() for x in (resources.get("/XObject") or {}).values()]
    return fonts


def test_stamp_lines_print_the_jst_time_and_document_id():
    assert LINES == ["電子署名済　Pocket TECH Advisor 運営者シール",
                     "署名日時　2026年12月3日 18:30 JST", "文書ID　AGR-2026-000123"]


def test_seal_appends_a_pades_signature_that_pyhanko_trusts_with_our_ca(seal, sealed,
                                                                        three_pages):
    assert sealed.startswith(three_pages)  # incremental: the document's bytes are kept
    status = pyhanko_status(sealed, seal.trust_roots)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.md_algorithm == "sha256"
    assert keys.fingerprint(status.signing_cert) == seal.fingerprint
    signature = PdfFileReader(BytesIO(sealed)).embedded_signatures[0]
    assert signature.field_name == "PlatformSeal"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert "Pocket TECH Advisor" in signature.sig_object["/Reason"]

    untrusted = pyhanko_status(sealed, [])
    assert untrusted.intact and untrusted.valid and not untrusted.trusted


def test_pdfsig_says_valid_and_trusted_only_with_our_ca(seal, sealed, tmp_path):
    with_ca = pdfsig(sealed, seal.trust_roots_pem())
    assert with_ca.signatures == 1
    assert with_ca.valid and with_ca.trusted and with_ca.total_document, with_ca.output
    assert "運営者シール" in with_ca.output

    without = pdfsig(sealed)
    assert without.valid and not without.trusted, without.output

    other_ca = load_signer({"TESTING": True}, tmp_path)  # same names, another key
    foreign = pdfsig(sealed, other_ca.trust_roots_pem())
    assert foreign.valid and not foreign.trusted, foreign.output


def test_stamp_is_on_the_last_page_in_the_seal_box(sealed):
    page, widget = seal_widget(sealed)
    assert page == 2
    assert [round(float(v)) for v in widget["/Rect"]] == list(SEAL_BOX)
    # pdftotext reads the stamp back: the text maps to Unicode (copyable, searchable).
    last = text(sealed, 3)
    assert all(line in last for line in LINES), last
    assert "運営者シール" not in text(sealed, 1)


def test_seal_box_and_page_can_be_chosen(seal, three_pages):
    pdf = seal_pdf(three_pages, signer=seal, stamp_lines=["手数料 100% 還元"], page=0,
                   box=(50, 700, 250, 760), field_name="Seal2")
    page, widget = seal_widget(pdf)
    assert page == 0 and widget["/T"] == "Seal2"
    assert [round(float(v)) for v in widget["/Rect"]] == [50, 700, 250, 760]


def test_stamp_font_is_embedded_with_widths_in_thousandths(sealed):
    """pyHanko writes widths in font units: BIZ UDPGothic (2048 units/em) came out with
    doubled letter spacing. A full-width character must be 1000 wide."""
    _, widget = seal_widget(sealed)
    [font] = appearance_fonts(widget)
    assert "BIZUDPGothic" in font["/BaseFont"]
    cid_font = font["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in cid_font["/FontDescriptor"].get_object()  # embedded
    widths = [int(w) for item in cid_font["/W"] if isinstance(item, list) for w in item]
    assert 1000 in widths and max(widths) <= 1000


def test_stamp_renders_as_ink_in_the_seal_box(sealed, three_pages, tmp_path):
    png = rasterise(sealed, 3, SEAL_BOX, dpi=200)
    assert png.startswith(b"\x89PNG")
    (tmp_path / "stamp.png").write_bytes(png)  # looked at by eye while developing
    assert dark_pixels(rasterise(sealed, 3, SEAL_BOX, fmt="pgm")) > 500
    assert dark_pixels(rasterise(three_pages, 3, SEAL_BOX, fmt="pgm")) == 0  # box kept empty


# --- keys ------------------------------------------------------------------------------------

def test_development_keys_are_created_once_then_reused(tmp_path):
    first = load_signer({}, tmp_path)
    assert load_signer({}, tmp_path) is first  # cached in the process
    folder = tmp_path / "signing"
    assert {p.name for p in folder.glob("*.pem")} == DEV_FILES
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for key in ("ca-key.pem", "seal-key.pem"):
        assert stat.S_IMODE((folder / key).stat().st_mode) == 0o600
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}

    keys.clear_cache()
    again = load_signer({}, tmp_path)
    assert again is not first and again.fingerprint == first.fingerprint
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes

    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    cert = x509.load_pem_x509_certificate((folder / "seal.pem").read_bytes())
    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == \
        "Pocket TECH Advisor 開発用CA"
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.issuer == ca.subject
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == \
        "Pocket TECH Advisor 電子契約 運営者シール"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert cert.not_valid_after_utc - cert.not_valid_before_utc > timedelta(days=5 * 365)
    assert ca.not_valid_after_utc - ca.not_valid_before_utc > timedelta(days=10 * 365)
    assert [c.dump() for c in first.trust_roots] == [
        ca.public_bytes(serialization.Encoding.DER)]


def test_simultaneous_first_use_creates_one_ca(tmp_path):
    folder, n = tmp_path / "signing", 8
    barrier, results, errors = threading.Barrier(n), [], []

    def start():
        barrier.wait()
        try:
            signer, chain = keys._development(folder)
            results.append((keys.fingerprint(chain[0]), keys.fingerprint(signer.signing_cert)))
        except Exception as e:  # noqa: BLE001 — collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == n
    assert len(set(results)) == 1  # one CA, one seal certificate
    assert {p.name for p in folder.iterdir()} == DEV_FILES | {".lock"}  # no temp files left


def test_a_lost_seal_certificate_is_reissued_by_the_same_ca(tmp_path):
    first = load_signer({}, tmp_path)
    (tmp_path / "signing" / "seal.pem").unlink()
    keys.clear_cache()
    second = load_signer({}, tmp_path)
    assert second.fingerprint != first.fingerprint
    assert [c.dump() for c in second.trust_roots] == [c.dump() for c in first.trust_roots]


def test_production_pem_files(tmp_path, three_pages):
    dev = load_signer({}, tmp_path / "dev")
    folder = tmp_path / "dev" / "signing"
    config = {"SIGNING_KEY_PATH": str(folder / "seal-key.pem"),
              "SIGNING_CERT_PATH": str(folder / "seal.pem"),
              "SIGNING_CHAIN_PATH": str(folder / "ca.pem"),
              "SIGNING_TRUST_ROOTS_PATH": str(folder / "ca.pem")}
    prod = load_signer(config, tmp_path / "prod")
    assert prod.source == "pem" and prod.fingerprint == dev.fingerprint
    assert not (tmp_path / "prod" / "signing").exists()  # no development CA made
    sealed = seal_pdf(three_pages, signer=prod, stamp_lines=LINES)
    assert pyhanko_status(sealed, prod.trust_roots).trusted


def test_production_pkcs12(tmp_path):
    dev = load_signer({}, tmp_path / "dev")
    folder = tmp_path / "dev" / "signing"
    key = serialization.load_pem_private_key((folder / "seal-key.pem").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((folder / "seal.pem").read_bytes())
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    p12 = tmp_path / "seal.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"seal", key, cert, [ca], serialization.BestAvailableEncryption(b"himitsu-123")))
    config = {"SIGNING_PKCS12_PATH": str(p12), "SIGNING_PKCS12_PASSWORD": "himitsu-123"}
    prod = load_signer(config, tmp_path / "prod")
    assert prod.source == "pkcs12" and prod.fingerprint == dev.fingerprint
    assert [c.dump() for c in prod.trust_roots] == [c.dump() for c in dev.trust_roots]

    with pytest.raises(SigningKeyError) as wrong:
        load_signer({**config, "SIGNING_PKCS12_PASSWORD": "wrong-pass"}, tmp_path / "prod")
    assert "SIGNING_PKCS12_PASSWORD" in str(wrong.value) and "wrong-pass" not in str(wrong.value)
    with pytest.raises(SigningKeyError, match="SIGNING_CERT_PATH"):
        load_signer({"SIGNING_KEY_PATH": str(folder / "seal-key.pem"),
                     "SIGNING_CERT_PATH": str(tmp_path / "missing.pem")}, tmp_path / "prod")


# --- RFC 3161 timestamp ----------------------------------------------------------------------

@pytest.fixture
def loopback_tsa(app):
    """A timestamp server on 127.0.0.1 whose certificate our development CA issued."""
    folder = Path(app.instance_path) / "signing"
    load_signer(app.config, app.instance_path)
    ca_key = serialization.load_pem_private_key((folder / "ca-key.pem").read_bytes(), None)
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # RSA-only stamper
    now = datetime.now(UTC)
    tsa_cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "テストTSA")]))
                .issuer_name(ca.subject).public_key(tsa_key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(hours=1))
                .not_valid_after(now + timedelta(days=1))
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                               critical=True)
                .sign(ca_key, hashes.SHA256()))
    (folder.parent / "tsa.pem").write_bytes(tsa_cert.public_bytes(serialization.Encoding.PEM))
    (folder.parent / "tsa-key.pem").write_bytes(tsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    stamper = DummyTimeStamper(load_cert_from_pemder(folder.parent / "tsa.pem"),
                               load_private_key_from_pemder(folder.parent / "tsa-key.pem", None))
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(self.headers["Content-Type"])
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", requests
    server.shutdown()
    server.server_close()


def test_timestamp_from_a_loopback_tsa(app, three_pages, loopback_tsa):
    url, requests = loopback_tsa
    seal = load_signer({**app.config, "SIGNING_TSA_URL": url}, app.instance_path)
    sealed = seal_pdf(three_pages, signer=seal, stamp_lines=LINES)
    # pyHanko asks once to size the token, then for the real one.
    assert requests and set(requests) == {"application/timestamp-query"}
    status = pyhanko_status(sealed, seal.trust_roots)
    assert status.bottom_line and status.timestamp_validity is not None
    assert status.timestamp_validity.trusted
    result = verify_pdf(sealed, trust_roots=seal.trust_roots,
                        seal_fingerprints=seal.known_fingerprints)
    assert result.ok and result.signing_time_source == "timestamp"
    assert any("タイムスタンプ" in line.text for line in result.summary)


def test_tests_may_only_use_a_loopback_timestamp_server(tmp_path):
    with pytest.raises(SigningKeyError, match="loopback"):
        load_signer({"TESTING": True, "SIGNING_TSA_URL": "http://tsa.example.com/"}, tmp_path)
