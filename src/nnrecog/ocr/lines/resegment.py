"""Stage 7: cut touching characters and join broken ones where the classifier reads them better.

Once lines are known (:mod:`nnrecog.ocr.lines.layout`), :func:`touching_candidates` names the glyphs
much wider than the line's typical character and :func:`cut_columns` offers the columns with
least ink as cuts; :func:`prefer_cuts` chooses among them with the classifier.
:func:`fragment_candidates` names narrow side-by-side pieces that may be one broken character
and :func:`prefer_joins` joins them where the whole reads better than the pieces.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from nnrecog import imaging
from nnrecog.ocr.config import ResegmentConfig
from nnrecog.ocr.finding.components import Glyph, Segmentation
from nnrecog.ocr.lines.layout import median_height

#: ``(glyphs) -> (n,)`` log of each glyph's most probable class (a classifier's judgement).
TopLogProbability = Callable[[list[Glyph]], np.ndarray]


def typical_width(glyphs: list[Glyph], config: ResegmentConfig = ResegmentConfig()) -> float:
    """A line's typical character width in pixels (0 for no glyph): its median glyph width,
    but at most ``typical_aspect`` times its median glyph height (see
    :func:`touching_candidates`)."""
    if not glyphs:
        return 0.0
    median_width = float(np.median([g.width for g in glyphs]))
    return min(median_width, config.typical_aspect * median_height([g.box for g in glyphs]))


def touching_candidates(glyphs: list[Glyph], config: ResegmentConfig = ResegmentConfig()) -> list[int]:
    """Glyphs of one line wide enough to be touching characters (indices, left to right).

    A glyph at least ``split_width`` times the line's :func:`typical_width` and
    ``split_aspect`` times its own height may hold several characters. The typical width is
    capped by the line's height because in tight writing most glyphs are touching pairs and
    triples, whose widths would make a median useless; for the same reason a line that is one
    piece of ink (a short word written joined up) is a candidate too. Wide letters ('M', 'W')
    qualify as well: :func:`prefer_cuts` keeps a cut only when the classifier reads the pieces
    better.
    """
    typical = typical_width(glyphs, config)
    return [
        i
        for i, g in enumerate(glyphs)
        if g.width >= config.split_width * typical and g.width >= config.split_aspect * g.height
    ]


def fragment_candidates(glyphs: list[Glyph], config: ResegmentConfig = ResegmentConfig()) -> list[int]:
    """Neighbours in one line (left to right) that may be pieces of one broken character.

    ``i`` is returned when glyphs ``i`` and ``i + 1`` are at most ``fragment_gap_heights``
    line heights apart, overlap vertically by ``fragment_overlap`` of the shorter one, one of
    them is at most ``fragment_narrow_heights`` line heights wide and together they are at
    most ``fragment_width_heights`` wide (the halves of an 'H' broken at its crossbar, the arms
    of a 'K' detached from its stem). Widths are compared with the line's height, not its
    median width, which the pieces themselves would pull down.
    """
    if len(glyphs) < 2:
        return []
    height = median_height([g.box for g in glyphs])
    found = []
    for i, (a, b) in enumerate(zip(glyphs[:-1], glyphs[1:])):
        overlap = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
        if (
            b.box[1] - a.box[3] <= config.fragment_gap_heights * height
            and overlap >= config.fragment_overlap * min(a.height, b.height)
            and min(a.width, b.width) <= config.fragment_narrow_heights * height
            and max(a.box[3], b.box[3]) - min(a.box[1], b.box[1]) <= config.fragment_width_heights * height
        ):
            found.append(i)
    return found


def join(a: Glyph, b: Glyph) -> Glyph:
    """One glyph made of both glyphs' ink."""
    return Glyph(
        (min(a.box[0], b.box[0]), min(a.box[1], b.box[1]), max(a.box[2], b.box[2]), max(a.box[3], b.box[3])),
        tuple(sorted(set(a.labels) | set(b.labels))),
    )


def local_minima(profile: np.ndarray) -> np.ndarray:
    """Indices of the strict local minima of a 1-D profile, a flat minimum once at its middle
    (rounded down); the ends are never minima (as ``scipy.signal.find_peaks(-profile)``)."""
    minima, i, n = [], 1, len(profile)
    while i < n - 1:
        if profile[i - 1] > profile[i]:
            ahead = i + 1
            while ahead < n - 1 and profile[ahead] == profile[i]:
                ahead += 1
            if profile[ahead] > profile[i]:
                minima.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    return np.array(minima, dtype=np.intp)


