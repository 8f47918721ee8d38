"""Options declared once (``nnrecog.options``): the parser built from a dataclass and the
dataclass built by a Python caller refuse the same values, and defaults are written once."""

from __future__ import annotations

import argparse
import dataclasses
import re

import pytest

from nnrecog.cli.options import add_options, option_values
from nnrecog.errors import InputError
from nnrecog.options import FRACTION, POSITIVE_INT, POSITIVE_INTS, SEED, OneOf, Option, check_fields


@dataclasses.dataclass(frozen=True)
class _Example:
    name: str = Option("a positional name", positional=True, metavar="NAME")()
    count: int = Option("how many", POSITIVE_INT)(3)
    sizes: tuple[int, ...] = Option("layer sizes", POSITIVE_INTS)((64,))
    share: float = Option("a fraction", FRACTION)(0.5)
    kind: str = Option("which kind", OneOf(("a", "b")))("a")
    fmt: tuple[str, ...] = Option("mat: both", flags=("--format",), choices={"npz": ("npz",), "mat": ("npz", "mat")})(
        ("npz",))
    progress: bool = Option("no bars")(True)
    seed: int = SEED(0)
    python_only: int = 7

    def __post_init__(self) -> None:
        check_fields(self)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="example", exit_on_error=False)
    add_options(parser, _Example)
    return parser


def test_parsed_defaults_are_the_dataclass_defaults():
    values = option_values(_parser().parse_args(["x"]), _Example)
    assert _Example(**values) == _Example(name="x")
    assert "python_only" not in values


def test_parsing_converts_and_maps_choice_words():
    args = _parser().parse_args(["x", "--count", "5", "--sizes", "512,256", "--format", "mat", "--no-progress",
                                 "--seed", str(10**30)])
    options = _Example(**option_values(args, _Example))
    assert (options.count, options.sizes, options.fmt, options.progress, options.seed) == (
        5, (512, 256), ("npz", "mat"), False, 10**30)


def test_help_shows_each_default_once(capsys):
    with pytest.raises(SystemExit):
        _parser().parse_args(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "how many (default: 3)" in out and "layer sizes (default: 64)" in out
    assert "mat: both (default: npz)" in out and "--no-progress no bars" in out


@pytest.mark.parametrize(
    ("option", "text", "value", "rule"),
    [
        ("--count", "0", 0, "--count must be positive, got 0"),
        ("--count", "1" + "0" * 40, 10**40, "--count must be positive"),
        ("--sizes", "64,0", (64, 0), "--sizes must be positive, got (64, 0)"),
        ("--share", "nan", float("nan"), "--share must be in [0, 1), got nan"),
        ("--share", "1", 1.0, "--share must be in [0, 1), got 1.0"),
        ("--seed", "-1", -1, "--seed must be 0 or more, got -1"),
    ],
)
def test_parser_and_python_callers_refuse_the_same_values(option, text, value, rule):
    with pytest.raises(argparse.ArgumentError, match=f"expected .*, got {re.escape(repr(text))}"):
        _parser().parse_args(["x", option, text])
    with pytest.raises(InputError, match=re.escape(rule)):
        _Example(name="x", **{option[2:]: value})


def test_one_of_is_checked_for_python_callers_too():
    with pytest.raises(InputError, match=re.escape("--kind must be one of a, b, got 'c'")):
        _Example(name="x", kind="c")


@dataclasses.dataclass(frozen=True)
class _Repeated:
    sizes: tuple[int, ...] = Option("a size; may be repeated", POSITIVE_INT, flags=("--size",), repeatable=True)(())

    def __post_init__(self) -> None:
        check_fields(self)


def test_a_repeatable_option_collects_every_occurrence(capsys):
    parser = argparse.ArgumentParser(prog="example", exit_on_error=False)
    add_options(parser, _Repeated)
    assert _Repeated(**option_values(parser.parse_args([]), _Repeated)).sizes == ()
    assert _Repeated(**option_values(parser.parse_args(["--size", "3", "--size", "5"]), _Repeated)).sizes == (3, 5)
    with pytest.raises(argparse.ArgumentError, match="expected a positive int, got '0'"):
        parser.parse_args(["--size", "3", "--size", "0"])
    with pytest.raises(InputError, match=re.escape("--size must be positive, got (3, 0)")):
        _Repeated(sizes=(3, 0))
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    assert "(default:" not in capsys.readouterr().out
