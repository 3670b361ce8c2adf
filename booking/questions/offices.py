"""Which office a question names ("jam buka kanim denpasar"), from the offices' codes
and cities, typos allowed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from booking.questions.normalize import words

# Words of office names that name no particular office.
GENERIC = frozenset({"kantor", "imigrasi", "kota", "kabupaten", "kab", "ulp", "ukk"})
# A typed word this close to a city's word (0..100) counts as it.
CITY_CUTOFF = 85.0


@dataclass(frozen=True)
class OfficeName:
    office_id: int
    code: str
    city: str


@dataclass(frozen=True)
class Mentions:
    """The offices a text names (several when it is ambiguous: "jakarta"), and
    the text's words with the office's words taken out."""

    office_ids: tuple[int, ...]
    rest: str


def _same(typed: str, word: str) -> bool:
    return typed == word or (len(word) >= 5 and fuzz.ratio(typed, word) >= CITY_CUTOFF)


def find_offices(text: str, offices: Iterable[OfficeName]) -> Mentions:
    """Offices named in full (code, or every word of the city) win; else those whose
    city shares a distinctive word with the text ("jakarta": both Jakarta offices)."""
    typed = words(text)
    full: list[int] = []
    partial: list[int] = []
    used: set[int] = set()
    for office in offices:
        city = [w for w in words(office.city) if w not in GENERIC]
        code = office.code.lower()
        hits = [i for i, t in enumerate(typed) if any(_same(t, w) for w in city)]
        code_hits = [i for i, t in enumerate(typed) if t == code]
        if code_hits or (city and len({typed[i] for i in hits}) >= len(city)):
            full.append(office.office_id)
            used.update(hits + code_hits)
        elif hits:
            partial.append(office.office_id)
            used.update(hits)
    chosen = full or partial
    rest = " ".join(t for i, t in enumerate(typed) if i not in used) if chosen else text
    return Mentions(tuple(chosen), rest)
