"""Small writing on a big photo, looked at again closer.

A photo is decoded at most :attr:`~nnrecog.ocr.config.PhotoConfig.max_pixels` pixels, and its
page worked on within that bound: a 12-megapixel photo of a sheet with a word written 25 px
tall on it is read with its letters 12 px tall, where thin strokes blur into blobs and a
letter's holes close. The writing, though, fills a small part of such a photo. Once the page
is read, the region of the lines it read (or, where it read none, of the regions it judged
not writing, which may be writing read too coarsely) is read again on its own, at the
resolution the photo has there, when that gives its letters more pixels than the first
reading had: :func:`closer_region` says where, or that there is nothing to gain. The regions
judged not writing stay out of a page that read lines, but for those shaped like a line of
writing beside them: most are things lying on the sheet, and a dark one (a notebook's spiral)
sets the ink threshold above pale writing beside it.
"""

from __future__ import annotations

import math

from nnrecog.ocr.config import PhotoConfig
from nnrecog.ocr.document.elements import Box, Page, union_box
from nnrecog.ocr.finding.components import Segmentation


def closer_region(seg: Segmentation, page: Page, config: PhotoConfig = PhotoConfig()) -> Box | None:
    """The box on the photo (full resolution) to read again closer, or ``None``.

    ``seg`` is the page's segmentation (its working resolution and character height) and
    ``page`` its reading. A page that read characters is looked at closer when they were
    worked on smaller than ``config.min_char_height``, the region of its characters to be
    worked on where they are that tall; a page that read none, where it rejected regions, the
    region of those at the photo's own resolution, when it fits ``max_pixels`` there: what it
    measured as its characters may be a thing lying beside writing too small to be seen. The
    region is padded by ``closer_pad_heights`` character heights (at most ``min_char_height``);
    a region rejected within that padding, no taller than ``closer_line_heights`` characters,
    is taken in too, and one such within the padding of those, in turn (lines read too
    coarsely to pass, beside the lines that did or beside one another). The region
    is returned when it can be worked on at least ``closer_gain`` times finer (within
    ``max_pixels``, and no finer than the photo itself).
    """
    if not (page.chars or page.rejected) or seg.char_height <= 0:
        return None
    scale = seg.scale[0]
    if page.chars:
        if seg.char_height >= config.min_char_height:
            return None
        wanted = config.min_char_height / (seg.char_height / scale)
    else:
        wanted = 1.0
    pad = config.closer_pad_heights * min(seg.char_height, config.min_char_height) / scale
    boxes = [c.box for c in page.chars] or [r.box for r in page.rejected]
    if page.chars:
        # lines of writing read too coarsely to pass, beside the lines read or beside one
        # another: how many lines pass at the coarse scale must not decide how many are read
        tallest = config.closer_line_heights * seg.char_height / scale
        line_like = [r.box for r in page.rejected if r.box[2] - r.box[0] <= tallest]
        taken: list[Box] = []
        while True:
            near = _padded(union_box(boxes + taken), pad, seg.photo_size)
            reached = [box for box in line_like if _overlap(box, near)]
            if len(reached) == len(taken):
                break
            taken = reached
        boxes += taken
    region = _padded(union_box(boxes), pad, seg.photo_size)
    area = (region[2] - region[0]) * (region[3] - region[1])
    if not page.chars and area > config.max_pixels:
        return None  # a photo of things, not a sheet: it costs a whole second reading for little
    # within the photo's own pixels and the pixel budget
    closer = min(wanted, 1.0, math.sqrt(config.max_pixels / max(area, 1)))
    return region if closer >= config.closer_gain * scale else None


def _padded(box: Box, pad: float, photo_size: tuple[int, int]) -> Box:
    y1, x1, y2, x2 = box
    return (max(0, math.floor(y1 - pad)), max(0, math.floor(x1 - pad)),
            min(photo_size[0], math.ceil(y2 + pad)), min(photo_size[1], math.ceil(x2 + pad)))


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
