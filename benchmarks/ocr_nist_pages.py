"""How well nnrecog reads handwriting it has never seen: pages composed of real NIST letters.

The letters come from nist26_valid.mat, which no training set contains (only those written
in one piece, so the CER is somewhat optimistic). Every text of
``nnrecog.ocr.evaluate.NIST_PAGE_TEXTS`` is written once per seed, with spaced letters (0.3
character heights apart, like the course photos) and with abutting ink boxes (most neighbours
touch), and read with and without the word-list decoder. CER is pooled over the pages.

    python benchmarks/ocr_nist_pages.py
    python benchmarks/ocr_nist_pages.py --seeds 10 --model path/to/model.npz
    python benchmarks/ocr_nist_pages.py --engine lines --line-model runs/lines/model.npz
"""

from __future__ import annotations

import argparse
import sys

from nnrecog.ocr.config import ENGINES, ReaderConfig
from nnrecog.ocr.evaluate import evaluate_nist_pages

#: (name, letter gap in character heights)
SPACINGS = (("spaced", 0.3), ("touching", 0.0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="pages per text and spacing (default 5)")
    parser.add_argument("--model", default=None, help="nnrecog model file (default: the shipped model)")
    parser.add_argument("--engine", choices=ENGINES, default=ReaderConfig.engine,
                        help="chars: glyph by glyph; lines: the line recogniser (default: the reader's)")
    parser.add_argument("--line-model", default=None, help="line recogniser (default: the shipped one)")
    parser.add_argument("--data-dir", default=None,
                        help="shared data folder (default: $NNRECOG_DATA or ../shared/data)")
    args = parser.parse_args(argv)

    print(f"{'letters':<10} {'lexicon':<8} {'pages':>5} {'CER':>7} {'no-space':>9} {'s/page':>7}")
    for name, gap in SPACINGS:
        for lexicon in (True, False):
            total = evaluate_nist_pages(
                gap, range(args.seeds), model=args.model, lexicon=lexicon, data_dir=args.data_dir,
                config=ReaderConfig(engine=args.engine), line_model=args.line_model,
            )
            print(f"{name:<10} {'on' if lexicon else 'off':<8} {total['pages']:>5} {100 * total['cer']:6.2f}% "
                  f"{100 * total['cer_no_spaces']:8.2f}% {total['seconds']:7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
