"""Fonts for PDF documents: one main family, plus small fallback fonts for rare characters.

Why this design (bench/bench_pdf.py measures it on the proposal):
- The main family is BIZ UDPGothic (TrueType, real bold). WeasyPrint subsets every font it
  embeds on every render; a TrueType face is cheap, a CFF collection (.ttc, Noto Sans CJK)
  bloats the PDF (×3) and, without HarfBuzz's subsetter, takes seconds; so the main text
  never goes through a big fallback font.
- BIZ UDPGothic lacks some characters of real names (𠮷 U+20BB7 …). For those we prepare,
  once per set of characters, a tiny subset font (a few KB) from a rare-character source
  (Noto Sans CJK JP when installed: Gothic like the main text and with a bold; IPAmj明朝, made
  for the characters of registered names, otherwise) and cache it under the instance folder.
- A name with such a character is printed entirely in the fallback face (the `onefont`
  filter marks the run), so no name mixes two typefaces; a stray rare character elsewhere
  still prints, through the family stack.

Fonts come from Debian packages and are found with fontconfig (`fc-match`) or configured
paths (PDF_FONT_FILES); `check_fonts()` says what is missing and how to install it."""
from __future__ import annotations

import ctypes.util
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

log = logging.getLogger(__name__)

MAIN_FAMILY = "BIZ UDPGothic"
REGULAR, BOLD = 400, 700


@dataclass(frozen=True)
class FontSource:
    """A font family we look for, the Debian package that provides it, and whether the
    documents need it (required) or only use it when present."""

    key: str  # short ASCII name, used in the prepared font's family name
    family: str  # fontconfig family name
    package: str
    required: bool
    bold: bool  # the family has a real bold face


MAIN_SOURCE = FontSource("main", MAIN_FAMILY, "fonts-morisawa-bizud-gothic", True, True)
# Order matters: a run of text takes the first source that has all its characters.
FALLBACK_SOURCES = (
    FontSource("noto", "Noto Sans CJK JP", "fonts-noto-cjk", False, True),
    FontSource("ipamj", "IPAmjMincho", "fonts-ipamj-mincho", True, False),
)
HARFBUZZ_SUBSET_PACKAGE = "libharfbuzz-subset0"


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int = 0  # face number inside a .ttc collection


def _fc_match(family: str, weight: int) -> FontFile | None:
    """The file fontconfig gives for a family and weight, or None when fontconfig would only
    substitute another family (fc-match always answers something)."""
    if not shutil.which("fc-match"):
        return None
    pattern = f"{family}:weight={'bold' if weight >= BOLD else 'regular'}"
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{weight}\t%{file}\t%{index}", pattern],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families, fc_weight, path, index = (out.split("\t") + ["", "", "", "0"])[:4]
    if family.lower() not in (f.strip().lower() for f in families.split(",")):
        return None
    # fontconfig weights: 80 regular, 200 bold; a regular file for a bold request is no bold.
    if weight >= BOLD and int(float(fc_weight or 0)) < 200:
        return None
    return FontFile(Path(path).resolve(), int(index or 0))


class FontLocator:
    """Finds font files: configured paths first (PDF_FONT_FILES = {"BIZ UDPGothic:700":
    "/path/file.ttf", ...}), else fontconfig. Results are kept for the process."""

    def __init__(self, configured: Mapping[str, str] | None = None):
        self.configured = dict(configured or {})
        self._cache: dict[tuple[str, int], FontFile | None] = {}
        self._lock = threading.Lock()

    def find(self, family: str, weight: int = REGULAR) -> FontFile | None:
        key = (family, weight)
        with self._lock:
            if key not in self._cache:
                path = self.configured.get(f"{family}:{weight}")
                if path:
                    self._cache[key] = FontFile(Path(path)) if Path(path).is_file() else None
                else:
                    self._cache[key] = _fc_match(family, weight)
            return self._cache[key]


@lru_cache(maxsize=16)
def cmap_of(font: FontFile) -> frozenset[int]:
    """Code points a font file has glyphs for (read once per process)."""
    with TTFont(font.path, fontNumber=font.index, lazy=True) as tt:
        return frozenset(tt.getBestCmap())


