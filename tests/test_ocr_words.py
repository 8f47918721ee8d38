"""Reading words from glyph probabilities: the letters-or-digits prior, the lexicon (near words,
inflections, splitting a non-word in two) and cutting touching glyphs where the pieces read
better. Stand-in classifiers and hand-made probabilities; no model, no photo."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from nnrecog.data import CLASSES
from nnrecog.ocr.recognition.lexicon import Lexicon
from nnrecog.ocr.recognition.words import decode_word, letters_or_digits_prior


def probs(*rows: dict[str, float]) -> np.ndarray:
    """Glyph probabilities over CLASSES: each row's labels as given, every other class 1e-4."""
    out = np.full((len(rows), len(CLASSES)), 1e-4)
    for i, row in enumerate(rows):
        for label, p in row.items():
            out[i, CLASSES.index(label)] = p
    return out / out.sum(axis=1, keepdims=True)


def test_letters_or_digits_prior_and_lexicon_fix_ambiguous_glyphs():
    word = probs({"1": 0.9}, {"2": 0.8}, {"S": 0.6, "5": 0.4}, {"4": 0.9})
    assert decode_word(word, CLASSES, None) == "1254"
    sure_s = probs({"1": 0.9}, {"2": 0.9}, {"3": 0.9}, {"S": 0.95, "5": 0.04}, {"6": 0.9}, {"7": 0.9})
    assert decode_word(sure_s, CLASSES, None) == "123567"
    mixed = probs({"B": 0.9}, {"2": 0.9})  # one glyph of each kind: little pull either way
    assert decode_word(mixed, CLASSES, None) == "B2"
    haue = probs({"H": 0.9}, {"A": 0.9}, {"U": 0.6, "V": 0.3}, {"E": 0.9})
    lexicon = Lexicon.from_words(["have", "hat", "nap"])
    assert decode_word(haue, CLASSES, None) == "HAUE"
    assert decode_word(haue, CLASSES, lexicon) == "HAVE"
    confident = probs({"H": 0.9}, {"A": 0.9}, {"U": 0.999, "V": 1e-5}, {"E": 0.9})
    assert decode_word(confident, CLASSES, lexicon) == "HAUE"  # beyond the lexicon margin
    zero_o = probs({"N": 0.9}, {"0": 0.7, "O": 0.3})
    assert letters_or_digits_prior(zero_o, CLASSES)[1].argmax() == CLASSES.index("O")
    assert "HAVE" in lexicon and "HAVEN" not in lexicon


def test_of_two_words_that_read_alike_the_common_one_wins():
    """The word prior (``DecodeConfig.word_prior_*``): counts in running text tip a choice
    between dictionary words the glyphs leave open, and let a common word be read from a
    little farther off than a rare one; without counts, or at weight 0, every word is alike."""
    import dataclasses

    from nnrecog.ocr.config import DecodeConfig

    # the fourth glyph is G a little more than S: the glyphs alone say SENGE
    senge = probs({"S": 0.9}, {"E": 0.9}, {"N": 0.9}, {"G": 0.5, "S": 0.4}, {"E": 0.9})
    counted = Lexicon.from_words(["sense", "senge"], {"SENSE": 1200})
    assert decode_word(senge, CLASSES, counted) == "SENSE"
    assert decode_word(senge, CLASSES, Lexicon.from_words(["sense", "senge"])) == "SENGE"
    off = dataclasses.replace(DecodeConfig(), word_prior_weight=0.0)
    assert decode_word(senge, CLASSES, counted, off) == "SENGE"
    # a glyph read 20 times more likely something else: beyond ln 50 for a word of middling
    # frequency, within it plus the capped prior for a common one
    haue = probs({"H": 0.9}, {"A": 0.9}, {"U": 0.95, "V": 0.05 / 20}, {"E": 0.9})
    assert decode_word(haue, CLASSES, Lexicon.from_words(["have"], {"HAVE": 100})) == "HAUE"
    assert decode_word(haue, CLASSES, Lexicon.from_words(["have"], {"HAVE": 50_000})) == "HAVE"
    # counts only raise a word's odds: a word the corpus never shows is no less a word
    prior = Lexicon.from_words(["have", "hove", "hive"], {"HAVE": 10**6, "HIVE": 100}).prior(4)
    config = DecodeConfig()
    assert prior.tolist() == pytest.approx([config.word_prior_cap, 0.0, 0.0])
    w = config.word_prior_weight
    assert Lexicon.from_words(["have", "hove"], {"HAVE": 5000}).priors_of(["HOVE", "HAVE"]).tolist() == pytest.approx(
        [0.0, w * (np.log(5001) - np.log(101))])


