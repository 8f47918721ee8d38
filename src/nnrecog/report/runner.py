"""How ``nnrecog report`` runs its steps (:mod:`nnrecog.report.steps`) and the cache that lets a
rerun reuse them.

Step ``S`` lives in ``DIR/steps/S/``: the runner's own files and ``manifest.json``, which holds
the step's inputs (its settings, the seed, the data it read, the code version) and its content.
A step runs in ``DIR/steps/.S.partial/``, the manifest is written last and the folder is then
renamed to ``S``, so ``S`` is there only once the step has finished: Ctrl-C loses the step in
progress and nothing else. A rerun compares each step's inputs with its manifest's and reuses
the step when they are equal (and every file it shows is there), else runs it again. A step
that cannot run here (no torch, no data) says why and caches nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnrecog.fileio import atomic_open, ensure_dir, write_json
from nnrecog.report.options import ReportOptions
from nnrecog.report.content import MANIFEST, STEPS_FOLDER, Content, NotRun, Step, StepContext
from nnrecog.report.steps import STEPS
from nnrecog.report.torch_steps import require_torch

#: Parts of the package that cannot change a step's results (how results are shown, the
#: command line, this runner): editing them does not make the cache stale.
_NOT_RESULTS = ("cli", "report/html.py", "report/__init__.py", "report/runner.py")

def code_version() -> str:
    """``<package version>+<digest>``: the digest covers every source and model file of the
    package that can change a result (not the command line or the HTML rendering)."""
    import nnrecog

    root = Path(nnrecog.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or "__pycache__" in relative or relative.startswith(_NOT_RESULTS):
            continue
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{nnrecog.__version__}+{digest.hexdigest()[:12]}"


def step_inputs(step: Step, opts: ReportOptions, data_dir: Path, code: str) -> dict[str, Any]:
    """What a step's result depends on: equal inputs, equal numbers (timings aside)."""
    data: dict[str, str] = {}
    if step.glyphs:
        data["source"] = str(opts.source)
    if step.shared_data:
        data["data_dir"] = str(data_dir.resolve())
    return {"step": step.id, "settings": step.settings(opts.steps_scale), "seed": opts.seed, "data": data, "code": code}


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A finished step's manifest, or None (never run, or unreadable: then it runs again)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and {"inputs", "content", "seconds"} <= manifest.keys() else None


def is_reusable(manifest: dict[str, Any] | None, inputs: dict[str, Any], folder: Path) -> bool:
    """Whether a manifest was written for exactly these inputs and every figure is still there."""
    if manifest is None or manifest["inputs"] != inputs:
        return False
    return all((folder / figure["file"]).is_file() for figure in manifest["content"].get("figures", []))


