"""Read handwritten block letters from a photo: segment, lay out, recognise, decode.

>>> from nnrecog import ocr
>>> page = ocr.read_file("note.jpg")
>>> print(page.text)
>>> page.export()          # the JSON of ``nnrecog read --json``
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from nnrecog.errors import InputError
from nnrecog.ocr.elements import Char, Line, Page, Word
from nnrecog.ocr.layout import group_lines, near_breaks, page_typical_gap, punctuation_marks, split_words
from nnrecog.ocr.lexicon import Lexicon, decode_word, default_lexicon
from nnrecog.ocr.overlay import open_for_overlay, save_overlay
from nnrecog.ocr.recognize import Classifier, load_classifier, top_alternatives
from nnrecog.ocr.segment import (
    Glyph,
    Segmentation,
    cut_between,
    cut_columns,
    fragment_candidates,
    grey_image,
    join,
    open_photo,
    segment,
    touching_candidates,
    typical_width,
)

ModelArg = Classifier | str | os.PathLike | None
#: A join must raise the log top probability this much over the pieces' mean (nats).
_JOIN_MARGIN = 0.1
#: Each piece a wide glyph is cut into costs this much log probability (nats)...
_PIECE_COST = 1.0
#: ...plus this weight times log(width / (_WIDEST * the line's typical width)) when positive:
#: the classifier is sure of many a crop of two touching letters, never having seen one...
_WIDTH_WEIGHT, _WIDEST = 4.0, 2.0
#: ...pieces are between these many line heights wide...
_PIECE_WIDTH = (0.15, 1.3)
#: ...and cut columns at least this many line heights apart.
_CUT_SPACING = 0.15


def resolve_lexicon(lexicon: bool | Lexicon | None) -> Lexicon | None:
    """The word list to decode with: a given ``Lexicon``, the default one for ``True``, else None."""
    if isinstance(lexicon, Lexicon):
        return lexicon
    return default_lexicon() if lexicon else None


def read(
    image: Image.Image | np.ndarray | str | os.PathLike,
    model: ModelArg = None,
    lexicon: bool | Lexicon | None = True,
) -> Page:
    """Read the handwritten text of a page.

    Parameters
    ----------
    image : a PIL image (any mode; its EXIF rotation is applied), a grey or colour array
        ``(H, W)`` / ``(H, W, C)`` (integer or float in [0, 1]), or a file path
        (:func:`read_file`).
    model : a loaded :class:`~nnrecog.ocr.recognize.Classifier`, a model file path, or
        ``None`` for the default model shipped in the package. Load it once with
        :func:`~nnrecog.ocr.recognize.load_classifier` when reading many photos.
    lexicon : decode words with the English word list (:mod:`nnrecog.ocr.lexicon`);
        ``False`` reads glyph by glyph (the letters/digits prior still applies); a
        :class:`~nnrecog.ocr.lexicon.Lexicon` uses that word list.

    Returns
    -------
    Page : lines top to bottom, words left to right, boxes in the image's pixels. A blank page
        gives a page without lines (``text == ""``).
    """
    if isinstance(image, (str, os.PathLike)):
        return read_file(image, model, lexicon)
    classifier, words = load_classifier(model), resolve_lexicon(lexicon)
    if isinstance(image, Image.Image):
        image = ImageOps.exif_transpose(image)
    return read_segmentation(segment(grey_image(image)), classifier, words)


def read_file(path: str | os.PathLike, model: ModelArg = None, lexicon: bool | Lexicon | None = True) -> Page:
    """Read a photo file (any format PIL reads; EXIF rotation applied).

    Boxes refer to the photo as displayed (after EXIF rotation), at full resolution.

    Raises
    ------
    InputError : the file is missing, is not an image, is truncated or damaged, or is larger
        than PIL's decompression-bomb limit. The message names the file.
    """
    classifier, words = load_classifier(model), resolve_lexicon(lexicon)
    return read_segmentation(segment(*load_photo(path)), classifier, words)


def load_photo(path: str | os.PathLike) -> tuple[np.ndarray, tuple[int, int]]:
    """:func:`~nnrecog.ocr.segment.open_photo` with every failure turned into an InputError."""
    try:
        with warnings.catch_warnings():
            # the photo is read at a bounded working resolution, so large is not a danger here
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return open_photo(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected an image file") from None
    except Image.DecompressionBombError as exc:
        raise InputError(f"{path}: image too large to read safely ({exc})") from None
    except UnidentifiedImageError:
        raise InputError(f"{path}: not an image file PIL can read (expected JPEG, PNG, ...)") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise InputError(f"{path}: truncated or damaged image ({exc})") from None


class _GlyphReader:
    """Classifies the crops of a page's glyphs, each glyph once (cut and join decisions read
    the same glyphs as the final reading)."""

    def __init__(self, seg: Segmentation, classifier: Classifier):
        self.seg, self.classifier = seg, classifier
        self._probs: dict[tuple, np.ndarray] = {}

    def probabilities(self, glyphs: list[Glyph]) -> np.ndarray:
        """(n, k) class probabilities of ``glyphs``."""
        keys = [(g.box, g.labels) for g in glyphs]
        new = {key: g for key, g in zip(keys, glyphs) if key not in self._probs}
        if new:
            probs = self.classifier.classify([self.seg.crop(g) for g in new.values()])
            self._probs.update(zip(new, probs))
        if not keys:
            return np.zeros((0, len(self.classifier.classes)), np.float32)
        return np.stack([self._probs[key] for key in keys])

    def top_log_probability(self, glyphs: list[Glyph]) -> np.ndarray:
        """(n,) log of each glyph's most probable class."""
        return np.log(self.probabilities(glyphs).max(axis=1) + 1e-12)