def test_word_counts_are_counted_from_text_files_and_read_back(tmp_path):
    import gzip

    from nnrecog.ocr.recognition.wordcounts import count_words, read_word_counts, write_word_counts

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("The sense of it: the <b>sense</b>, the end.")
    (tmp_path / "docs" / "README").write_text("THE END")
    with gzip.open(tmp_path / "docs" / "page.1.gz", "wt") as man:
        man.write(".SH NAME\nthe \\fBsense\\fR")  # troff: a request, and font escapes
    (tmp_path / "docs" / "image.png").write_bytes(b"the the the")  # not text: not counted
    counts = count_words([tmp_path / "docs"], lambda word: word != "OF")
    assert counts == {"THE": 5, "SENSE": 3, "END": 2, "IT": 1, "NAME": 1}  # no B, SH, FB or FR
    out = tmp_path / "counts.txt.gz"
    assert write_word_counts(counts, out, min_count=2) == 3
    assert read_word_counts(out) == {"THE": 5, "SENSE": 3, "END": 2}
    first = out.read_bytes()
    write_word_counts(counts, out, min_count=2)
    assert out.read_bytes() == first  # no time stamp: the same counts give the same file
    shipped = read_word_counts()
    assert shipped["THE"] > shipped["SENSE"] > 100 and "SENGE" not in shipped


def test_default_lexicon_has_inflected_words(tmp_path, monkeypatch):
    pytest.importorskip("english_words")
    from nnrecog.ocr.recognition import lexicon as lexicon_module

    monkeypatch.setenv("NNRECOG_CACHE", str(tmp_path))
    lexicon_module.default_lexicon.cache_clear()
    try:
        words = lexicon_module.default_lexicon()
        assert all(w in words for w in ["DEEPEST", "THINGS", "COMPLETED", "DONT", "REFRIGERATOR"])
        assert any(tmp_path.iterdir())  # cached for the next process
    finally:
        lexicon_module.default_lexicon.cache_clear()


def test_a_near_break_splits_a_non_word_into_two_words():
    from nnrecog.ocr.recognition.decode import split_by_lexicon

    probs = np.full((4, len(CLASSES)), 1e-4)
    for i, label in enumerate("TOGO"):
        probs[i, CLASSES.index(label)] = 1.0
    probs /= probs.sum(axis=1, keepdims=True)
    two_words = Lexicon.from_words(["to", "go"])
    assert split_by_lexicon([[0, 1, 2, 3]], [1], probs, CLASSES, two_words) == [[0, 1], [2, 3]]
    one_word = Lexicon.from_words(["to", "go", "togo"])
    assert split_by_lexicon([[0, 1, 2, 3]], [1], probs, CLASSES, one_word) == [[0, 1, 2, 3]]
    assert split_by_lexicon([[0, 1, 2, 3]], [], probs, CLASSES, two_words) == [[0, 1, 2, 3]]


