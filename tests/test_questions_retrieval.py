"""Normalisation, stemming, office detection and ranking of free-text questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from booking.offices.content import load_content
from booking.questions.chargrams import CharGramIndex, char_grams
from booking.questions.knowledge import OfficeFact, load_knowledge
from booking.questions.normalize import Normalizer, standard_verb, words
from booking.questions.offices import OfficeName, find_offices
from booking.questions.ranker import QuestionRanker, Thresholds, choose


@pytest.fixture(scope="module")
def ranker() -> QuestionRanker:
    return QuestionRanker(load_knowledge())


def test_chat_abbreviations_are_expanded() -> None:
    assert words("brp biaya yg utk sy gak nggak gmn") == [
        "berapa",
        "biaya",
        "yang",
        "untuk",
        "saya",
        "tidak",
        "tidak",
        "bagaimana",
    ]
    assert words("bikin paspor") == ["buat", "paspor"]


def test_numbers_glued_to_units_and_reduplication() -> None:
    assert words("10thn 3th") == ["10", "tahun", "3", "tahun"]
    assert words("anak-anak anak2") == ["anak", "anak"]
    assert words("e-paspor e paspor") == ["paspor", "elektronik", "elektronik", "paspor"]


def test_lower_case_accents_and_punctuation() -> None:
    assert words("PASPOR, Élektronik?!") == ["paspor", "elektronik"]


def test_typos_are_corrected_against_the_vocabulary() -> None:
    normalizer = Normalizer(["paspor", "elektronik", "persyaratan", "alamat", "halaman"])
    assert normalizer.correct("elektornik") == "elektronik"
    assert normalizer.correct("persyratan") == "persyaratan"
    # An inflected known word is left alone, not "corrected" to a neighbour.
    assert normalizer.correct("alamatnya") == "alamatnya"
    # Short words and numbers are never corrected.
    assert normalizer.correct("sim") == "sim"
    assert normalizer.correct("2024") == "2024"


def test_jakarta_verbs_in_in_become_kan() -> None:
    assert standard_verb("batalin") == "batalkan"
    assert standard_verb("ingin") == "ingin"


def test_indonesian_stemming() -> None:
    normalizer = Normalizer()
    assert normalizer.terms("persyaratan pembuatan paspor anak-anak") == [
        "syarat",
        "buat",
        "paspor",
        "anak",
    ]
    assert normalizer.terms("perpanjangan") == ["panjang"]


def test_stop_words_are_dropped() -> None:
    assert Normalizer().terms("yang saya bawa ya") == ["bawa"]


def test_offices_named_in_a_question() -> None:
    offices = [
        OfficeName(1, "JAKSEL", "Jakarta Selatan"),
        OfficeName(2, "JAKPUS", "Jakarta Pusat"),
        OfficeName(3, "DENPASAR", "Denpasar"),
    ]
    found = find_offices("jam buka kantor imigrasi jakarta selatan", offices)
    assert found.office_ids == (1,)
    assert found.rest == "jam buka kantor imigrasi"
    assert find_offices("kanim denpsar buka jam brp", offices).office_ids == (3,)
    assert find_offices("alamat kanim jaksel", offices).office_ids == (1,)
    # Ambiguous: both Jakarta offices.
    assert find_offices("alamat kantor jakarta", offices).office_ids == (1, 2)
    nothing = find_offices("jam buka kantor", offices)
    assert nothing.office_ids == () and nothing.rest == "jam buka kantor"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("berapa biaya paspor elektronik?", "fees"),
        ("brp biaya bikin pasport elektornik 10thn", "fees"),
        ("jam buka kantor imigrasi", "office_hours"),
        ("how much is the fine for a lost passport", "fine_lost"),
    ],
)
def test_questions_get_their_entry(ranker: QuestionRanker, question: str, entry: str) -> None:
    answer = choose(ranker.rank(question), Thresholds())
    assert answer is not None and answer.entry.id == entry


@pytest.mark.parametrize(
    "question", ["syarat bikin sim c", "resep nasi goreng enak", "halo", "asdf qwer"]
)
def test_out_of_scope_questions_are_abstained_on(ranker: QuestionRanker, question: str) -> None:
    assert choose(ranker.rank(question), Thresholds()) is None


def test_a_close_second_entry_makes_it_abstain(ranker: QuestionRanker) -> None:
    matches = ranker.rank("berapa biaya paspor elektronik?")
    assert choose(matches, Thresholds(min_score=0, min_coverage=0, min_lead=1.0)) is None


def test_the_knowledge_base_covers_the_required_ground() -> None:
    knowledge = load_knowledge()
    answering = [e for e in knowledge.entries if not e.outside]
    assert len(answering) >= 40
    for entry in knowledge.entries:
        assert entry.phrasings.id and entry.phrasings.en, entry.id
        assert entry.a.id and entry.a.en and entry.q.id and entry.q.en
    facts = {e.office_fact for e in knowledge.entries if e.office_fact}
    assert facts == set(OfficeFact)
    nik = knowledge.entry("nik_privacy")
    assert nik is not None and "tanggal lahir" in nik.a.id and "birth date" in nik.a.en


def test_duplicate_entry_ids_are_refused(tmp_path: Path) -> None:
    entry = (
        "  - id: same\n    q: {id: a, en: a}\n    a: {id: b, en: b}\n"
        "    phrasings: {id: [c], en: [c]}\n"
    )
    path = tmp_path / "content.yaml"
    path.write_text("knowledge:\n" + entry + entry, encoding="utf-8")
    with pytest.raises(ValueError, match="appears twice"):
        load_knowledge(path)


def test_the_info_screens_still_read_the_content_file() -> None:
    content = load_content()
    assert len(content.fees) == 4 and content.faq


def test_character_grams_mark_word_edges() -> None:
    grams = char_grams(["paspor"])
    assert {" pa", "pas", "spor ", "por "} <= set(grams)
    assert " paspor " not in grams  # longer than five letters


def test_character_grams_match_what_whole_words_miss() -> None:
    index = CharGramIndex([["persyaratan", "paspor"], ["jam", "buka", "kantor"]])
    typo = index.similarities(["persyaratn"])
    assert typo[0] > 0.3 and typo[1] == 0
    assert not index.similarities(["zzz"]).any()


def test_a_text_sharing_no_word_with_any_entry_matches_nothing(ranker: QuestionRanker) -> None:
    # Letter pieces alone (" pe", "pet") do not make a booking code a question,
    # nor an "outside" entry's answer.
    for code in ("PETQX7", "ANTX-7Q", "KTPX7Q2"):
        assert ranker.rank(code) == []
