"""What importing costs and what it may not do: ``nnrecog.data`` loads no heavy module, and no
module of ``src/nnrecog`` takes part in an import circle."""

from __future__ import annotations

import json
import subprocess
import sys

#: What ``import nnrecog.data`` (and so the OCR) must not pull in: the builder with tqdm and
#: every source reader, augmentation, and scipy's file and statistics modules.
_HEAVY = ("nnrecog.data.builder", "nnrecog.data.sources", "nnrecog.data.augment", "scipy.io", "scipy.stats", "tqdm")


def _imported_after(statement: str) -> set[str]:
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(done.stdout))


def test_importing_the_data_package_is_light():
    for statement in ("import nnrecog.data", "import nnrecog.data.normalize", "from nnrecog.data import CLASSES"):
        heavy = sorted(_imported_after(statement) & set(_HEAVY))
        assert not heavy, f"{statement!r} imports {heavy}"


def test_lazy_names_of_the_data_package_still_resolve():
    from nnrecog import data
    from nnrecog.data.builder import build_dataset

    assert data.build_dataset is build_dataset
    assert callable(data.augment.augment_batch) and data.CLASSES[26] == "0"