def _prefer_cuts(seg: Segmentation, glyphs: list[Glyph], reader: _GlyphReader) -> list[Glyph]:
    """Replace wide glyphs by the pieces the classifier reads best (recognition-driven cutting).

    For each :func:`~nnrecog.ocr.segment.touching_candidates` glyph, the cut columns of
    :func:`~nnrecog.ocr.segment.cut_columns` (ink minima) split it into spans; every span
    :data:`_PIECE_WIDTH` line heights wide is read, and dynamic programming picks the
    left-to-right sequence of spans (the whole glyph being one choice) maximising
    ``sum (log top probability - c - lambda max(0, log(w / (k t))))`` over its pieces, with
    ``c`` = :data:`_PIECE_COST`, ``w`` the piece's width, ``t`` the line's typical character
    width, ``lambda, k`` = :data:`_WIDTH_WEIGHT`, :data:`_WIDEST`. Touching letters read
    badly as one glyph and well as pieces, and a piece far wider than a character is
    penalised even when the classifier is sure of it; a wide 'M' or 'W' reads well as
    itself, and its halves ('I' + 'Z') must beat it by ``c`` to win.

    Measured by ``benchmarks/ocr_nist_pages.py`` (pages of real NIST letters, never trained
    on), CER with the lexicon: spaced letters 5.7 % -> 2.4 %, touching letters 41 % -> 30 %,
    against the earlier rule (cut into ``round(width / typical)`` pieces at ink minima when
    their mean log probability beats the whole's).
    """
    candidates = touching_candidates(glyphs)
    if not candidates:
        return glyphs
    height, typical = float(np.median([g.height for g in glyphs])), typical_width(glyphs)
    narrow, wide = (f * height for f in _PIECE_WIDTH)
    out = list(glyphs)
    for i in reversed(candidates):  # right to left keeps indices valid
        glyph = glyphs[i]
        columns = [0, *cut_columns(seg, glyph, _CUT_SPACING * height), glyph.width]
        last = len(columns) - 1
        plausible = [
            (a, b)
            for a in range(last)
            for b in range(a + 1, last + 1)
            if (a, b) != (0, last) and narrow <= columns[b] - columns[a] <= wide
        ]
        pieces_of = cut_between(seg, glyph, [(columns[a], columns[b]) for a, b in plausible])
        spans = {(0, last): glyph, **{span: piece for span, piece in zip(plausible, pieces_of) if piece is not None}}
        widths = np.array([piece.width for piece in spans.values()], np.float64)
        prior = _PIECE_COST + _WIDTH_WEIGHT * np.maximum(np.log(widths / (_WIDEST * typical)), 0.0)
        score = dict(zip(spans, reader.top_log_probability(list(spans.values())) - prior))
        # best[b]: best score of a cut sequence ending at column b; back[b]: where its last piece starts
        best, back = [0.0] + [-np.inf] * last, [0] * (last + 1)
        for (a, b), value in sorted(score.items(), key=lambda item: item[0][1]):
            if best[a] + value > best[b]:
                best[b], back[b] = best[a] + value, a
        pieces, b = [], last
        while b > 0:
            pieces.append(spans[back[b], b])
            b = back[b]
        out[i : i + 1] = pieces[::-1]
    return out


