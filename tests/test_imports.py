"""What importing costs and what it may not do: ``nnrecog.data`` loads no heavy module, and no
module of ``src/nnrecog`` takes part in an import circle, not even through an import deferred
into a function (the data package's readers, builder and sources had one)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


def _imports(source: Path, module: str, is_package: bool, known: set[str], deferred: bool) -> set[str]:
    """The nnrecog modules that ``module`` imports: when it is imported, or with ``deferred``
    anywhere (imports inside functions too, which close a circle as soon as they run).

    ``from package import submodule`` counts as importing the submodule only: the package's
    ``__init__`` runs first either way, which is no circle of its own.
    """
    import ast

    tree = ast.parse(source.read_text(encoding="utf-8"))
    if deferred:
        nodes = list(ast.walk(tree))
    else:  # the statements run at import time: the module's own, also inside if/try/with
        nodes, pending = [], list(tree.body)
        while pending:
            node = pending.pop()
            nodes.append(node)
            if isinstance(node, (ast.If, ast.Try, ast.With)):
                pending += [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])]
                pending += [s for handler in getattr(node, "handlers", []) for s in handler.body]
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            package = module if is_package else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = ".".join(part for part in (package if node.level else "", node.module or "") if part)
            submodules = {f"{base}.{alias.name}" for alias in node.names} & known
            found.update(submodules)
            if len(submodules) < len(node.names):  # names defined by the module itself
                found.add(base)
    return {name for name in found if name in known and name != module}


def _import_graph(deferred: bool) -> dict[str, set[str]]:
    """Every module of src/nnrecog and the nnrecog modules it imports (:func:`_imports`)."""
    root = Path(__file__).resolve().parents[1] / "src"
    files = {}
    for path in sorted((root / "nnrecog").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return {m: _imports(p, m, p.name == "__init__.py", set(files), deferred) for m, p in files.items()}


@pytest.mark.parametrize("deferred", [False, True], ids=["module-level imports", "all imports"])
def test_no_import_circle_in_the_package(deferred: bool):
    """Tarjan's strongly connected components over the imports of every module of src/nnrecog."""
    graph = _import_graph(deferred)

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not circles, f"import circles: {circles}"


#: The OCR's stage folders, lowest first: each may import only those before it (and
#: ``nnrecog.ocr.config``), never one after it nor the drivers beside them (pipeline, reader).
_OCR_STAGES = ("document", "finding", "lines", "recognition")


def test_ocr_stage_folders_import_downwards():
    """The folders of nnrecog.ocr are the stages in order: finding the writing never imports
    reading, and no stage imports the pipeline or the reader that drive it."""
    upward = []
    for module, targets in _import_graph(deferred=True).items():
        parts = module.split(".")
        if parts[:2] != ["nnrecog", "ocr"] or len(parts) < 4 or parts[2] not in _OCR_STAGES:
            continue
        rank = _OCR_STAGES.index(parts[2])
        for target in targets:
            tparts = target.split(".")
            if tparts[:2] != ["nnrecog", "ocr"] or len(tparts) < 3 or tparts[2] == "config":
                continue
            if tparts[2] not in _OCR_STAGES or _OCR_STAGES.index(tparts[2]) > rank:
                upward.append(f"{module} -> {target}")
    assert not upward, f"imports pointing up the stages: {upward}"


def test_reading_a_photo_imports_no_scipy():
    """scipy's import is a fifth of ``nnrecog read``'s start; the reading path does without it."""
    from nnrecog.paths import data_dir

    photo = data_dir() / "ocr_samples" / "01_list.jpg"
    if not photo.is_file():
        pytest.skip(f"{photo} not found")
    loaded = _imported_after(f"from nnrecog.ocr import Reader; Reader().read({str(photo)!r})")
    assert not sorted(name for name in loaded if name.split(".")[0] == "scipy")
