"""Synthetic lines of handwriting, for training a line recogniser: whole lines, letters touching.

A line recogniser reads a line image at once and needs no character boxes, so it can learn
what a character classifier cannot: letters that touch, overlap and join. Lines are made of
real handwriting, the open data set's **training** glyphs only (nist26 and the valid and test
splits never enter):

- each character is either one of the built set's training images of its class (real pens on
  real paper, photographed or scanned), cropped to its ink, or one of the Chars74K
  *training* letterforms drawn as pen trajectories straight onto the line, so that
  neighbouring letters overlap as a pen's strokes do and, now and then, a connecting stroke
  joins one letter to the next;
- gaps between letters vary per line and per letter, negative ones included (overlap), word
  gaps are wider; letters vary in size, sit on a drifting baseline, and the whole line is
  slanted, slightly rotated, blurred and thickened or thinned;
- the text is drawn from an English word list, random letter strings, digit strings and mixed
  strings, so the recogniser does not learn English alone.

Every line is finally put through :func:`normalize_line`, the normalisation the reader applies
to a line it cut from a photo, so both look alike: ink binarised, the cap height scaled to
:attr:`LineFormat.cap_height`, strokes set to one width, anti-aliased, :attr:`LineFormat.height`
rows tall, ink dark on white.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage as ndi

from nnrecog.data.linedamage import LineDamage, damaged
from nnrecog.data.lineformat import LineFormat, normalize_line
from nnrecog.data.normalize import ink_bounds
from nnrecog.data.nist36 import CLASSES

#: Characters a line may hold: the 36 classes (word gaps are spaces in the text).
LINE_CHARACTERS = CLASSES


@dataclass
class LineSources:
    """Handwriting to make lines of: training glyph images and pen trajectories per class.

    Attributes
    ----------
    images : class label -> list of (h, w) float32 ink-bright crops (the ink box of a
        training image of the built set).
    strokes : class label -> list of letterforms, each a list of (k, 2) float arrays of
        ``[x, y]`` points (Chars74K training letterforms).
    words : upper-case words to draw text from.
    """

    images: dict[str, list[np.ndarray]]
    strokes: dict[str, list[list[np.ndarray]]]
    words: list[str] = field(default_factory=list)


def line_sources(
    source: str | os.PathLike = "default", data_dir: str | os.PathLike | None = None, split: str = "train"
) -> LineSources:
    """One split of a built data set (``train`` to learn from, ``valid`` to choose the epoch),
    that split's Chars74K letterforms, and the English word list (``english-words``; without
    it, random strings only).

    Raises
    ------
    InputError : the data set or the shared data cannot be read.
    """
    import json
    from pathlib import Path

    from nnrecog.data.builder import default_dataset_dir
    from nnrecog.data.datasets import load
    from nnrecog.data.sources import read_chars74k
    from nnrecog.paths import data_dir as shared_data_dir

    X, y = load(source, data_dir)[split]
    images: dict[str, list[np.ndarray]] = {c: [] for c in CLASSES}
    for image, label in zip(X, y):
        bounds = ink_bounds(image < 0.5)
        if bounds is not None and not _filled(image[bounds] < 0.5):
            images[CLASSES[int(label)]].append(1.0 - image[bounds])
    folder = default_dataset_dir(data_dir, build=False) if str(source) == "default" else Path(source)
    manifest = json.loads((folder / "manifest.json").read_text()) if (folder / "manifest.json").is_file() else {}
    split_forms = {o.split(":", 1)[1] for o in manifest.get("provenance", {}).get(split, []) if o.startswith("chars74k:")}
    forms = read_chars74k(shared_data_dir(data_dir)) if split_forms else {}
    strokes = {
        char: [[s.astype(np.float64) for s in form] for i, form in enumerate(letterforms) if f"{char}/{i}" in split_forms]
        for char, letterforms in forms.items()
    }
    try:
        from english_words import get_english_words_set

        words = sorted(w.upper() for w in get_english_words_set(["gcide"], alpha=True, lower=True) if 1 <= len(w) <= 12)
    except ImportError:
        words = []
    return LineSources(images, strokes, words)


def _filled(ink: np.ndarray) -> bool:
    """A blot, not a character: ink fills most of a box that is not a bar's ('I', '1')."""
    height, width = ink.shape
    return bool(ink.mean() > 0.75 and width > 0.5 * height)


