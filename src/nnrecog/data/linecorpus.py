"""Synthetic line corpora: many lines stored side by side, made once and cached (the validation
lines), or made afresh shard by shard (the training stream, :func:`make_shard`).

A shard is a function of ``(seed, index)`` alone, so a training run is the same whatever
process makes its shards and whenever: ``nnrecog train lines`` reproduces from its seed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from nnrecog.data.lineformat import LineFormat
from nnrecog.data.lines import LINE_CHARACTERS, LineSources, LineStyle, random_text, synthetic_line
from nnrecog.data.options import MakeLinesOptions

#: Bump whenever the synthetic lines a seed gives change; their cache is keyed by it.
LINES_VERSION = 4


@dataclass
class LineCorpus:
    """Normalised line images and their texts.

    Attributes
    ----------
    pixels : (height, total width) uint8, every line side by side, ink dark (0) on white (255).
    offsets : (n + 1,) int64, line ``i`` is ``pixels[:, offsets[i]:offsets[i + 1]]``.
    texts : n strings, words separated by single spaces.
    """

    pixels: np.ndarray
    offsets: np.ndarray
    texts: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    def image(self, i: int) -> np.ndarray:
        """Line ``i``, (height, w) float32 in [0, 1], ink dark."""
        return self.pixels[:, self.offsets[i] : self.offsets[i + 1]].astype(np.float32) / 255.0

    @property
    def widths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @classmethod
    def of(cls, images: list[np.ndarray], texts: list[str], height: int = LineFormat.height) -> LineCorpus:
        """The corpus of ``images`` ((height, w_i) uint8 each, ink dark) and their texts."""
        offsets = np.concatenate([[0], np.cumsum([im.shape[1] for im in images], dtype=np.int64)]).astype(np.int64)
        pixels = np.concatenate(images, axis=1) if images else np.full((height, 0), 255, np.uint8)
        return cls(pixels, offsets, list(texts))

    def lines(self) -> list[np.ndarray]:
        """Each line's (height, w) uint8 pixels."""
        return [self.pixels[:, a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:])]


def joined(corpora: list[LineCorpus]) -> LineCorpus:
    """One corpus of the lines of ``corpora``, in order."""
    return LineCorpus.of([line for corpus in corpora for line in corpus.lines()],
                         [text for corpus in corpora for text in corpus.texts])


def resampled(corpus: LineCorpus, count: int, rng: np.random.Generator, stretch: tuple[float, float] = (0.85, 1.15),
              ink_gamma: tuple[float, float] = (0.7, 1.4)) -> LineCorpus:
    """``count`` lines drawn from ``corpus`` with replacement, each a little different: its
    width scaled by a factor drawn from ``stretch`` (writing wider or narrower) and its
    pixels raised to a power drawn from ``ink_gamma`` (ink darker or fainter), so a few real
    lines can be seen many times without being learned by heart."""
    images, texts = [], []
    lines = corpus.lines()
    for i in rng.integers(0, len(corpus), count):
        line = lines[i]
        width = max(1, int(round(line.shape[1] * rng.uniform(*stretch))))
        image = np.asarray(Image.fromarray(line).resize((width, line.shape[0]), Image.BILINEAR), np.float32) / 255.0
        images.append((image ** rng.uniform(*ink_gamma) * 255.0).round().astype(np.uint8))
        texts.append(corpus.texts[i])
    return LineCorpus.of(images, texts, corpus.pixels.shape[0])


def make_corpus(
    count: int, sources: LineSources, seed: int | tuple[int, ...], style: LineStyle = LineStyle(),
    fmt: LineFormat = LineFormat(), progress: bool = True,
) -> LineCorpus:
    """``count`` synthetic lines of :func:`random_text` (with progress)."""
    from tqdm.auto import tqdm

    rng = np.random.default_rng(seed)
    images, texts = [], []
    for _ in tqdm(range(count), desc="synthetic lines", unit="line", disable=not progress):
        line = synthetic_line(random_text(sources, rng, style), sources, rng, style, fmt)
        images.append((line.image * 255).round().astype(np.uint8))
        texts.append(line.text)
    return LineCorpus.of(images, texts, fmt.height)


def make_shard(index: int, count: int, sources: LineSources, seed: int, style: LineStyle = LineStyle()) -> LineCorpus:
    """Shard ``index`` of the training stream of ``seed``: ``count`` lines, its own random stream."""
    return make_corpus(count, sources, (seed, 1 + index), style, progress=False)