# ---------------------------------------------------------------------------------------------
# The per-document font plan


@dataclass(frozen=True)
class PreparedFace:
    family: str
    weight: int
    path: Path


@dataclass
class FontPlan:
    """What one document needs: CSS for the family stack and the prepared faces."""

    main_family: str
    faces: list[PreparedFace] = field(default_factory=list)
    run_family: dict[str, str] = field(default_factory=dict)  # source key → family name

    @property
    def fallback_families(self) -> list[str]:
        return list(dict.fromkeys(f.family for f in self.faces))

    def stack(self, first: str | None = None) -> str:
        names = [first] if first else []
        names += [self.main_family, *self.fallback_families]
        return ", ".join(_css_string(n) for n in dict.fromkeys(names))

    def css(self) -> str:
        """@font-face rules for the prepared faces and the family on html and on the page
        margin boxes (they inherit from the page, not from body)."""
        rules = [
            f"@font-face {{ font-family: {_css_string(f.family)}; font-weight: {f.weight};"
            f" src: url({_css_string(f.path.as_uri())}); }}"
            for f in self.faces
        ]
        stack = self.stack()
        boxes = " ".join(f"@{b} {{ font-family: {stack}; }}" for b in MARGIN_BOXES)
        rules.append(f"html {{ font-family: {stack}; }}")
        rules.append(f"@page {{ font-family: {stack}; {boxes} }}")
        for key, family in self.run_family.items():
            rules.append(f".pta-run-{key} {{ font-family: {self.stack(first=family)}; }}")
        return "\n".join(rules)


MARGIN_BOXES = (
    "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner",
    "bottom-left-corner", "bottom-left", "bottom-center", "bottom-right",
    "bottom-right-corner", "left-top", "left-middle", "left-bottom", "right-top",
    "right-middle", "right-bottom",
)


def _css_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


