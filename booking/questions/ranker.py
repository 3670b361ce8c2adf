"""Ranking the knowledge base's entries for a question with BM25.

Two indexes, added up: one of short documents (an entry's question, each of its
phrasings, and its answer, each a document; an entry scores its best document),
and one with a single document per entry (all of its texts). The short documents
reward a phrasing that says exactly what was asked; the whole entry rewards the
words that make it different from its neighbours ("anak" for the children's
documents, not the adults'). A third signal, added with ``CHAR_WEIGHT``, is
the character n-gram similarity of the question to the entry's question and
phrasings (``chargrams``): it catches typos and affixes that whole words miss.

Whether the best entry answers at all is decided with ``coverage`` too: the share
of the question's weight (inverse document frequency) found in the entry. A
question about something the knowledge base never mentions ("resep nasi goreng")
matches only its common words, if any, and is abstained on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from booking.questions.chargrams import CharGramIndex
from booking.questions.knowledge import Entry, KnowledgeBase
from booking.questions.normalize import Normalizer, words

# Answers are long and mention much in passing: their matches count for less.
ANSWER_WEIGHT = 0.6
# The whole-entry score's weight against the best short document's.
ENTRY_WEIGHT = 2.0
# The character n-gram similarity's weight (it is 0..1, BM25 scores reach ~30);
# chosen on the tuning split: 10, 15 and 20 all beat BM25 alone, 20 the most.
CHAR_WEIGHT = 20.0


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float
    coverage: float  # 0..1: the share of the question's term weight found in the entry


def _bm25(docs: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index(docs, show_progress=False)
    return index


class QuestionRanker:
    """Built once from the knowledge base (at start-up), then ranks questions."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        vocabulary: set[str] = set()
        for entry in knowledge.entries:
            for text in [*entry.texts(), entry.a.id, entry.a.en]:
                vocabulary.update(words(text))
        self.normalizer = Normalizer(vocabulary)
        short: list[list[str]] = []
        owner: list[int] = []
        weight: list[float] = []
        whole: list[list[str]] = []
        for index, entry in enumerate(knowledge.entries):
            texts = [(t, 1.0) for t in entry.texts()]
            texts += [(entry.a.id, ANSWER_WEIGHT), (entry.a.en, ANSWER_WEIGHT)]
            terms_of_entry: list[str] = []
            for text, text_weight in texts:
                terms = self.normalizer.terms(text)
                short.append(terms)
                owner.append(index)
                weight.append(text_weight)
                terms_of_entry += terms
            whole.append(terms_of_entry)
        self.chars = CharGramIndex(
            [
                [word for text in entry.texts() for word in self.normalizer.corrected(text)]
                for entry in knowledge.entries
            ]
        )
        self.short = _bm25(short)
        self.whole = _bm25(whole)
        self.owner = np.array(owner)
        self.weight = np.array(weight, dtype=np.float32)
        self.entry_terms = [set(terms) for terms in whole]
        frequency: dict[str, int] = {}
        for found in self.entry_terms:
            for term in found:
                frequency[term] = frequency.get(term, 0) + 1
        count = len(whole)
        self.idf = {t: math.log(1 + (count - n + 0.5) / (n + 0.5)) for t, n in frequency.items()}
        self.unknown_idf = math.log(1 + (count + 0.5) / 0.5)

    def rank(self, question: str, limit: int = 3) -> list[Match]:
        """The best entries for ``question``, best first (empty: nothing matched)."""
        corrected = self.normalizer.corrected(question)
        terms = self.normalizer.stems(corrected)
        if not terms:
            return []
        best_short = np.zeros(len(self.knowledge.entries), dtype=np.float32)
        np.maximum.at(best_short, self.owner, self.short.get_scores(terms) * self.weight)
        words_score = best_short + ENTRY_WEIGHT * self.whole.get_scores(terms)
        # An entry sharing no word with the question is no match (a booking code
        # typed here is not a question); the n-grams only add to those that are.
        scores = np.where(
            words_score > 0, words_score + CHAR_WEIGHT * self.chars.similarities(corrected), 0
        )
        asked = set(terms)
        total = sum(self.idf.get(t, self.unknown_idf) for t in asked)
        matches = []
        for index in np.argsort(-scores)[:limit]:
            if scores[index] <= 0:
                break
            found = sum(self.idf[t] for t in asked & self.entry_terms[index])
            matches.append(
                Match(self.knowledge.entries[index], float(scores[index]), found / total)
            )
        return matches


@dataclass(frozen=True)
class Thresholds:
    """When the best match is taken as the answer: its score, its coverage and its
    lead over the second entry (a share of its score) must clear these. Chosen on
    the tuning split (``python -m bench questions --tune``)."""

    min_score: float = 13.0
    min_coverage: float = 0.0
    min_lead: float = 0.03


def choose(matches: Sequence[Match], thresholds: Thresholds) -> Match | None:
    """The answer to give, or None to abstain (also for an ``outside`` entry)."""
    if not matches:
        return None
    best = matches[0]
    if best.entry.outside:
        return None
    if best.score < thresholds.min_score or best.coverage < thresholds.min_coverage:
        return None
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    if best.score - runner_up < thresholds.min_lead * best.score:
        return None
    return best