@dataclass(frozen=True)
class LineStyle:
    """The ranges every synthetic line's looks are drawn from (uniformly, unless said).

    The gaps follow real block capitals (``benchmarks/line_gaps.py`` on the photos read
    exactly: letter gaps 0.16 / 0.34 / 0.61 capital heights at the quartiles, 1.0 at the 95th
    percentile; word gaps 1.0 at the 5th, 1.5 at the median, 2.9 at the 95th), a word gap
    drawn as the line's letter gap plus a margin, since a reader tells the two apart by their
    contrast within a line.
    """

    #: Rendering resolution: the cap height in pixels before normalisation.
    cap_height_px: float = 48.0
    #: Letter size relative to the line's, per letter.
    size_jitter: tuple[float, float] = (0.85, 1.12)
    #: Width relative to the glyph's own aspect, per letter.
    width_jitter: tuple[float, float] = (0.85, 1.2)
    #: The line's letter gap, in cap heights (negative: letters overlap)...
    letter_gap: tuple[float, float] = (-0.12, 0.7)
    #: ...varied per letter by up to this much...
    gap_jitter: float = 0.12
    #: ...and its word gap: the letter gap plus this margin.
    word_gap_margin: tuple[float, float] = (0.3, 2.2)
    #: Baseline drift (a random walk), in cap heights per letter...
    drift: float = 0.05
    #: ...and a curve: a sine of this amplitude (cap heights) and period (cap heights).
    curve: tuple[float, float] = (0.0, 0.12)
    curve_period: tuple[float, float] = (5.0, 25.0)
    #: Slant (shear, dx per dy) and rotation (degrees) of the whole line.
    slant: tuple[float, float] = (-0.35, 0.35)
    rotation: tuple[float, float] = (-2.5, 2.5)
    #: Pen width of trajectory letters, in cap heights.
    pen: tuple[float, float] = (0.06, 0.18)
    #: Chance that a letter is a pen trajectory (when its class has any) rather than an image.
    trajectory_chance: float = 0.5
    #: Chance that a trajectory letter is joined to the next by a connecting stroke.
    join_chance: float = 0.2
    #: Gaussian blur of the rendering, sigma in cap heights.
    blur: tuple[float, float] = (0.0, 0.03)
    #: A hurried hand: each trajectory letter turned by up to this many degrees and sheared by
    #: up to this much on its own, and its strokes run on past their ends by up to this many
    #: cap heights (the crossbar of a fast H or T overshoots)...
    letter_rotation: float = 8.0
    letter_shear: float = 0.2
    overshoot: tuple[float, float] = (0.0, 0.15)
    #: ...and, with this chance, the whole line bent by a smooth random displacement field
    #: (elastic distortion) of this amplitude and smoothness, in cap heights: no two writers'
    #: letters have the same shape, and one writer's differ from letter to letter.
    elastic_chance: float = 0.5
    elastic_amplitude: tuple[float, float] = (0.02, 0.07)
    elastic_smoothness: float = 0.35
    #: How the text is drawn: English words, random letters, digits, letters and digits
    #: mixed, and tokens (postcodes, phone numbers, dates, codes, "ROOM 101").
    text_kinds: tuple[float, float, float, float, float] = (0.45, 0.14, 0.12, 0.09, 0.2)
    #: Words per line, and characters per random string.
    words_per_line: tuple[int, int] = (1, 4)
    string_length: tuple[int, int] = (1, 9)


def _random_word(sources: LineSources, rng: np.random.Generator) -> str:
    return sources.words[int(rng.integers(len(sources.words)))]


def _token(sources: LineSources, rng: np.random.Generator) -> str:
    """A token of the kind forms and lists hold: a postcode, a phone number, a date, a code, a
    word with a number."""
    def digits(n: int) -> str:
        return "".join(str(int(d)) for d in rng.integers(0, 10, n))

    def letters(n: int) -> str:
        return "".join(string.ascii_uppercase[int(i)] for i in rng.integers(0, 26, n))

    def word() -> str:
        return _random_word(sources, rng) if sources.words else letters(int(rng.integers(2, 8)))

    kind = int(rng.integers(8))
    if kind == 0:
        return f"{letters(2)} {digits(5)}"  # a US state and ZIP code
    if kind == 1:
        groups = ((3, 3, 4), (3, 4), (4, 3, 3), (2, 4, 4))[int(rng.integers(4))]
        return " ".join(digits(n) for n in groups)
    if kind == 2:
        return f"{int(rng.integers(1, 32)):02d} {int(rng.integers(1, 13)):02d} {int(rng.integers(1950, 2040))}"
    if kind == 3:
        return f"{letters(int(rng.integers(1, 3)))}{digits(int(rng.integers(1, 3)))} {digits(1)}{letters(2)}"  # UK-like
    if kind == 4:
        return f"{word()} {int(rng.integers(1, 10)) * 10 ** int(rng.integers(0, 5))}"  # round numbers: 0s, not Os
    if kind == 5:
        return f"{word()} {digits(int(rng.integers(1, 8)))}"
    if kind == 6:
        return f"{digits(int(rng.integers(1, 4)))}{letters(1)}"  # "4B", "221B"
    return digits(int(rng.integers(4, 11)))


