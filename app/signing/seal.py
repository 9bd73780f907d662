"""The platform seal: one PAdES signature over the whole PDF, with a visible Japanese stamp.

The PDF is appended to (IncrementalPdfFileWriter), never re-saved: its bytes stay the first
bytes of the sealed file. After sealing, any change (a re-save, a stamp added by rewriting,
one byte) breaks the signature — so the certificate page must already be inside the PDF.

The stamp is drawn in SEAL_BOX on the last page: templates of pages that carry the seal
(the 合意締結証明書) leave that area blank."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import uharfbuzz as hb
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.stamp import TextStampStyle

from app.japan.dates import to_jst
from app.signing.keys import SealSigner

# (x1, y1, x2, y2) in PDF points from the bottom-left corner of an A4 page (595 × 842 pt):
# x 300–560 pt, y 40–120 pt = from the left 105.8–197.6 mm, from the bottom 14.1–42.3 mm
# (CSS on the certificate page: a blank box right 12.4 mm, bottom 14.1 mm, 91.7 × 28.2 mm).
SEAL_BOX = (300, 40, 560, 120)
FIELD_NAME = "PlatformSeal"
REASON = "Pocket TECH Advisor 電子契約 運営者シール（立会人型）"
LOCATION = "Pocket TECH Advisor"
STAMP_FONT_FAMILY = "BIZ UDPGothic"
STAMP_FONT_SIZE = 9
STAMP_BORDER_RGB = (0.13, 0.33, 0.55)


class SealError(RuntimeError):
    pass


def stamp_lines(document_id: str, signed_at: datetime) -> list[str]:
    """The stamp's text: what, when (JST) and which document."""
    t = to_jst(signed_at)
    return ["電子署名済　Pocket TECH Advisor 運営者シール",
            f"署名日時　{t.year}年{t.month}月{t.day}日 {t:%H:%M} JST",
            f"文書ID　{document_id}"]


@lru_cache(maxsize=4)
def stamp_font(path: str | None = None) -> str:
    """The stamp's font file: a single-face TrueType/OpenType file (pyHanko cannot read a
    .ttc collection). Default: BIZ UDPGothic as fontconfig finds it."""
    if path is None:
        from app.documents.fonts import REGULAR, FontLocator

        found = FontLocator().find(STAMP_FONT_FAMILY, REGULAR)
        if found is None:
            raise SealError(f"font {STAMP_FONT_FAMILY} not found "
                            "(apt-get install fonts-morisawa-bizud-gothic)")
        path = str(found.path)
    if not path.lower().endswith((".ttf", ".otf")) or not Path(path).is_file():
        raise SealError(f"stamp font must be a single .ttf/.otf file: {path}")
    return path


_PRINTABLE_ASCII = frozenset(chr(c) for c in range(0x20, 0x7F))


@lru_cache(maxsize=16)
def _prepared_font(path: str, characters: frozenset[str]) -> bytes:
    """A small subset (ASCII + `characters`) of the 4.5 MB font, made by HarfBuzz (≈1 ms)
    once per process and character set: pyHanko parses and subsets with fontTools the font
    it is given on every seal, ≈0.3 s for the whole BIZ UDPGothic, a few ms for this."""
    subset_input = hb.SubsetInput()
    for c in _PRINTABLE_ASCII | characters:
        subset_input.unicode_set.add(ord(c))
    face = hb.subset(hb.Face(hb.Blob.from_file_path(path)), subset_input)
    if face is None:
        raise SealError(f"cannot subset the stamp font {path}")
    return face.blob.data


class _GlyphAccumulator1000(GlyphAccumulator):
    """pyHanko writes glyph widths (/W) and positions in font units, but PDF reads them in
    1/1000 em: fonts with 2048 units/em (BIZ UDPGothic) printed with doubled letter spacing.
    Shape at 1000 units/em and scale the widths and metrics to match."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scale = 1000 / self.units_per_em
        self.units_per_em = 1000
        self.hb_font.scale = (1000, 1000)
        descriptor = self.cidfont_obj._font_descriptor
        for key in ("/Ascent", "/Descent", "/CapHeight"):
            descriptor[key] = generic.NumberObject(round(descriptor[key] * self._scale))
        descriptor["/FontBBox"] = generic.ArrayObject(
            generic.NumberObject(round(v * self._scale)) for v in descriptor["/FontBBox"])

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        known = self._glyphs.get(glyph_id)
        if known is None:
            cid, width = super()._get_cid_and_width(glyph_id)  # caches font units …
            known = self._glyphs[glyph_id] = (cid, round(width * self._scale))  # … replaced
        return known


@dataclass(frozen=True)
class _StampFont(FontEngineFactory):
    font_bytes: bytes
    font_size: int

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return _GlyphAccumulator1000(writer=writer, font_handle=BytesIO(self.font_bytes),
                                     font_size=self.font_size, obj_stream=obj_stream)


def _style(lines: list[str], font_path: str) -> TextStampStyle:
    text = "\n".join(lines)
    font = _StampFont(_prepared_font(font_path, frozenset(text) - _PRINTABLE_ASCII - {"\n"}),
                      STAMP_FONT_SIZE)
    return TextStampStyle(
        stamp_text=text.replace("%", "%%"),  # the text is a %-template
        # The size goes to both the font engine and the text style: pyHanko advances lines
        # with one and draws with the other (lines drift apart when they differ).
        text_box_style=TextBoxStyle(font=font, font_size=STAMP_FONT_SIZE,
                                    leading=STAMP_FONT_SIZE + 5),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MID,
            margins=Margins(left=8, right=4, top=4, bottom=4)),
        border_width=1,
        border_color=STAMP_BORDER_RGB,
        background=None,
    )


class _ClockedPdfSigner(signers.PdfSigner):
    """A PdfSigner whose signing time is the moment given: the signature dictionary's /M
    (PAdES leaves the CMS signing-time attribute out) and the stamp, so the certificate
    page, the stamp and what a validator reports as the signing time agree to the second
    (pyHanko otherwise reads the clock again, later). With an RFC 3161 timestamp server the
    timestamp's own time (after the round trip) is the authoritative one; /verify shows it
    as such. Sets PdfSigningSession.system_time, which pyHanko (pinned <0.39) reads when
    signing; test_workflow checks the result."""

    def __init__(self, *args, system_time: datetime | None, **kwargs):
        super().__init__(*args, **kwargs)
        self._system_time = system_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        if self._system_time is not None:
            session.system_time = self._system_time
        return session


def seal_pdf(pdf: bytes, *, signer: SealSigner, stamp_lines: list[str],
             field_name: str = FIELD_NAME, reason: str = REASON, location: str = LOCATION,
             page: int = -1, box: tuple[int, int, int, int] = SEAL_BOX,
             font_path: str | None = None, signed_at: datetime | None = None) -> bytes:
    """`pdf` with the platform seal appended: PAdES baseline (with an RFC 3161 timestamp
    when the signer has a timestamp server), SHA-256, a visible stamp with `stamp_lines` in
    `box` on `page` (default the last). `signed_at`: the signing time to embed (default:
    the clock when signing)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=location,
        name=signer.certificate.subject.native.get("common_name"))
    pdf_signer = _ClockedPdfSigner(
        meta, signer=signer.signer, timestamper=signer.timestamper, system_time=signed_at,
        stamp_style=_style(stamp_lines, stamp_font(font_path)),
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=box))
    out = pdf_signer.sign_pdf(writer)
    return out.getvalue()
