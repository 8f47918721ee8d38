"""Command options declared once, for the command line and for Python callers alike.

A command's options are a frozen dataclass (e.g. :class:`nnrecog.experiments.options.MlpOptions`)
whose fields are made by an :class:`Option`: the field holds the default, the ``Option`` in its
metadata the help text and the check of its values. The command line builds its parser from
the fields (:func:`nnrecog.cli.options.add_options`): the check converts and refuses the text
while parsing, and the help shows the field's default. A runner builds the dataclass from its
keyword arguments, whose ``__post_init__`` calls :func:`check_fields`: the same checks, with
messages that name the command-line option (``--epochs must be positive, got 0``).

Imports nothing of ours but :mod:`nnrecog.errors`, so every package may declare its options in a
module the command line can import without loading that package's heavy parts.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from nnrecog.errors import InputError

#: The key of a field's :class:`Option` in its metadata.
OPTION = "nnrecog.option"
#: Counts (epochs, sizes, ...) beyond int32 are nonsense, and some would overflow later.
_HUGE = 2**31


class Check(Protocol):
    """What a field's values must be: parsed from text by the command line, checked for all."""

    #: The rule as the library says it: ``--epochs must be <rule>, got 0``.
    rule: str

    def parse(self, text: str) -> Any:
        """The value ``text`` stands for; ``ValueError("expected ..., got 'text'")`` if none."""

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` passes."""


def _refuse(noun: str, text: str) -> ValueError:
    return ValueError(f"expected {noun}, got {text!r}")


@dataclass(frozen=True)
class Number:
    """A number of ``kind`` (int or float) above ``low`` (or equal to it when ``low_included``)
    and below ``high``; NaN, infinities and ints beyond int32 are refused.

    ``noun`` names the range in parse errors (default: "a positive int", "a non-negative
    float", ...).
    """

    kind: type
    low: float
    high: float | None = None
    low_included: bool = False
    noun: str | None = None

    @property
    def rule(self) -> str:
        if self.high is not None and self.high < math.inf:
            return f"in {'[' if self.low_included else '('}{self.low:g}, {self.high:g})"
        if self.low == 0:
            return "0 or more" if self.low_included else "positive"
        return f"at least {self.low:g}" if self.low_included else f"above {self.low:g}"

    def accepts(self, value: Any) -> bool:
        # numbers are whatever converts to float (numpy scalars too), but not bools or text
        if isinstance(value, (bool, str, bytes)) or not hasattr(value, "__float__"):
            return False
        try:
            if not math.isfinite(value):
                return False
        except OverflowError:  # an int too large for a float: finite, and refused below
            pass
        high = self.high if self.high is not None else (_HUGE if self.kind is int else math.inf)
        return (value >= self.low if self.low_included else value > self.low) and value < high

    def parse(self, text: str) -> Any:
        try:
            value = self.kind(text)
        except ValueError:
            value = None
        if value is None or not self.accepts(value):
            adjective = "non-negative" if self.low_included and self.low == 0 else "positive"
            raise _refuse(self.noun or f"a {adjective} {self.kind.__name__}", text)
        return value


def _is_list_of(value: Any, accepts: Callable[[Any], bool]) -> bool:
    """Whether ``value`` is a non-empty sequence (not a string) whose every item ``accepts``."""
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) > 0 and all(map(accepts, value))


@dataclass(frozen=True)
class IntList:
    """A non-empty sequence of integers of at least ``low``, written ``512,256`` on the command line."""

    low: int = 1

    @property
    def rule(self) -> str:
        return "positive" if self.low == 1 else f"at least {self.low}"

    def accepts(self, value: Any) -> bool:
        return _is_list_of(value, lambda v: isinstance(v, int) and self.low <= v < _HUGE)

    def parse(self, text: str) -> tuple[int, ...]:
        try:
            values = tuple(int(part) for part in text.split(","))
        except ValueError:
            values = ()
        if not self.accepts(values):
            raise _refuse("comma-separated positive integers", text)
        return values


@dataclass(frozen=True)
class OneOf:
    """One of a few words (the command line lists them in its usage)."""

    choices: tuple[str, ...]

    @property
    def rule(self) -> str:
        return f"one of {', '.join(self.choices)}"

    def accepts(self, value: Any) -> bool:
        return value in self.choices

    def parse(self, text: str) -> str:
        if text not in self.choices:
            raise _refuse(self.rule, text)
        return text


@dataclass(frozen=True)
class WordList:
    """A non-empty sequence of words out of ``choices``, written ``a,b`` on the command line."""

    choices: tuple[str, ...]

    @property
    def rule(self) -> str:
        return f"a list of {', '.join(self.choices)}"

    def accepts(self, value: Any) -> bool:
        return _is_list_of(value, lambda v: v in self.choices)

    def parse(self, text: str) -> tuple[str, ...]:
        words = tuple(part.strip() for part in text.split(",") if part.strip())
        if not self.accepts(words):
            raise _refuse(f"comma-separated words out of {', '.join(self.choices)}", text)
        return words


POSITIVE_INT = Number(int, 0)
POSITIVE_FLOAT = Number(float, 0)
NON_NEGATIVE_INT = Number(int, 0, low_included=True)
FRACTION = Number(float, 0, 1, low_included=True, noun="a number in [0, 1)")
POSITIVE_INTS = IntList()


@dataclass(frozen=True)
class Option:
    """How one dataclass field is offered on the command line, and what its values must be.

    Calling it makes the field: ``epochs: int = EPOCHS(50)`` (no argument: a required field).

    Attributes
    ----------
    help : what the option does; the command line adds the field's default
    check : what values must be (None: any text)
    flags : option strings, the first the main one (default ``--field-name``; a bool field
        that defaults to True gets ``--no-field-name``)
    metavar : the value's name in the usage
    positional : an argument without a flag (``nargs`` as argparse takes it)
    choices : command-line words, or a mapping from each word to the value it stands for
    repeatable : the flag may be given several times; the field holds a tuple of the values
        (default: an empty tuple), each of which the check must accept
    """

    help: str
    check: Check | None = None
    flags: tuple[str, ...] = ()
    metavar: str | None = None
    positional: bool = False
    nargs: str | None = None
    choices: Sequence[str] | Mapping[str, Any] | None = None
    repeatable: bool = False

    def __call__(self, default: Any = dataclasses.MISSING) -> Any:
        return dataclasses.field(default=default, metadata={OPTION: self})

    def flag(self, name: str, default: Any) -> str:
        """The main option string of the field ``name`` (as messages name it)."""
        if self.flags:
            return self.flags[0]
        return f"--{'no-' if default is True else ''}{name.replace('_', '-')}"


def option_fields(options_class: type) -> list[tuple[dataclasses.Field, Option]]:
    """The fields of a dataclass that are command-line options, in declaration order."""
    return [(f, f.metadata[OPTION]) for f in dataclasses.fields(options_class) if OPTION in f.metadata]


def check_fields(options: Any) -> None:
    """Refuse a dataclass instance whose option values fail their checks.

    A field whose default is None may be None ("not given").

    Raises
    ------
    InputError
        Naming the command-line option, e.g. ``--epochs must be positive, got 0``.
    """
    for f, option in option_fields(type(options)):
        value = getattr(options, f.name)
        if option.check is None or (value is None and f.default is None):
            continue
        values = value if option.repeatable else (value,)
        if not all(option.check.accepts(v) for v in values):
            raise InputError(f"{option.flag(f.name, f.default)} must be {option.check.rule}, got {value!r}")


# --- options several commands share ------------------------------------------------------------

#: ``numpy.random.default_rng`` takes any non-negative integer, however large.
SEED = Option("seeds every random draw", Number(int, 0, math.inf, low_included=True, noun="a non-negative integer"))
DATA_DIR = Option("shared data directory (default: $NNRECOG_DATA, else ../shared/data)", metavar="DIR")
OUT_DIR = Option("output folder", flags=("--out",), metavar="DIR")
EPOCHS = Option("passes over the training set", POSITIVE_INT)
BATCH_SIZE = Option("samples per batch", POSITIVE_INT)
RESUME = Option("continue the run saved in --out, from its last checkpoint")
PROGRESS = Option("no progress bars")
#: The glyph data a command learns from or measures on.
GLYPH_DATA = Option("the glyph data: 'default' (the built open set), a built folder, or a folder of nist36_*.mat",
                    flags=("--data",), metavar="SOURCE")
DETECTOR = Option("character detector model file, which vets every glyph (default: the one shipped in the package; "
                  "'none': take every glyph for a character)", metavar="PATH")