def random_text(sources: LineSources, rng: np.random.Generator, style: LineStyle = LineStyle()) -> str:
    """A line's text: words separated by single spaces (see :attr:`LineStyle.text_kinds`)."""
    kinds = np.asarray(style.text_kinds) / np.sum(style.text_kinds)
    words = []
    for _ in range(int(rng.integers(style.words_per_line[0], style.words_per_line[1] + 1))):
        kind = int(rng.choice(len(kinds), p=kinds))
        if kind == 0 and sources.words:
            words.append(_random_word(sources, rng))
            continue
        if kind == 4:
            words.append(_token(sources, rng))
            continue
        alphabet = (string.ascii_uppercase, string.ascii_uppercase, string.digits, LINE_CHARACTERS)[min(kind, 3)]
        length = int(rng.integers(style.string_length[0], style.string_length[1] + 1))
        words.append("".join(alphabet[int(i)] for i in rng.integers(0, len(alphabet), length)))
    return " ".join(words)


@dataclass
class SyntheticLine:
    """A normalised line image and its text (words separated by single spaces)."""

    image: np.ndarray
    text: str


def _letter_image(char: str, sources: LineSources, rng: np.random.Generator, height: float, style: LineStyle) -> np.ndarray:
    """One letter from a training image, ink bright, ``height`` rows tall (width from its
    own aspect, jittered)."""
    crops = sources.images[char]
    crop = crops[int(rng.integers(len(crops)))]
    aspect = crop.shape[1] / crop.shape[0] * rng.uniform(*style.width_jitter)
    size = (max(1, round(height * aspect)), max(1, round(height)))
    return np.asarray(Image.fromarray(crop.astype(np.float32), mode="F").resize(size, Image.BILINEAR))


def _slanted(ink: np.ndarray, shear: float, degrees: float, cap: float) -> np.ndarray:
    """The line's ink (cropped to its columns, with room) sheared by ``shear`` (dx per dy,
    about its middle row) and rotated by ``degrees``: one affine warp."""
    columns = np.flatnonzero(ink.max(axis=0) > 0)
    if columns.size == 0:
        return ink
    left, right = max(0, int(columns[0] - cap)), min(ink.shape[1], int(columns[-1] + cap))
    ink = ink[:, left:right]
    h, w = ink.shape
    angle = np.radians(degrees)
    cos, sin = np.cos(angle), np.sin(angle)
    # output (x, y) about the centre -> input: rotate back, then undo the shear
    cx, cy = w / 2, h / 2
    a, b = cos, sin
    d, e = -sin, cos
    a, b = a + shear * d, b + shear * e
    matrix = (a, b, cx - a * cx - b * cy, d, e, cy - d * cx - e * cy)
    return np.asarray(Image.fromarray(ink, mode="F").transform((w, h), Image.AFFINE, matrix, Image.BILINEAR))


def _hurried(strokes: list[np.ndarray], rng: np.random.Generator, style: LineStyle) -> list[np.ndarray]:
    """A letterform's strokes (``[x, y]`` points, y down) as a hurried hand writes them: turned
    and sheared about its middle, each stroke run on past its two ends in its own direction."""
    points = np.concatenate(strokes)
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    size = float(max(np.ptp(points[:, 1]), np.ptp(points[:, 0]), 1.0))
    angle = np.radians(rng.uniform(-style.letter_rotation, style.letter_rotation))
    shear = rng.uniform(-style.letter_shear, style.letter_shear)
    matrix = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.array([[1.0, shear], [0.0, 1.0]])
    out = []
    for stroke in strokes:
        stroke = (stroke - centre) @ matrix.T + centre
        if len(stroke) > 1:
            ends = []
            for end, before in ((stroke[0], stroke[min(2, len(stroke) - 1)]), (stroke[-1], stroke[max(-3, -len(stroke))])):
                direction = end - before
                length = np.hypot(*direction)
                reach = rng.uniform(*style.overshoot) * size
                ends.append(end + direction / length * reach if length > 1e-9 else end)
            stroke = np.vstack([ends[0], stroke, ends[1]])
        out.append(stroke)
    return out