def cut_columns(seg: Segmentation, glyph: Glyph, spacing: float, config: ResegmentConfig = ResegmentConfig()) -> list[int]:
    """Candidate cut columns of a glyph that may be touching characters.

    The local minima of the glyph's smoothed column ink profile (darkness summed per
    column), taken lowest ink first, at least ``spacing`` pixels from each other and from the
    glyph's edges, and at most ``max_cut_columns`` of them: where two touching characters
    meet, little ink joins them.

    Returns
    -------
    Columns relative to the glyph's left edge, ascending, each in ``[spacing, width - spacing]``.
    """
    y1, x1, y2, x2 = glyph.box
    profile = (seg.own_ink(glyph) * seg.darkness[y1:y2, x1:x2]).sum(axis=0)
    profile = imaging.uniform_filter1d(profile, config.profile_smoothing_px)
    width = len(profile)
    minima = local_minima(profile)
    chosen: list[int] = []
    for column in minima[np.argsort(profile[minima], kind="stable")]:
        if len(chosen) == config.max_cut_columns:
            break
        if spacing <= column <= width - spacing and all(abs(column - c) >= spacing for c in chosen):
            chosen.append(int(column))
    return sorted(chosen)


def cut_between(seg: Segmentation, glyph: Glyph, spans: list[tuple[int, int]]) -> list[Glyph | None]:
    """The pieces of ``glyph`` between the columns of each span.

    Parameters
    ----------
    spans : ``[(a, b), ...]`` with ``0 <= a < b <= glyph.width``, relative to its left edge.

    Returns
    -------
    One piece per span, its box shrunk vertically to its ink; None for a span without ink.
    """
    own = seg.own_ink(glyph)
    y1, x1 = glyph.box[:2]
    pieces: list[Glyph | None] = []
    for a, b in spans:
        rows = np.flatnonzero(own[:, a:b].any(axis=1))
        pieces.append(Glyph((y1 + int(rows[0]), x1 + a, y1 + int(rows[-1]) + 1, x1 + b), glyph.labels) if rows.size else None)
    return pieces


def prefer_cuts(
    seg: Segmentation, glyphs: list[Glyph], score: TopLogProbability, config: ResegmentConfig = ResegmentConfig()
) -> list[Glyph]:
    """Replace wide glyphs by the pieces the classifier reads best (recognition-driven cutting).

    For each :func:`touching_candidates` glyph, the :func:`cut_columns` (ink minima) split it
    into spans, every span ``piece_width_heights`` line heights wide a candidate piece, and
    dynamic programming picks the left-to-right sequence of spans (the whole glyph being one
    choice) maximising ``sum (log top probability - c - lambda max(0, log(w / (k t))))`` over its
    pieces, with ``c`` = ``piece_cost``, ``w`` the piece's width, ``t`` the line's typical
    character width, ``lambda, k`` = ``width_weight``, ``widest``. Touching letters read badly
    as one glyph and well as pieces, and a piece far wider than a character is penalised even
    when the classifier is sure of it; a wide 'M' or 'W' reads well as itself, and its halves
    ('I' + 'Z') must beat it by ``c`` to win. A piece is read only once it lies on the best
    sequence that the pieces read and the bounds of the others allow (branch and bound; on the
    24 course and ocr_dev photos 40 % of the pieces are read), with the result of reading them all.

    Measured by ``benchmarks/ocr_nist_pages.py`` (pages of real NIST letters, never trained
    on), CER with the lexicon: spaced letters 5.7 % -> 2.4 %, touching letters 41 % -> 30 %,
    against the earlier rule (cut into ``round(width / typical)`` pieces at ink minima when
    their mean log probability beats the whole's).
    """
    candidates = touching_candidates(glyphs, config)
    if not candidates:
        return glyphs
    height, typical = median_height([g.box for g in glyphs]), typical_width(glyphs, config)
    narrow, wide = (f * height for f in config.piece_width_heights)
    out = list(glyphs)
    for i in reversed(candidates):  # right to left keeps indices valid
        glyph = glyphs[i]
        columns = [0, *cut_columns(seg, glyph, config.cut_spacing_heights * height, config), glyph.width]
        last = len(columns) - 1
        plausible = [
            (a, b)
            for a in range(last)
            for b in range(a + 1, last + 1)
            if (a, b) != (0, last) and narrow <= columns[b] - columns[a] <= wide
        ]
        pieces_of = cut_between(seg, glyph, [(columns[a], columns[b]) for a, b in plausible])
        spans = {(0, last): glyph, **{span: piece for span, piece in zip(plausible, pieces_of) if piece is not None}}
        widths = np.array([piece.width for piece in spans.values()], np.float64)
        width_cost = config.width_weight * np.maximum(np.log(widths / (config.widest * typical)), 0.0)
        prior = dict(zip(spans, config.piece_cost + width_cost))
        # A piece's value is at most -prior (a log probability is at most 0): the best sequence
        # by the values read and the bounds of the rest has its unread pieces read, until it has
        # none; then no other sequence can beat it. The classifier, not the dynamic programme,
        # costs the time.
        value_of = {span: -prior[span] for span in sorted(spans, key=lambda span: span[1])}  # by end, once
        read: set[tuple[int, int]] = set()
        while True:
            sequence = _best_sequence(value_of, last)
            unread = [span for span in sequence if span not in read]
            if not unread:
                break
            values = score([spans[span] for span in unread]) - np.array([prior[span] for span in unread])
            value_of.update(zip(unread, values))
            read.update(unread)
        out[i : i + 1] = [spans[span] for span in sequence]
    return out


