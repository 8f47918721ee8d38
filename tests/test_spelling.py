"""The spelling model (a character n-gram model learned from the word list) and its place in the
line engine's beam search."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nnrecog.ocr.recognition.lexicon import Lexicon
from nnrecog.ocr.recognition.spelling import EDGE, SYMBOLS, SpellingModel, SpellingScorer, load_or_build

WORDS = ["sense", "tense", "dense", "state", "steady", "struggle", "string", "strong", "tree", "street"]
CLASSES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _model(lexicon: Lexicon, order: int) -> SpellingModel:
    return SpellingModel.from_words(lexicon.by_length, lexicon.counts_by_length, order)


def _symbols(word: str) -> list[int]:
    return [ord(c) - ord("A") + 1 for c in word]


@pytest.fixture(scope="module")
def model() -> SpellingModel:
    return _model(Lexicon.from_words(WORDS, {"SENSE": 500}), order=3)


def test_every_next_letter_distribution_sums_to_one_and_gives_every_letter_a_chance(model):
    for context in [(), (EDGE,), (_symbols("S")[0],), tuple(_symbols("ST")), tuple(_symbols("QX"))]:
        probs = np.exp(model.next_log_probs(context))
        assert probs.shape == (SYMBOLS,)
        assert probs.sum() == pytest.approx(1.0)
        assert probs.min() > 0


def test_the_probabilities_are_interpolated_absolute_discounting_counted_by_hand():
    """Two words, order 2: P(c | h) = max(N(hc) - D, 0) / N(h) + D T(h) / N(h) P(c), P(c) from
    the unigrams the same way over the uniform distribution."""
    model = _model(Lexicon.from_words(["ab", "ac"]), order=2)
    a, b, c = _symbols("ABC")
    # unigrams, edges counted once per word (the one after it): A 2, B 1, C 1, edge 2
    unigram_counts = np.zeros(SYMBOLS)
    unigram_counts[[a, b, c, EDGE]] = [2, 1, 1, 2]
    d = 0.75
    unigram = (np.maximum(unigram_counts - d, 0) + d * 4 / SYMBOLS) / 6
    # after A: B once, C once
    after_a = np.zeros(SYMBOLS)
    after_a[[b, c]] = 1
    expected = (np.maximum(after_a - d, 0) + d * 2 * unigram) / 2
    assert np.exp(model.next_log_probs((a,))) == pytest.approx(expected)
    # a context never seen is its shorter context
    assert np.exp(model.next_log_probs((b,))[EDGE]) > np.exp(model.next_log_probs((c,))[a])


def test_every_k_gram_table_counts_the_padded_words_as_a_plain_count_does():
    """Each word counts 1 + its count, for every k-gram ending at one of its letters or at the
    edge after it, the start padded with edges (the shorter tables are derived from the longest
    one: the same counts)."""
    from collections import Counter

    counts = {"SENSE": 500, "STATE": 3}
    order = 4
    model = _model(Lexicon.from_words(WORDS, counts), order)
    for k in range(1, order + 1):
        expected = Counter()
        for word in (w.upper() for w in WORDS):
            padded = [EDGE] * (order - 1) + _symbols(word) + [EDGE]
            for end in range(order - 1, len(padded)):
                key = 0
                for symbol in padded[end - k + 1 : end + 1]:
                    key = key * SYMBOLS + symbol
                expected[key] += 1 + counts.get(word, 0)
        assert model._keys[k - 1].tolist() == sorted(expected)
        assert model._counts[k - 1].tolist() == [expected[key] for key in sorted(expected)]


def test_words_spelt_like_the_list_are_more_probable_than_the_same_letters_jumbled(model):
    for word in ["STRUGGLE", "STREET", "SENSE", "STRONG"]:
        spelt = model.log_prob(_symbols(word))
        for jumbled in itertools.islice(itertools.permutations(word), 1, 30):
            if "".join(jumbled) != word:
                assert model.log_prob(_symbols("".join(jumbled))) < spelt
    # a word ends where words of the list end: after 'TREE', not after 'TRE'
    assert model.log_prob(_symbols("TREE")) > model.log_prob(_symbols("TRE"))
    # the start of a word is not yet its end
    assert model.log_prob(_symbols("STRU"), complete=False) > model.log_prob(_symbols("STRU"))


def test_the_scorer_weighs_letters_by_spelling_and_numbers_and_mixed_tokens_by_their_share(model):
    label = {k + 1: c for k, c in enumerate(CLASSES)}.__getitem__
    outputs = {c: k + 1 for k, c in enumerate(CLASSES)}
    scorer = SpellingScorer(model, label, weight=0.5, bonus=1.0)

    def score(text: str, complete: bool = True) -> float:
        labels = tuple(outputs[c] for c in text)
        return scorer.complete(labels) if complete else scorer.prefix(labels)

    assert score("SENSE") == pytest.approx(0.5 * model.log_prob(_symbols("SENSE")) + 5.0)
    assert score("SENSE") == pytest.approx(scorer.word("SENSE"))
    # a number: one token in ten, every digit alike; a mixed token: one in a hundred
    assert score("2125") == pytest.approx(0.5 * (np.log(0.1) + 4 * np.log(0.1)) + 4.0)
    assert score("S3NSE") == pytest.approx(0.5 * (np.log(0.01) + 5 * np.log(1 / 36)) + 5.0)
    assert score("S3NSE") < score("SENSE") and score("S3NSE") < score("31415")
    # a character alone is not spelt: an 'O' and a '0' read alone score alike
    assert score("O") == score("0") == pytest.approx(0.5 * np.log(1 / 36) + 1.0)
    assert score("O", complete=False) == pytest.approx(0.5 * model.log_prob(_symbols("O"), False) + 1.0)
    assert score("") == 0.0
    assert score("SENS", complete=False) == pytest.approx(0.5 * model.log_prob(_symbols("SENS"), False) + 4.0)


def test_the_beam_search_with_a_spelling_model_reads_the_word_the_frames_leave_in_doubt(model):
    """Frames that read 'SORUGGLE' a little more than 'STRUGGLE' (each doubtful letter 0.55 to
    0.45) read 'STRUGGLE' with the spelling model, and as before without it."""
    from nnrecog.ocr.recognition.ctc import prefix_beam_search

    outputs = {c: k + 1 for k, c in enumerate(CLASSES)}
    rows = [{"S": 0.98}, {"O": 0.55, "T": 0.45}, {"R": 0.98}, {"U": 0.55, "W": 0.45}, {"G": 0.98}, {"G": 0.98},
            {"L": 0.98}, {"E": 0.98}]
    probs = np.full((2 * len(rows), 1 + len(CLASSES)), 1e-4)
    for i, row in enumerate(rows):
        probs[2 * i + 1, 0] = 1.0
        for c, p in row.items():
            probs[2 * i, outputs[c]] = p
    log_probs = np.log(probs / probs.sum(axis=1, keepdims=True))

    def read(scorer: SpellingScorer | None) -> str:
        best = prefix_beam_search(log_probs, 0, 16, scorer=scorer)[0][0]
        return "".join(CLASSES[k - 1] for k in best)

    assert read(None) == "SORUGGLE"
    label = {k + 1: c for k, c in enumerate(CLASSES)}.__getitem__
    assert read(SpellingScorer(model, label, weight=0.0)) == "SORUGGLE"
    assert read(SpellingScorer(model, label, weight=0.5, bonus=1.0)) == "STRUGGLE"


def test_the_model_is_cached_and_a_damaged_cache_is_rebuilt(tmp_path):
    lexicon = Lexicon.from_words(WORDS)
    cache = tmp_path / "spelling.npz"
    built = load_or_build(lexicon.by_length, lexicon.counts_by_length, cache, order=3)
    assert cache.is_file()
    again = load_or_build(lexicon.by_length, lexicon.counts_by_length, cache, order=3)
    context = tuple(_symbols("ST"))
    assert np.array_equal(again.next_log_probs(context), built.next_log_probs(context))
    cache.write_bytes(b"not a zip file")
    rebuilt = load_or_build(lexicon.by_length, lexicon.counts_by_length, cache, order=3)
    assert np.array_equal(rebuilt.next_log_probs(context), built.next_log_probs(context))
    assert cache.stat().st_size > 100
