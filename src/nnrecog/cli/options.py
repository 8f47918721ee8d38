"""The one bridge from an options dataclass (:mod:`nnrecog.options`) to argparse: every command
adds its options with :func:`add_options` and hands them to its runner with :func:`option_values`.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from nnrecog.options import Check, OneOf, Option, option_fields


def _argparse_type(check: Check) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return check.parse(text)
        except ValueError as exc:  # argparse prints it as "argument --x: expected ..."
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def _word(option: Option, value: Any) -> Any:
    """The command-line word of ``value`` (the key of a ``choices`` mapping); else ``value``."""
    if isinstance(option.choices, Mapping):
        return next(word for word, meaning in option.choices.items() if meaning == value)
    return value


def _help(option: Option, default: Any) -> str:
    text = option.help
    if default not in (None, dataclasses.MISSING, ()) and not isinstance(default, bool):
        shown = _word(option, default)
        shown = ",".join(map(str, shown)) if isinstance(shown, tuple) else shown
        text += f" (default: {shown})"
    return text.replace("%", "%%")  # argparse formats help with %


def add_options(parser: argparse.ArgumentParser, options_class: type) -> None:
    """Add an argument to ``parser`` for every :class:`~nnrecog.options.Option` field of the
    dataclass ``options_class``, in field order.

    The argument's ``dest`` is the field name, its default the field's default (a field without
    one is required), its help the option's help with the default added; a check converts and
    refuses the text (``argument --epochs: expected a positive int, got '0'``); a bool field is a
    flag that flips its default; a repeatable one collects every occurrence (``--model a --model b``).
    """
    for field, option in option_fields(options_class):
        required = field.default is dataclasses.MISSING
        kwargs: dict[str, Any] = {"help": _help(option, field.default)}
        if isinstance(field.default, bool):
            kwargs["action"] = "store_false" if field.default else "store_true"
        else:
            choices = option.check.choices if isinstance(option.check, OneOf) else option.choices
            if choices is not None:
                kwargs["choices"] = list(choices)
            elif option.check is not None:
                kwargs["type"] = _argparse_type(option.check)
            kwargs.update({key: value for key, value in (("metavar", option.metavar), ("nargs", option.nargs))
                           if value is not None})
            if option.repeatable:
                # argparse appends to its default: start from None, not the field's tuple
                kwargs.update(action="append", default=None)
            elif not required:
                kwargs["default"] = _word(option, field.default)
        if option.positional:
            parser.add_argument(field.name, **kwargs)
        else:
            flags = option.flags or (option.flag(field.name, field.default),)
            parser.add_argument(*flags, dest=field.name, required=required, **kwargs)


def option_values(args: argparse.Namespace, options_class: type) -> dict[str, Any]:
    """The parsed values of ``options_class``'s options, by field name: the keyword arguments
    of its runner (a ``choices`` word replaced by the value it stands for)."""
    values = {}
    for field, option in option_fields(options_class):
        value = getattr(args, field.name)
        if option.repeatable:
            value = field.default if value is None else tuple(value)
        values[field.name] = option.choices[value] if isinstance(option.choices, Mapping) else value
    return values


def add_command(
    subparsers: argparse._SubParsersAction, name: str, options_class: type, handler: Callable[..., int],
    handler_key: str = "handler", **parser_kwargs: Any,
) -> argparse.ArgumentParser:
    """A subcommand ``name`` whose options are ``options_class``'s and whose handler is
    ``handler`` (stored under ``handler_key``); ``parser_kwargs`` go to ``add_parser`` (help, ...)."""
    parser = subparsers.add_parser(name, **parser_kwargs)
    add_options(parser, options_class)
    parser.set_defaults(**{handler_key: handler})
    return parser
