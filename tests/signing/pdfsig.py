"""Helpers for the signing tests: poppler's pdfsig, the independent check of a sealed PDF,
with a throw-away NSS database that trusts only the CA given (none: nothing is trusted); a
small Japanese PDF; rasterising an area of a page.

The CA is trusted for e-mail signing (",C,"): pdfsig checks the signer certificate for that
usage, so a CA trusted for TLS only ("C,,") still gives "issuer isn't Trusted". No
-no-ocsp: poppler 22.12 then answers "Unknown issue with Certificate" (our certificates
name no OCSP responder, so nothing is fetched anyway)."""
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PdfSig:
    output: str

    @property
    def valid(self) -> bool:
        return "Signature Validation: Signature is Valid." in self.output

    @property
    def trusted(self) -> bool:
        return "Certificate Validation: Certificate is Trusted." in self.output

    @property
    def total_document(self) -> bool:
        return re.search(r"^\s*- Total document signed", self.output, re.M) is not None

    @property
    def signatures(self) -> int:
        return len(re.findall(r"^Signature #\d+:", self.output, re.M))


def pdfsig(pdf: bytes, trusted_ca_pem: bytes | None = None) -> PdfSig:
    with tempfile.TemporaryDirectory() as tmp:
        nss, path = Path(tmp) / "nss", Path(tmp) / "doc.pdf"
        nss.mkdir()
        path.write_bytes(pdf)
        db = f"sql:{nss}"
        subprocess.run(["certutil", "-N", "--empty-password", "-d", db], check=True,
                       capture_output=True)
        if trusted_ca_pem:
            ca = Path(tmp) / "ca.pem"
            ca.write_bytes(trusted_ca_pem)
            subprocess.run(["certutil", "-A", "-n", "ca", "-t", ",C,", "-i", str(ca), "-d", db],
                           check=True, capture_output=True)
        run = subprocess.run(["pdfsig", "-nssdir", db, str(path)],
                             capture_output=True, text=True, timeout=60)
        return PdfSig(run.stdout + run.stderr)


# --- PDFs for the signing tests --------------------------------------------------------------

def japanese_pdf(pages: int = 1, title: str = "利用申込書兼契約書") -> bytes:
    """A small Japanese A4 PDF rendered by our renderer (call inside an app context)."""
    from app.documents.render import renderer

    body = "".join(
        f'<section style="break-after: page"><h1>{title}（{n}/{pages}）</h1>'
        "<p>株式会社テスト工務店（以下「甲」という。）と Pocket TECH Advisor（以下「乙」という。）"
        "は、デジタル顧問サービスの利用について次のとおり合意する。</p>"
        "<p>月額 30,000円（税別）、契約期間 12か月、解約予告 30日。</p></section>"
        for n in range(1, pages + 1))
    html = ('<!doctype html><html lang="ja"><head><meta charset="utf-8">'
            f"<style>@page {{ size: A4; margin: 20mm; }}</style></head><body>{body}</body></html>")
    return renderer().html_to_pdf(html)


def rasterise(pdf: bytes, page: int, box: tuple[int, int, int, int], dpi: int = 100,
              fmt: str = "png") -> bytes:
    """The area `box` (PDF points, A4) of `page` (1-based) as PNG, or as a grey PGM."""
    x1, y1, x2, y2 = box
    scale = dpi / 72
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "doc.pdf", Path(tmp) / "out"
        src.write_bytes(pdf)
        args = ["-png"] if fmt == "png" else ["-gray"]
        subprocess.run(["pdftoppm", *args, "-r", str(dpi), "-f", str(page), "-l", str(page),
                        "-singlefile", "-x", str(round(x1 * scale)),
                        "-y", str(round((842 - y2) * scale)), "-W", str(round((x2 - x1) * scale)),
                        "-H", str(round((y2 - y1) * scale)), str(src), str(out)],
                       check=True, capture_output=True, timeout=60)
        return next(Path(tmp).glob("out.*")).read_bytes()


def dark_pixels(pgm: bytes) -> int:
    """Pixels darker than mid-grey in a binary PGM (P5) image."""
    magic, width, height, maxval, pixels = pgm.split(maxsplit=4)
    assert magic == b"P5" and maxval == b"255"
    return sum(1 for p in pixels[:int(width) * int(height)] if p < 128)
