"""Classes of photo: every labelled course and ocr_dev photo changed the way a class of photo
changes it (turned with no EXIF to say so, shrunk, small in the middle of a 12-megapixel photo,
its ink lightened or as if in pencil, blurred, shadowed, compressed, a little askew, its own
writing showing through from the back, seen by a tilted camera), read from the array, pooled
CER with spaces / without per class; beside each, the photos the class costs most (more than
15 % of their characters, or 3).

    python benchmarks/ocr_classes.py
    python benchmarks/ocr_classes.py --classes "as is" "turned 90" "shrunk to a third"
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from nnrecog.data.pages import as_pencil, paper_and_darkness
from nnrecog.ocr.evaluate import labelled_photos, pooled_total, score_text
from nnrecog.ocr.reader import Reader
from nnrecog.paths import data_dir


def _lightened(image: Image.Image, contrast: float) -> Image.Image:
    grey = np.asarray(image.convert("L"), np.float32)
    return Image.fromarray((255 - (255 - grey) * contrast).clip(0, 255).astype(np.uint8))


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    data = io.BytesIO()
    image.convert("RGB").save(data, "JPEG", quality=quality)
    return Image.open(io.BytesIO(data.getvalue()))


def _shrunk(image: Image.Image, factor: int) -> Image.Image:
    return image.resize((image.width // factor, image.height // factor), Image.LANCZOS)


def _on_a_big_photo(image: Image.Image, factor: float) -> Image.Image:
    """Shrunk ``factor`` times, in the middle of a 12-megapixel photo: a note written small on a
    sheet a phone photographed whole. Beyond the shrunk photo its border's pixels go on, fading
    over a tenth of its short side into their median colour, so that its frame draws no edge that
    a photo of a bigger sheet or desk would not have."""
    small = np.asarray(image.convert("RGB").resize(
        (round(image.width / factor), round(image.height / factor)), Image.LANCZOS), np.float32)
    h, w = small.shape[:2]
    height, width = max(3000, h), max(4000, w)
    top, left = (height - h) // 2, (width - w) // 2
    continued = np.pad(small, ((top, height - h - top), (left, width - w - left), (0, 0)), mode="edge")
    rows, columns = np.mgrid[0:height, 0:width]
    beyond = np.maximum(np.maximum(top - rows, rows - (top + h - 1)), np.maximum(left - columns, columns - (left + w - 1)))
    fade = np.clip(1.0 - beyond / max(1.0, 0.1 * min(h, w)), 0.0, 1.0)[..., None]
    border = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])
    canvas = fade * continued + (1.0 - fade) * np.median(border, axis=0)
    return Image.fromarray(canvas.round().astype(np.uint8))


def _letters_on_a_big_photo(image: Image.Image, char_height: float) -> Image.Image:
    """Shrunk until its characters (as the reader under test measures them on the photo itself)
    are ``char_height`` pixels tall, on a 12-megapixel photo as :func:`_on_a_big_photo` puts it."""
    from nnrecog.ocr.finding.photo import upright_grey
    from nnrecog.ocr.finding.segmentation import segment

    seg = segment(upright_grey(image))
    measured = seg.char_height / seg.scale[0]
    return _on_a_big_photo(image, max(1.0, measured / char_height))


def _shadowed(image: Image.Image, softness: float, depth: float = 0.55) -> Image.Image:
    """A shadow (a phone's, a hand's) over the photo's left part, its edge running diagonally
    from 40 % of the width at the top to 15 % at the bottom; inside it the light is ``depth`` of
    the rest, across a penumbra of about ``softness`` of the width."""
    rgb = np.asarray(image.convert("RGB"), np.float32)
    h, w = rgb.shape[:2]
    rows, columns = np.mgrid[0:h, 0:w]
    inside = 1.0 / (1.0 + np.exp((columns / w + 0.5 * rows / h - 0.65) / softness))
    light = 1.0 - (1.0 - depth) * inside
    return Image.fromarray((rgb * light[..., None]).clip(0, 255).astype(np.uint8))


def _showing_through(image: Image.Image, strength: float) -> Image.Image:
    """The photo's own writing, written again on the back of the sheet, showing through it:
    the darkness over the paper (:func:`~nnrecog.data.pages.paper_and_darkness`) of the
    character candidates the reader under test finds, mirrored left to right, moved down 37 %
    of the photo's height (its lines fall between the front's), blurred by the paper (a
    Gaussian of 0.2 % of the long side) and ``strength`` as dark."""
    from nnrecog import imaging
    from nnrecog.ocr.finding.photo import upright_grey
    from nnrecog.ocr.finding.segmentation import segment

    grey, _, darkness = paper_and_darkness(image)
    writing = np.zeros(grey.shape, bool)
    seg = segment(upright_grey(image))
    for glyph in seg.glyphs:
        y1, x1, y2, x2 = seg.to_photo(glyph.box)
        writing[y1:y2, x1:x2] = True
    back = np.roll((darkness * writing)[:, ::-1], int(0.37 * grey.shape[0]), axis=0)
    back = imaging.gaussian_filter(np.ascontiguousarray(back), max(1.0, 0.002 * max(grey.shape)))
    return Image.fromarray((grey - strength * back).clip(0, 255).astype(np.uint8))


def _tilted(image: Image.Image, shrink: float, edge: str) -> Image.Image:
    """As a camera tilted away from the sheet sees it: the photo's top (``edge`` "top") or
    right edge shortened by ``shrink`` of its length at each end, the rest in perspective, so
    lines converge and letters shrink towards that edge. What comes in at the edge takes the
    median colour of the photo's border."""
    rgb = image.convert("RGB")
    w, h = rgb.size
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    if edge == "top":
        seen = [(w * shrink, 0), (w * (1 - shrink), 0), (w, h), (0, h)]
    else:
        seen = [(0, 0), (w, h * shrink), (w, h * (1 - shrink)), (0, h)]
    # the projective map from each pixel of the result to where it lies on the photo
    rows = []
    for (x, y), (u, v) in zip(seen, corners):
        rows.append(([x, y, 1, 0, 0, 0, -u * x, -u * y], u))
        rows.append(([0, 0, 0, x, y, 1, -v * x, -v * y], v))
    coefficients = np.linalg.solve(np.array([r for r, _ in rows], float), np.array([t for _, t in rows], float))
    pixels = np.asarray(rgb)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    fill = tuple(int(c) for c in np.median(border, axis=0))
    return rgb.transform((w, h), Image.Transform.PERSPECTIVE, tuple(coefficients), Image.Resampling.BICUBIC,
                         fillcolor=fill)


