"""Page images of an issued PDF, for reading it on a phone (many mobile browsers do not
show a PDF inside a page). Rendered once per document with poppler's pdftoppm and kept
under instance/previews/<sha256>/ — issued PDFs never change, so neither do their images."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

RESOLUTION_DPI = 110


def page_images(pdf: bytes, sha256: str, instance_path: str | os.PathLike) -> list[Path]:
    """The PNG of each page, in order (rendered on first use)."""
    folder = Path(instance_path) / "previews" / sha256
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{sha256[:12]}-", dir=folder.parent))
        try:
            (work / "doc.pdf").write_bytes(pdf)
            subprocess.run(["pdftoppm", "-r", str(RESOLUTION_DPI), "-png", str(work / "doc.pdf"),
                            str(work / "page")], check=True, capture_output=True, timeout=60)
            (work / "doc.pdf").unlink()
            try:
                work.rename(folder)  # atomic: another worker may have been first
            except OSError:
                pass
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
