"""Stage 9 for a line of separate letters in the ``auto`` engine: the line recogniser's reading
of each glyph blended into the character classifier's.

The classifier learned letters standing alone; the line recogniser whole lines, each letter
among its neighbours. They err on different glyphs, so a line read glyph by glyph is also read
once by the recogniser (:func:`line_posteriors`), and where it reads one character within a
glyph's columns, the two readings are combined (:func:`blended`) before the words are decoded.
"""

from __future__ import annotations

import numpy as np

from nnrecog.ocr.finding.components import Glyph
from nnrecog.ocr.lines.lineimage import LineImage
from nnrecog.ocr.recognition.ctc import best_path, posteriors
from nnrecog.ocr.recognition.linereader import LineRecognizer

#: The least probability a network's reading is taken at when two are blended: one network's
#: zero leaves the other a say rather than ruling the character out.
_FLOOR = 1e-6


def line_posteriors(line: list[Glyph], image: LineImage, log_probs: np.ndarray, recognizer: LineRecognizer,
                    classes: str) -> list[np.ndarray | None]:
    """What the line recogniser reads in each glyph of a line read glyph by glyph: the class
    distribution (columns: ``classes``) of the one character its best frame path reads whose
    frames' centre lies within the glyph's columns (:func:`~nnrecog.ocr.recognition.ctc.posteriors`,
    spaces aside); None for a glyph holding no such character or several (two letters in one
    glyph are the touching letters the line is read whole for, not a glyph to relabel).

    Parameters
    ----------
    image, log_probs : the line's image and the recogniser's frames of it (T, C).
    """
    reader, frames = recognizer.without_space(log_probs)
    _, spans = best_path(frames, reader.blank)
    centres = np.array([image.page_column((a + b + 1) / 2 * reader.frame_columns) for a, b in spans])
    frame_probs = np.exp(frames)
    order = [reader.classes.index(c) for c in classes]
    out: list[np.ndarray | None] = []
    for glyph in line:
        inside = np.flatnonzero((centres >= glyph.box[1]) & (centres <= glyph.box[3]))
        out.append(posteriors(frame_probs, [spans[inside[0]]], reader.blank)[0][order] if len(inside) == 1 else None)
    return out


def blended(probs: np.ndarray, line_reading: list[np.ndarray | None], weight: float) -> np.ndarray:
    """The glyphs' probabilities with the line recogniser's reading of each blended in.

    Given that a glyph is a character, ``p(c) ∝ p_glyph(c)^(1 - w) p_line(c)^w`` (a geometric
    mixture, ``w = weight``): two networks taught on different things (glyphs alone; whole
    lines, each letter among its neighbours) err on different glyphs, and one sure of its
    reading outweighs the other's doubt. The blend chooses among the characters; how sure a
    glyph is stays the classifier's: the blend's first choice is held at the probability the
    classifier gave its own first choice (the rest of the row goes to "no character"), so the
    confidences that the writing stage and the comparisons between readings weigh are the
    classifier's whichever character is chosen.

    Parameters
    ----------
    probs : (n, k + 1) the classifier's probabilities, characters then none.
    line_reading : per glyph, (k,) the recogniser's distribution (:func:`line_posteriors`), or
        None where the glyph keeps the classifier's.

    Returns
    -------
    (n, k + 1), rows summing to 1.
    """
    out = probs.astype(np.float64)
    characters = out[:, :-1]
    for i, line_post in enumerate(line_reading):
        mass = characters[i].sum()
        if line_post is None or mass <= 0:
            continue
        log_mix = ((1.0 - weight) * np.log(np.maximum(characters[i] / mass, _FLOOR))
                   + weight * np.log(np.maximum(line_post, _FLOOR)))
        mix = np.exp(log_mix - log_mix.max())  # its first choice at 1
        mix *= characters[i].max()
        mix /= max(1.0, mix.sum())
        out[i, :-1] = mix
        out[i, -1] = 1.0 - mix.sum()
    return out