#: Each class of photo: how it changes a photo.
CLASSES: dict[str, Callable[[Image.Image], Image.Image]] = {
    "as is": lambda image: image,
    "turned 90": lambda image: image.transpose(Image.Transpose.ROTATE_90),
    "turned 180": lambda image: image.transpose(Image.Transpose.ROTATE_180),
    "turned 270": lambda image: image.transpose(Image.Transpose.ROTATE_270),
    "shrunk to a half": lambda image: _shrunk(image, 2),
    "shrunk to a third": lambda image: _shrunk(image, 3),
    "a quarter, on a 12 MP photo": lambda image: _on_a_big_photo(image, 4),
    "letters 25 px, on a 12 MP photo": lambda image: _letters_on_a_big_photo(image, 25.0),
    "ink at 40 % contrast": lambda image: _lightened(image, 0.4),
    "pencil (45 %, grained)": as_pencil,
    "blurred 2 px": lambda image: image.filter(ImageFilter.GaussianBlur(2)),
    "blurred 3 px": lambda image: image.filter(ImageFilter.GaussianBlur(3)),
    "a soft shadow": lambda image: _shadowed(image, 0.05),
    "a hard shadow": lambda image: _shadowed(image, 0.01),
    "JPEG quality 20": lambda image: _jpeg(image, 20),
    "askew 8 deg, grey corners": lambda image: image.convert("RGB").rotate(
        8, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(128, 128, 128)),
    "showing through at 20 %": lambda image: _showing_through(image, 0.2),
    "showing through at 30 %": lambda image: _showing_through(image, 0.3),
    "tilted, top edge 70 %": lambda image: _tilted(image, 0.15, "top"),
    "tilted, right edge 70 %": lambda image: _tilted(image, 0.15, "right"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", nargs="+", choices=list(CLASSES), default=list(CLASSES), metavar="CLASS",
                        help=f"classes of photo to read (default: all of {', '.join(CLASSES)})")
    parser.add_argument("--data-dir", help="shared data directory (default: ../shared/data)")
    args = parser.parse_args(argv)
    root = data_dir(args.data_dir)
    pairs = labelled_photos(root / "ocr_dev") + labelled_photos(root / "ocr_samples")
    reader = Reader()
    print(f"{len(pairs)} course and ocr_dev photos; pooled CER with spaces / without")
    for name in args.classes:
        scores, costly = [], []
        for image_path, truth in pairs:
            with Image.open(image_path) as photo:
                changed = CLASSES[name](ImageOps.exif_transpose(photo))
                array = np.asarray(changed.convert("RGB"))
            score = score_text(image_path.name, reader.read(array).text, truth.read_text(encoding="utf-8"), 0.0)
            scores.append(score)
            if score.errors_no_spaces > max(2, 0.15 * score.length_no_spaces):
                costly.append(f"{Path(image_path).name} {score.errors_no_spaces}/{score.length_no_spaces}")
        total = pooled_total(scores)
        print(f"{name:27s} {100 * total['cer']:5.1f} / {100 * total['cer_no_spaces']:5.1f} %   {', '.join(costly)}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
