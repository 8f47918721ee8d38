"""Stage 1: the photo as a grey array at a working resolution.

JPEGs are decoded directly at a reduced scale (DCT scaling), EXIF orientation is applied, and
the page is worked on at the resolution where its characters are about
:attr:`~nnrecog.ocr.config.PhotoConfig.target_char_height` pixels tall
(:func:`working_pixels`), measured on a quick probe.
"""

from __future__ import annotations

import math
import os
import struct
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from nnrecog.data.normalize import grey_image
from nnrecog.errors import InputError
from nnrecog.ocr.config import PhotoConfig
from nnrecog.ocr.document.elements import Box
from nnrecog.ocr.document.readings import PhotoSource, opened

#: Image modes without transparency whose grey conversion PIL does directly in 8 bits.
_EIGHT_BIT_OPAQUE = ("1", "L", "P", "RGB", "CMYK", "YCbCr")
#: File suffixes taken for images when a folder is read.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".pgm", ".ppm", ".pbm")


def is_image_name(path: str | os.PathLike) -> bool:
    """Whether a file's suffix is one of :data:`IMAGE_SUFFIXES`."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


class PhotoTooLarge(ValueError):
    """An image whose decoded size is over the limit, found from its header."""


#: A JPEG decodes at 1/8 of its sides at the least (DCT scaling): 1/64 of its pixels.
_JPEG_SMALLEST_DECODE = 64


def open_photo(path: PhotoSource, max_pixels: int = PhotoConfig.max_pixels,
               max_decoded_pixels: int = PhotoConfig.max_decoded_pixels,
               region: Box | None = None) -> tuple[np.ndarray, tuple[int, int]]:
    """Read an image file (or its bytes) as a grey array of at most ``max_pixels`` pixels,
    refusing from its header one that would decode to more than ``max_decoded_pixels``; with
    ``region`` (a box on the photo as displayed, full resolution), that part of it alone, at
    most ``max_pixels`` of it.

    Returns
    -------
    grey : (H, W) float32 in [0, 1], ink dark (of the region, with one).
    photo_size : ``(height, width)`` of the full-resolution photo after EXIF rotation.

    Raises
    ------
    OSError, PIL.UnidentifiedImageError, ValueError : the file is missing, not an image, or
        truncated (:func:`load_photo` turns these into one clear error line).
    PhotoTooLarge : the image would decode to more than ``max_decoded_pixels``.
    """
    with Image.open(opened(path)) as image:
        width, height = image.size
        decoded = width * height // (_JPEG_SMALLEST_DECODE if image.format == "JPEG" else 1)
        if decoded > max_decoded_pixels:
            raise PhotoTooLarge(f"{width} x {height} pixels is over the limit of "
                                f"{max_decoded_pixels / 1e6:g} megapixels decoded")
        if _exif_orientation(image) in (5, 6, 7, 8):
            width, height = height, width
        y1, x1, y2, x2 = region if region is not None else (0, 0, height, width)
        factor = min(1.0, math.sqrt(max_pixels / max((y2 - y1) * (x2 - x1), 1)))
        if image.format == "JPEG":
            # the whole image is decoded, the region cut from it: within max_decoded_pixels
            factor = min(factor, 1.0 / jpeg_reduction(width, height, max_decoded_pixels))
        if image.format == "JPEG" and factor < 1.0:
            request = (int(image.size[0] * factor), int(image.size[1] * factor))
            image.draft(image.mode if image.mode in ("L", "RGB") else "RGB", request)
        image.load()
        upright = ImageOps.exif_transpose(image)
        if region is not None:
            # a JPEG may have been decoded at a fraction of its size: the region scales with it
            sy, sx = upright.height / height, upright.width / width
            upright = upright.crop((math.floor(x1 * sx), math.floor(y1 * sy), math.ceil(x2 * sx), math.ceil(y2 * sy)))
        size = (max(1, min(upright.width, int(factor * (x2 - x1)))), max(1, min(upright.height, int(factor * (y2 - y1)))))
        if upright.mode in _EIGHT_BIT_OPAQUE and "transparency" not in upright.info:
            # 8-bit images are shrunk before the float conversion: far less memory traffic
            return np.asarray(upright.convert("L").resize(size, Image.BOX), np.float32) / 255.0, (height, width)
        if upright.mode in _EIGHT_BIT_OPAQUE + ("RGBA", "LA", "PA"):
            # Transparent 8-bit images too: PIL resizes RGBA with premultiplied alpha, so
            # compositing the shrunk image on white equals shrinking the composited one.
            return grey_image(upright.convert("RGBA").resize(size, Image.BOX)), (height, width)
        grey = grey_image(upright)
    return resize_to(grey, size[1], size[0]), (height, width)


def jpeg_reduction(width: int, height: int, max_decoded_pixels: int) -> int:
    """The least reduction of a JPEG's sides (1, 2, 4 or 8: DCT scaling) that decodes it to at
    most ``max_decoded_pixels`` (8 for one over even that: the header check refuses it)."""
    reduction = 1
    while reduction < 8 and (width // reduction) * (height // reduction) > max_decoded_pixels:
        reduction *= 2
    return reduction


def load_photo(
    path: PhotoSource, max_pixels: int = PhotoConfig.max_pixels, name: str | None = None,
    max_decoded_pixels: int = PhotoConfig.max_decoded_pixels, region: Box | None = None,
) -> tuple[np.ndarray, tuple[int, int]]:
    """:func:`open_photo` with every failure turned into an :class:`~nnrecog.errors.InputError`
    naming the file (``name``, default the path; ``"stdin"`` for bytes)."""
    name = name or ("stdin" if isinstance(path, bytes) else str(path))
    try:
        with warnings.catch_warnings():
            # the decoded size is bounded by max_decoded_pixels, checked from the header
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return open_photo(path, max_pixels, max_decoded_pixels, region)
    except PhotoTooLarge as exc:
        raise InputError(f"{name}: image too large to read safely ({exc})") from None
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, expected an image file") from None
    except Image.DecompressionBombError as exc:
        raise InputError(f"{name}: image too large to read safely ({exc})") from None
    except UnidentifiedImageError:
        if _is_empty(path):
            raise InputError(f"{name}: empty file (0 bytes), expected an image") from None
        raise InputError(f"{name}: not an image file PIL can read (expected JPEG, PNG, ...)") from None
    except (OSError, ValueError, SyntaxError, TypeError, struct.error, ZeroDivisionError):
        # a damaged or crafted file can make PIL's decoders fail in many ways (a TIFF tag of
        # the wrong type raises TypeError): each is the same "cannot be read" to the user
        raise InputError(f"{name}: the image is truncated or damaged and cannot be read") from None


def _is_empty(source: PhotoSource) -> bool:
    if isinstance(source, bytes):
        return not source
    try:
        return os.path.getsize(source) == 0
    except (OSError, TypeError):
        return False


def upright_grey(image: Image.Image | np.ndarray) -> np.ndarray:
    """A PIL image (its EXIF rotation applied) or an array as a grey ``(H, W)`` float32 page."""
    if isinstance(image, Image.Image):
        image = ImageOps.exif_transpose(image)
    return grey_image(image)


def _exif_orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except (ValueError, TypeError, SyntaxError):
        return 1


def resize_to(grey: np.ndarray, height: float, width: float) -> np.ndarray:
    """Area-average ``grey`` down to ``floor(height) x floor(width)`` (never up)."""
    h, w = grey.shape
    new_h, new_w = max(1, min(h, int(height))), max(1, min(w, int(width)))
    if (new_h, new_w) == (h, w):
        return grey
    return np.asarray(Image.fromarray(grey, mode="F").resize((new_w, new_h), Image.BOX), np.float32)


def working_grey(grey: np.ndarray, max_pixels: int) -> np.ndarray:
    """Downscale a grey page (area averaging, aspect kept) to at most ``max_pixels`` pixels."""
    h, w = grey.shape
    factor = min(1.0, math.sqrt(max_pixels / max(h * w, 1)))
    return resize_to(grey, factor * h, factor * w)


def enlarged(grey: np.ndarray, char_height: float, config: PhotoConfig = PhotoConfig()) -> np.ndarray:
    """``grey`` enlarged (bicubic) so its characters, ``char_height`` pixels tall, are
    ``config.min_char_height`` tall, by at most ``config.max_enlargement`` and to at most
    ``config.max_pixels``; as it is when they are tall enough already (or none was found)."""
    if char_height <= 0 or char_height >= config.min_char_height:
        return grey
    h, w = grey.shape
    factor = min(config.min_char_height / char_height, config.max_enlargement, math.sqrt(config.max_pixels / max(h * w, 1)))
    size = (max(w, round(w * factor)), max(h, round(h * factor)))
    if size == (w, h):
        return grey
    return np.clip(np.asarray(Image.fromarray(grey, mode="F").resize(size, Image.BICUBIC), np.float32), 0.0, 1.0)


def working_pixels(probe_char_height: float, probe_pixels: int, config: PhotoConfig = PhotoConfig()) -> int:
    """Pixel budget that makes characters about ``config.target_char_height`` pixels tall.

    Characters ``h`` pixels tall on a probe of ``probe_pixels`` pixels are ``T`` tall at
    ``probe_pixels * (T / h)^2``; the budget is kept within ``[min_pixels, max_pixels]``, and
    is ``max_pixels`` when the probe found no ink (small writing, or a blank page, is then
    looked for as finely as allowed).
    """
    if probe_char_height <= 0:
        return config.max_pixels
    wanted = probe_pixels * (config.target_char_height / probe_char_height) ** 2
    return int(min(max(wanted, config.min_pixels), config.max_pixels))
