"""Character n-grams: the second signal beside BM25.

An entry's question and phrasings, as corrected words, are cut into pieces of 3 to
5 letters (" syarat " gives " sy", "sya", ..., "rat "), weighted by TF-IDF over
the entries, and compared with the question's pieces by cosine similarity (0..1).
Pieces survive what whole words do not: a typo the corrector left alone
("persyaratn"), an affix the stemmer does not know ("diingetin", "dimundurin"),
an English plural. Built once with the ranker; nothing is downloaded.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

SHORTEST = 3
LONGEST = 5


def char_grams(words: Iterable[str]) -> Counter[str]:
    """The 3- to 5-letter pieces of each word, its edges marked by a space."""
    found: Counter[str] = Counter()
    for word in words:
        padded = f" {word} "
        for size in range(SHORTEST, LONGEST + 1):
            found.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return found


class CharGramIndex:
    """TF-IDF vectors of character n-grams, one per document (an entry's texts)."""

    def __init__(self, documents: Sequence[Iterable[str]]) -> None:
        grams = [char_grams(words) for words in documents]
        count = len(grams)
        frequency: Counter[str] = Counter()
        for found in grams:
            frequency.update(found.keys())
        self.size = count
        self.idf = {g: math.log((count + 1) / (n + 1)) + 1 for g, n in frequency.items()}
        self.row = {gram: row for row, gram in enumerate(frequency)}
        # one row per gram, one column per document: the documents' unit vectors
        self.weights = np.zeros((len(self.row), count), dtype=np.float32)
        for column, found in enumerate(grams):
            for gram, weight in self._vector(found).items():
                self.weights[self.row[gram], column] = weight

    def _vector(self, found: Counter[str]) -> dict[str, float]:
        unseen = math.log(self.size + 1) + 1
        vector = {g: (1 + math.log(n)) * self.idf.get(g, unseen) for g, n in found.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {g: w / norm for g, w in vector.items()}

    def similarities(self, words: Iterable[str]) -> np.ndarray:
        """Cosine similarity of ``words`` to every document, 0..1."""
        vector = self._vector(char_grams(words))
        known = [(self.row[g], w) for g, w in vector.items() if g in self.row]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        rows, weights = zip(*known, strict=True)
        return np.asarray(weights, dtype=np.float32) @ self.weights[list(rows)]