def run_step(step: Step, ctx_fields: dict[str, Any], inputs: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Run ``step`` in a temporary folder, write its manifest, then move it to ``folder``.

    Returns
    -------
    The manifest: ``inputs``, ``content`` (:class:`Content` as a dict), ``seconds``.

    Raises
    ------
    NotRun : the step cannot run here; ``folder`` keeps what it held.
    """
    if step.torch:
        require_torch()
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)  # what an interrupted run left
    ensure_dir(partial)
    started = time.perf_counter()
    try:
        content = step.run(StepContext(folder=partial, **ctx_fields))
    except NotRun:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    manifest = {"inputs": inputs, "content": dataclasses.asdict(content), "seconds": time.perf_counter() - started,
                "finished": time.strftime("%Y-%m-%d %H:%M:%S")}
    write_json(partial / MANIFEST, manifest)
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(partial, folder)
    return manifest


# --- the whole report --------------------------------------------------------------------------


@dataclass
class _Planned:
    """A step, its inputs and manifest, and what this run does with it: "run", "reuse", "skip"."""

    step: Step
    folder: Path
    inputs: dict[str, Any]
    manifest: dict[str, Any] | None
    action: str


def _plan(opts: ReportOptions, data_dir: Path, steps_root: Path, code: str) -> list[_Planned]:
    plan = []
    for step in STEPS:
        folder = steps_root / step.id
        inputs = step_inputs(step, opts, data_dir, code)
        manifest = read_manifest(folder)
        if is_reusable(manifest, inputs, folder):
            action = "reuse"
        elif opts.only is not None and step.id not in opts.only:
            action = "skip"
        else:
            action = "run"
        plan.append(_Planned(step, folder, inputs, manifest, action))
    return plan


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _section(planned: _Planned, status: str, note: str | None, manifest: dict[str, Any] | None) -> dict[str, Any]:
    """One step as report.json holds it; figure files relative to the report's folder."""
    step = planned.step
    content = dataclasses.asdict(Content()) if manifest is None else manifest["content"]
    prefix = f"{STEPS_FOLDER}/{step.id}"
    content = {**content, "figures": [{**f, "file": f"{prefix}/{f['file']}"} for f in content["figures"]]}
    return {
        "id": step.id, "question": step.question, "title": step.title, "status": status, "note": note,
        "seconds": None if manifest is None else round(manifest["seconds"], 1),
        "inputs": planned.inputs, **content,
    }


def _write_report(out: Path, report: dict[str, Any]) -> None:
    from nnrecog.report.html import render

    write_json(out / "report.json", report)
    with atomic_open(out / "report.html", "w", encoding="utf-8") as handle:
        handle.write(render(report))


def run_report(**options: Any) -> dict[str, Any]:
    """``nnrecog report``: bring every step up to date (reusing what the cache holds for the same
    inputs), then write ``report.html`` and ``report.json`` into ``out_dir``.

    ``options`` are the fields of :class:`~nnrecog.report.options.ReportOptions`. Ctrl-C or an
    error stops the run after writing the report of what is finished (the rest marked not run),
    and is raised again.

    Returns
    -------
    dict
        ``report.json``: ``options``, ``scale`` (its settings), ``code_version``, ``seconds``,
        ``load`` (the 1-minute load average at the start and the end), ``ran`` / ``reused``
        (step ids) and ``sections`` (one per step, in the write-up's order: ``status`` "ran",
        "reused" or "not run", ``note``, ``numbers``, ``tables``, ``texts``, ``figures``).

    Raises
    ------
    InputError : a bad option, or glyph data (``source``) that cannot be loaded, before any step runs.
    """
    from tqdm.auto import tqdm

    from nnrecog.paths import data_dir as data_dir_of

    opts = ReportOptions(**options)
    started, load_at_start = time.perf_counter(), os.getloadavg()[0]
    out = ensure_dir(opts.out_dir)
    data_dir = data_dir_of(opts.data_dir)
    code = code_version()
    plan = _plan(opts, data_dir, out / STEPS_FOLDER, code)
    if any(p.action == "run" and p.step.glyphs for p in plan):
        from nnrecog.data import load

        load(opts.source, data_dir)  # a bad --data is one error line now, not one per step later
    scale = opts.steps_scale
    ctx_fields = {"scale": scale, "seed": opts.seed, "source": opts.source, "data_dir": data_dir,
                  "progress": opts.progress}
    full = scale.name == "full"
    estimates = {p.step.id: p.manifest["seconds"] if p.manifest else p.step.estimate[full]
                 for p in plan if p.action == "run"}
    bar = tqdm(total=round(sum(estimates.values())), disable=not opts.progress, unit="s",
               bar_format="{desc} |{bar}| {percentage:3.0f}%")
    sections: list[dict[str, Any]] = []
    done_estimate = done_seconds = 0.0
    try:
        for planned in plan:
            step = planned.step
            if planned.action == "reuse":
                note = f"reused: same inputs as the run of {planned.manifest.get('finished', 'an earlier run')}"
                sections.append(_section(planned, "reused", note, planned.manifest))
            elif planned.action == "skip":
                sections.append(_section(planned, "not run", "not run: not selected (--only)", None))
            else:
                left = sum(estimates.values()) - done_estimate
                pace = done_seconds / done_estimate if done_estimate else 1.0
                bar.set_description_str(f"report: {step.id} ({len(sections) + 1}/{len(plan)}), "
                                        f"about {_minutes(left * pace)} left")
                step_started = time.perf_counter()
                try:
                    manifest = run_step(step, ctx_fields, planned.inputs, planned.folder)
                except NotRun as reason:
                    sections.append(_section(planned, "not run", f"not run: {reason}", None))
                else:
                    sections.append(_section(planned, "ran", None, manifest))
                done_estimate += estimates[step.id]
                done_seconds += time.perf_counter() - step_started
                bar.update(round(estimates[step.id]))
            last = sections[-1]
            tqdm.write(f"{step.id}: " + (last["note"] or f"ran in {last['seconds']:.1f} s"))
    except BaseException as stop:
        reason = "interrupted" if isinstance(stop, KeyboardInterrupt) else f"stopped by an error ({stop})"
        for planned in plan[len(sections):]:
            sections.append(_section(planned, "not run", f"not run: {reason}", None))
        raise
    finally:
        bar.close()
        report = {
            "title": "Neural Networks for Recognition (CMU 16-720 HW5), regenerated by nnrecog",
            "options": {"out_dir": str(opts.out_dir), "quick": opts.quick, "source": opts.source,
                        "data_dir": str(data_dir), "seed": opts.seed, "only": opts.only},
            "scale": dataclasses.asdict(scale),
            "code_version": code,
            "generated": time.strftime("%Y-%m-%d %H:%M:%S"),
            "seconds": round(time.perf_counter() - started, 1),
            "load": {"start": load_at_start, "end": os.getloadavg()[0]},
            "ran": [s["id"] for s in sections if s["status"] == "ran"],
            "reused": [s["id"] for s in sections if s["status"] == "reused"],
            "sections": sections,
        }
        _write_report(out, report)
    return report
