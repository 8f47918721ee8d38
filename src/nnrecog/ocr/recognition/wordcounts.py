"""How often each word of the word list occurs in running English text: the lexicon's word prior
(:meth:`~nnrecog.ocr.recognition.lexicon.Lexicon.prior`).

The package ships the counts as ``resources/word_counts.txt.gz``: ``WORD<TAB>COUNT`` lines, most
frequent first, for the words of the word list seen at least twice. ``nnrecog data word-counts``
makes such a file from any folders of text (:func:`count_words`, :func:`write_word_counts`); how
the shipped one was made, and from what, is in ``docs/lexicon.md``.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path

from nnrecog.errors import InputError
from nnrecog.fileio import atomic_path

#: The shipped counts, in ``nnrecog/resources``.
SHIPPED = "word_counts.txt.gz"
#: Files read as text: these suffixes, man pages (gzip) and files without a suffix (READMEs,
#: change logs); anything larger than ``MAX_FILE_BYTES`` is skipped (a data dump, not prose).
TEXT_SUFFIXES = (".txt", ".md", ".rst", ".html", ".htm")
MAX_FILE_BYTES = 5_000_000
_WORD = re.compile(r"[A-Za-z]+")
#: What is markup, not words: HTML tags, and in man pages troff's escapes (``\\fB`` and
#: ``\\fR`` switch fonts, ``\\(em`` is a dash) and the macro opening a request line (``.SH``).
_MARKUP = re.compile(r"<[^>]*>|\\(?:f[A-Za-z0-9]|\(..|\*.|[a-z&])|^[.'][A-Za-z]+", re.M)


def _texts(roots: list[str | os.PathLike]) -> Iterator[str]:
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in sorted(names):
                path = Path(folder, name)
                try:
                    if name.endswith(".gz"):
                        with gzip.open(path) as packed:
                            data = packed.read(MAX_FILE_BYTES)
                    elif (name.endswith(TEXT_SUFFIXES) or "." not in name) and path.stat().st_size <= MAX_FILE_BYTES:
                        data = path.read_bytes()
                    else:
                        continue
                except (OSError, EOFError, zlib.error):  # gzip.BadGzipFile is an OSError
                    continue  # unreadable, or not (sound) gzip after all: not text to count
                yield _MARKUP.sub(" ", data.decode("utf-8", "ignore"))


def count_words(roots: Iterable[str | os.PathLike], keep: Callable[[str], bool] = lambda word: True,
                progress: bool = False) -> Counter[str]:
    """Upper-cased words (runs of letters A-Z) in every text file under ``roots``, markup
    (HTML tags, troff escapes and requests) left out, counted; only those ``keep`` accepts
    (with ``progress``, a bar of the files read)."""
    from tqdm.auto import tqdm

    roots = list(roots)
    for root in roots:  # every one checked before any is read
        if not Path(root).is_dir():
            raise InputError(f"{root}: not a folder")
    counts: Counter[str] = Counter()
    for text in tqdm(_texts(roots), desc="text files", unit="file", disable=not progress):
        counts.update(word.upper() for word in _WORD.findall(text))
    return Counter({word: n for word, n in counts.items() if keep(word)})


def write_word_counts(counts: Mapping[str, int], path: str | os.PathLike, min_count: int = 2) -> int:
    """Write the words counted at least ``min_count`` times as ``WORD<TAB>COUNT`` lines, most
    frequent first, gzip without a time stamp or name (the same counts, the same bytes); return how
    many."""
    kept = sorted(((word, n) for word, n in counts.items() if n >= min_count), key=lambda item: (-item[1], item[0]))
    with atomic_path(path) as tmp, open(tmp, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as packed:
        packed.write("".join(f"{word}\t{n}\n" for word, n in kept).encode("ascii"))
    return len(kept)


#: A counts file holds at most this many words (the word list has 1.28 million), each line at
#: most this long: a file from outside is read line by line against these bounds, so a small
#: file that unpacks huge is refused.
MAX_WORDS = 1_500_000
MAX_LINE = 80
_LINE = re.compile(r"([A-Z]+)\t([0-9]{1,15})\n?")


def read_word_counts(source: str | os.PathLike | None = None) -> dict[str, int]:
    """A word-counts file (``None``: the shipped one) as ``{WORD: count}``.

    Raises
    ------
    InputError : the file is missing, not gzip, or has a line that is not ``WORD<TAB>COUNT``
        (upper-case letters, a count), or more than ``MAX_WORDS`` lines; the message names the
        file and the line.
    """
    name = "the shipped word counts" if source is None else str(source)
    counts: dict[str, int] = {}
    try:
        opened = (resources.files("nnrecog").joinpath("resources", SHIPPED).open("rb") if source is None
                  else open(source, "rb"))
        with opened as raw, gzip.open(raw, "rb") as packed:
            for number, line in enumerate(iter(lambda: packed.readline(MAX_LINE + 1), b""), 1):
                match = _LINE.fullmatch(line.decode("ascii", "replace"))
                if match is None or number > MAX_WORDS:
                    why = f"more than {MAX_WORDS:,} words" if match else "expected WORD<TAB>COUNT"
                    raise InputError(f"{name}: line {number}: {why} (see nnrecog data word-counts)")
                counts[match[1]] = int(match[2])
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise InputError(f"{name}: not a gzip file of word counts ({exc})") from None
    return counts
