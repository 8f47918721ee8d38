"""Stage 8 for the line engine: a line recogniser reads each line image into frame probabilities.

The recogniser is an ``nnrecog.nn`` network (trained with CTC by ``nnrecog train lines`` and
exported from PyTorch) whose output for a ``(1, 1, height, W)`` line image is ``(1, C, 1, T)``:
per frame of ``frame_columns`` image columns, scores over the CTC blank and the characters,
the last of which may be the space between words (then the recogniser says where words break).
Its model file's meta says how to feed it::

    {"kind": "line_recognizer", "classes": "ABC...9 ", "blank": 0, "frame_columns": 4,
     "input": "ink_bright", "line_format": {"height": 32, "cap_height": 20, ...}}
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from nnrecog import nn
from nnrecog.data.lineformat import LineFormat
from nnrecog.errors import InputError
from nnrecog.nn.functional import log_softmax
from nnrecog.ocr.recognition.ctc import best_path, sequences_log_likelihood

#: The shipped line recogniser, inside the package.
DEFAULT_LINE_MODEL = "lines.npz"
KIND = "line_recognizer"


@dataclass
class LineRecognizer:
    """A loaded line recogniser.

    Attributes
    ----------
    net : the network, ``(n, 1, height, W) -> (n, C, 1, T)``.
    classes : the character of each non-blank output, in output order (blank skipped).
    blank : the index of the blank output.
    frame_columns : line-image columns per frame.
    line_format : the normalisation its lines were made with.
    source : where it was loaded from (for messages).
    """

    net: nn.Sequential
    classes: str
    blank: int
    frame_columns: int
    line_format: LineFormat
    source: str

    @property
    def space(self) -> int | None:
        """The output index of the space between words, or ``None`` for a recogniser that
        reads characters only (its words are then split by the gaps between glyphs)."""
        return self.output(" ") if " " in self.classes else None

    def without_space(self, log_probs: np.ndarray) -> tuple[LineRecognizer, np.ndarray]:
        """The recogniser as one that reads characters only, and ``log_probs`` (T, C) with
        the space's column taken out and each frame renormalised: what one word is read from."""
        if self.space is None:
            return self, log_probs
        rest = np.delete(log_probs, self.space, axis=1)
        rest = rest - np.logaddexp.reduce(rest, axis=1, keepdims=True)
        return dataclasses.replace(self, classes=self.classes.replace(" ", "")), rest

    def label(self, output: int) -> str:
        """The character of a non-blank output index."""
        return self.classes[output - (output > self.blank)]

    def output(self, char: str) -> int:
        """The output index of a character."""
        index = self.classes.index(char)
        return index + (index >= self.blank)

    def log_probs(self, image: np.ndarray, row_shifts: tuple[int, ...] = (0,)) -> np.ndarray:
        """``(T, C)`` log-probabilities per frame of a normalised line image ``(height, W)``
        (ink dark on white); ``T = 0`` for a line too short to have a frame.

        With ``row_shifts``, the image is read moved down by each number of rows (up where
        negative, white coming in), and the frames' probabilities are averaged:
        ``log (1/S) sum_s p_s(c | t)``.
        """
        self.net.eval()
        ink = 1.0 - image.astype(np.float32)
        x = np.zeros((len(row_shifts), 1, *ink.shape), np.float32)
        for k, shift in enumerate(row_shifts):
            x[k, 0, max(shift, 0) : ink.shape[0] + min(shift, 0)] = ink[max(-shift, 0) : ink.shape[0] - max(shift, 0)]
        scores = self.net.forward(x)  # (S, C, 1, T)
        per_shift = log_softmax(scores[:, :, 0, :].transpose(0, 2, 1).astype(np.float64))  # (S, T, C)
        return np.logaddexp.reduce(per_shift, axis=0) - np.log(len(row_shifts))

    def disagreement(self, text: str, log_probs: np.ndarray) -> float:
        """How much less likely this recogniser finds ``text`` than its own best path over a
        line's frames ``log_probs`` (T, C), in nats, spaces aside: ``log P(best) - log P(text)``,
        each summed over every frame path that reads it (0 where they agree; a line with no
        frame, or a character the recogniser lacks, disagrees infinitely)."""
        characters, frames = self.without_space(log_probs)
        text = text.replace(" ", "")
        if len(frames) == 0 or any(c not in characters.classes for c in text):
            return math.inf

        def likelihood(read: str) -> float:
            labels = np.array([[characters.output(c) for c in read]], np.int64)  # (1, len(read)), empty too
            return float(sequences_log_likelihood(frames, labels, characters.blank)[0])

        best = "".join(characters.label(i) for i in best_path(frames, characters.blank)[0])
        return likelihood(best) - likelihood(text)


def default_line_model_path() -> Path | None:
    """The shipped line recogniser's path, or ``None`` when the package has none."""
    candidate = resources.files("nnrecog") / "models" / DEFAULT_LINE_MODEL
    return Path(str(candidate)) if candidate.is_file() else None


def load_line_recognizer(path: str | os.PathLike | LineRecognizer | None = None) -> LineRecognizer:
    """Load a line recogniser model file (``None``: the one shipped in the package).

    Raises
    ------
    InputError : none is installed, or the file is not a line recogniser (a character
        classifier given by mistake, say); the message names the file.
    """
    if isinstance(path, LineRecognizer):
        return path
    if path is None:
        path = default_line_model_path()
        if path is None:
            raise InputError("no line recogniser installed (nnrecog/models/lines.npz); use --engine chars")
    net = nn.load(path)
    meta = net.meta
    if meta.get("kind") != KIND:
        raise nn.ModelFileError(f"{path}: not a line recogniser (its meta 'kind' is {meta.get('kind')!r}, expected {KIND!r})")
    fields = {f.name for f in dataclasses.fields(LineFormat)}
    line_format = meta.get("line_format", {})
    if not isinstance(line_format, dict) or set(line_format) - fields:
        raise nn.ModelFileError(f"{path}: meta 'line_format' must be a mapping of {sorted(fields)}")
    classes, blank, frame_columns = meta.get("classes"), meta.get("blank"), meta.get("frame_columns")
    if not isinstance(classes, str) or not isinstance(blank, int) or not isinstance(frame_columns, int):
        raise nn.ModelFileError(f"{path}: meta needs 'classes' (str), 'blank' and 'frame_columns' (int)")
    recognizer = LineRecognizer(net, classes, blank, frame_columns, LineFormat(**line_format), str(path))
    try:
        outputs = recognizer.log_probs(np.ones((recognizer.line_format.height, 64), np.float32)).shape[1]
    except ValueError as exc:
        raise nn.ModelFileError(f"{path}: the network does not take a {recognizer.line_format.height}-row line: {exc}") from None
    if outputs != len(classes) + 1 or not 0 <= blank < outputs:
        raise nn.ModelFileError(f"{path}: the network has {outputs} outputs for {len(classes)} classes and a blank")
    if " " in classes and (classes.count(" ") > 1 or not classes.endswith(" ") or blank == outputs - 1):
        raise nn.ModelFileError(f"{path}: the space must be the last class, after the blank, and only once")
    return recognizer
