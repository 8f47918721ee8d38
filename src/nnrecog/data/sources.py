"""The handwriting sources in the shared data, each listed as cheap items loaded on demand.

Every loader returns the grey image as the scan or rendering has it (ink dark on light, any
size); :func:`nnrecog.data.normalize.normalize_glyph` turns it into a NIST36-like sample. The
formats, orientations and quirks handled here are those documented in shared/data/SOURCES.md.
:data:`SOURCES` lists them in the order the builder takes them.
"""

from __future__ import annotations

import gzip
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io
from PIL import Image, ImageDraw

from nnrecog.data.nist36 import CLASSES
from nnrecog.errors import InputError


@dataclass(frozen=True)
class Item:
    """One sample of a source, not yet loaded.

    ``load()`` gives the grey image, ink dark on a light background, (h, w) uint8 or float.
    """

    label: int
    origin: str
    load: Callable[[], np.ndarray]


@dataclass(frozen=True)
class Source:
    """A source of real handwriting: its name, a lister and how much one class may take from it.

    ``cap`` is the most samples this source may give one class (``None``: all it has); capped
    sources are sampled at random (seeded) before anything is loaded.
    """

    name: str
    list_items: Callable[[Path], list[Item]]
    cap: int | None
    description: str


def _require(path: Path) -> Path:
    if not path.exists():
        raise InputError(f"{path}: not found (expected the shared data layout of SOURCES.md)")
    return path


def _png_grey(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("L"))


# --- handwritten_photos: pen on paper, 100 PNGs per class, low contrast --------------------------


def list_photos(root: Path) -> list[Item]:
    """``handwritten_photos/{CAP_<L>,DIGIT_<d>}_<i>.png``; the label is the file-name prefix."""
    folder = _require(root / "handwritten_photos")
    items = []
    for path in sorted(folder.glob("*.png")):
        kind, char, _ = path.stem.split("_", 2)
        if kind in ("CAP", "DIGIT") and char in CLASSES:
            items.append(Item(CLASSES.index(char), path.name, lambda p=path: _png_grey(p)))
    return items


# --- chars74k_hnd: pen trajectories from a tablet, rendered here -------------------------------

#: Pen width as a fraction of the glyph's long side; NIST's ~2.5 px strokes on a ~25 px glyph.
CHARS74K_PEN = 0.11
_RENDER_LONG_SIDE = 96


def render_strokes(
    strokes: list[np.ndarray], pen_fraction: float = CHARS74K_PEN, long_side: int = _RENDER_LONG_SIDE
) -> np.ndarray:
    """Render pen trajectories as black round-capped polylines on white.

    Parameters
    ----------
    strokes : list of (k, 2) arrays of ``[x, y]`` points, y growing downwards; a one-point
        stroke is a dot.
    pen_fraction : pen diameter as a fraction of the glyph's long side.
    long_side : the glyph's long side in the rendering, px.

    Returns
    -------
    (h, w) uint8 grey image, ink 0 on 255, with a margin of one pen width.
    """
    points = np.concatenate(strokes).astype(np.float64)
    lo = points.min(axis=0)
    extent = max(float((points.max(axis=0) - lo).max()), 1.0)
    scale = long_side / extent
    pen = max(1.0, pen_fraction * long_side)
    margin = pen
    size = np.ceil((points.max(axis=0) - lo) * scale + 2 * margin).astype(int) + 1
    image = Image.new("L", (int(size[0]), int(size[1])), 255)
    draw = ImageDraw.Draw(image)
    r = pen / 2
    for stroke in strokes:
        xy = [tuple(p) for p in (np.asarray(stroke, np.float64) - lo) * scale + margin]
        if len(xy) > 1:
            draw.line(xy, fill=0, width=max(1, round(pen)), joint="curve")
        for x, y in (xy[0], xy[-1]):  # round caps; a single point is a dot
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    return np.asarray(image)


def read_chars74k(root: Path) -> dict[str, list[list[np.ndarray]]]:
    """``chars74k_hnd/char74k.json``: {char: [letterform = [stroke = (k, 2) int array]]}."""
    path = _require(root / "chars74k_hnd" / "char74k.json")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    return {
        char: [[np.asarray(s, np.int64).reshape(-1, 2) for s in form if len(s)] for form in raw[char]]
        for char in CLASSES
        if char in raw
    }


def list_chars74k(root: Path) -> list[Item]:
    """Chars74K EnglishHnd, 55 letterforms per class, rendered with :func:`render_strokes`."""
    forms = read_chars74k(root)
    return [
        Item(CLASSES.index(char), f"{char}/{i}", lambda s=strokes: render_strokes(s))
        for char, letterforms in forms.items()
        for i, strokes in enumerate(letterforms)
        if strokes
    ]


# --- nist_sd19_vowels: genuine NIST SD19, 1000 per vowel -----------------------------------------


def list_sd19(root: Path) -> list[Item]:
    """``nist_sd19_vowels/<L>_u/train_<hex>/*.png``, 128x128 black on white."""
    folder = _require(root / "nist_sd19_vowels")
    return [
        Item(CLASSES.index(path.parts[-3][0]), "/".join(path.parts[-3:]), lambda p=path: _png_grey(p))
        for path in sorted(folder.glob("?_u/train_*/*.png"))
    ]


# --- binaryalphadigs: 20x16 binary, column-major, glyphs stretched to the frame -------------------