class FontSet:
    """The font decision for one application: main family, fallback sources, cache folder.

    `source_for_run(text)` tells which fallback source prints a name that the main font
    cannot print whole; `plan(text, runs)` prepares (or reuses) the subset fonts a document
    needs and returns the CSS to give WeasyPrint."""

    def __init__(self, cache_dir: Path, locator: FontLocator | None = None,
                 main_family: str = MAIN_FAMILY,
                 fallbacks: Iterable[FontSource] = FALLBACK_SOURCES):
        self.cache_dir = Path(cache_dir)
        self.locator = locator or FontLocator()
        self.main_family = main_family
        self.fallbacks = tuple(fallbacks)

    # -- coverage ------------------------------------------------------------------------------

    def main_cmap(self) -> frozenset[int] | None:
        font = self.locator.find(self.main_family, REGULAR)
        return cmap_of(font) if font else None

    def missing(self, text: str) -> set[str]:
        """Characters of `text` the main font has no glyph for (controls ignored)."""
        cmap = self.main_cmap()
        if cmap is None:
            return set()  # main font not installed: check_fonts() reports it
        return {c for c in set(text) if ord(c) >= 0x20 and ord(c) not in cmap}

    def _installed_fallbacks(self) -> list[tuple[FontSource, FontFile]]:
        out = []
        for source in self.fallbacks:
            font = self.locator.find(source.family, REGULAR)
            if font:
                out.append((source, font))
        return out

    def source_for(self, chars: set[str]) -> FontSource | None:
        """The first installed fallback that has every one of `chars`, if any."""
        for source, font in self._installed_fallbacks():
            cmap = cmap_of(font)
            if all(ord(c) in cmap for c in chars):
                return source
        return None

    def source_for_run(self, text: str) -> FontSource | None:
        """The fallback source that prints `text` whole; None when the main font can (or no
        fallback has it all: then each character falls back on its own)."""
        if not self.missing(text):
            return None
        return self.source_for(set(text))

    # -- per document ------------------------------------------------------------------------

    def plan(self, text: str, runs: Iterable[tuple[str, str]] = ()) -> FontPlan:
        """Font plan for a document whose visible text is `text`; `runs` are (source key,
        text) pairs printed whole in one fallback face (names, see the onefont filter)."""
        plan = FontPlan(self.main_family)
        by_source: dict[str, set[str]] = {}
        for key, run in runs:
            # Spaces too: the shaper keeps a space inside a run in the run's face.
            by_source.setdefault(key, set()).update(run)
        covered = set().union(*by_source.values()) if by_source else set()
        for char in sorted(self.missing(text) - covered):
            source = self.source_for({char})
            if source is None:
                log.warning("no prepared fallback has U+%04X; left to fontconfig", ord(char))
                continue
            by_source.setdefault(source.key, set()).add(char)
        installed = {s.key: (s, f) for s, f in self._installed_fallbacks()}
        for key, chars in by_source.items():
            source, font = installed[key]
            # One family name per character set: a long-lived FontConfiguration (see
            # render.py) keeps every face it was given, and two faces must never share a
            # name while holding different characters.
            digest = hashlib.sha256("".join(sorted(chars)).encode("utf-8", "surrogatepass"))
            family = f"PTA Rare {key} {digest.hexdigest()[:8]}"
            plan.run_family[key] = family
            for weight in (REGULAR, BOLD) if source.bold else (REGULAR,):
                face_font = self.locator.find(source.family, weight) or font
                path = self.prepare_subset(face_font, chars)
                plan.faces.append(PreparedFace(family, weight, path))
        return plan

    def prepare_subset(self, font: FontFile, chars: set[str]) -> Path:
        """A TrueType/OpenType file with only `chars` from `font`, made once and cached by
        (source file, character set). Written atomically: workers may race harmlessly."""
        stat = font.path.stat()
        key = hashlib.sha256(
            f"{font.path}|{font.index}|{stat.st_size}|{stat.st_mtime_ns}|".encode()
            + "".join(sorted(chars)).encode("utf-8", "surrogatepass")
        ).hexdigest()[:24]
        target = self.cache_dir / f"rare-{key}.otf"
        if target.exists():
            return target
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        options = subset.Options()
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        options.layout_features = []
        with TTFont(font.path, fontNumber=font.index, lazy=True) as tt:
            # Deleted before subsetting, these big tables are never parsed (≈2× faster).
            for tag in ("GSUB", "GPOS", "BASE", "VORG", "vhea", "vmtx", "DSIG"):
                if tag in tt:
                    del tt[tag]
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=[ord(c) for c in chars])
            subsetter.subset(tt)
            fd, tmp = tempfile.mkstemp(dir=self.cache_dir, suffix=".tmp")
            os.close(fd)
            try:
                tt.save(tmp)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        return target


# ---------------------------------------------------------------------------------------------
# Installation check


@dataclass(frozen=True)
class FontCheck:
    missing: list[str]  # what is missing, in Japanese, for the operator
    packages: list[str]  # Debian packages that provide it
    optional_missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def install_command(self) -> str:
        return f"apt-get install -y {' '.join(self.packages)}" if self.packages else ""


def check_fonts(font_set: FontSet | None = None) -> FontCheck:
    """Which required font files (and the HarfBuzz subsetter WeasyPrint relies on to stay
    fast) are missing, with the apt-get command that installs them."""
    font_set = font_set or FontSet(Path(tempfile.gettempdir()))
    missing: list[str] = []
    packages: list[str] = []
    optional: list[str] = []
    wanted = [(MAIN_SOURCE, REGULAR), (MAIN_SOURCE, BOLD)]
    wanted += [(s, REGULAR) for s in font_set.fallbacks]
    wanted += [(s, BOLD) for s in font_set.fallbacks if s.bold]
    for source, weight in wanted:
        family = font_set.main_family if source is MAIN_SOURCE else source.family
        if font_set.locator.find(family, weight):
            continue
        label = f"{family}（{'太字' if weight >= BOLD else '標準'}）"
        if source.required:
            missing.append(label)
            packages.append(source.package)
        else:
            optional.append(label)
    if not ctypes.util.find_library("harfbuzz-subset"):
        missing.append("HarfBuzz subset ライブラリ（ないとPDF作成が10倍以上遅くなります）")
        packages.append(HARFBUZZ_SUBSET_PACKAGE)
    return FontCheck(missing, list(dict.fromkeys(packages)), optional)