class _WidthClassifier:
    """A stand-in classifier whose top probability (for class 'A') is ``top(crop width)``."""

    classes = CLASSES

    def __init__(self, top: Callable[[int], float]):
        self.top = top

    def normalize(self, crops: list[np.ndarray]) -> np.ndarray:
        return np.array([c.shape[1] for c in crops])  # all it looks at

    def probabilities(self, widths: np.ndarray) -> np.ndarray:
        top = np.array([self.top(int(width)) for width in widths])
        probs = np.repeat(((1 - top) / (len(CLASSES) - 1))[:, None], len(CLASSES), axis=1)
        probs[:, 0] = top
        return np.pad(probs, ((0, 0), (0, 1)))  # the last column: no character, never


def _sure_of_one_letter_wide(width: int) -> float:
    """Sure (0.99) of crops as wide as one character (12-18 px), fairly sure (0.7) of the wide
    letter (28-31 px), unsure (0.1) of anything else: the wide letter's halves read better
    than the whole, as an 'M' read as 'I' + 'Z' can."""
    return 0.99 if 12 <= width <= 18 else 0.7 if 28 <= width <= 31 else 0.1


def test_cutting_splits_a_touching_pair_and_keeps_a_wide_letter():
    from nnrecog.ocr.finding.components import Glyph, Segmentation
    from nnrecog.ocr.lines.resegment import prefer_cuts
    from nnrecog.ocr.recognition.recognize import GlyphReader

    darkness = np.zeros((20, 200), np.float32)
    labels = np.zeros((20, 200), np.int32)
    glyphs = []

    def ink(label: int, x1: int, x2: int) -> None:
        labels[:, x1:x2] = label
        darkness[:, x1:x2] = 1.0
        glyphs.append(Glyph((0, x1, 20, x2), (label,)))

    for label, x1 in enumerate((0, 20, 40), start=1):
        ink(label, x1, x1 + 16)  # three ordinary letters
    ink(4, 60, 94)  # two letters touching through a thin bridge at columns 76-77...
    darkness[2:18, 76:78] = 0.0
    labels[2:18, 76:78] = 0
    ink(5, 110, 140)  # ...and one wide letter with a lighter middle column
    darkness[:, 124:126] = 0.6
    seg = Segmentation(darkness, labels, glyphs, 20.0, (1.0, 1.0), (20, 200))

    line = prefer_cuts(seg, glyphs, GlyphReader(seg, _WidthClassifier(_sure_of_one_letter_wide)).top_log_probability)
    assert [g.box[1] for g in line] == [0, 20, 40, 60, 76, 110]  # the pair cut at its bridge
    assert line[-1] == glyphs[-1]  # the wide letter kept whole: its halves do not beat it by the piece cost


def test_a_glyph_cut_for_its_width_is_not_joined_back():
    from nnrecog.ocr.finding.components import Glyph, Segmentation
    from nnrecog.ocr.lines.resegment import prefer_cuts, prefer_joins
    from nnrecog.ocr.recognition.recognize import GlyphReader

    darkness = np.zeros((20, 100), np.float32)
    labels = np.zeros((20, 100), np.int32)
    glyphs = []
    for label, (x1, x2) in enumerate(((0, 6), (10, 16), (20, 26), (40, 64)), start=1):
        labels[:, x1:x2], darkness[:, x1:x2] = label, 1.0
        glyphs.append(Glyph((0, x1, 20, x2), (label,)))
    darkness[2:18, 51:53], labels[2:18, 51:53] = 0.0, 0  # a thin bridge in the middle of the blob
    seg = Segmentation(darkness, labels, glyphs, 20.0, (1.0, 1.0), (20, 100))
    # the 24-px blob reads well (0.9) but is 4 typical widths wide; its halves read 0.6
    top_by_width = {6: 0.9, 24: 0.9, 11: 0.6, 12: 0.6, 13: 0.6}
    score = GlyphReader(seg, _WidthClassifier(lambda width: top_by_width.get(width, 0.1))).top_log_probability
    cut = prefer_cuts(seg, glyphs, score)
    assert len(cut) == 5 and sum(g.width for g in cut[3:]) == 24
    # the halves are narrow neighbours that read better joined, yet stay cut
    assert prefer_joins(cut, score) == cut


