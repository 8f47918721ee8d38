"""The one exception type the command line turns into a single clear line on stderr."""


class InputError(Exception):
    """Bad user input: a missing or malformed file, a wrong option, data in the wrong layout.

    The message must name the offending file or value and say what was expected.
    """
