"""Benchmark of reading intake notes (app.matching.inference) on the evaluation set
tests/data/eval_notes.json: precision and recall of need inference (micro-averaged over
(note, tag) pairs, and per tag), precision and recall of each warning (per note), the notes
it gets wrong, and the time per note (first call, which loads the tokenizer, and warm).
Prints figures; asserts nothing (tests/matching/test_eval_set.py holds the targets).

    .venv/bin/python bench/bench_inference.py [--runs 5] [--errors]
"""
import argparse
import statistics
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.matching import inference  # noqa: E402
from app.matching.taxonomy import NEED_TAGS  # noqa: E402
from tests.matching.test_eval_set import evaluate, load_eval_notes  # noqa: E402


def line(name: str, counts, width: int = 28) -> str:
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in name)
    return (f"  {name}{' ' * (width - shown)} P {counts.precision:5.3f}  R {counts.recall:5.3f}"
            f"   (tp {counts.tp}, fp {counts.fp}, fn {counts.fn})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="warm passes over the set to time")
    parser.add_argument("--errors", action="store_true", help="list every note it gets wrong")
    args = parser.parse_args()
    notes = load_eval_notes()

    started = time.perf_counter()
    inference.infer_needs(notes[0]["notes"])
    first = time.perf_counter() - started

    result = evaluate(notes)
    labelled = {code: sum(code in n["warnings"] for n in notes) for code in result.warnings}
    print(f"evaluation set: {len(notes)} notes, "
          + ", ".join(f"{n} labelled {code}" for code, n in labelled.items()))
    print("needs (micro over (note, tag) pairs):")
    print(line("all tags", result.needs))
    for tag in NEED_TAGS:
        print(line(tag, result.per_tag[tag]))
    print("warnings (per note):")
    for code, counts in result.warnings.items():
        print(line(code, counts))
        if result.missed[code]:
            print(f"    missed: {', '.join(result.missed[code])}")
        if result.false_alarms[code]:
            print(f"    false alarms: {', '.join(result.false_alarms[code])}")
    if args.errors:
        print("need errors (id: extra / missing):")
        for note_id, extra, missing in result.need_errors:
            print(f"  {note_id}: +{extra} -{missing}")

    wall, cpu = [], []
    for _ in range(args.runs):
        inference._read.cache_clear()  # time the reading, not the cache
        started, started_cpu = time.perf_counter(), time.process_time()
        for note in notes:
            inference.infer_needs(note["notes"])
            inference.detect_warnings(note["notes"])
        wall.append((time.perf_counter() - started) / len(notes) * 1000)
        cpu.append((time.process_time() - started_cpu) / len(notes) * 1000)
    chars = statistics.mean(len(n["notes"]) for n in notes)
    print(f"time: first call {first * 1000:.0f} ms (loads the tokenizer and word lists); "
          f"infer_needs + detect_warnings {statistics.median(wall):.2f} ms per note "
          f"({statistics.median(cpu):.2f} ms CPU; median of {args.runs} passes, notes of "
          f"{chars:.0f} characters on average)")


if __name__ == "__main__":
    main()
