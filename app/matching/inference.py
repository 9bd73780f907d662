"""Reading the client's own words in intake notes: which need tags they imply, and whether
they contain what must not be collected (sensitive information) or read like hiring.

Keyword matching over folded text, with word lists kept as data in needs_data.py. The API
(infer_needs, detect_warnings, NoteWarning) stays when a real tokenizer replaces the inside.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.matching import needs_data
from app.matching.taxonomy import NEED_TAGS

SENSITIVE_INFO = "sensitive_info"
EMPLOYMENT_LIKE = "employment_like"

_COMBINING_VOICED = ("\u3099", "\u309a")  # what NFKC makes of half-width ﾞ and ﾟ
_SENTENCE_END = re.compile(r"[。．.!！?？\n]")


@dataclass(frozen=True)
class NoteWarning:
    code: str  # sensitive_info / employment_like
    message: str  # Japanese: what the officer should do
    matched: list[str] = field(default_factory=list)  # the words as typed in the notes


@dataclass(frozen=True)
class _Folded:
    """Notes prepared for matching; both strings have the same length and indices."""

    original: str
    exact: str  # NFKC, lower case, one space for any run of spaces
    folded: str  # `exact` with hiragana turned into katakana
    origin: list[int]  # index in `original` of every character of `exact`

    def source(self, start: int, end: int) -> str:
        """The typed text behind exact[start:end]."""
        return self.original[self.origin[start]:self.origin[end - 1] + 1]


def _hira_to_kata(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def fold(text: str) -> str:
    """The comparison form of a word: NFKC, lower case, katakana, single spaces."""
    return _prepare(text).folded


def _prepare(text: str) -> _Folded:
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text or ""):
        f = unicodedata.normalize("NFKC", ch).lower()
        if f in _COMBINING_VOICED and chars:
            composed = unicodedata.normalize("NFC", chars[-1] + f)
            if len(composed) == 1:  # ｶﾞ → ガ, as NFKC of the whole string would give
                chars[-1] = composed
                continue
        for c in f:
            if c.isspace():
                if not chars or chars[-1] == " ":
                    continue
                c = " "
            chars.append(c)
            origin.append(i)
    exact = "".join(chars)
    return _Folded(text or "", exact, _hira_to_kata(exact), origin)


def _is_short_kana(word: str) -> bool:
    return len(word) <= 2 and all("\u30a1" <= c <= "\u30fc" for c in word)


def _regex(entry: str) -> str:
    """A 're:' entry over folded text; kana in it may be written in hiragana (folded here —
    only kana, since NFKC or lower-casing would change the regex syntax itself)."""
    return _hira_to_kata(entry[3:])


def _plain_pattern(word: str) -> str:
    pattern = re.escape(word).replace("\\ ", " ?")
    if word[0].isascii() and word[0].isalnum():
        pattern = r"(?<![a-z0-9])" + pattern
    if word[-1].isascii() and word[-1].isalnum():
        pattern += r"(?![a-z0-9])"
    return pattern


@dataclass(frozen=True)
class _Matcher:
    """Entries of one tag or term, compiled: folded-text and exact-script alternations, and
    the exempt phrases blanked out first."""

    folded: re.Pattern | None
    exact: re.Pattern | None
    exempt: re.Pattern | None

    @classmethod
    def build(cls, entries: Iterable[str], exempt: Iterable[str] = ()) -> _Matcher:
        folded, exact = [], []
        for entry in entries:
            if entry.startswith("re:"):
                folded.append(_regex(entry))
                continue
            word = fold(entry)
            if _is_short_kana(word):
                exact.append(_plain_pattern(_prepare(entry).exact))
            else:
                folded.append(_plain_pattern(word))
        exempts = [_regex(e) if e.startswith("re:") else _plain_pattern(fold(e)) for e in exempt]

        def compiled(parts: list[str]) -> re.Pattern | None:
            return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None

        return cls(compiled(folded), compiled(exact), compiled(exempts))

    def spans(self, notes: _Folded) -> list[tuple[int, int]]:
        folded, exact = notes.folded, notes.exact
        if self.exempt:
            def blank(m: re.Match) -> str:
                return "\0" * (m.end() - m.start())
            folded = self.exempt.sub(blank, folded)
            exact = "".join("\0" if f == "\0" else e for f, e in zip(folded, exact, strict=True))
        found = []
        for pattern, text in ((self.folded, folded), (self.exact, exact)):
            if pattern:
                found.extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
        return sorted(found)


_NEED_MATCHERS: dict[str, _Matcher] = {
    tag: _Matcher.build(needs_data.NEED_KEYWORDS.get(tag, ()),
                        needs_data.NEED_EXEMPT.get(tag, ()))
    for tag in NEED_TAGS
}


def _term_matchers(terms: Mapping[str, tuple[str, ...]]) -> list[tuple[str, _Matcher]]:
    # Patterns first, then longer words, so 労働組合 is reported once and not again as 組合.
    order = sorted(terms, key=lambda t: (not t.startswith("re:"), -len(t)))
    return [(t, _Matcher.build([t], terms[t])) for t in order]


_SENSITIVE = _term_matchers(needs_data.SENSITIVE_TERMS)
_EMPLOYMENT = _term_matchers(needs_data.EMPLOYMENT_TERMS)
_RECRUITING_SENTENCE = re.compile(_hira_to_kata(needs_data.RECRUITING_SENTENCE))


def infer_needs(notes: str) -> list[str]:
    """Need tags the notes imply, in taxonomy order (suggestions for the officer to accept)."""
    if not notes or not notes.strip():
        return []
    prepared = _prepare(notes)
    return [tag for tag, m in _NEED_MATCHERS.items() if m.spans(prepared)]


def _sentence_of(text: str, start: int) -> str:
    begin = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    end_match = _SENTENCE_END.search(text, start)
    return text[begin:end_match.start() if end_match else len(text)]


def _find_terms(prepared: _Folded, matchers: list[tuple[str, _Matcher]],
                skip=None) -> list[str]:
    taken = [False] * len(prepared.exact)
    hits: list[tuple[int, str]] = []
    for term, matcher in matchers:
        for start, end in matcher.spans(prepared):
            if any(taken[start:end]) or (skip and skip(term, start)):
                continue
            taken[start:end] = [True] * (end - start)
            hits.append((start, prepared.source(start, end)))
    return list(dict.fromkeys(text for _, text in sorted(hits)))


def detect_warnings(notes: str) -> list[NoteWarning]:
    """Warnings for the notes: `sensitive_info` (JAPAN.md §4, must not be collected) and
    `employment_like` (reads like hiring, not a 準委任 advisory contract)."""
    if not notes or not notes.strip():
        return []
    prepared = _prepare(notes)
    warnings = []
    sensitive = _find_terms(prepared, _SENSITIVE)
    if sensitive:
        warnings.append(NoteWarning(SENSITIVE_INFO, needs_data.SENSITIVE_MESSAGE, sensitive))

    def own_recruiting(term: str, start: int) -> bool:
        return (term in needs_data.EMPLOYMENT_RECRUITING_TERMS
                and bool(_RECRUITING_SENTENCE.search(_sentence_of(prepared.folded, start))))

    employment = _find_terms(prepared, _EMPLOYMENT, skip=own_recruiting)
    if employment:
        warnings.append(NoteWarning(EMPLOYMENT_LIKE, needs_data.EMPLOYMENT_MESSAGE, employment))
    return warnings