@pytest.mark.parametrize("seed", range(8))
def test_cutting_reads_only_the_pieces_it_needs_and_finds_the_best_cuts(seed: int):
    """Branch and bound: the pieces chosen are those of the best of every sequence of cuts,
    tried one by one, yet only some of the pieces (under 70 %) are read."""
    import itertools

    from nnrecog.ocr.config import ResegmentConfig
    from nnrecog.ocr.finding.components import Glyph, Segmentation
    from nnrecog.ocr.lines.layout import median_height
    from nnrecog.ocr.lines.resegment import cut_between, cut_columns, prefer_cuts, typical_width

    rng = np.random.default_rng(seed)
    darkness = np.zeros((20, 200), np.float32)
    labels = np.zeros((20, 200), np.int32)
    glyphs = []
    for label, x1 in enumerate((0, 20, 40), start=1):
        labels[:, x1 : x1 + 16], darkness[:, x1 : x1 + 16] = label, 1.0
        glyphs.append(Glyph((0, x1, 20, x1 + 16), (label,)))
    labels[:, 60:140], darkness[:, 60:140] = 4, 1.0  # a word of touching letters...
    for x in range(68, 136, 8):  # ...thinner where letters may meet
        darkness[: int(rng.integers(4, 16)), x : x + 2] = 0.0
    glyphs.append(Glyph((0, 60, 20, 140), (4,)))
    seg = Segmentation(darkness, labels, glyphs, 20.0, (1.0, 1.0), (20, 200))
    top_log_probability: dict[tuple, float] = {}
    asked: list[tuple] = []

    def score(pieces: list[Glyph]) -> np.ndarray:
        """Random, but as a classifier is: surer of pieces a letter wide."""
        asked.extend(piece.box for piece in pieces)
        return np.array([top_log_probability.setdefault(p.box, float(np.log(
            rng.uniform(0.5, 1.0) if 12 <= p.width <= 20 else rng.uniform(0.01, 0.5)))) for p in pieces])

    cut = prefer_cuts(seg, glyphs, score)
    read = set(asked)

    config = ResegmentConfig()
    height, typical = median_height([g.box for g in glyphs]), typical_width(glyphs, config)
    columns = [0, *cut_columns(seg, glyphs[3], config.cut_spacing_heights * height, config), glyphs[3].width]
    narrow, wide = (f * height for f in config.piece_width_heights)

    def value(sequence: tuple[int, ...]) -> float:
        spans = [(columns[a], columns[b]) for a, b in zip(sequence[:-1], sequence[1:])]
        if len(spans) > 1 and not all(narrow <= b - a <= wide for a, b in spans):
            return -np.inf
        pieces = cut_between(seg, glyphs[3], spans) if len(spans) > 1 else [glyphs[3]]
        if any(piece is None for piece in pieces):
            return -np.inf
        return sum(score([p])[0] - config.piece_cost
                   - config.width_weight * max(np.log(p.width / (config.widest * typical)), 0.0) for p in pieces)

    last = len(columns) - 1
    every = [(0, *inner, last) for k in range(last) for inner in itertools.combinations(range(1, last), k)]
    best = max(every, key=value)
    assert [g.box[1] for g in cut[3:]] == [60 + columns[a] for a in best[:-1]]
    assert len(columns) >= 8 and len(read) < 0.7 * len(set(asked))


def test_the_lexicon_finds_the_words_an_edit_or_two_away():
    lexicon = Lexicon.from_words(["quick", "quack", "quicks", "quik", "king", "of", "on", "o"])
    assert sorted(lexicon.near("QUECK")) == ["QUACK", "QUICK"]  # a letter misread
    assert lexicon.near("QUIICK") == ["QUICK"]  # a letter read twice
    assert sorted(lexicon.near("QUICK")) == ["QUACK", "QUICK", "QUICKS", "QUIK"]  # itself, and one left out or in
    assert lexicon.near("QXECK") == [] and sorted(lexicon.near("QXECK", substitutions=2)) == ["QUACK", "QUICK"]
    assert sorted(lexicon.near("OH")) == ["O", "OF", "ON"]
    assert lexicon.near("LAZ9") == [] and lexicon.near("") == []


