"""Reading the client's own words in intake notes: which need tags they imply, and whether
they contain what must not be collected (sensitive information) or read like hiring.

The notes are tokenized with SudachiPy (dictionary sudachidict-core, installed with the
package) so that inflected and variant forms meet the same word (売りたい → 売る, ＦＡＸ →
ファックス, 来なかった → 来る); the words, phrase patterns and exemptions are data in
needs_data.py (see its docstring for how an entry is read). Substring matching over the folded
text runs alongside, so spellings the tokenizer splits oddly are still found.

The dictionary and the compiled word lists load once per process on first use (about half a
second); each thread gets its own Sudachi tokenizer, since one may not be used by two threads
at once. A note then takes a few milliseconds, so the intake wizard can ask while typing.
"""
from __future__ import annotations

import bisect
import functools
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.matching import needs_data
from app.matching.taxonomy import NEED_TAGS

SENSITIVE_INFO = "sensitive_info"
EMPLOYMENT_LIKE = "employment_like"

_COMBINING_VOICED = ("\u3099", "\u309a")  # what NFKC makes of half-width ﾞ and ﾟ
_SENTENCE_END = re.compile(r"[。．.!！?？\n]")
_NEAR_GAP = 3  # tokens allowed between two pattern elements joined by " ~ "
_WIDE_GAP = 12  # … and by " … " (within one sentence)
_FUNCTION_POS = ("助詞", "助動詞")
_MIN_READING = 3  # kana in a reading before hiragana is read as that word
_PARTICLE_BEFORE = set("がをにでとものはやへ")
_PARTICLE_AFTER = set("がをにでとものはやへしすさせだなよねかっ")
_SENTENCE_TAIL = frozenset({"。", ".", "!", "?", "、", ",", "ヨ", "ネ", "ナ", "ワ", "サ"})  # folded


@dataclass(frozen=True)
class NoteWarning:
    code: str  # sensitive_info / employment_like
    message: str  # Japanese: what the officer should do
    matched: list[str] = field(default_factory=list)  # the words as typed in the notes


# ---- folding ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Folded:
    """Notes prepared for matching; both strings have the same length and indices."""

    original: str
    exact: str  # NFKC, lower case, one space (or one newline) for any run of white space
    folded: str  # `exact` with hiragana turned into katakana
    origin: list[int]  # index in `original` of every character of `exact`

    def source(self, start: int, end: int) -> str:
        """The typed text behind exact[start:end]."""
        return self.original[self.origin[start]:self.origin[end - 1] + 1]


def _is_hiragana(c: str) -> bool:
    return "\u3041" <= c <= "\u3096"


def _hira_to_kata(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if _is_hiragana(c) else c for c in text)


def fold(text: str) -> str:
    """The comparison form of a word: NFKC, lower case, katakana, single spaces."""
    return _prepare(text).folded.replace("\n", " ")


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
                # A line break ends a sentence; keep one, so patterns do not run across lines.
                c = "\n" if c in "\n\r\u2028\u2029" else " "
                if chars and chars[-1] in " \n":
                    if c == "\n":
                        chars[-1] = c
                    continue
                if not chars:
                    continue
            chars.append(c)
            origin.append(i)
    exact = "".join(chars)
    return _Folded(text or "", exact, _hira_to_kata(exact), origin)


# ---- surface matching (substrings and regular expressions over folded text) ------------------

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


def _compiled(parts: list[str]) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


@dataclass(frozen=True)
class _Surface:
    """Plain and 're:' entries of one tag or term as two alternations: over folded text, and
    (short kana words) over the text in the script it was typed in."""

    folded: re.Pattern | None
    exact: re.Pattern | None
    # first characters of the plain entries (None with a regular expression): notes with
    # none of them cannot match, and most terms are absent from most notes
    initials: frozenset[str] | None

    @classmethod
    def build(cls, plain: Iterable[str], regexes: Iterable[str]) -> _Surface:
        folded = [_regex(r) for r in regexes]
        exact = []
        initials: set[str] = set()
        for entry in plain:
            word = fold(entry)
            initials.add(word[0])
            if _is_short_kana(word):
                exact.append(_plain_pattern(_prepare(entry).exact))
            else:
                folded.append(_plain_pattern(word))
        return cls(_compiled(folded), _compiled(exact), None if regexes else frozenset(initials))

    def spans(self, folded: str, exact: str) -> list[tuple[int, int]]:
        found = []
        for pattern, text in ((self.folded, folded), (self.exact, exact)):
            if pattern:
                found.extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
        return found


