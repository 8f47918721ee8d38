"""The house's size rule: no Python file of the project (package, tests, benchmarks) is over
400 lines, so each stays a module one can read whole."""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
_MAX_LINES = 400


def test_no_python_file_is_over_400_lines():
    files = [p for folder in ("src", "tests", "benchmarks") for p in (_ROOT / folder).rglob("*.py")]
    assert len(files) > 100
    long = {str(p.relative_to(_ROOT)): n for p in files if (n := len(p.read_text(encoding="utf-8").splitlines())) > _MAX_LINES}
    assert long == {}
