"""Turning chat text into search terms: lower case, chat abbreviations expanded,
typos corrected against the knowledge base's own words, Indonesian stemming.

"brp biaya bikin pasport elektornik 10thn" becomes the terms of
"berapa biaya buat paspor elektronik 10 tahun", stemmed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

# Common Indonesian chat spellings (WhatsApp style) -> the standard word.
ABBREVIATIONS = {
    "brp": "berapa",
    "brapa": "berapa",
    "gmn": "bagaimana",
    "gmna": "bagaimana",
    "bgmn": "bagaimana",
    "gimana": "bagaimana",
    "gmana": "bagaimana",
    "yg": "yang",
    "utk": "untuk",
    "untk": "untuk",
    "bikin": "buat",
    "bkin": "buat",
    "sy": "saya",
    "aq": "saya",
    "aku": "saya",
    "gw": "saya",
    "gue": "saya",
    "gak": "tidak",
    "ga": "tidak",
    "gk": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "enggak": "tidak",
    "engga": "tidak",
    "tdk": "tidak",
    "ndak": "tidak",
    "dgn": "dengan",
    "dg": "dengan",
    "tp": "tapi",
    "kalo": "kalau",
    "klo": "kalau",
    "klu": "kalau",
    "udah": "sudah",
    "udh": "sudah",
    "sdh": "sudah",
    "dah": "sudah",
    "blm": "belum",
    "thn": "tahun",
    "th": "tahun",
    "bln": "bulan",
    "hr": "hari",
    "org": "orang",
    "jg": "juga",
    "aja": "saja",
    "bs": "bisa",
    "bsa": "bisa",
    "krn": "karena",
    "karna": "karena",
    "knp": "kenapa",
    "hrs": "harus",
    "dmn": "dimana",
    "ilang": "hilang",
    "dateng": "datang",
    "pake": "pakai",
    "liat": "lihat",
    "telp": "telepon",
    "tlp": "telepon",
    "nmr": "nomor",
    "kanim": "kantor imigrasi",
    "paspot": "paspor",
    "pasport": "paspor",
    "pasfor": "paspor",
    "e-paspor": "paspor elektronik",
    "epaspor": "paspor elektronik",
    "e-passport": "electronic passport",
    "epassport": "electronic passport",
    "mbanking": "mobile banking",
    "m-banking": "mobile banking",
    "jaksel": "jakarta selatan",
    "jakpus": "jakarta pusat",
    "dapet": "dapat",
    "nanya": "tanya",
    "nyari": "cari",
    "ngurus": "urus",
    "ngambil": "ambil",
    "skrg": "sekarang",
    "trs": "terus",
    "bener": "benar",
    "emang": "memang",
    "duit": "uang",
}

# Words people use for what the knowledge base says in another word.
SYNONYMS = {
    "umur": "usia",
    "harga": "biaya",
    "ongkos": "biaya",
    "tarif": "biaya",
    "berkas": "dokumen",
    "persyaratan": "syarat",
    "hancur": "rusak",
    "robek": "rusak",
    "sobek": "rusak",
    "ilang": "hilang",
    "expired": "habis",
    "kadaluarsa": "habis",
    "kedaluwarsa": "habis",
    "mati": "habis",
    "balita": "anak",
    "bayi": "anak",
    "kids": "child",
    "children": "child",
    "son": "child",
    "daughter": "child",
    "cost": "fee",
    "price": "fee",
}

# Words that carry no meaning for matching, in both languages.
STOPWORDS = frozenset(
    "yang di ke dari dan atau itu ini ya sih dong deh kah lah pun nya juga saja aja "
    "sekarang nih saya kami kita anda kamu mau ingin tolong mohon min kak pak bu gan halo hai "
    "the a an of to for in on at is are am be do does did i my me you your it can "
    "with and or please what how".split()
)

_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# "10thn", "3th", "5tahun": a number glued to its unit.
_NUMBER_UNIT = re.compile(r"^(\d+)([a-z]+)$")
# Words shorter than this are never corrected (too many near neighbours).
MIN_FUZZY_LENGTH = 4
FUZZY_CUTOFF = 80.0


def fold(text: str) -> str:
    """Lower case, accents removed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The words of ``text``, lower case, abbreviations expanded, numbers split
    from their units; reduplication ("anak-anak", "anak2") made single."""
    out: list[str] = []
    tokens = _TOKEN.findall(fold(text))
    for i, raw in enumerate(tokens):
        token = raw
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if raw == "e" and following in ("paspor", "passport"):  # "e paspor"
            token = "electronic" if following == "passport" else "elektronik"
        if token in ABBREVIATIONS:
            out.extend(ABBREVIATIONS[token].split())
            continue
        parts = token.split("-")
        if len(parts) == 2 and parts[0] == parts[1]:
            token = parts[0]
        elif len(parts) > 1:
            out.extend(words(" ".join(parts)))
            continue
        glued = _NUMBER_UNIT.match(token)
        if glued:
            number, unit = glued.groups()
            if unit == "2":
                out.append(number)
                continue
            out.append(number)
            out.extend(ABBREVIATIONS.get(unit, unit).split())
            continue
        if token.endswith("2") and token[:-1].isalpha():
            token = token[:-1]
        out.append(ABBREVIATIONS.get(token, token))
    return [SYNONYMS.get(w, w) for w in out]


def standard_verb(word: str) -> str:
    """Jakarta chat verbs in -in ("batalin", "dikabarin") as the standard -kan."""
    if len(word) > 5 and word.endswith("in") and word[-3] not in "aeiou":
        return word[:-2] + "kan"
    return word


class Normalizer:
    """Makes search terms of a text. ``vocabulary`` is every word the knowledge
    base uses: an unknown word close to one of them is taken as a typo of it."""

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        self.stemmer = StemmerFactory().create_stemmer()
        self.known = set(vocabulary)
        self.vocabulary = sorted(w for w in self.known if len(w) >= MIN_FUZZY_LENGTH)
        self.known_stems = {self.stem(w) for w in self.known}

    def correct(self, word: str) -> str:
        """The vocabulary word ``word`` is a typo of, or ``word`` itself."""
        if word in self.known or len(word) < MIN_FUZZY_LENGTH or word.isdigit():
            return word
        if self.stem(word) in self.known_stems:  # "alamatnya": a known word, inflected
            return word
        standard = standard_verb(word)
        if standard != word:
            return standard
        match = process.extractOne(
            word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        return match[0] if match else word

    def stem(self, word: str) -> str:
        return str(self.stemmer.stem(word)) or word

    def corrected(self, text: str) -> list[str]:
        """Corrected words without stop words, not stemmed."""
        return [self.correct(word) for word in words(text) if word not in STOPWORDS]

    def stems(self, corrected: Iterable[str]) -> list[str]:
        """The search terms of corrected words: stemmed, stop words out."""
        stems = (self.stem(word) for word in corrected)
        return [term for term in stems if term and term not in STOPWORDS]

    def terms(self, text: str) -> list[str]:
        """Stemmed, corrected words without stop words."""
        return self.stems(self.corrected(text))