def _prefer_joins(glyphs: list[Glyph], reader: _GlyphReader) -> list[Glyph]:
    """Join neighbouring pieces of broken characters where the classifier reads them better.

    With ``s_i`` the log top probability of glyph ``i`` and ``w_i`` that of glyphs ``i, i + 1``
    joined (for :func:`~nnrecog.ocr.segment.fragment_candidates`), the line is read as the
    sequence of singles and joins maximising ``sum s_i (singles) + sum 2 (w_i - m) (joins)``
    (dynamic programming), ``m`` = :data:`_JOIN_MARGIN`: a join stands for two glyphs and must
    beat their mean by ``m``. An 'I' beside a 'T' reads well as two glyphs; the halves of a
    broken 'H' read badly and join.
    """
    # neighbours with the same ink components are pieces of one glyph that _prefer_cuts chose
    # to cut: joining them again would undo that decision
    candidates = [i for i in fragment_candidates(glyphs) if glyphs[i].labels != glyphs[i + 1].labels]
    if not candidates:
        return glyphs
    merged = {i: join(glyphs[i], glyphs[i + 1]) for i in candidates}
    whole = dict(zip(merged, reader.top_log_probability(list(merged.values()))))
    single = reader.top_log_probability(glyphs)
    # best[k]: best score of the first k glyphs; step[k]: 1 (single) or 2 (join) ending there
    best, step = [0.0] + [-np.inf] * len(glyphs), [0] * (len(glyphs) + 1)
    for k in range(1, len(glyphs) + 1):
        best[k], step[k] = best[k - 1] + single[k - 1], 1
        if k - 2 in whole and best[k - 2] + 2 * (whole[k - 2] - _JOIN_MARGIN) > best[k]:
            best[k], step[k] = best[k - 2] + 2 * (whole[k - 2] - _JOIN_MARGIN), 2
    out, k = [], len(glyphs)
    while k > 0:
        out.append(glyphs[k - 1] if step[k] == 1 else merged[k - 2])
        k -= step[k]
    return out[::-1]


def _split_by_lexicon(
    words: list[list[int]], near: list[int], probs: np.ndarray, classes: str, lexicon: Lexicon
) -> list[list[int]]:
    """Split a word at a gap just short of a word break when that reads as two words.

    For each word, its widest :func:`~nnrecog.ocr.layout.near_breaks` gap splits it when the
    word as a whole does not decode to a dictionary word but both sides (two or more glyphs
    each) do: 'TO DO' written a little tight reads as TO + DO, not TODO.
    """
    out = []
    for word in words:
        inside = [i for i in near if word[0] <= i < word[-1]]
        left = [j for j in word if j <= inside[0]] if inside else word
        right = word[len(left) :]
        if (
            len(left) >= 2
            and len(right) >= 2
            and decode_word(probs[word], classes, lexicon) not in lexicon
            and decode_word(probs[left], classes, lexicon) in lexicon
            and decode_word(probs[right], classes, lexicon) in lexicon
        ):
            out.extend([left, right])
        else:
            out.append(word)
    return out


def _without_marks(glyphs: list[Glyph]) -> list[Glyph]:
    """The line without its punctuation marks (:func:`~nnrecog.ocr.layout.punctuation_marks`)."""
    marks = set(punctuation_marks([g.box for g in glyphs]))
    return [g for i, g in enumerate(glyphs) if i not in marks]