def test_looked_up_words_are_what_a_set_of_every_word_finds():
    """Membership and near()'s letter put in or left out search the sorted word list; on the
    shipped list they find what a Python set of every listed word finds, for dictionary words,
    misreadings, and words of 1 to 24 letters."""
    from string import ascii_uppercase

    from nnrecog.ocr.recognition.lexicon import default_lexicon

    lexicon = default_lexicon()
    listed = {"".join(chr(65 + c) for c in row) for codes in lexicon.by_length.values() for row in codes}

    def in_a_set(word: str, substitutions: int) -> tuple[bool, list[str]]:
        n = len(word)
        codes = lexicon.by_length.get(n, np.zeros((0, n), np.uint8))
        target = np.frombuffer(word.encode(), np.uint8) - 65
        same = ["".join(chr(65 + c) for c in row) for row in codes[(codes != target).sum(axis=1) <= max(1, substitutions)]]
        put_in = {word[:j] + c + word[j:] for j in range(n + 1) for c in ascii_uppercase} & listed
        left_out = {word[:j] + word[j + 1 :] for j in range(n)} & listed if n > 1 else set()
        return word in listed, sorted(same + sorted(put_in) + sorted(left_out))

    rng = np.random.default_rng(5)
    words = ["A", "I", "OF", "QUICK", "PEN", "STUDYING", "EVERYTHING", "UNDERSTANDING", "CHARACTERIZES"]
    for n in (1, 2, 3, 5, 8, 12, 13, 20, 24):
        codes = lexicon.by_length[n]
        for row in codes[rng.choice(len(codes), 2)]:
            word = "".join(chr(65 + c) for c in row)
            words += [word, word[: n // 2] + "Q" + word[n // 2 + 1 :], word + "E", word[1:]]
    words = [w for w in words if w]
    looked_up = [(w in lexicon, sorted(lexicon.near(w, 2))) for w in words]
    assert looked_up == [in_a_set(w, 2) for w in words]
    assert any(found for found, _ in looked_up) and not all(found for found, _ in looked_up)


def test_a_line_recogniser_with_a_space_class_breaks_words_where_it_reads_a_space():
    from nnrecog.ocr.recognition.decode import space_words

    blank, a, space = 0, 1, 2
    path = [a, blank, space, space, a, a, blank, space, a, blank]  # "A A A" with a space run of two
    log_probs = np.log(np.full((len(path), 3), 0.05))
    log_probs[np.arange(len(path)), path] = np.log(0.9)
    # each word's frames run from the middle of the space before it to the middle of the one after
    assert space_words(log_probs, space, blank) == [(0, 3), (3, 7), (7, 10)]
    # a space before the first word or after the last is no break
    edges = np.log(np.full((4, 3), 0.05))
    edges[np.arange(4), [space, a, a, space]] = np.log(0.9)
    assert space_words(edges, space, blank) == [(0, 4)]


def test_the_line_engine_weighs_words_by_the_same_prior():
    """``decode_frames`` (a line recogniser's frames): of two words that read alike, the common
    one; a digit read alone is no word, and the counts of the letter it resembles do not pull
    it over (single letters have no prior)."""
    from nnrecog.data.lineformat import LineFormat
    from nnrecog.ocr.recognition.decode import decode_frames
    from nnrecog.ocr.recognition.linereader import LineRecognizer

    recognizer = LineRecognizer(None, CLASSES, 0, 4, LineFormat(), "frames made by hand")  # type: ignore[arg-type]

    def frames(*rows: dict[str, float]) -> np.ndarray:
        out = np.full((2 * len(rows), 1 + len(CLASSES)), 1e-4)
        for i, row in enumerate(rows):
            out[2 * i + 1, 0] = 1.0  # a blank between characters
            for label, p in row.items():
                out[2 * i, recognizer.output(label)] = p
        return np.log(out / out.sum(axis=1, keepdims=True))

    def read(log_probs: np.ndarray, lexicon: Lexicon) -> str:
        return "".join(recognizer.label(k) for k in decode_frames(log_probs, recognizer, lexicon)[0])

    senge = frames({"S": 0.9}, {"E": 0.9}, {"N": 0.9}, {"G": 0.5, "S": 0.4}, {"E": 0.9})
    assert read(senge, Lexicon.from_words(["sense", "senge"], {"SENSE": 1200})) == "SENSE"
    assert read(senge, Lexicon.from_words(["sense", "senge"])) == "SENGE"
    zero = frames({"0": 0.99, "O": 0.01})  # 4.6 nats: beyond ln 50, and O gets no prior
    assert read(zero, Lexicon.from_words(["o"], {"O": 10**6})) == "0"


def test_wide_gaps_are_wide_for_their_line():
    """A gap half a letter wide between letters that nearly touch is a word break; the same gap
    between letters all set that far apart is not."""
    import dataclasses

    from nnrecog.ocr.config import LayoutConfig
    from nnrecog.ocr.lines.layout import wide_gaps

    def line(*gaps: float) -> list[tuple[float, float, float, float]]:
        boxes, x = [], 0.0
        for gap in (*gaps, 0.0):
            boxes.append((0.0, x, 10.0, x + 10.0))
            x += 10.0 + 10.0 * gap
        return boxes

    tight = line(0.04, 0.0, 0.5, 0.03, 0.0)
    assert wide_gaps(tight) == [2]
    assert wide_gaps(tight, config=dataclasses.replace(LayoutConfig(), word_gap_margin_heights=None)) == []
    assert wide_gaps(line(0.6, 0.5, 0.6, 0.55, 0.6)) == []
    assert wide_gaps(line(0.6, 0.5, 1.2, 0.55, 0.6)) == [2]


def test_a_word_counts_file_from_outside_is_checked_line_by_line(tmp_path, monkeypatch):
    """One clear error naming the file and the line; a file that unpacks huge stops at the
    bounds (one line past ``MAX_LINE`` bytes, or ``MAX_WORDS`` lines) before it is all read."""
    import gzip

    from nnrecog.errors import InputError
    from nnrecog.ocr.recognition import wordcounts
    from nnrecog.ocr.recognition.wordcounts import read_word_counts

    def counts_file(name: str, text: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(gzip.compress(text))
        return path

    assert read_word_counts(counts_file("ok.gz", b"THE\t12\nSENSE\t3")) == {"THE": 12, "SENSE": 3}
    for name, text, why in [
        ("lower.gz", b"THE\t12\nsense\t3\n", "line 2: expected WORD<TAB>COUNT"),
        ("nocount.gz", b"THE\n", "line 1: expected"),
        ("oneline.gz", b"A" * 10**7, "line 1: expected"),  # 10 MB in one line, 10 kB packed
    ]:
        with pytest.raises(InputError, match=f"{name}: {why}"):
            read_word_counts(counts_file(name, text))
    monkeypatch.setattr(wordcounts, "MAX_WORDS", 3)
    with pytest.raises(InputError, match="line 4: more than 3 words"):
        read_word_counts(counts_file("many.gz", b"A\t1\n" * 10**6))
    (tmp_path / "plain.txt").write_text("THE\t12\n")
    with pytest.raises(InputError, match="plain.txt: not a gzip file"):
        read_word_counts(tmp_path / "plain.txt")
    with pytest.raises(InputError, match="missing.gz: no such file"):
        read_word_counts(tmp_path / "missing.gz")
