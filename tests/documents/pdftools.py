"""Reading PDFs back with poppler (pdftotext, pdffonts, pdfinfo), the independent check."""
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _run(args: list[str], pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        return subprocess.run([*args, str(path), *(["-"] if args[0] == "pdftotext" else [])],
                              capture_output=True, text=True, check=True).stdout


def page_count(pdf: bytes) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", _run(["pdfinfo"], pdf), re.M).group(1))


def text(pdf: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return _run(["pdftotext", "-enc", "UTF-8", *pages], pdf)


def pages_text(pdf: bytes) -> list[str]:
    return [text(pdf, n) for n in range(1, page_count(pdf) + 1)]


@dataclass
class EmbeddedFont:
    name: str  # without the subset prefix
    type: str
    embedded: bool
    subset: bool
    unicode: bool


def fonts(pdf: bytes) -> list[EmbeddedFont]:
    rows = []
    for line in _run(["pdffonts"], pdf).splitlines()[2:]:
        # name type... encoding emb sub uni object ID: read the flags from the right.
        parts = line.split()
        emb, sub, uni = parts[-5:-2]
        rows.append(EmbeddedFont(parts[0].split("+", 1)[-1], " ".join(parts[1:-6]),
                                 emb == "yes", sub == "yes", uni == "yes"))
    return rows
