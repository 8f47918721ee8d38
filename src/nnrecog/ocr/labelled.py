"""Real training lines: each labelled photo's lines cut out as the reader cuts them (stage 7 of
the line engine), paired with the photo's true text line by line.

What a writer's own photos teach the line recogniser is their hand: ``nnrecog train lines
--real-photos DIR`` mixes these lines into its synthetic stream (:mod:`nnrecog.pytorch.lines`).
A photo whose reader finds fewer lines than its true text has is left out (which line was
missed is not known). Where it finds more (a stray mark read as a line), each true line is
paired, in order, with the line the recogniser reads most like it, and found lines that read
like no true line at all are left out.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nnrecog.data.linecorpus import LineCorpus
from nnrecog.ocr.evaluate import alignment_counts, labelled_photos, normalize_text
from nnrecog.ocr.lines.lineimage import line_image
from nnrecog.ocr.recognition.linereader import LineRecognizer
from nnrecog.ocr.reader import Reader

#: A found line is paired with a true one only when at least this fraction of the true line's
#: characters survive in the recogniser's reading (1 - edit distance / length).
MIN_LIKENESS = 0.2


@dataclass
class LabelledLines:
    """Real lines and where they came from.

    Attributes
    ----------
    corpus : the lines, normalised as the reader normalises them, with their true texts.
    photos : for each line, the photo it was cut from.
    left_out : photos none of whose lines were taken, each with the reason.
    """

    corpus: LineCorpus
    photos: list[str]
    left_out: list[str] = field(default_factory=list)


def labelled_lines(folders: Sequence[str | os.PathLike], reader: Reader | None = None,
                   progress: bool = True) -> LabelledLines:
    """The lines of every photo with a ``NAME.gt.txt`` beside it in ``folders`` (see the module
    docstring), cut with ``reader``'s settings and models (default: a new :class:`Reader`).

    Raises
    ------
    InputError : a folder is missing or holds no labelled photo, or a photo cannot be read.
    """
    from tqdm.auto import tqdm

    from nnrecog.ocr.finding import photo as photos
    from nnrecog.ocr.finding.segmentation import segment
    from nnrecog.ocr.lines.page_lines import glyph_lines
    from nnrecog.ocr.recognition import orientation
    from nnrecog.ocr.recognition.recognize import GlyphReader

    reader = reader or Reader()
    recognizer = reader.replace(engine="lines").line_model
    config = reader.config
    pairs = [pair for folder in folders for pair in labelled_photos(folder)]
    images: list[np.ndarray] = []
    texts: list[str] = []
    names: list[str] = []
    left_out: list[str] = []
    for image, truth_file in tqdm(pairs, desc="labelled lines", unit="photo", disable=not progress):
        truth = normalize_text(truth_file.read_text(encoding="utf-8")).splitlines()
        grey, size = photos.load_photo(image, config.photo.max_pixels, image.name, config.photo.max_decoded_pixels)
        seg = segment(grey, size, config)
        tilt = orientation.tilt_degrees(seg, config.orientation)
        if config.orientation.enabled and abs(tilt) >= config.orientation.min_tilt_deg:
            seg = orientation.straightened(seg, tilt, config.components)
        found = glyph_lines(seg, GlyphReader(seg, reader.classifier).top_log_probability, config)
        cut = [line_image(seg, line, recognizer.line_format, config.layout).image for line in found]
        if len(found) < len(truth):
            left_out.append(f"{image.name}: {len(found)} lines found, {len(truth)} true")
            continue
        matched = _matched(cut, truth, recognizer) if len(found) > len(truth) else list(enumerate(truth))
        if not matched:
            left_out.append(f"{image.name}: no found line reads like a true one")
        for index, text in matched:
            images.append((np.clip(cut[index], 0.0, 1.0) * 255).round().astype(np.uint8))
            texts.append(text)
            names.append(image.name)
    return LabelledLines(LineCorpus.of(images, texts, recognizer.line_format.height), names, left_out)


def _matched(cut: list[np.ndarray], truth: list[str], recognizer: LineRecognizer) -> list[tuple[int, str]]:
    """Pair each true line, in order, with a found line (more of them than true lines): the
    order-keeping pairing whose summed likeness is largest (dynamic programming), pairs less
    alike than :data:`MIN_LIKENESS` dropped. ``(found line index, true text)`` pairs."""
    from nnrecog.ocr.recognition.ctc import best_path

    reads = ["".join(recognizer.label(k) for k in best_path(recognizer.log_probs(image), recognizer.blank)[0])
             for image in cut]
    likeness = np.array([[1.0 - alignment_counts(read, text)[0] / max(len(text), 1) for text in truth] for read in reads])
    n, m = likeness.shape
    best = np.full((n + 1, m + 1), -np.inf)
    best[:, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best[i, j] = max(best[i - 1, j], best[i - 1, j - 1] + likeness[i - 1, j - 1])
    pairs, i, j = [], n, m
    while j > 0:
        if best[i, j] == best[i - 1, j]:
            i -= 1
        else:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    return [(i, truth[j]) for i, j in reversed(pairs) if likeness[i, j] >= MIN_LIKENESS]