def _elastic(ink: np.ndarray, cap: float, rng: np.random.Generator, style: LineStyle) -> np.ndarray:
    """The line's ink bent by a smooth random displacement field (see :attr:`LineStyle.elastic_chance`)."""
    sigma = style.elastic_smoothness * cap
    amplitude = rng.uniform(*style.elastic_amplitude) * cap
    # the field is drawn coarse and scaled up: smooth noise over the whole canvas for little work
    step = max(1, int(sigma / 3))
    coarse = (ink.shape[0] // step + 2, ink.shape[1] // step + 2)
    fields = []
    for _ in range(2):
        field = ndi.gaussian_filter(rng.standard_normal(coarse), sigma / step)
        field *= amplitude / max(float(field.std()), 1e-9)
        fields.append(ndi.zoom(field, step, order=1)[: ink.shape[0], : ink.shape[1]])
    rows, columns = np.mgrid[: ink.shape[0], : ink.shape[1]].astype(np.float32)
    return ndi.map_coordinates(ink, [rows + fields[0], columns + fields[1]], order=1, mode="constant").astype(np.float32)


def synthetic_line(
    text: str, sources: LineSources, rng: np.random.Generator, style: LineStyle = LineStyle(),
    fmt: LineFormat = LineFormat(), damage: LineDamage = LineDamage(),
) -> SyntheticLine:
    """Draw ``text`` in handwriting and normalise it (see the module docstring).

    Raises
    ------
    ValueError : a character of ``text`` has no image in ``sources``.
    """
    cap = style.cap_height_px
    gap = rng.uniform(*style.letter_gap)
    pen = max(1.0, rng.uniform(*style.pen) * cap)
    canvas = Image.new("F", (int(cap * (2.2 * len(text) + 4)), int(3 * cap)), 0.0)
    draw = ImageDraw.Draw(canvas)
    baseline, x = 2.0 * cap, cap
    amplitude, period = rng.uniform(*style.curve) * cap, rng.uniform(*style.curve_period) * cap
    phase = rng.uniform(0, 2 * np.pi)
    previous_end: tuple[float, float] | None = None
    for char in text:
        if char == " ":
            x += rng.uniform(*style.word_gap_margin) * cap
            previous_end = None
            continue
        if not sources.images.get(char):
            raise ValueError(f"no image of {char!r} to draw a line with")
        height = cap * rng.uniform(*style.size_jitter)
        baseline += rng.normal(0, style.drift * cap)
        baseline = float(np.clip(baseline, 1.8 * cap, 2.2 * cap))
        bottom = baseline + amplitude * np.sin(2 * np.pi * x / period + phase)
        forms = sources.strokes.get(char)
        if forms and rng.random() < style.trajectory_chance:
            strokes = _hurried(forms[int(rng.integers(len(forms)))], rng, style)
            points = np.concatenate(strokes)
            lo, hi = points.min(axis=0), points.max(axis=0)
            extent = np.maximum(hi - lo, 1.0)
            sx = height / extent[1] * rng.uniform(*style.width_jitter) if extent[1] > 0.2 * extent[0] else height / extent[0]
            sy = height / extent[1] if extent[1] > 0.2 * extent[0] else sx
            placed = [np.column_stack([x + (s[:, 0] - lo[0]) * sx, bottom - height + (s[:, 1] - lo[1]) * sy]) for s in strokes]
            if previous_end is not None and rng.random() < style.join_chance:
                draw.line([previous_end, tuple(placed[0][0])], fill=1.0, width=round(pen))
            for s in placed:
                xy = [tuple(p) for p in s]
                if len(xy) > 1:
                    draw.line(xy, fill=1.0, width=round(pen), joint="curve")
                for px, py in (xy[0], xy[-1]):
                    draw.ellipse((px - pen / 2, py - pen / 2, px + pen / 2, py + pen / 2), fill=1.0)
            width = extent[0] * sx
            previous_end = tuple(placed[-1][-1])
        else:
            letter = _letter_image(char, sources, rng, height, style)
            top, left = int(round(bottom - letter.shape[0])), int(round(x))
            region = np.asarray(canvas.crop((left, top, left + letter.shape[1], top + letter.shape[0])), np.float32)
            canvas.paste(Image.fromarray(np.maximum(region, letter), mode="F"), (left, top))
            draw = ImageDraw.Draw(canvas)
            width = letter.shape[1]
            previous_end = None
        x += width + (gap + rng.uniform(-style.gap_jitter, style.gap_jitter)) * cap
    ink = _slanted(np.asarray(canvas, np.float32), rng.uniform(*style.slant), rng.uniform(*style.rotation), cap)
    if rng.random() < style.elastic_chance:
        ink = _elastic(ink, cap, rng, style)
    sigma = rng.uniform(*style.blur) * cap
    if sigma > 0.3:
        ink = ndi.gaussian_filter(ink, sigma)
    ink, cap = damaged(ink, cap, rng, damage)
    rows = np.flatnonzero(ink.max(axis=1) > 0.5)
    centre = (rows[0] + rows[-1]) / 2 if rows.size else ink.shape[0] / 2
    return SyntheticLine(normalize_line(ink, cap, centre, fmt).image, " ".join(text.split()))


