"""Need inference and warnings against the evaluation set (tests/data/eval_notes.json): intake
notes as clients say them, labelled by hand with the needs and warnings a careful officer
would record. The labels were written before the word lists were tuned and are not changed
to fit the output. bench/bench_inference.py prints the same figures in detail."""
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.matching.inference import EMPLOYMENT_LIKE, SENSITIVE_INFO, detect_warnings, infer_needs
from app.matching.taxonomy import NEED_TAGS

EVAL_NOTES = Path(__file__).resolve().parent.parent / "data" / "eval_notes.json"
WARNING_CODES = (SENSITIVE_INFO, EMPLOYMENT_LIKE)

# Targets of the issue for needs, micro-averaged over (note, tag) pairs.
NEED_RECALL, NEED_PRECISION = 0.9, 0.85
# Employment-like: the officer rephrases what is flagged, so a false alarm costs little and
# a miss lets an employment-like request through; floors below the current 1.0 / 1.0 leave
# room for a new note or two without hiding a regression.
EMPLOYMENT_RECALL, EMPLOYMENT_PRECISION = 0.9, 0.8
SENSITIVE_PRECISION = 0.8  # recall must be 1.0: every sensitive note caught


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, predicted: set, expected: set) -> None:
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)


@dataclass
class Evaluation:
    needs: Counts = field(default_factory=Counts)
    per_tag: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in NEED_TAGS})
    warnings: dict[str, Counts] = field(
        default_factory=lambda: {c: Counts() for c in WARNING_CODES})
    missed: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in WARNING_CODES})
    false_alarms: dict[str, list[str]] = field(
        default_factory=lambda: {c: [] for c in WARNING_CODES})
    need_errors: list[tuple[str, list[str], list[str]]] = field(default_factory=list)


def load_eval_notes() -> list[dict]:
    return json.loads(EVAL_NOTES.read_text(encoding="utf-8"))


def evaluate(notes: list[dict]) -> Evaluation:
    """Precision and recall of infer_needs (per (note, tag) pair) and of each warning (per
    note) on labelled notes."""
    result = Evaluation()
    for note in notes:
        predicted, expected = set(infer_needs(note["notes"])), set(note["needs"])
        result.needs.add(predicted, expected)
        for tag in NEED_TAGS:
            result.per_tag[tag].add(predicted & {tag}, expected & {tag})
        if predicted != expected:
            result.need_errors.append((note["id"], sorted(predicted - expected),
                                       sorted(expected - predicted)))
        codes = {w.code for w in detect_warnings(note["notes"])}
        for code in WARNING_CODES:
            flagged, labelled = code in codes, code in note["warnings"]
            result.warnings[code].add({note["id"]} if flagged else set(),
                                      {note["id"]} if labelled else set())
            if labelled and not flagged:
                result.missed[code].append(note["id"])
            if flagged and not labelled:
                result.false_alarms[code].append(note["id"])
    return result


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate(load_eval_notes())


def test_the_set_is_large_varied_and_well_formed():
    notes = load_eval_notes()
    assert len(notes) >= 60
    assert len({n["id"] for n in notes}) == len(notes)
    assert len({n["notes"] for n in notes}) == len(notes)
    for note in notes:
        assert set(note) == {"id", "notes", "needs", "warnings"}, note["id"]
        assert set(note["needs"]) <= set(NEED_TAGS), note["id"]
        assert set(note["warnings"]) <= set(WARNING_CODES), note["id"]
    labelled = Counter(code for n in notes for code in n["warnings"])
    assert labelled[SENSITIVE_INFO] >= 8 and labelled[EMPLOYMENT_LIKE] >= 6
    assert sum(1 for n in notes if not n["warnings"]) >= 40  # look-alikes and plain notes
    assert Counter(t for n in notes for t in n["needs"]).keys() == set(NEED_TAGS)


def test_need_inference_meets_the_targets(evaluation):
    needs = evaluation.needs
    assert needs.recall >= NEED_RECALL, (needs.recall, evaluation.need_errors)
    assert needs.precision >= NEED_PRECISION, (needs.precision, evaluation.need_errors)


def test_every_sensitive_note_is_caught(evaluation):
    assert evaluation.missed[SENSITIVE_INFO] == []
    assert evaluation.warnings[SENSITIVE_INFO].precision >= SENSITIVE_PRECISION, \
        evaluation.false_alarms[SENSITIVE_INFO]


def test_employment_like_notes_are_flagged(evaluation):
    counts = evaluation.warnings[EMPLOYMENT_LIKE]
    assert counts.recall >= EMPLOYMENT_RECALL, evaluation.missed[EMPLOYMENT_LIKE]
    assert counts.precision >= EMPLOYMENT_PRECISION, evaluation.false_alarms[EMPLOYMENT_LIKE]