# ---- the tokenizer ---------------------------------------------------------------------------

class _Sudachi:
    """One dictionary per process, loaded on first use; one tokenizer per thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dictionary = None
        self._local = threading.local()

    def _tokenizer(self):
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            with self._lock:
                if self._dictionary is None:
                    from sudachipy import Dictionary  # heavy import: only when notes are read

                    self._dictionary = Dictionary(dict="core")
            from sudachipy import SplitMode

            # Finest split: 在庫管理表 → 在庫 / 管理 / 表, so a word is found inside compounds.
            tokenizer = self._dictionary.tokenizer(mode=SplitMode.A)
            self._local.tokenizer = tokenizer
        return tokenizer

    def morphemes(self, text: str):
        return self._tokenizer().tokenize(text)


_SUDACHI = _Sudachi()


@functools.lru_cache(maxsize=65536)
def _fold_form(form: str) -> str:
    return fold(form)


@dataclass(frozen=True)
class _Token:
    forms: frozenset[str]  # folded normalized form, dictionary form and surface
    start: int  # span in the prepared notes (`exact`)
    end: int
    number: bool
    sentence: int
    inflects: bool  # a verb or adjective, which auxiliaries may follow
    ending: bool  # an auxiliary or て/で after a verb (来 + て, 壊し + て)


_NUMBER = "#"
_ANY_NUMBER: frozenset[str] = frozenset({_NUMBER})  # pattern item: any number

_Item = frozenset[str]  # forms a note token may have to match one word of an entry


def _entry_items(text: str) -> tuple[_Item, ...]:
    """An entry's words as the forms a note token must have: content words by normalized
    form or as written (ない alone reads as the adjective 無い, but is meant as written too),
    particles and auxiliaries only as written (so たら stays a condition, not a past); in
    「」 only as written (「直せる」 is not 直す)."""
    as_written = text.startswith("「") and text.endswith("」")
    items = []
    for m in _SUDACHI.morphemes(_prepare(text.strip("「」")).exact):
        pos = m.part_of_speech()
        if pos[0] == "空白":
            continue
        if as_written or pos[0] in _FUNCTION_POS:
            forms = {m.surface(), m.dictionary_form()}
        else:
            forms = {m.normalized_form(), m.surface()}
        items.append(frozenset(_fold_form(f) for f in forms))
    return tuple(items)


# ---- phrase patterns -------------------------------------------------------------------------

_PATTERN_MARKS = ("|", "{", "#", " ~ ", " … ")


def _is_phrase(entry: str) -> bool:
    return any(mark in entry for mark in _PATTERN_MARKS)


class _Element:
    """One element of a pattern: its alternatives, indexed by the forms their first token may
    have, so a note token is only tried against the alternatives that can start there."""

    __slots__ = ("alternatives", "by_form", "numbers")

    def __init__(self, alternatives: tuple[tuple[_Item, ...], ...]) -> None:
        self.alternatives = alternatives
        self.by_form: dict[str, list[tuple[_Item, ...]]] = defaultdict(list)
        self.numbers = [alt for alt in alternatives if alt[0] is _ANY_NUMBER]
        for alt in alternatives:
            if alt[0] is not _ANY_NUMBER:
                for form in alt[0]:
                    self.by_form[form].append(alt)

    def starting_at(self, token: _Token) -> list[tuple[_Item, ...]]:
        found = [alt for form in token.forms for alt in self.by_form.get(form, ())]
        return found + self.numbers if token.number else found


@dataclass(frozen=True)
class _Pattern:
    """A run of elements; each element is a set of alternatives, each a run of token forms
    (or any number); gaps[k] is how many tokens may lie before element k."""

    elements: tuple[_Element, ...]
    gaps: tuple[int, ...]

    @classmethod
    def parse(cls, text: str, classes: Mapping[str, tuple[tuple[_Item, ...], ...]]) -> _Pattern:
        elements, gaps = [], []
        gap = 0
        for piece in text.split():
            if piece in ("~", "…"):
                gap = _NEAR_GAP if piece == "~" else _WIDE_GAP
                continue
            alternatives: list[tuple[_Item, ...]] = []
            for alt in piece.split("|"):
                if alt.startswith("{") and alt.endswith("}"):
                    alternatives.extend(classes[alt[1:-1]])
                elif alt == _NUMBER:
                    alternatives.append((_ANY_NUMBER,))
                elif items := _entry_items(alt):
                    alternatives.append(items)
            elements.append(_Element(tuple(dict.fromkeys(alternatives))))
            gaps.append(gap)
            gap = 0
        return cls(tuple(elements), tuple(gaps))

    @property
    def first_forms(self) -> set[str]:
        return {form for alt in self.elements[0].alternatives for form in alt[0]}

    def match_at(self, tokens: list[_Token], i: int) -> int | None:
        """End (exclusive token index) of a match starting at token i, or None."""
        sentence = tokens[i].sentence
        count = len(tokens)
        failed: set[tuple[int, int]] = set()

        def run_at(alt: tuple[_Item, ...], at: int) -> int | None:
            end = at + len(alt)
            if end > count:
                return None
            for k in range(1, len(alt)):  # the first item matched already
                token, item = tokens[at + k], alt[k]
                if token.sentence != sentence or not (
                        token.number if item is _ANY_NUMBER else item & token.forms):
                    return None
            return end

        def element_from(k: int, at: int) -> int | None:
            if k == len(self.elements):
                return at
            if (k, at) in failed:
                return None
            for start in range(at, min(at + self.gaps[k] + 1, count)):
                token = tokens[start]
                if token.sentence != sentence:
                    break
                for alt in self.elements[k].starting_at(token):
                    end = run_at(alt, start)
                    if end is not None and (done := element_from(k + 1, end)) is not None:
                        return done
            failed.add((k, at))
            return None

        return element_from(0, i)


# ---- lexicons --------------------------------------------------------------------------------

@dataclass
class _Lexicon:
    """What one need tag or one warning term is made of: surface entries, token patterns, and
    exemptions (overlapping phrases, or patterns anywhere in the same sentence)."""

    surface: _Surface
    surface_exempt: re.Pattern | None
    patterns: list[_Pattern]
    exempt: list[_Pattern]
    sentence_exempt: list[_Pattern]


class _Note:
    """The notes prepared once: folded text, tokens and sentences."""

    def __init__(self, notes: str, readings: _Readings) -> None:
        self.prepared = _prepare(notes)
        exact = self.prepared.exact
        self.characters = set(exact) | set(self.prepared.folded)
        self.sentence_starts = [0] + [m.end() for m in _SENTENCE_END.finditer(exact)]
        text, starts, ends = readings.restore(self.prepared)
        tokens = []
        for m in _SUDACHI.morphemes(text):
            pos = m.part_of_speech()
            if pos[0] == "空白" or m.begin() == m.end():
                continue
            start, end = starts[m.begin()], ends[m.end() - 1]
            forms = frozenset(_fold_form(f) for f in
                              (m.normalized_form(), m.dictionary_form(), m.surface()))
            tokens.append(_Token(forms, start, end, pos[1] == "数詞", self.sentence_of(start),
                                 pos[0] in ("動詞", "形容詞"),
                                 pos[0] == "助動詞" or pos[1] == "接続助詞"))
        self.tokens = tokens
        self._token_ending_at = {t.end: k for k, t in enumerate(tokens)}

    def shown(self, start: int, end: int) -> str:
        """The typed text of a match, a verb with its endings (「毎朝来て」, not 「毎朝来」)."""
        k = self._token_ending_at.get(end)
        if k is not None and self.tokens[k].inflects:
            while k + 1 < len(self.tokens) and self.tokens[k + 1].ending \
                    and self.tokens[k + 1].start == end:
                k += 1
                end = self.tokens[k].end
        return self.prepared.source(start, end)

    def sentence_of(self, index: int) -> int:
        return bisect.bisect_right(self.sentence_starts, index) - 1


class _Readings:
    """Kanji words of the lexicons by reading, to read hiragana typed for them
    (「ざいこがあわない」 → 在庫があわない) before tokenizing."""

    def __init__(self, words: Iterable[str]) -> None:
        by_reading: dict[str, str] = {}
        not_read = {_hira_to_kata(kana) for kana in needs_data.KANA_NOT_READ}
        for word in words:
            # Single kanji (病, 勘) are too short: 「しょうがない」 is not 症.
            if len(word) < 2 or not any("\u4e00" <= c <= "\u9fff" for c in word):
                continue
            morphemes = [m for m in _SUDACHI.morphemes(word) if m.part_of_speech()[0] != "空白"]
            reading = "".join(m.reading_form() for m in morphemes)
            if len(reading) >= _MIN_READING and all("\u30a1" <= c <= "\u30fc" for c in reading) \
                    and reading not in not_read:
                by_reading.setdefault(reading, word)
        self._by_start: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for reading, word in sorted(by_reading.items(), key=lambda kv: -len(kv[0])):
            self._by_start[reading[:2]].append((reading, word))

    def restore(self, notes: _Folded) -> tuple[str, list[int], list[int]]:
        """Text to tokenize, with the span in `exact` behind each of its characters."""
        exact, folded = notes.exact, notes.folded
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        i = 0
        while i < len(exact):
            word, end = self._word_at(exact, folded, i)
            if word:
                out.append(word)
                starts.extend([i] * len(word))
                ends.extend([end] * len(word))
                i = end
                continue
            out.append(exact[i])
            starts.append(i)
            ends.append(i + 1)
            i += 1
        return "".join(out), starts, ends

    def _word_at(self, exact: str, folded: str, i: int) -> tuple[str | None, int]:
        if not _is_hiragana(exact[i]):
            return None, i
        if i > 0 and _is_hiragana(exact[i - 1]) and exact[i - 1] not in _PARTICLE_BEFORE:
            return None, i
        for reading, word in self._by_start.get(folded[i:i + 2], ()):
            end = i + len(reading)
            if folded[i:end] != reading or not all(_is_hiragana(c) or c == "ー"
                                                   for c in exact[i:end]):
                continue
            if end < len(exact) and _is_hiragana(exact[end]) and exact[end] not in _PARTICLE_AFTER:
                continue
            return word, end
        return None, i


def _overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


class _Engine:
    """All lexicons compiled once, with one index from a token form to the patterns that may
    start there."""

    def __init__(self) -> None:
        classes = {name: tuple(items for w in words if (items := _entry_items(w)))
                   for name, words in needs_data.WORD_CLASSES.items()}
        self._index: dict[str, list[tuple[int, str, _Pattern]]] = defaultdict(list)
        self.lexicons: list[_Lexicon] = []
        words: list[str] = []

        def lexicon(entries: Iterable[str], exempt: Iterable[str] = ()) -> int:
            plain, regexes, patterns = [], [], []
            for entry in entries:
                if entry.startswith("re:"):
                    regexes.append(entry)
                elif entry.startswith("=") or _is_phrase(entry):
                    patterns.append(_Pattern.parse(entry.removeprefix("="), classes))
                    if entry.startswith("="):
                        words.append(entry[1:])
                else:
                    plain.append(entry)
                    words.append(entry)
                    patterns.append(_Pattern.parse(entry, classes))
            exempt_plain, exempt_regexes, exempt_patterns, sentence = [], [], [], []
            for entry in exempt:
                if entry.startswith("re:"):
                    exempt_regexes.append(_regex(entry))
                elif entry.startswith("sentence:"):
                    sentence.append(_Pattern.parse(entry.removeprefix("sentence:"), classes))
                else:
                    if not entry.startswith("=") and not _is_phrase(entry):
                        exempt_plain.append(_plain_pattern(fold(entry)))
                    exempt_patterns.append(_Pattern.parse(entry.removeprefix("="), classes))
            number = len(self.lexicons)
            lex = _Lexicon(_Surface.build(plain, regexes),
                           _compiled(exempt_plain + exempt_regexes),
                           [p for p in patterns if p.elements],
                           [p for p in exempt_patterns if p.elements], sentence)
            self.lexicons.append(lex)
            for role, group in (("hit", lex.patterns), ("exempt", lex.exempt),
                                ("sentence", lex.sentence_exempt)):
                for pattern in group:
                    for form in pattern.first_forms:
                        self._index[form].append((number, role, pattern))
            return number

        self.needs = {
            tag: lexicon([*needs_data.NEED_KEYWORDS.get(tag, ()),
                          *needs_data.NEED_PHRASES.get(tag, ())],
                         needs_data.NEED_EXEMPT.get(tag, ()))
            for tag in NEED_TAGS
        }

        def terms(*tables: Mapping[str, tuple[str, ...]]) -> list[tuple[str, int]]:
            merged = {t: e for table in tables for t, e in table.items()}
            # Patterns first, then longer words, so 労働組合 is reported once and not again
            # as 組合.
            order = sorted(merged, key=lambda t: (not (t.startswith("re:") or _is_phrase(t)),
                                                  -len(t)))
            return [(t, lexicon([t], merged[t])) for t in order]

        self.sensitive = terms(needs_data.SENSITIVE_TERMS, needs_data.SENSITIVE_PHRASES)
        self.employment = terms(needs_data.EMPLOYMENT_TERMS, {
            term: (*exempt, *needs_data.STAFF_ROUTINE)
            for term, exempt in needs_data.EMPLOYMENT_WHEN_ASKED.items()})
        self.request = lexicon(needs_data.REQUEST_MARKERS)
        self.advice_visit = lexicon(needs_data.ADVICE_VISIT_MARKERS)
        self.recruiting = lexicon(needs_data.RECRUITING_MARKERS)
        self.advisor = lexicon(needs_data.ADVISOR_MARKERS)
        self.readings = _Readings(words)
        self._by_initial: dict[str, set[int]] = defaultdict(set)
        self._always: set[int] = set()
        for number, lex in enumerate(self.lexicons):
            if lex.surface.initials is None:
                self._always.add(number)
            for c in lex.surface.initials or ():
                self._by_initial[c].add(number)

    def surface_candidates(self, characters: set[str]) -> set[int]:
        """Lexicons whose surface entries may occur in text made of these characters."""
        found = set(self._always)
        for c in characters:
            found.update(self._by_initial.get(c, ()))
        return found

    def read(self, notes: str) -> _Reading:
        note = _Note(notes, self.readings)
        found: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        tokens = note.tokens
        for i, token in enumerate(tokens):
            candidates = [c for form in token.forms for c in self._index.get(form, ())]
            if token.number:
                candidates.extend(self._index.get(_NUMBER, ()))
            for number, role, pattern in dict.fromkeys(candidates):
                end = pattern.match_at(tokens, i)
                if end is not None:
                    found[number, role].append((token.start, tokens[end - 1].end))
        return _Reading(self, note, found)


class _Reading:
    """One note read against the lexicons: the spans each lexicon matched."""

    def __init__(self, engine: _Engine, note: _Note,
                 found: dict[tuple[int, str], list[tuple[int, int]]]) -> None:
        self.engine, self.note, self._found = engine, note, found
        # lexicons that can match at all: a token pattern did, or a surface entry may
        self._possible = engine.surface_candidates(note.characters) | {
            number for number, role in found if role == "hit"}

    def spans(self, number: int) -> list[tuple[int, int]]:
        """Where lexicon `number` matched, minus its exemptions, in order."""
        if number not in self._possible:
            return []
        lex = self.engine.lexicons[number]
        prepared = self.note.prepared
        folded, exact = prepared.folded, prepared.exact
        exempt = list(self._found.get((number, "exempt"), ()))
        blanked = [m.span() for m in lex.surface_exempt.finditer(folded)] \
            if lex.surface_exempt else []
        if blanked:
            exempt.extend(blanked)
            chars = list(folded)
            for start, end in blanked:
                chars[start:end] = "\0" * (end - start)
            folded = "".join(chars)
            exact = "".join("\0" if f == "\0" else e for f, e in zip(folded, exact, strict=True))
        exempt_sentences = {self.note.sentence_of(s)
                            for s, _ in self._found.get((number, "sentence"), ())}
        hits = lex.surface.spans(folded, exact) + self._found.get((number, "hit"), [])
        return sorted({span for span in hits
                       if not _overlaps(span, exempt)
                       and self.note.sentence_of(span[0]) not in exempt_sentences})

    def sentences(self, number: int) -> set[int]:
        return {self.note.sentence_of(start) for start, _ in self.spans(number)}

    def asking_sentences(self) -> set[int]:
        """Sentences that ask for something: a request word, or ending in て/で."""
        asking = self.sentences(self.engine.request)
        last: dict[int, _Token] = {}
        for token in self.note.tokens:
            if not token.forms & _SENTENCE_TAIL:
                last[token.sentence] = token
        asking.update(s for s, token in last.items() if token.forms & {"テ", "デ"})
        return asking


_ENGINE: _Engine | None = None
_ENGINE_LOCK = threading.Lock()


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                _ENGINE = _Engine()
    return _ENGINE


@functools.lru_cache(maxsize=256)
def _read(notes: str) -> _Reading:
    """The wizard asks for needs and warnings of the same notes in one request: read once."""
    return _engine().read(notes)


# ---- the API ---------------------------------------------------------------------------------

def infer_needs(notes: str) -> list[str]:
    """Need tags the notes imply, in taxonomy order (suggestions for the officer to accept)."""
    if not notes or not notes.strip():
        return []
    engine = _engine()
    reading = _read(notes)
    return [tag for tag, number in engine.needs.items() if reading.spans(number)]


def _find_terms(reading: _Reading, terms: list[tuple[str, int]], skip=None) -> list[str]:
    note = reading.note
    taken = [False] * len(note.prepared.exact)
    hits: list[tuple[int, str]] = []
    for term, number in terms:
        for start, end in reading.spans(number):
            if any(taken[start:end]) or (skip and skip(term, start)):
                continue
            taken[start:end] = [True] * (end - start)
            hits.append((start, note.shown(start, end)))
    return list(dict.fromkeys(text for _, text in sorted(hits)))


def detect_warnings(notes: str) -> list[NoteWarning]:
    """Warnings for the notes: `sensitive_info` (JAPAN.md §4, must not be collected) and
    `employment_like` (reads like hiring, not a 準委任 advisory contract)."""
    if not notes or not notes.strip():
        return []
    engine = _engine()
    reading = _read(notes)
    warnings = []
    sensitive = _find_terms(reading, engine.sensitive)
    if sensitive:
        warnings.append(NoteWarning(SENSITIVE_INFO, needs_data.SENSITIVE_MESSAGE, sensitive))

    recruiting = reading.sentences(engine.recruiting) - reading.sentences(engine.advisor)
    asking = reading.asking_sentences() - reading.sentences(engine.advice_visit)

    def not_employment(term: str, start: int) -> bool:
        sentence = reading.note.sentence_of(start)
        if term in needs_data.EMPLOYMENT_RECRUITING_TERMS and sentence in recruiting:
            return True  # the client's own recruiting
        return term in needs_data.EMPLOYMENT_WHEN_ASKED and sentence not in asking

    employment = _find_terms(reading, engine.employment, skip=not_employment)
    if employment:
        warnings.append(NoteWarning(EMPLOYMENT_LIKE, needs_data.EMPLOYMENT_MESSAGE, employment))
    return warnings