def save_corpus(corpus: LineCorpus, path: str | os.PathLike) -> None:
    """Write a corpus as one ``.npz`` (atomically)."""
    from nnrecog.fileio import atomic_path

    with atomic_path(path) as tmp:
        np.savez_compressed(tmp, pixels=corpus.pixels, offsets=corpus.offsets, texts=np.array(corpus.texts, dtype=str))


def load_corpus(path: str | os.PathLike, fmt: LineFormat = LineFormat()) -> LineCorpus:
    """Read a corpus written by :func:`save_corpus`, every array checked before it is read.

    Raises
    ------
    InputError : not such a file, or its arrays disagree (the message names the file).
    """
    from nnrecog.errors import InputError
    from nnrecog.fileio import ArraySpec, open_npz

    with open_npz(path, "a synthetic line corpus") as archive:
        archive.expect({
            "pixels": ArraySpec(shape=(fmt.height, None), dtype="uint8"),
            "offsets": ArraySpec(shape=(None,), kinds="i"),
            "texts": ArraySpec(shape=(None,), kinds="U"),
        })
        pixels, offsets, texts = archive.read("pixels"), archive.read("offsets"), archive.read("texts")
    if len(offsets) != len(texts) + 1 or offsets[0] != 0 or offsets[-1] != pixels.shape[1] or (np.diff(offsets) < 1).any():
        raise InputError(f"{path}: the line offsets do not cut its pixels into its {len(texts)} lines")
    if any(set(t) - set(LINE_CHARACTERS + " ") for t in texts):
        raise InputError(f"{path}: a text holds characters other than A-Z, 0-9 and spaces")
    return LineCorpus(pixels, offsets.astype(np.int64), [str(t) for t in texts])


def corpus_path(
    split: str, count: int, seed: int, source: str | os.PathLike = "default", data_dir: str | os.PathLike | None = None
) -> Path:
    """Where the cached synthetic lines of a split live: the default glyphs' lines by split,
    count and seed; lines of other glyphs (a data set folder, another shared data folder)
    under a name that also holds a digest of where those glyphs are, so that they never stand
    in for each other."""
    import hashlib

    from nnrecog.paths import cache_dir

    name = f"lines-v{LINES_VERSION}-{split}-{count}-seed{seed}"
    if str(source) != "default" or data_dir is not None:
        where = f"{source if str(source) == 'default' else Path(source).resolve()}|{data_dir and Path(data_dir).resolve()}"
        name += "-" + hashlib.sha256(where.encode()).hexdigest()[:12]
    return cache_dir() / f"{name}.npz"


def line_corpus(
    split: str, count: int, seed: int, source: str | os.PathLike = "default",
    data_dir: str | os.PathLike | None = None, progress: bool = True,
) -> LineCorpus:
    """``count`` synthetic lines made of the glyphs of ``split`` (``train`` to learn from,
    ``valid`` to choose the epoch), made once and cached (:func:`corpus_path`)."""
    from nnrecog.data.lines import line_sources

    path = corpus_path(split, count, seed, source, data_dir)
    if path.is_file():
        return load_corpus(path)
    corpus = make_corpus(count, line_sources(source, data_dir, split), seed + (split == "valid"), progress=progress)
    save_corpus(corpus, path)
    return corpus


def show_corpus(corpus: LineCorpus, path: str | os.PathLike, count: int = 24) -> None:
    """A PNG of the first ``count`` lines, each above its text."""
    from PIL import ImageFont

    from nnrecog.fileio import atomic_path

    count = min(count, len(corpus))
    height = corpus.pixels.shape[0]
    width = max(int(corpus.widths[:count].max(initial=1)), 200)
    sheet = Image.new("L", (width + 8, count * (height + 18) + 4), 255)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=12)
    for i in range(count):
        top = 4 + i * (height + 18)
        sheet.paste(Image.fromarray((corpus.image(i) * 255).astype(np.uint8)), (4, top))
        draw.text((4, top + height + 2), corpus.texts[i], fill=96, font=font)
    with atomic_path(path) as tmp:
        sheet.save(tmp)


def lines_command(options: MakeLinesOptions) -> Path:
    """``nnrecog data lines``: make (or find) a corpus, copy it to ``options.out``, picture it;
    returns where it is."""
    corpus = line_corpus(options.split, options.count, options.seed, options.source, options.data_dir)
    path = corpus_path(options.split, options.count, options.seed, options.source, options.data_dir)
    if options.out is not None:
        save_corpus(corpus, options.out)
        path = Path(options.out)
    if options.show is not None:
        show_corpus(corpus, options.show)
    return path
