import subprocess
from pathlib import Path
from app.models import SigningMode, SigningRequest
from app.signing import services
from app.signing.documents import METHOD_IN_BRANCH
from tests.signing.test_documents import make_agreement, fill, SIGNER, AGREED_AT, SEALED_AT
from tests.documents.pdftools import page_count

def test_scratch(app_ctx):
    f = make_agreement("A01")
    t = "代表取締役社長兼最高経営責任者兼経営企画本部長兼デジタル推進室長兼品質保証部担当"
    Path("/tmp/fill/long.pdf").write_bytes(fill(f.agreement.pdf, name="髙橋 花子", title=t, method=METHOD_IN_BRANCH))
    g = make_agreement("A08", version=2)
    a = g.agreement
    a.signer_name, a.signer_title = SIGNER["name"], SIGNER["title"]
    sealed = services.seal(a, SigningRequest(mode=SigningMode.EMAIL, signer_email="x@example.jp"), now=SEALED_AT)
    Path("/tmp/fill/sealed.pdf").write_bytes(sealed)
    for name, pdf in (("long", "/tmp/fill/long.pdf"), ("sealed", "/tmp/fill/sealed.pdf")):
        n = page_count(Path(pdf).read_bytes())
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", "1", "-l", str(n), pdf, f"/tmp/fill/{name}"])