def read_alphadigs(root: Path) -> tuple[np.ndarray, np.ndarray]:
    """``binaryalphadigs.mat``: images (1404, 20, 16) with 1 = ink, labels as class indices."""
    path = _require(root / "binaryalphadigs" / "binaryalphadigs.mat")
    contents = scipy.io.loadmat(path)
    fea, gnd = contents["fea"], contents["gnd"].ravel().astype(int)
    images = fea.reshape(-1, 16, 20).transpose(0, 2, 1)  # == reshape(20, 16, order="F")
    # gnd 1..10 = '0'..'9', 11..36 = 'A'..'Z'
    labels = np.where(gnd <= 10, 26 + gnd - 1, gnd - 11)
    return images, labels


def list_alphadigs(root: Path) -> list[Item]:
    """Binary Alphadigits, 39 per class. The frame-filling stretch is undone by the builder."""
    images, labels = read_alphadigs(root)
    return [
        Item(int(label), str(i), lambda im=image: (1 - im).astype(np.uint8) * 255)
        for i, (image, label) in enumerate(zip(images, labels))
    ]


# --- comnist: touch-screen letters in 7z archives, ink in the alpha channel -----------------------


def list_comnist(root: Path) -> list[Item]:
    """CoMNIST ``latin_only.7z`` and ``cyrillic_and_latin.7z``: ``<folder>/<L>/*.png``, 278x278."""
    import py7zr

    items = []
    for archive in ("latin_only.7z", "cyrillic_and_latin.7z"):
        path = _require(root / "comnist" / archive)
        # extracting to a temporary folder works with every py7zr version (the in-memory API changed)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                with py7zr.SevenZipFile(path) as z:
                    z.extractall(path=tmp)
            except py7zr.exceptions.Bad7zFile as exc:
                raise InputError(f"{path}: not a readable 7z archive ({exc})") from None
            pngs = sorted(Path(tmp).glob("*/*/*.png"))
            files = {p.relative_to(tmp).as_posix(): p.read_bytes() for p in pngs}
        for name, png in files.items():
            char = name.split("/")[-2]
            if char in CLASSES:
                items.append(Item(CLASSES.index(char), f"{archive}:{name}", lambda b=png: _alpha_ink(b)))
    return items


def _alpha_ink(png: bytes) -> np.ndarray:
    """Composite a black-ink-in-alpha PNG on white: grey = 255 - alpha."""
    with Image.open(io.BytesIO(png)) as im:
        return 255 - np.asarray(im.convert("RGBA"))[..., 3]


# --- emnist_balanced_subset: 10 per class, transposed, some classes merge lower case ---------------

#: EMNIST-Balanced merges upper and lower case for C I J K L M O P S U V W X Y Z. Where the two
#: shapes differ (i j k l m p y) a sample may be a lower-case glyph under an upper-case label;
#: those classes are dropped. Where they agree in shape (c o s u v w x z) they are kept.
EMNIST_DROPPED = "IJKLMPY"


def list_emnist(root: Path) -> list[Item]:
    """``emnist-balanced-test-10-{X,Y}.npy``: (470, 784) ink 1 on 0, ``x.reshape(28, 28).T``."""
    folder = _require(root / "emnist_balanced_subset")
    X = np.load(_require(folder / "emnist-balanced-test-10-X.npy"), allow_pickle=False)
    Y = np.load(_require(folder / "emnist-balanced-test-10-Y.npy"), allow_pickle=False)
    items = []
    for i, (x, y) in enumerate(zip(X, Y)):
        if y >= 36:  # lower-case-only classes a b d e f g h n q r t
            continue
        label = 26 + int(y) if y < 10 else int(y) - 10
        if CLASSES[label] in EMNIST_DROPPED:
            continue
        items.append(Item(label, str(i), lambda im=x: 1.0 - im.reshape(28, 28).T))
    return items


# --- mnist: the 10,000 test digits -------------------------------------------------------------


def _read_idx(path: Path, header: int) -> np.ndarray:
    with gzip.open(_require(path), "rb") as handle:
        return np.frombuffer(handle.read(), np.uint8, offset=header)


def list_mnist(root: Path) -> list[Item]:
    """``mnist/t10k-*-ubyte.gz``: IDX, 28x28 row-major, ink 255 on 0."""
    images = _read_idx(root / "mnist" / "t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    labels = _read_idx(root / "mnist" / "t10k-labels-idx1-ubyte.gz", 8)
    return [Item(26 + int(d), str(i), lambda im=image: 255 - im) for i, (image, d) in enumerate(zip(images, labels))]


# --- the sources the builder takes, in order ---------------------------------------------------

SD19_CAP = 40
MNIST_CAP = 80
SOURCES: tuple[Source, ...] = (
    Source("photos", list_photos, None, "handwritten_photos: pen on paper, photographed"),
    Source("chars74k", list_chars74k, None, "Chars74K EnglishHnd tablet trajectories, rendered"),
    Source("comnist", list_comnist, None, "CoMNIST touch-screen letters (no digits)"),
    Source("emnist", list_emnist, None, f"EMNIST-Balanced test subset (classes {EMNIST_DROPPED} dropped)"),
    Source("sd19", list_sd19, SD19_CAP, "NIST SD19 upper-case vowels only, capped hard"),
    Source("mnist", list_mnist, MNIST_CAP, "MNIST test digits, capped"),
    # last: its stretched glyphs get the aspect ratio measured on the sources above
    Source("alphadigs", list_alphadigs, None, "Binary Alphadigits 20x16, aspect ratio restored"),
)
#: The train-only re-renderings of Chars74K (:mod:`nnrecog.data.rerender`), a source of its own.
SYNTHETIC_SOURCE = "chars74k_rerender"
#: Decodes the source index stored with every built sample.
SOURCE_NAMES = tuple(s.name for s in SOURCES) + (SYNTHETIC_SOURCE,)
