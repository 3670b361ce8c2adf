"""Answering free-text questions: accuracy, abstention and latency of the ranker.

Each item of the evaluation set (``bench/data/questions.jsonl``) names the entry of
the knowledge base that answers it, or "abstain" when the bot must not answer
(SIM, visas, KTP, taxes, live queues, complaints about a person, small talk). The
items were written apart from the entries' example phrasings; the scenario reports
how close each item comes to any phrasing (``max_phrasing_similarity``), so a
copied phrasing shows.

Reported: top-1 accuracy on in-scope items (answered with the right entry), the
wrong-answer rate (answered with another entry, over all items), abstention
recall (out-of-scope items abstained on) and latency per question (office
detection, normalisation, ranking and the decision). Targets: top-1 >= 0.85,
wrong answers <= 0.05, abstention recall >= 0.8, p99 <= 20 ms.

``--tune`` searches the thresholds on the tuning split
(``bench/data/questions_tune.jsonl``) and prints the best; the evaluation set is
never used to choose them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from booking.admin.offices_file import read_offices_file
from booking.offices.content import DEFAULT_CONTENT_FILE
from booking.questions.knowledge import load_knowledge
from booking.questions.offices import OfficeName, find_offices
from booking.questions.ranker import Match, QuestionRanker, Thresholds, choose

DATA = Path(__file__).parent / "data"
EVALUATION = DATA / "questions.jsonl"
TUNING = DATA / "questions_tune.jsonl"
OFFICES = Path(DEFAULT_CONTENT_FILE).parent / "offices.yaml"
ABSTAIN = "abstain"
TARGETS = {"top1_accuracy": 0.85, "wrong_answer_rate": 0.05, "abstain_recall": 0.8, "p99_ms": 20}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=Path, default=EVALUATION, help="evaluation set (JSONL)")
    parser.add_argument(
        "--tune", action="store_true", help="search the thresholds on the tuning split"
    )
    parser.add_argument("--misses", action="store_true", help="list the items got wrong")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")


@dataclass(frozen=True)
class Item:
    question: str
    expect: str
    lang: str


def read_items(path: Path) -> list[Item]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            items.append(Item(raw["q"], raw["expect"], raw.get("lang", "id")))
    return items


def sample_offices() -> list[OfficeName]:
    specs = read_offices_file(OFFICES)
    return [OfficeName(i, s.code, s.city) for i, s in enumerate(specs, start=1)]


def rank(ranker: QuestionRanker, offices: list[OfficeName], question: str) -> list[Match]:
    """What the bot does with a question before deciding: the office words out, then rank."""
    return ranker.rank(find_offices(question, offices).rest)


def figures(items: list[Item], ranked: list[list[Match]], thresholds: Thresholds) -> dict[str, Any]:
    in_scope = [i for i, item in enumerate(items) if item.expect != ABSTAIN]
    out_scope = [i for i, item in enumerate(items) if item.expect == ABSTAIN]
    chosen = [choose(m, thresholds) for m in ranked]
    right = sum(1 for i in in_scope if chosen[i] and chosen[i].entry.id == items[i].expect)
    wrong = sum(1 for i, c in enumerate(chosen) if c is not None and c.entry.id != items[i].expect)
    abstained = sum(1 for i in out_scope if chosen[i] is None)
    return {
        "items": len(items),
        "in_scope_items": len(in_scope),
        "top1_accuracy": round(right / len(in_scope), 4) if in_scope else 0.0,
        "wrong_answer_rate": round(wrong / len(items), 4) if items else 0.0,
        "abstain_recall": round(abstained / len(out_scope), 4) if out_scope else 0.0,
        "in_scope_abstained": sum(1 for i in in_scope if chosen[i] is None),
    }


def tune(ranker: QuestionRanker, offices: list[OfficeName]) -> Thresholds:
    """The thresholds with the best right-minus-twice-wrong answers on the tuning
    split (a wrong answer is worse than "I'll ask the staff"), among those keeping
    abstention recall >= 0.8."""
    items = read_items(TUNING)
    ranked = [rank(ranker, offices, item.question) for item in items]
    best: tuple[float, Thresholds] | None = None
    scores = [x / 2 for x in range(0, 41)]
    coverages = [x / 10 for x in range(0, 6)]
    leads = [x / 100 for x in range(0, 31, 3)]
    for min_score, min_coverage, min_lead in itertools.product(scores, coverages, leads):
        t = Thresholds(min_score=min_score, min_coverage=min_coverage, min_lead=min_lead)
        f = figures(items, ranked, t)
        if f["abstain_recall"] < 0.8:
            continue
        gain = f["top1_accuracy"] * f["in_scope_items"] - 2 * f["wrong_answer_rate"] * f["items"]
        if best is None or gain > best[0]:
            best = (gain, t)
    return best[1] if best else Thresholds()


def max_phrasing_similarity(ranker: QuestionRanker, items: list[Item]) -> float:
    """How close the closest item comes to any phrasing of the knowledge base (0..100)."""
    phrasings = [t.lower() for e in ranker.knowledge.entries for t in e.texts()]
    return max(max(fuzz.ratio(item.question.lower(), p) for p in phrasings) for item in items)


def main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    ranker = QuestionRanker(load_knowledge())
    build_ms = (time.perf_counter() - started) * 1000
    offices = sample_offices()
    thresholds = tune(ranker, offices) if args.tune else Thresholds()
    items = read_items(args.items)
    ranked: list[list[Match]] = []
    latencies: list[float] = []
    for item in items:
        t0 = time.perf_counter()
        matches = rank(ranker, offices, item.question)
        choose(matches, thresholds)
        latencies.append((time.perf_counter() - t0) * 1000)
        ranked.append(matches)
    result = figures(items, ranked, thresholds)
    latencies.sort()
    result |= {
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 3),
        "max_ms": round(latencies[-1], 3),
        "index_build_ms": round(build_ms, 1),
        "min_score": thresholds.min_score,
        "min_coverage": thresholds.min_coverage,
        "min_lead": thresholds.min_lead,
        "max_phrasing_similarity": round(max_phrasing_similarity(ranker, items), 1),
    }
    if args.misses:
        for item, matches in zip(items, ranked, strict=True):
            got = choose(matches, thresholds)
            got_id = got.entry.id if got else ABSTAIN
            if got_id != item.expect:
                top = [(m.entry.id, round(m.score, 2), round(m.coverage, 2)) for m in matches]
                print(f"{item.expect:>22} <- {got_id:<22} {item.question!r} {top}")
    for name, value in result.items():
        target = TARGETS.get(name)
        suffix = f" (target {'<=' if name in ('wrong_answer_rate', 'p99_ms') else '>='} {target})"
        print(f"{name:>24}: {value}{suffix if target is not None else ''}")
    if args.json:
        print(json.dumps(result))
    return 0
