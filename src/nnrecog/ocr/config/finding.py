"""Settings of finding the writing, stages 1-5 (:mod:`nnrecog.ocr.finding`): the photo, dithering,
ink, the sheet, rulings and components.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PhotoConfig:
    """Decoding and the working resolution (:mod:`nnrecog.ocr.finding.photo`).

    A page is first probed at ``probe_pixels`` to measure its characters, then worked on at the
    resolution where they are about ``target_char_height`` pixels tall, within
    ``[min_pixels, max_pixels]``: a 12-megapixel photo costs what a small one does.
    """

    #: Largest working image (about 2000 x 1500 for a 4:3 photo); photos are decoded at this size.
    max_pixels: int = 3_000_000
    #: A photo that would decode to more pixels than this is refused from its header, before
    #: any memory is taken: 64 MP is 256 MB of RGBA. A JPEG decodes at down to 1/8 scale, so it
    #: counts a 64th of its pixels (a 100-megapixel JPEG is read); other formats decode whole.
    max_decoded_pixels: int = 64_000_000
    #: The page is first looked at with this many pixels to measure its characters...
    probe_pixels: int = 500_000
    #: ...then worked on where they are about this many pixels tall...
    target_char_height: float = 40.0
    #: ...but never on fewer pixels than this.
    min_pixels: int = 500_000
    #: Characters smaller than this in the photo itself (a small photo, or small writing on a
    #: page photographed whole) are worked on enlarged (bicubic) to this height, by at most
    #: ``max_enlargement``: thresholded at a few pixels a stroke, letters lose their thin
    #: strokes and touch their neighbours. The 24 ocr_dev and course photos shrunk to half and
    #: a third of their size read at 10.1 % and 14.0 % CER without spaces as they were, 8.2 %
    #: and 8.8 % with letters enlarged to 30 px, at most twice (6.8 % at full size, where no
    #: photo has letters under 30 px and none reads differently); to 24 px: 9.0 % and 10.0 %;
    #: to 36 px: 7.3 % and 8.9 %, and ust_pen at full size, its letters 29 px, lost a letter.
    #: At most three times, a third-size photo read at 8.5 %, but SUN train scenes (500 px
    #: photos whose texture measures as tiny letters) read as text in 2 more of 1,177.
    min_char_height: float = 30.0
    max_enlargement: float = 2.0
    #: Characters worked on smaller than ``min_char_height`` on a photo decoded smaller than it
    #: is (a word written small on a sheet photographed whole by a 12-megapixel camera) are
    #: read again from the region around everything read, padded by this many character
    #: heights, at the photo's own resolution there (:mod:`~nnrecog.ocr.finding.closer`)...
    closer_pad_heights: float = 2.0
    #: ...with the regions judged not writing within that padding that are no taller than this
    #: many character heights, and those within the padding of these (lines too coarse to
    #: read, beside the lines read: a 12-megapixel photo of digit_grid, its digits 25 px, read
    #: two of its three rows at first; ust_life, its letters 25 px, two of seven, the other
    #: five rejected in regions up to 3.3 character heights tall, two lines run together)...
    closer_line_heights: float = 4.0
    #: ...when that works on them at least this many times finer; the closer reading is kept
    #: when its characters hold more confidence.
    closer_gain: float = 1.25


@dataclass(frozen=True)
class DitherConfig:
    """Recognising a dithered page (a 1-bit scan whose tones are dot patterns) and smoothing it.

    Measured: 0.3-0.7 of the dark pixels are isolated on dithered copies of the course photos;
    0.003 on the photos themselves and on their thresholded 1-bit copies, but up to 0.4 on those
    copies shrunk until the strokes are 1 px thin, hence the second test (dots cover the whole
    paper: 1.00 on every dithered copy; writing does not: 0.07-0.17).
    """

    #: Grey level below which a pixel counts as a dark dot.
    dark_level: float = 0.5
    #: The page is dithered when this fraction of its dark pixels...
    isolated_fraction: float = 0.2
    #: ...have at most this many dark 8-neighbours...
    max_neighbours: int = 2
    #: ...and dark pixels lie within ``reach_px`` of this fraction of the page.
    coverage: float = 0.5
    reach_px: int = 2
    #: A dithered page is smoothed with a Gaussian of this sigma (1 to 2 px read equally well).
    sigma_px: float = 1.5
    #: Side of the central square where dithering is looked for (bounds the cost).
    probe_side_px: int = 1024


@dataclass(frozen=True)
class InkConfig:
    """Paper brightness, background division and the hysteresis threshold (:mod:`nnrecog.ocr.finding.ink`)."""

    dither: DitherConfig = field(default_factory=DitherConfig)
    #: Light smoothing before anything else (JPEG noise), sigma in px.
    denoise_sigma_px: float = 0.7
    #: The background closing spans this fraction of the page's long side (>> any stroke width)...
    background_fraction: float = 0.03
    #: ...computed on a copy whose long side is about this many pixels.
    background_long_side_px: int = 400
    #: The closing is smoothed (a box of its own width); where the light changes sharply (a
    #: shadow's hard edge) the smoothing carries the bright side's paper over the dark side,
    #: whose paper then reads as ink along the edge. Following the edge (the smoothed
    #: background never above the closing) reads pages with a shadow across them, but pages
    #: shrunk, lightened or blurred worse (the 24 photos shrunk to a third: 8.1 -> 9.4 % CER
    #: without spaces), so only the second reading of a page whose writing goes on past the
    #: sheet's edge found follows it (:func:`~nnrecog.ocr.finding.sheet.writing_beyond`).
    follow_light_edges: bool = False
    #: Weak threshold: this many robust standard deviations of the paper's darkness above its median...
    weak_sigmas: float = 5.0
    #: ...but at least this darkness (JPEG noise on very clean paper has a tiny spread).
    weak_min: float = 0.06
    #: The strong threshold (Otsu over the candidate ink) is at least this much darker than the
    #: weak one, and at least ``strong_min`` dark. Light pencil is a class of photo: with the
    #: ink of every ocr_dev and course photo lightened to 40 % of its contrast, a floor of 0.2
    #: lost most of it (29.8 % CER without spaces, pooled), 0.1 much less (18.0 %); at full
    #: contrast both read every photo alike, and neither read text in the 118 held-out SUN
    #: train scenes. The margin likewise: at 0.1 the lightened photos read at 14.0 % (pale
    #: letters whose darkest pixel is under 0.16 were dropped whole: half of 02_letters), at
    #: 0.05 and 0.03 at 8.6 %; at full contrast all read every photo alike. At 0.05 one photo
    #: turned 8 degrees reads worse (kabir_abcd's tiny letters, with more of the desk's
    #: texture kept beside them, are refused as not characters).
    strong_margin: float = 0.05
    strong_min: float = 0.10
    #: A page that reads as nothing, or whose ink (the median darkness of what the threshold
    #: kept) is fainter than ``faint_ink``, is read again with these in place of ``weak_min``,
    #: ``strong_min`` and ``strong_margin`` (the paper's noise, ``weak_sigmas``, still bounds
    #: the weak threshold), and the stronger reading kept: light pencil on grey paper can be
    #: darker than clean paper by less than the floors above, yet many times its noise, and
    #: ink whose typical darkness is near them loses the strokes just under them. With the ink
    #: of every ocr_dev and course photo lightened to 40 % of its contrast, num_column (its
    #: darkest pixel 0.1) and kabir_abcd read as nothing; read again, 1 2 3 5 7 9 of its nine
    #: digits and all of ABCD (8.1 / 8.3 -> 6.7 / 7.2 % CER pooled); at full contrast their
    #: ink is 0.14 to 0.73 dark, at 40 % 0.09 to 0.25, NIST letters at 10 % of black on grey
    #: paper 0.10. The SUN train scenes read as text in the same 12 of 1,177. ``None``: no
    #: second reading.
    faint_floors: tuple[float, float, float] | None = (0.02, 0.04, 0.02)
    faint_ink: float = 0.12
    #: A page is sharpened by unsharp masking of this amount, with the sigma of the blur its
    #: ink's edges show (:func:`~nnrecog.ocr.finding.ink.edge_blur`), before it is read; 0:
    #: as it is. The reader sets it for a second reading of a blurred page (below).
    sharpen: float = 0.0
    #: A page whose ink's edges show a blur of at least this sigma, in the pixels it is first
    #: looked at with (``PhotoConfig.probe_pixels``), is read again sharpened by
    #: ``blurred_sharpen``, and the stronger reading kept: out of focus, thin strokes fade and
    #: run together. ocr_dev and course photos as they are show 0.76-1.15, blurred by a
    #: Gaussian of 2 px 0.79-2.29. Blurred by 2 px they read at 11.5 / 13.3 % CER pooled, read
    #: again sharpened by 1.5, 2 and 3 times the detail at 7.3 / 7.9, 6.2 / 6.6 and 10.5 / 11.7
    #: %; blurred by 3 px 17.9 / 19.5 -> 12.3 / 13.6 % at 2; as they are, every photo read
    #: again sharpened kept its reading. The threshold only saves the second reading's time.
    #: ``blurred_sharpen`` 0: no second reading.
    blurred_px: float = 1.1
    blurred_sharpen: float = 2.0
    #: A page read weakly (its characters' mean confidence under ``OrientationConfig.
    #: weak_confidence``) is read again smoothed more before anything else (this sigma in
    #: place of ``denoise_sigma_px``) and sharpened by ``blurred_sharpen`` (the edges the
    #: smoothing blurs), that reading kept when its characters hold ``grainy_margin`` times the
    #: confidence: pencil's graphite is grainy, and its thin strokes break into pieces at the
    #: threshold (the 24 photos as pencil, lightened to 45 % and grained,
    #: ``benchmarks/ocr_classes.py``). Smoothed so, photos of ink read worse (ust_pen 2 -> 19
    #: errors), but not more confidently. 0: no second reading.
    grainy_denoise_sigma_px: float = 1.6
    grainy_margin: float = 1.1
    #: Ink is at least this fraction as dark as the page's typical ink (the median darkness of
    #: what the hysteresis kept): fainter pixels are marks of another kind (writing showing
    #: through from the back, smudges, the halo of a stroke), relative to the page's own
    #: writing, whatever its ink. Higher floors read ocr_dev better (with the line recogniser
    #: of 2026-12-06: 0.2 10.6 / 10.2 %, 0.3 10.2 / 10.1 %, 0.4 9.4 / 9.6 %), but they take the
    #: thin strokes of a letter apart where they are fainter than its thick ones: at 0.3 an M
    #: of a page of mixed tokens reads as W or NI and a line of them is lost
    #: (tests/test_ocr_tokens.py), at 0.4 an M on ruled paper reads as NI
    #: (tests/test_ocr_orientation.py). Thin pens and pencil are a class of photo, so 0.2, and
    #: benchmarks/ocr_dev_lowo.py chooses among the floors those tests allow. 0 keeps every
    #: pixel the hysteresis kept.
    relative_floor: float = 0.2
    #: Ink fainter than this fraction of the page's stroke cores (the 75th percentile of its
    #: darkness) is a layer behind the writing (writing showing through from the back, joined
    #: to the front's strokes where they cross) and is kept only within ``rim_px`` pixels of
    #: darker ink, as a stroke's rim (:func:`~nnrecog.ocr.finding.ink.without_faint_layer`).
    #: 0 keeps every layer. The rim is a stroke's soft edge: ``rim_px`` on the working page,
    #: ``soft_rim_px`` where its edges are softer: small writing enlarged (interpolated), a
    #: page read again smoothed or sharpened. A rim of 3 everywhere kept the layer where it
    #: crosses the writing, and a pen's grain beside its strokes: the 24 course and dev photos
    #: with their own writing showing through at 20 % read at 5.6 / 5.9 % CER (now 5.1 /
    #: 5.5 %), their ink at 40 % at 6.4 / 6.7 % (5.9 / 5.7 %), under a hard shadow at 10.5 /
    #: 10.1 % (9.4 / 8.7 %); as they are alike (``benchmarks/ocr_classes.py``). A rim of 1
    #: takes the thin strokes of NIST letters apart (an M read as LSA,
    #: ``tests/test_ocr_orientation.py``); 2 on enlarged writing, ust_life's at a third of its
    #: size (39 -> 54 errors).
    layer_floor: float = 0.4
    rim_px: int = 2
    soft_rim_px: int = 3
    #: On a sheet found on a desk, ink reaching the sheet's edge is not writing: a spiral
    #: binding, the shadow of the edge, the desk beyond (kabir_abcd's binding set the threshold
    #: above its 25 px letters, ust_pen's pen at the edge read as letters).
    drop_sheet_edge: bool = True
    #: Histogram bins of every Otsu threshold taken on the page.
    otsu_bins: int = 128
    #: The paper's noise statistics are taken from every this-many-th paper pixel.
    noise_sample_step: int = 9


@dataclass(frozen=True)
class SheetConfig:
    """Finding the sheet of paper on a darker surround (:mod:`nnrecog.ocr.finding.sheet`)."""

    #: Look for the sheet at all (``False``: all the photo may hold writing).
    enabled: bool = True
    #: The sheet is looked for on a copy with this long side...
    long_side_px: int = 256
    #: ...smoothed with this sigma, the writing closed over with a window this wide; of the
    #: bright regions, this many of the largest are weighed, the one holding the most writing
    #: taken (a small sheet photographed from afar beside a larger blank wall)...
    smoothing_px: float = 1.0
    writing_px: int = 7
    candidates: int = 8
    #: ...and must be at least this much brighter (grey levels in [0, 1]) than its surround...
    contrast: float = 0.15
    #: ...cover between these fractions of the photo (a note with 25 px letters on a
    #: 12-megapixel photo covers 2-5 % of it; 10 % was the least before)...
    coverage: tuple[float, float] = (0.02, 0.95)
    #: ...and have a sharp border: at least this fraction of the contrast is crossed within
    #: ``edge_band_px`` pixels of it (a shadow or light gradient on the paper changes slowly).
    edge_sharpness: float = 0.4
    edge_band_px: int = 3
    #: The sheet is eroded by this many pixels of the small copy, so its edge's shading stays out.
    erosion_px: int = 2
    #: A small copy with a side under this many pixels is too small to tell a sheet from its surround.
    min_side_px: int = 8
    #: Writing that goes on past the sheet's edge (:func:`~nnrecog.ocr.finding.sheet.writing_beyond`)
    #: says the edge may be a shadow's, and the page is read again with no sheet, the stronger
    #: reading kept: things shaped like characters (a height within these factors of the
    #: writing's, a width at most the larger) off the sheet, one in line with the writing within
    #: this many character heights...
    beyond_size: tuple[float, float] = (0.5, 2.0)
    beyond_reach_heights: float = 2.0
    #: ...or as many as this fraction of those on the sheet, and this many. The reading with no
    #: sheet is kept when its characters hold this many times the confidence of the sheet's (as
    #: a turn's must, :attr:`~nnrecog.ocr.config.OrientationConfig.margin`): read with no
    #: sheet, a textured desk beside a sheet adds a stray letter or two to all its writing.
    beyond_share: float = 0.25
    beyond_min: int = 3
    beyond_margin: float = 1.1


@dataclass(frozen=True)
class RulesConfig:
    """Removing ruled lines: notebook rules, margins, table borders, grids (:mod:`nnrecog.ocr.finding.rules`)."""

    #: Take ruled lines out at all. A page that reads as nothing once they are out is read again
    #: with them in, when that makes fewer glyphs (:class:`~nnrecog.ocr.reader.Reader`): the
    #: long straight strokes of big letters written on dotted paper (deep_broken) look like rules.
    remove: bool = True
    #: So is a page that reads weakly once they are out, its characters' mean confidence under
    #: this (small letters on ruled paper: a rule as thick as their strokes takes the strokes
    #: along it); its reading with them in is kept when its characters hold ``put_back_margin``
    #: times the confidence.
    weak_confidence: float = 0.8
    put_back_margin: float = 1.1
    #: Ink is bridged along a rule's direction over gaps this wide (dotted and dashed rules)...
    dot_gap_px: int = 6
    #: ...and its components spanning this fraction of the page's width or height may hold rules...
    span: float = 0.3
    #: ...when this many times longer than thick, inked over less than ``fill`` of their box, or
    #: their box covers ``area`` of the page (a grid of rules with letters)...
    elongation: float = 5.0
    fill: float = 0.2
    area: float = 0.25
    #: ...which are straight ink runs at least this fraction of the page's long side...
    run: float = 0.08
    #: ...(and at least this many pixels)...
    min_run_px: int = 15
    #: ...and at least this many typical letter heights long...
    min_length_heights: float = 4.0
    #: ...once widened by this many pixels across (a slanted rule steps from row to row).
    bridge_px: int = 5
    #: Of a rule, only ink no thicker across it than this many times the rule's median
    #: thickness plus ``thickness_slack_px`` is removed: a letter stroke crossing it stays.
    thickness_ratio: float = 1.5
    thickness_slack_px: int = 2


@dataclass(frozen=True)
class ComponentsConfig:
    """Ink components as character candidates (:mod:`nnrecog.ocr.finding.components`)."""

    #: The page's character height is measured on components this wide for their height
    #: (from a bare 'I' to two touching letters)...
    char_aspect: tuple[float, float] = (0.1, 2.5)
    #: ...and made of strokes at least this many times longer than thick.
    min_elongation: float = 3.0
    #: ...and glyphs whose long side is below this many character heights are specks, dots and
    #: punctuation (unrelated to the *area* fraction that cleans a single glyph's crop).
    speck_heights: float = 0.3
    #: Pieces overlapping this much in x (fraction of the narrower) may belong to one character...
    stack_overlap: float = 0.5
    #: ...if the vertical gap between them is at most this many character heights...
    stack_gap_heights: float = 0.25
    #: ...and the joined box is at most this many character heights tall.
    stack_max_heights: float = 1.5
    #: A crop keeps the page's ink within this many pixels of the glyph's own components.
    crop_reach_px: int = 1
    #: Glyphs the photo's frame cuts through are dropped when the page has others: what the frame
    #: cuts is the desk and what lies on it, and a letter cut in part would be misread anyway. A
    #: page whose every glyph touches the frame (a tight crop, a pad drawn on to its edges) keeps
    #: them. On ocr_dev and the course photos only clutter touches the frame.
    drop_frame_cut: bool = True
