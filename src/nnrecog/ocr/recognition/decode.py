"""Stage 9: the words of each line, read from their glyphs' probabilities (the character
engine) or from a line recogniser's frames (the line engine), as the result tree.

Words break where a gap is large for its line (:func:`~nnrecog.ocr.lines.layout.split_words`); with
a lexicon, a gap just short of a break splits a word that reads as two dictionary words but not
as one (:func:`split_by_lexicon`); each word is decoded with the letters/digits prior and the
lexicon (:func:`~nnrecog.ocr.recognition.words.decode_word`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from nnrecog.ocr.config import LINE_ENGINES, DecodeConfig, LayoutConfig, ReaderConfig
from nnrecog.ocr.document.elements import Char, Line, Word
from nnrecog.ocr.finding.components import Glyph, Segmentation
from nnrecog.ocr.lines.layout import near_breaks, page_typical_gap, split_words, wide_gaps
from nnrecog.ocr.lines.lineimage import LineImage, line_image
from nnrecog.ocr.lines.resegment import has_touching_letters, touching_candidates
from nnrecog.ocr.recognition.blend import blended, line_posteriors
from nnrecog.ocr.recognition.ctc import alignment, best_path, posteriors, prefix_beam_search, sequences_log_likelihood
from nnrecog.ocr.recognition.lexicon import Lexicon
from nnrecog.ocr.recognition.words import decode_word, is_known_word, kind_evidence, known_characters
from nnrecog.ocr.recognition.linereader import LineRecognizer
from nnrecog.ocr.recognition.recognize import GlyphReader, top_alternatives


def split_by_lexicon(
    words: list[list[int]],
    near: list[int],
    probs: np.ndarray,
    classes: str,
    lexicon: Lexicon,
    config: DecodeConfig = DecodeConfig(),
) -> list[list[int]]:
    """Split a word at a gap just short of a word break when that reads as two words.

    For each word, its widest :func:`~nnrecog.ocr.lines.layout.near_breaks` gap splits it when the
    word as a whole does not decode to a dictionary word but both sides (two or more glyphs
    each) do: 'TO DO' written a little tight reads as TO + DO, not TODO.
    """

    def decoded(indices: list[int]) -> str:
        return decode_word(probs[indices], classes, lexicon, config)

    out = []
    for word in words:
        inside = [i for i in near if word[0] <= i < word[-1]]
        left = [j for j in word if j <= inside[0]] if inside else word
        right = word[len(left) :]
        if (
            len(left) >= 2
            and len(right) >= 2
            and decoded(word) not in lexicon
            and decoded(left) in lexicon
            and decoded(right) in lexicon
        ):
            out.extend([left, right])
        else:
            out.append(word)
    return out


def read_line(
    seg: Segmentation,
    line: list[Glyph],
    probs: np.ndarray,
    classes: str,
    lexicon: Lexicon | None,
    typical_gap: float | None,
    layout: LayoutConfig = LayoutConfig(),
    config: DecodeConfig = DecodeConfig(),
) -> Line:
    """One line of the result tree from its glyphs (left to right) and their probabilities.

    Parameters
    ----------
    probs : (len(line), len(classes) + 1) probabilities of the glyphs: each character class,
        then no character (:meth:`~nnrecog.ocr.recognition.recognize.Classifier.probabilities`). Words are
        decoded from the character probabilities given that the glyph is one; a character's
        confidence and alternatives are the probabilities themselves.
    typical_gap : the page's typical gap (:func:`~nnrecog.ocr.lines.layout.page_typical_gap`), for
        lines too short to have their own.
    """
    characters = probs[:, :-1]
    given_character = np.where(
        probs[:, -1:] > 0, characters / np.maximum(characters.sum(axis=1, keepdims=True), 1e-12), characters
    )
    boxes = [g.box for g in line]
    groups = split_words(boxes, typical_gap, layout)
    if lexicon is not None:
        near = near_breaks(boxes, typical_gap, layout)
        groups = split_by_lexicon(groups, near, given_character, classes, lexicon, config)
    evidence = kind_evidence(given_character, classes)
    words = []
    for group in groups:
        rest_of_line = float(evidence.sum() - evidence[group].sum())
        text = decode_word(given_character[group], classes, lexicon, config, rest_of_line)
        chars = [
            Char(label, seg.to_photo(line[i].box), float(characters[i, classes.index(label)]),
                 top_alternatives(characters[i], classes, config.top_k))
            for label, i in zip(text, group)
        ]
        words.append(Word(chars))
    return Line(words)


def _frame_words(groups: list[list[int]], line: list[Glyph], image: LineImage, frames: int, frame_columns: int) -> list[tuple[int, int]]:
    """The frames ``[first, stop)`` of each word: a frame goes to the word whose ink is nearest
    its centre (the gaps between words split at their middles)."""
    ends = [(min(line[i].box[1] for i in g), max(line[i].box[3] for i in g)) for g in groups]
    cuts = [(a_end + b_start) / 2 for (_, a_end), (b_start, _) in zip(ends[:-1], ends[1:])]
    centres = np.array([image.page_column((f + 0.5) * frame_columns) for f in range(frames)])
    word_of = np.searchsorted(np.array(cuts), centres)
    return [(int(np.searchsorted(word_of, w, "left")), int(np.searchsorted(word_of, w, "right"))) for w in range(len(groups))]


def decode_frames(
    log_probs: np.ndarray,
    recognizer: LineRecognizer,
    lexicon: Lexicon | None,
    config: DecodeConfig = DecodeConfig(),
    line_evidence: float = 0.0,
) -> tuple[list[int], np.ndarray]:
    """Read one word from its frames.

    The most probable readings come from a prefix beam search (each summed over its frame
    paths); the best one is aligned to its frames and each character's posterior read off
    (:func:`~nnrecog.ocr.recognition.ctc.posteriors`), which the word decoder corrects as it does a
    character classifier's (:func:`~nnrecog.ocr.recognition.words.decode_word`: the letters/digits prior,
    the lexicon for a word of that length). Among that correction, the beam's other readings
    and the dictionary words an edit or two from the best reading (:meth:`Lexicon.near
    <nnrecog.ocr.recognition.lexicon.Lexicon.near>`: a letter misread, one missed, one read twice), each
    scored by the frames (:func:`~nnrecog.ocr.recognition.ctc.sequences_log_likelihood`), the most
    probable dictionary word wins when it is at most ``lexicon_margin`` nats less probable
    than the best reading, plus its word prior (the same prior as for characters,
    :meth:`~nnrecog.ocr.recognition.lexicon.Lexicon.prior`); a word of another length can
    win this way, which a character classifier's cannot.

    Returns
    -------
    outputs : the recogniser's output index of each character read; posteriors : (L, k)
        each character's class probabilities (columns: ``recognizer.classes``).
    """
    blank = recognizer.blank
    scorer = None
    if lexicon is not None and config.spelling_weight > 0:
        from nnrecog.ocr.recognition.spelling import SpellingScorer

        scorer = SpellingScorer(lexicon.spelling(), recognizer.label, config.spelling_weight, config.spelling_bonus)
    beams = prefix_beam_search(log_probs, blank, config.beam, scorer=scorer)
    if not beams or not beams[0][0]:
        return [], np.zeros((0, len(recognizer.classes)))
    best, best_score = list(beams[0][0]), beams[0][1]
    chosen = best
    probs = np.exp(log_probs)
    post = posteriors(probs, alignment(log_probs, best, blank), blank)
    text = decode_word(post, recognizer.classes, lexicon, config, line_evidence)
    best_text = "".join(recognizer.label(k) for k in best)
    if lexicon is not None:
        substitutions = 2 if len(best_text) >= config.two_substitutions_from else 1
        readings = {text} | {"".join(recognizer.label(k) for k in labels) for labels, _ in beams[1:]}
        words = sorted({*lexicon.near(best_text, substitutions), *(r for r in readings if r in lexicon)})
        priors = lexicon.priors_of(words, config)
        if scorer is not None:
            priors = priors + np.array([scorer.word(w) for w in words])
        score, outputs = _most_probable(words, priors, log_probs, recognizer)
        if score >= best_score - config.lexicon_margin:
            chosen = outputs
    if chosen == best and text != best_text:
        chosen = [recognizer.output(c) for c in text]  # the prior's reading, same length
    if chosen != best:
        post = posteriors(probs, alignment(log_probs, chosen, blank), blank)
    return chosen, post


def _most_probable(words: list[str], priors: np.ndarray, log_probs: np.ndarray, recognizer: LineRecognizer) -> tuple[float, list[int]]:
    """The most probable of ``words`` given the frames and each word's prior log odds
    (:meth:`~nnrecog.ocr.recognition.lexicon.Lexicon.prior`), as (log-likelihood plus prior,
    output indices); ``(-inf, [])`` for no words."""
    best: tuple[float, list[int]] = (-np.inf, [])
    for length in sorted({len(w) for w in words}):
        same_length = [i for i, w in enumerate(words) if len(w) == length]
        outputs = np.array([[recognizer.output(c) for c in words[i]] for i in same_length], np.int64)
        scores = sequences_log_likelihood(log_probs, outputs, recognizer.blank) + priors[same_length]
        k = int(np.argmax(scores))
        if scores[k] > best[0]:
            best = (float(scores[k]), outputs[k].tolist())
    return best


def space_words(log_probs: np.ndarray, space: int, blank: int) -> list[tuple[int, int]]:
    """The frames ``[first, stop)`` of each word of a line, cut in the middle of every space
    on the best frame path (a space before the first or after the last word is no break)."""
    labels, spans = best_path(log_probs, blank)
    read = [i for i, k in enumerate(labels) if k != space]
    inside = range(read[0] + 1, read[-1]) if read else range(0)
    cuts = [(spans[i][0] + spans[i][1] + 1) // 2 for i in inside if labels[i] == space]
    edges = [0, *cuts, len(log_probs)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _without_apostrophes(seg: Segmentation, line: list[Glyph], gaps: list[int]) -> list[int]:
    """The ``gaps`` (``i``: after glyph ``i``) with no apostrophe in them: a mark of the page that
    is not one of the line's glyphs, its middle column within the gap, in the upper half of the
    two glyphs beside it and reaching at most half their height above them (no letter of the
    line above). Left out of the line as punctuation, an apostrophe joins the letters beside
    it ("EVERYONE'S") where the gap alone would break them."""
    if not gaps:
        return gaps
    own = {label for glyph in line for label in glyph.labels}
    marks = [g.box for g in seg.glyphs if not own & set(g.labels)]

    def holds_apostrophe(i: int) -> bool:
        left, right = line[i].box, line[i + 1].box
        top, bottom = min(left[0], right[0]), max(left[2], right[2])
        return any(left[3] <= (x1 + x2) / 2 <= right[1] and y2 <= (top + bottom) / 2 and y1 >= top - (bottom - top) / 2
                   for y1, x1, y2, x2 in marks)

    return [i for i in gaps if not holds_apostrophe(i)]


def _cut(ranges: list[tuple[int, int]], cuts: list[int]) -> list[tuple[int, int]]:
    """Frame ranges ``[first, stop)`` cut again at the frames ``cuts`` that fall inside them."""
    out = []
    for a, b in ranges:
        edges = [a, *sorted(c for c in cuts if a < c < b), b]
        out += list(zip(edges[:-1], edges[1:]))
    return out


def read_line_frames(
    seg: Segmentation,
    line: list[Glyph],
    image: LineImage,
    log_probs: np.ndarray,
    recognizer: LineRecognizer,
    lexicon: Lexicon | None,
    typical_gap: float | None,
    layout: LayoutConfig = LayoutConfig(),
    config: DecodeConfig = DecodeConfig(),
) -> Line:
    """One line of the result tree from a line recogniser's frames.

    Words break where the recogniser reads a space (:func:`space_words`) and at the gaps between
    glyphs that are wide for the line however tight its letters
    (:func:`~nnrecog.ocr.lines.layout.wide_gaps`) unless an apostrophe sits there, or, for a recogniser
    without a space class (or with ``config.recogniser_spaces`` off), where the glyphs' gaps say
    (:func:`~nnrecog.ocr.lines.layout.split_words`); each word is read from its own frames
    (:func:`decode_frames`), and each character gets the box of the line's ink between the
    midpoints to its neighbours' frames.
    """
    frame_columns = recognizer.frame_columns
    boxes = [g.box for g in line]
    if recognizer.space is not None and config.recogniser_spaces:
        cuts = [round(image.image_column((boxes[i][3] + boxes[i + 1][1]) / 2) / frame_columns)
                for i in _without_apostrophes(seg, line, wide_gaps(boxes, typical_gap, layout))]
        ranges = _cut(space_words(log_probs, recognizer.space, recognizer.blank), cuts)
        ends = [(image.page_column(a * frame_columns), image.page_column(b * frame_columns)) for a, b in ranges]
    else:
        groups = split_words(boxes, typical_gap, layout)
        ranges = _frame_words(groups, line, image, len(log_probs), frame_columns)
        ends = [(min(line[i].box[1] for i in g), max(line[i].box[3] for i in g)) for g in groups]
    recognizer, log_probs = recognizer.without_space(log_probs)
    probs = np.exp(log_probs)
    characters = probs[:, [k for k in range(probs.shape[1]) if k != recognizer.blank]]
    evidence = kind_evidence(characters / np.maximum(characters.sum(axis=1, keepdims=True), 1e-12), recognizer.classes)
    words = []
    for (first, stop), (left, right) in zip(ranges, ends):
        rest = float(evidence.sum() - evidence[first:stop].sum())
        outputs, post = decode_frames(log_probs[first:stop], recognizer, lexicon, config, rest)
        if not outputs:
            continue
        spans = alignment(log_probs[first:stop], outputs, recognizer.blank)
        centres = [first + (a + b + 1) / 2 for a, b in spans]
        edges = [left] + [image.page_column((a + b) / 2 * frame_columns) for a, b in zip(centres[:-1], centres[1:])] + [right]
        chars = []
        for k, (output, row) in enumerate(zip(outputs, post)):
            box = image.ink_box(edges[k], edges[k + 1])
            if box is None:
                continue
            label = recognizer.label(output)
            peak = float(characters[first + spans[k][0] : first + spans[k][1] + 1, recognizer.classes.index(label)].max())
            chars.append(Char(label, seg.to_photo(box), peak, top_alternatives(row, recognizer.classes, config.top_k)))
        if chars:
            words.append(Word(chars))
    return Line(words)


def read_lines(
    seg: Segmentation,
    lines: list[list[Glyph]],
    glyphs: GlyphReader,
    lexicon: Lexicon | None,
    recognizer: LineRecognizer | None,
    config: ReaderConfig,
) -> tuple[list[Line], list[float]]:
    """Stages 8-9 for every line of a page: its glyphs classified, then each line read glyph by
    glyph from their probabilities (:func:`read_line`), or whole by the line recogniser
    (:func:`read_line_frames`), as ``config.engine`` says; word gaps are measured against the
    page's typical gap. ``auto`` reads a line whose letters touch whole (its words broken where
    the recogniser reads a space); a line whose letters stand apart glyph by glyph, with the
    recogniser's reading of each glyph blended in (:func:`~nnrecog.ocr.recognition.blend.blended`),
    and, where that holds an unknown word, or is all known words with a glyph wide enough to be
    two letters that the line recogniser finds far less likely than its own reading
    (:meth:`~nnrecog.ocr.recognition.linereader.LineRecognizer.disagreement`,
    ``config.resegment.disagreement_nats``), whole as well, keeping the whole reading (its words
    broken at the glyph reading's gaps) when more of its characters are in known words
    (:func:`known_characters`; ``config.resegment.compare_known_words``) and its confidence
    would not make the writing stage drop the line.

    Parameters
    ----------
    lines : each line's glyphs, left to right.
    glyphs : the classifier over this page's glyphs.
    recognizer : the line recogniser, None for the ``chars`` engine.

    Returns
    -------
    The lines read, and for each the mean probability the classifier gives its glyphs of being
    a character at all (what :func:`~nnrecog.ocr.recognition.writing.judge` weighs).
    """
    typical_gap = page_typical_gap([[g.box for g in line] for line in lines], config.layout)
    probs = glyphs.probabilities([g for line in lines for g in line])
    line_probs = np.split(probs, np.cumsum([len(line) for line in lines])[:-1]) if lines else []
    character_probability = [float(1.0 - p[:, -1].mean()) for p in line_probs]
    compare = (recognizer is not None and config.engine == "auto" and lexicon is not None
               and config.resegment.compare_known_words)
    blend = recognizer is not None and config.engine == "auto" and config.decode.line_recogniser_weight > 0

    # a line of separate letters has gaps to measure, so its whole reading breaks words where
    # the glyph reading does; where letters touch only the recogniser can tell a word's end
    apart = dataclasses.replace(config.decode, recogniser_spaces=False)

    def frames(line: list[Glyph], image: LineImage | None = None,
               row_shifts: tuple[int, ...] = config.decode.row_shifts) -> tuple[LineImage, np.ndarray]:
        """The line's image (``image`` where already cut) and the recogniser's frames of it,
        averaged over ``row_shifts`` (read one time, decoded as asked); ``(0,)``, the line as
        it lies, is a third of the work, for what asks the recogniser about a glyph reading."""
        assert recognizer is not None
        image = image if image is not None else line_image(seg, line, recognizer.line_format, config.layout)
        return image, recognizer.log_probs(image.image, row_shifts)

    def read_whole(line: list[Glyph], framed: tuple[LineImage, np.ndarray], decoding: DecodeConfig = config.decode) -> Line:
        assert recognizer is not None
        return read_line_frames(seg, line, *framed, recognizer, lexicon, typical_gap, config.layout, decoding)

    read = []
    for line, line_prob, is_character in zip(lines, line_probs, character_probability):
        touching = recognizer is not None and config.engine in LINE_ENGINES and (
            config.engine == "lines" or has_touching_letters(line, config.resegment.touching_line_fraction))
        if touching:
            framed = frames(line)
            whole = read_whole(line, framed)
            # spelt, a doubtful line's letters may be less sure than its frames' own reading:
            # the spelling must not make the writing stage drop a line it would keep
            if whole.confidence < config.writing.min_confidence and config.decode.spelling_weight > 0:
                unspelt = read_whole(line, framed, dataclasses.replace(config.decode, spelling_weight=0.0, spelling_bonus=0.0))
                if unspelt.confidence >= config.writing.min_confidence:
                    whole = unspelt
            read.append(whole)
            continue
        # a line the writing stage will refuse as not characters, however it reads, is not worth
        # the recogniser's reading, blended or compared
        refused = is_character < config.writing.min_confidence
        # the line as it is, read once: blended into the glyphs' readings, and asked about below
        once: tuple[LineImage, np.ndarray] | None = None
        if blend and not refused:
            assert recognizer is not None
            once = frames(line, row_shifts=(0,))
            line_prob = blended(line_prob, line_posteriors(line, *once, recognizer, glyphs.classifier.classes),
                                config.decode.line_recogniser_weight)
        reading = read_line(seg, line, line_prob, glyphs.classifier.classes, lexicon, typical_gap, config.layout, config.decode)
        # a reading all of known words stands
        if compare and not refused:
            assert lexicon is not None
            # each word looked up once (a lookup scans the word list's words of its length); a
            # word of one unknown letter is no misread word (a row of letters spaced apart)
            unknown = [word.text for word in reading.words if not is_known_word(word.text, lexicon)]
            doubted = any(len(word) > 1 for word in unknown)
            # a reading all of known words, with a glyph wide enough to be two letters, is
            # asked of the recogniser (a row of lone letters, spaced apart, is not: no word)
            if (not unknown and config.resegment.disagreement_nats is not None
                    and touching_candidates(line, config.resegment)):
                assert recognizer is not None
                once = once or frames(line, row_shifts=(0,))
                doubted = recognizer.disagreement(reading.text, once[1]) > config.resegment.disagreement_nats
            if doubted:
                whole = read_whole(line, frames(line, once[0] if once else None), apart)
                # the swap must not make the writing stage drop a line the glyph reading keeps
                if (known_characters(whole, lexicon) > len(reading.chars) - sum(map(len, unknown))
                        and whole.confidence >= config.writing.min_confidence):
                    reading = whole
        read.append(reading)
    return read, character_probability