def _best_sequence(value_of: dict[tuple[int, int], float], last: int) -> list[tuple[int, int]]:
    """The spans ``(a, b)`` of columns, left to right, that lead from column 0 to ``last`` with
    the largest sum of ``value_of``, whose spans come in the order of their ends ``b`` (dynamic
    programming; of equal sums, the first found)."""
    # best[b]: best score of a cut sequence ending at column b; back[b]: where its last piece starts
    best, back = [0.0] + [-np.inf] * last, [0] * (last + 1)
    for (a, b), value in value_of.items():
        if best[a] + value > best[b]:
            best[b], back[b] = best[a] + value, a
    spans, b = [], last
    while b > 0:
        spans.append((back[b], b))
        b = back[b]
    return spans[::-1]


def prefer_joins(glyphs: list[Glyph], score: TopLogProbability, config: ResegmentConfig = ResegmentConfig()) -> list[Glyph]:
    """Join neighbouring pieces of broken characters where the classifier reads them better.

    With ``s_i`` the log top probability of glyph ``i`` and ``w_i`` that of glyphs ``i, i + 1``
    joined (for :func:`fragment_candidates`), the line is read as the sequence of singles and
    joins maximising ``sum s_i (singles) + sum 2 (w_i - m) (joins)`` (dynamic programming),
    ``m`` = ``join_margin``: a join stands for two glyphs and must beat their mean by ``m``.
    An 'I' beside a 'T' reads well as two glyphs; the halves of a broken 'H' read badly and join.
    """
    # neighbours with the same ink components are pieces of one glyph that prefer_cuts chose
    # to cut: joining them again would undo that decision
    candidates = [i for i in fragment_candidates(glyphs, config) if glyphs[i].labels != glyphs[i + 1].labels]
    if not candidates:
        return glyphs
    merged = {i: join(glyphs[i], glyphs[i + 1]) for i in candidates}
    whole = dict(zip(merged, score(list(merged.values()))))
    single = score(glyphs)
    margin = config.join_margin
    # best[k]: best score of the first k glyphs; step[k]: 1 (single) or 2 (join) ending there
    best, step = [0.0] + [-np.inf] * len(glyphs), [0] * (len(glyphs) + 1)
    for k in range(1, len(glyphs) + 1):
        best[k], step[k] = best[k - 1] + single[k - 1], 1
        if k - 2 in whole and best[k - 2] + 2 * (whole[k - 2] - margin) > best[k]:
            best[k], step[k] = best[k - 2] + 2 * (whole[k - 2] - margin), 2
    out, k = [], len(glyphs)
    while k > 0:
        out.append(glyphs[k - 1] if step[k] == 1 else merged[k - 2])
        k -= step[k]
    return out[::-1]


def has_touching_letters(line: list[Glyph], fraction: float = ResegmentConfig.touching_line_fraction) -> bool:
    """Whether the line's letters touch: at least ``fraction`` of its glyphs were cut out of a
    piece of ink they share with another glyph. The character classifier, taught on letters
    standing alone, reads such a line worse than the line recogniser does; a line of separate
    letters with one wide 'M' cut in two is still read glyph by glyph."""
    counts = Counter(label for glyph in line for label in set(glyph.labels))
    cut = sum(any(counts[label] > 1 for label in glyph.labels) for glyph in line)
    return cut > 0 and cut >= fraction * len(line)
