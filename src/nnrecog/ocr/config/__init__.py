"""Every setting of the reader, one frozen dataclass per stage, gathered in :class:`ReaderConfig`;
the stages' dataclasses live beside each other by folder (:mod:`.finding`, :mod:`.lines`,
:mod:`.recognition`) and are all importable from here.

A photo passes through the stages in the order the fields of :class:`ReaderConfig` are listed.
Each stage's function takes its own config (default: the defaults below), so a benchmark or a
user can change one setting without touching anything else::

    from dataclasses import replace
    from nnrecog.ocr import ReaderConfig, read
    config = ReaderConfig()
    config = replace(config, layout=replace(config.layout, word_gap_ratio=2.0))
    page = read("note.jpg", config=config)

Lengths are in the unit the field names: pixels (``px``), the page's or a line's typical
character height (``heights``), or fractions of something named in the docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nnrecog.ocr.config.finding import (
    ComponentsConfig, DitherConfig, InkConfig, PhotoConfig, RulesConfig, SheetConfig,
)
from nnrecog.ocr.config.lines import LayoutConfig, ResegmentConfig
from nnrecog.ocr.config.recognition import DecodeConfig, OrientationConfig, WritingConfig

__all__ = [
    "PhotoConfig", "DitherConfig", "InkConfig", "SheetConfig", "RulesConfig", "ComponentsConfig",
    "LayoutConfig", "ResegmentConfig", "DecodeConfig", "WritingConfig", "OrientationConfig",
    "ENGINES", "LINE_ENGINES", "ReaderConfig", "DEFAULT_CONFIG",
]

#: How lines are read: ``chars``, glyph by glyph with the character classifier (the course's
#: method); ``lines``, whole line images with the line recogniser (CTC); ``auto``, each line as
#: its letters call for: glyph by glyph where they stand apart, whole where they touch (where
#: the line's glyphs had to be cut out of one another).
ENGINES = ("chars", "lines", "auto")
#: The engines that need the line recogniser.
LINE_ENGINES = ("lines", "auto")


@dataclass(frozen=True)
class ReaderConfig:
    """All settings of :func:`nnrecog.ocr.read`, stage by stage, in the order a photo meets them;
    ``engine`` (one of :data:`ENGINES`) chooses how lines are read."""

    engine: str = "auto"
    photo: PhotoConfig = field(default_factory=PhotoConfig)
    ink: InkConfig = field(default_factory=InkConfig)
    sheet: SheetConfig = field(default_factory=SheetConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    components: ComponentsConfig = field(default_factory=ComponentsConfig)
    layout: LayoutConfig = field(default_factory=LayoutConfig)
    resegment: ResegmentConfig = field(default_factory=ResegmentConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    writing: WritingConfig = field(default_factory=WritingConfig)
    orientation: OrientationConfig = field(default_factory=OrientationConfig)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {self.engine!r}")


#: The reader's settings as shipped.
DEFAULT_CONFIG = ReaderConfig()
