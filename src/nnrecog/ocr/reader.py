"""The reader: one object that owns the loaded models and every setting, built once and then
called for photo after photo (as PaddleOCR's ``TextSystem`` or docTR's ``ocr_predictor``).

>>> from nnrecog.ocr import Reader
>>> reader = Reader()                              # the shipped models, the default settings
>>> page = reader.read("note.jpg")                 # a path, the bytes of a file, a PIL image, an array
>>> for result in reader.read_many(["a.jpg", "b.png"], jobs=2):   # in order, one error per bad photo
...     print(result.photo.name, result.error or result.page.text)

:func:`read` and :func:`read_file` are conveniences over a cached :class:`Reader` for the same
models and settings, so calling them in a loop loads nothing twice.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
from collections.abc import Hashable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from nnrecog.errors import InputError
from nnrecog.ocr.config import DEFAULT_CONFIG, LINE_ENGINES, ReaderConfig
from nnrecog.ocr.document.elements import Page
from nnrecog.ocr.document.readings import Photo, PhotoReading, PhotoSource, write_overlay
from nnrecog.ocr.recognition.lexicon import Lexicon, default_lexicon
from nnrecog.ocr.recognition.linereader import LineRecognizer, load_line_recognizer
from nnrecog.ocr.recognition.recognize import Classifier, load_classifier

ModelArg = Classifier | str | os.PathLike | None
LineModelArg = LineRecognizer | str | os.PathLike | None
LexiconArg = bool | Lexicon | None
ImageArg = Image.Image | np.ndarray | PhotoSource
#: How a pickled Reader names the shipped word list.
_SHIPPED_LEXICON = "shipped word list"

if TYPE_CHECKING:
    from distributed import Client

    from nnrecog.ocr.finding.components import Segmentation
    from nnrecog.ocr.recognition.recognize import GlyphReader


def resolve_lexicon(lexicon: LexiconArg) -> Lexicon | None:
    """The word list to decode with: a given ``Lexicon``, the default one for ``True``, else None."""
    if isinstance(lexicon, Lexicon):
        return lexicon
    return default_lexicon() if lexicon else None


class Reader:
    """The models and settings a photo is read with, loaded once.

    Parameters
    ----------
    config : every setting of every stage (:class:`~nnrecog.ocr.config.ReaderConfig`), the
        engine among them.
    model : the character classifier: loaded, a model file, or ``None`` for the shipped one.
    lexicon : decode words with the English word list; ``False`` reads glyph by glyph (the
        letters/digits prior still applies); a :class:`~nnrecog.ocr.recognition.lexicon.Lexicon` uses that list.
    line_model : the line recogniser of the ``auto`` and ``lines`` engines, as ``model``
        (loaded only when the engine reads lines).

    Raises
    ------
    InputError, nnrecog.nn.ModelFileError : a model file or the word list is unusable.
    """

    def __init__(self, config: ReaderConfig = DEFAULT_CONFIG, model: ModelArg = None, lexicon: LexiconArg = True,
                 line_model: LineModelArg = None) -> None:
        self.config = config
        self.classifier = load_classifier(model)
        self.lexicon = resolve_lexicon(lexicon)
        self._line_model_arg = line_model
        self.line_model = load_line_recognizer(line_model) if config.engine in LINE_ENGINES else None

    def __getstate__(self) -> dict:
        # the shipped word list (1.28 million forms) is rebuilt from the receiver's own cache
        # rather than sent: a cluster worker or a spawned process gets a few MB, not the list
        state = dict(self.__dict__)
        # (a reader holding the shipped list got it from the cache, so asking again costs nothing)
        if self.lexicon is not None and default_lexicon.cache_info().currsize and self.lexicon is default_lexicon():
            state["lexicon"] = _SHIPPED_LEXICON
        return state

    def __setstate__(self, state: dict) -> None:
        if state.get("lexicon") == _SHIPPED_LEXICON:
            state["lexicon"] = default_lexicon()
        self.__dict__.update(state)

    def replace(self, *, engine: str | None = None, lexicon: bool | None = None) -> Reader:
        """This reader with another engine or without (or with) the word list, sharing what is
        loaded (a server answers each request's choice without loading anything)."""
        other = copy.copy(self)
        if engine is not None and engine != self.config.engine:
            other.config = dataclasses.replace(self.config, engine=engine)
            if engine in LINE_ENGINES and other.line_model is None:
                other.line_model = load_line_recognizer(self._line_model_arg)
        if lexicon is not None:
            other.lexicon = (self.lexicon or default_lexicon()) if lexicon else None
        return other

    def load_spelling(self) -> None:
        """Load the spelling model now (or build it: 1 GB for some seconds, the first time) if
        this reader's line engine uses it, rather than while it reads a photo."""
        if self.line_model is not None and self.lexicon is not None and self.config.decode.spelling_weight > 0:
            self.lexicon.spelling()

    def read(self, image: ImageArg, name: str | None = None) -> Page:
        """Read one page: a photo file or its bytes (EXIF rotation applied, boxes in the photo's
        pixels as displayed; ``name`` is what an error calls it), a PIL image, or a grey or
        colour array ``(H, W)`` / ``(H, W, C)`` (integer, or float in [0, 1]). A page that
        reads as nothing, or whose ink is faint, is read again with the floors for faint ink
        (:attr:`~nnrecog.ocr.config.InkConfig.faint_floors`), a blurred one sharpened
        (:attr:`~nnrecog.ocr.config.InkConfig.blurred_sharpen`), one read weakly smoothed
        (grainy pencil, :attr:`~nnrecog.ocr.config.InkConfig.grainy_denoise_sigma_px`), and
        one whose writing goes on past the edge of the sheet found, where it read some, with no
        sheet and the light's edges followed (a shadow's edge,
        :func:`~nnrecog.ocr.finding.sheet.writing_beyond`), the stronger reading kept; a ruled
        page that reads as nothing or weakly once its rules are out is read with them in
        (:attr:`~nnrecog.ocr.config.RulesConfig.weak_confidence`).

        Raises
        ------
        InputError : the file is missing, not an image, truncated or damaged, or too large to
            decode safely; the message names it.
        """
        from nnrecog.ocr.finding import photo as photos  # the stages load with the first page

        config = self.config.photo
        if isinstance(image, (str, os.PathLike, bytes)):
            grey, photo_size = photos.load_photo(image, config.max_pixels, name, config.max_decoded_pixels)
        else:
            grey = photos.upright_grey(image)
            photo_size = grey.shape
        seg, page = self._read_page(image, name, grey, photo_size)
        ink = self.config.ink
        if ink.faint_floors is not None and (not page.lines or seg.ink_darkness() < ink.faint_ink):
            # ink too light for the usual floors, in all or in part: light pencil, a faded page
            weak_min, strong_min, strong_margin = ink.faint_floors
            page = self._stronger(page, image, name, grey, photo_size, ink=dataclasses.replace(
                ink, weak_min=weak_min, strong_min=strong_min, strong_margin=strong_margin))
        if ink.blurred_sharpen > 0 and seg.blur_px >= ink.blurred_px:
            # out of focus: thin strokes faded and run together
            page = self._stronger(page, image, name, grey, photo_size,
                                  ink=dataclasses.replace(ink, sharpen=ink.blurred_sharpen, rim_px=ink.soft_rim_px))
        if ink.grainy_denoise_sigma_px > 0 and page.lines and page.confidence < self.config.orientation.weak_confidence:
            # grainy strokes (pencil) broken into pieces at the threshold: smoothed, and the
            # edges the smoothing blurs sharpened again
            page = self._stronger(page, image, name, grey, photo_size, margin=ink.grainy_margin, ink=dataclasses.replace(
                ink, denoise_sigma_px=ink.grainy_denoise_sigma_px, sharpen=ink.blurred_sharpen, rim_px=ink.soft_rim_px))
        if seg.writing_beyond_sheet and page.lines:
            # the sheet's edge found runs through the writing read on it: a shadow's edge, more
            # likely (a sheet that read as nothing is not read again: the SUN train scenes whose
            # bright part measured as a sheet gave text in 17 of 1,177 read so, 12 as they were,
            # and 16 with the reading kept only where it reads as writing, as a turned one must)
            page = self._stronger(page, image, name, grey, photo_size, margin=self.config.sheet.beyond_margin,
                                  sheet=dataclasses.replace(self.config.sheet, enabled=False),
                                  ink=dataclasses.replace(ink, follow_light_edges=True))
        return page

    def _stronger(self, page: Page, image: ImageArg, name: str | None, grey: np.ndarray, photo_size: tuple[int, int],
                  margin: float = 1.0, **sections: object) -> Page:
        """``page``, or the page read again with some sections of the config replaced, whichever
        is stronger, the second by ``margin`` (:func:`~nnrecog.ocr.recognition.orientation.stronger`)."""
        from nnrecog.ocr.recognition import orientation

        other = self._configured(**sections)._read_page(image, name, grey, photo_size)[1]
        return orientation.stronger(page, other, margin)

    def _configured(self, **sections: object) -> Reader:
        """This reader, its loaded models shared, with some sections of its config replaced."""
        other = copy.copy(self)
        other.config = dataclasses.replace(self.config, **sections)
        return other

    def _read_page(self, image: ImageArg, name: str | None, grey: np.ndarray, photo_size: tuple[int, int]) -> tuple[Segmentation, Page]:
        """:meth:`read` on a photo decoded to ``grey`` (``image``: the photo, which a closer
        look decodes again in part)."""
        from nnrecog.ocr.finding import photo as photos
        from nnrecog.ocr.finding.closer import closer_region
        from nnrecog.ocr.recognition import orientation

        config = self.config.photo
        seg, page = self._read_ruled(grey, photo_size)
        region = closer_region(seg, page, config)
        if region is None:
            return seg, page
        # small writing on a big photo: its region read again at the photo's own resolution
        y1, x1, y2, x2 = region
        if grey.shape == photo_size:
            near_grey = grey[y1:y2, x1:x2]
        else:
            near_grey, _ = photos.load_photo(image, config.max_pixels, name, config.max_decoded_pixels, region)
        _, near = self._read_ruled(near_grey, (y2 - y1, x2 - x1))
        near = near.moved(lambda box: (box[0] + y1, box[1] + x1, box[2] + y1, box[3] + x1), photo_size)
        return seg, orientation.stronger(page, near)

    def _read_ruled(self, grey: np.ndarray, photo_size: tuple[int, int]) -> tuple[Segmentation, Page]:
        """:meth:`_read_upright`, and where the page was ruled and read as nothing or weakly
        once its rules were out, read again with them in (:meth:`_read_with_rules`), that
        reading kept when it is the stronger by ``rules.put_back_margin``."""
        from nnrecog.ocr.recognition import orientation

        seg, page = self._read_upright(grey, photo_size)
        rules = self.config.rules
        if seg.ruled and rules.remove and (not page.lines or page.confidence < rules.weak_confidence):
            with_rules = self._read_with_rules(grey, photo_size, seg)
            if with_rules is not None:
                page = orientation.stronger(page, with_rules, rules.put_back_margin)
        return seg, page

    def _read_with_rules(self, grey: np.ndarray, photo_size: tuple[int, int], seg: Segmentation) -> Page | None:
        """A page read as nothing or weakly once its rules were out (``seg``), read with them
        in: the long straight strokes of big letters look like rules, and small letters lose the
        strokes that run along a rule as thick as they are. Put back, a letter's strokes join
        its pieces into fewer glyphs, where real rules add glyphs (each dot of a dotted rule)
        or join letters to themselves; the page is read again only then, and its reading
        returned when it holds lines (a ruled page without writing reads as nothing either way)."""
        from nnrecog.ocr.finding.segmentation import segment

        other = self._configured(rules=dataclasses.replace(self.config.rules, remove=False))
        with_rules = segment(grey, photo_size, other.config)
        if len(with_rules.glyphs) > len(seg.glyphs):
            return None
        _, page = other._read_upright(grey, photo_size, with_rules)
        return page if page.lines else None

    def _read_upright(self, grey: np.ndarray, photo_size: tuple[int, int],
                      seg: Segmentation | None = None) -> tuple[Segmentation, Page]:
        """A grey page read as it lies, or turned or straightened where that reads stronger:
        the segmentation of the page as it lies (``seg`` where already made), and the reading
        (boxes on the page as it lies)."""
        from nnrecog.ocr.recognition import orientation

        height, width = photo_size
        glyphs, page = self._read_grey(grey, photo_size, seg)
        seg = glyphs.seg
        turning = self.config.orientation
        if not turning.enabled:
            return seg, page
        # perhaps the sheet lies sideways or upside down (EXIF said nothing)
        candidates = orientation.turns_to_try(glyphs, page, turning)
        best = self._straightened(seg, page, photo_size)
        # the orientation model has looked at the glyphs themselves: a turned reading it chose
        # need only be the stronger; the classifier's choice must win by ``margin``
        margin = 1.0 if self.classifier.orientation is not None else turning.margin
        best_strength = margin * orientation.strength(best)
        for turns in candidates:
            turned_size = (width, height) if turns % 2 else photo_size
            turned_glyphs, turned = self._read_grey(np.rot90(grey, turns), turned_size)
            turned = self._straightened(turned_glyphs.seg, turned, turned_size)
            # a turned reading of confident characters, in lines of words where nothing was read
            # upright: a scene turned can read as a few doubtful characters, or a stack of lone
            # ones, which beat the nothing it read upright
            if orientation.strength(turned) > best_strength and orientation.reads_as_writing(turned, page, turning):
                best, best_strength = orientation.unturned_page(turned, turns, photo_size), orientation.strength(turned)
        return seg, best

    def _straightened(self, seg: Segmentation, page: Page, photo_size: tuple[int, int]) -> Page:
        """``page`` (the reading of ``seg``), or, when its lines run askew, the page read
        straightened if that is stronger (boxes on the photo either way)."""
        from nnrecog.ocr.recognition import orientation

        turning = self.config.orientation
        tilt = orientation.tilt_degrees(seg, turning)
        if abs(tilt) >= turning.min_tilt_deg:
            # a sheet photographed askew: its letters lean as its lines do
            straight = self._read_segmentation(orientation.straightened(seg, tilt, self.config.components))[1]
            if orientation.strength(straight) > turning.tilt_margin * orientation.strength(page):
                return orientation.untilted_page(straight, tilt, photo_size)
        return page

    def _read_grey(self, grey: np.ndarray, photo_size: tuple[int, int],
                   seg: Segmentation | None = None) -> tuple[GlyphReader, Page]:
        """Stages 2-10 on a grey page (stages 6-10 where its segmentation ``seg`` is given): its
        glyphs as read (their segmentation, normalised crops and classes), and its reading."""
        from nnrecog.ocr.finding.segmentation import segment

        return self._read_segmentation(seg if seg is not None else segment(grey, photo_size, self.config))

    def _read_segmentation(self, seg: Segmentation) -> tuple[GlyphReader, Page]:
        """Stages 6-10 on a segmented page: its glyphs as read, and its reading."""
        from nnrecog.ocr.pipeline import read_glyphs
        from nnrecog.ocr.recognition.recognize import GlyphReader

        glyphs = GlyphReader(seg, self.classifier)
        return glyphs, read_glyphs(glyphs, self.lexicon, self.config, self.line_model)

    def read_photo(self, photo: Photo, overlay: Path | None = None) -> PhotoReading:
        """One photo of many: its page (and its overlay written to ``overlay``), or its error."""
        try:
            page = self.read(photo.source, photo.name)
        except InputError as exc:
            return PhotoReading(photo, error=str(exc))
        reading = PhotoReading(photo, page)
        return write_overlay(reading, overlay) if overlay is not None else reading

    def read_many(self, paths: Sequence[Photo | str | os.PathLike], jobs: int = 1,
                  overlays: Sequence[Path | None] | None = None, client: Client | None = None) -> Iterator[PhotoReading]:
        """Read several photos, yielding each result in input order as it is ready: a photo
        that cannot be read yields its one-line error and the others are still read. With
        ``jobs > 1`` they are read in that many processes (never more than there are photos),
        each starting with this reader's loaded models; with a Dask ``client``, on its cluster
        (:mod:`nnrecog.ocr.cluster`). ``overlays``: where each photo's overlay goes (None: none)."""
        photo_list = [p if isinstance(p, Photo) else Photo(str(p), Path(p)) for p in paths]
        targets = list(overlays) if overlays is not None else [None] * len(photo_list)
        if client is not None:
            from nnrecog.ocr.cluster import read_on_cluster

            yield from read_on_cluster(self, photo_list, client, targets)
            return
        jobs = min(jobs, len(photo_list))
        if jobs <= 1:
            for photo, target in zip(photo_list, targets):
                yield self.read_photo(photo, target)
            return
        self.load_spelling()  # once, not by every worker
        # fork: the workers start with the loaded models and word list, nothing to pickle or load
        with ProcessPoolExecutor(jobs, mp_context=get_context("fork"), initializer=_start_worker,
                                 initargs=(self,)) as pool:
            yield from pool.map(_read_in_worker, zip(photo_list, targets))


_WORKER: Reader | None = None


def _start_worker(reader: Reader) -> None:
    global _WORKER
    _WORKER = reader


def _read_in_worker(job: tuple[Photo, Path | None]) -> PhotoReading:
    assert _WORKER is not None
    return _WORKER.read_photo(*job)


@functools.lru_cache(maxsize=4)
def _cached_reader(config: ReaderConfig, model: ModelArg, lexicon: LexiconArg, line_model: LineModelArg) -> Reader:
    return Reader(config, model, lexicon, line_model)


def reader_for(config: ReaderConfig = DEFAULT_CONFIG, model: ModelArg = None, lexicon: LexiconArg = True,
               line_model: LineModelArg = None) -> Reader:
    """A :class:`Reader` for these arguments, the same one again for the same arguments (the
    last four are kept); arguments that cannot be told apart by value (a word list built by
    the caller) get a reader of their own."""
    arguments = (config, model, lexicon, line_model)
    if all(isinstance(a, Hashable) for a in arguments):
        return _cached_reader(*arguments)
    return Reader(*arguments)


def read(image: ImageArg, model: ModelArg = None, lexicon: LexiconArg = True, config: ReaderConfig = DEFAULT_CONFIG,
         line_model: LineModelArg = None) -> Page:
    """Read the handwritten text of a page (:meth:`Reader.read`) with a cached reader.

    Returns
    -------
    Page : lines top to bottom, words left to right, boxes in the image's pixels. A blank page
        gives a page without lines (``text == ""``).
    """
    return reader_for(config, model, lexicon, line_model).read(image)


def read_file(path: PhotoSource, model: ModelArg = None, lexicon: LexiconArg = True,
              config: ReaderConfig = DEFAULT_CONFIG, name: str | None = None, line_model: LineModelArg = None) -> Page:
    """Read a photo file, or the bytes of one (:meth:`Reader.read`), with a cached reader.

    Raises
    ------
    InputError : the file is missing, is not an image, is truncated or damaged, or is too
        large to decode safely. The message names the file (``name``, default its path).
    """
    return reader_for(config, model, lexicon, line_model).read(path, name)