def read_segmentation(seg: Segmentation, classifier: Classifier, lexicon: Lexicon | None) -> Page:
    """Lay out, classify and decode a segmented page (the steps after :func:`segment`)."""
    reader = _GlyphReader(seg, classifier)
    lines = [[seg.glyphs[i] for i in line] for line in group_lines([g.box for g in seg.glyphs])]
    lines = [_prefer_joins(_prefer_cuts(seg, line, reader), reader) for line in lines]
    lines = [kept for kept in map(_without_marks, lines) if kept]
    typical_gap = page_typical_gap([[g.box for g in line] for line in lines])
    probs = reader.probabilities([g for line in lines for g in line])
    page_lines, start = [], 0
    for line in lines:
        boxes = [g.box for g in line]
        line_probs = probs[start : start + len(line)]
        word_groups = split_words(boxes, typical_gap)
        if lexicon is not None:
            near = near_breaks(boxes, typical_gap)
            word_groups = _split_by_lexicon(word_groups, near, line_probs, classifier.classes, lexicon)
        words = []
        for word in word_groups:
            word_probs = line_probs[word]
            text = decode_word(word_probs, classifier.classes, lexicon)
            words.append(
                Word(
                    [
                        Char(
                            label,
                            seg.to_photo(line[i].box),
                            float(row[classifier.classes.index(label)]),
                            top_alternatives(row, classifier.classes),
                        )
                        for label, i, row in zip(text, word, word_probs)
                    ]
                )
            )
        page_lines.append(Line(words))
        start += len(line)
    return Page(page_lines, seg.photo_size)


@dataclass
class PhotoReading:
    """The outcome of reading one photo of a batch: a page, or the one-line error."""

    path: Path
    page: Page | None = None
    error: str | None = None
    overlay: Path | None = None


def overlay_paths(overlay: str | os.PathLike, photos: list[Path]) -> list[Path]:
    """Where each photo's overlay goes.

    One photo: ``overlay`` itself. Several: ``OUT-<photo stem><suffix>`` beside ``OUT``
    (``--overlay ov.png a.jpg b.jpg`` writes ``ov-a.png`` and ``ov-b.png``); when two photos
    share a stem, ``OUT-<n>-<stem><suffix>`` with ``n`` the photo's 1-based position.

    Raises
    ------
    InputError : the suffix is not an image format PIL can write.
    """
    out = Path(overlay)
    if out.suffix.lower() not in Image.registered_extensions():
        raise InputError(f"{out}: overlay needs an image suffix PIL can write (.png, .jpg, ...)")
    if len(photos) == 1:
        return [out]
    stems = [p.stem for p in photos]
    return [
        out.with_name(f"{out.stem}-{stem if stems.count(stem) == 1 else f'{i}-{stem}'}{out.suffix}")
        for i, stem in enumerate(stems, start=1)
    ]


def read_photos(
    paths: list[str | os.PathLike],
    model: ModelArg = None,
    lexicon: bool = True,
    overlay: str | os.PathLike | None = None,
) -> Iterator[PhotoReading]:
    """Read several photos with one model load, yielding each result as it is ready.

    A photo that cannot be read yields a :class:`PhotoReading` with ``error`` set (one line
    naming the file) and the others are still read. With ``overlay``, each read photo's
    overlay is written to :func:`overlay_paths`.

    Raises
    ------
    InputError, nnrecog.nn.ModelFileError : before any photo is read, when the model (or
        lexicon, or overlay name) is unusable.
    """
    photos = [Path(p) for p in paths]
    targets = overlay_paths(overlay, photos) if overlay is not None else [None] * len(photos)
    classifier, words = load_classifier(model), resolve_lexicon(lexicon)
    for photo, target in zip(photos, targets):
        try:
            page = read_file(photo, classifier, words)
        except InputError as exc:
            yield PhotoReading(photo, error=str(exc))
            continue
        if target is not None:
            try:
                save_overlay(open_for_overlay(photo), page, target)
            except OSError as exc:
                yield PhotoReading(photo, page, error=f"{target}: cannot write the overlay ({exc.strerror or exc})")
                continue
        yield PhotoReading(photo, page, overlay=target)
