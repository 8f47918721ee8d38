"""The worker processes that read photos for ``nnrecog serve``.

Each worker loads every classifier, the word list and (when installed) the line recogniser once,
when it starts; a photo travels to it as bytes and comes back as the document asked for, so
nothing uploaded is ever written to disk. Reading happens outside the server's process: a slow
photo holds one worker while the page and the other workers go on, and a worker that dies (out
of memory, say) costs the photos then being read a 503, not the server.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from nnrecog.errors import InputError
from nnrecog.ocr.document.formats import Reading, render
from nnrecog.ocr.reader import Reader
from nnrecog.ocr.recognition.lexicon import default_lexicon
from nnrecog.ocr.recognition.linereader import load_line_recognizer
from nnrecog.web.config import ServeConfig
from nnrecog.web.glyphs import ModelChoice, load_models


@dataclass(frozen=True)
class ReadJob:
    """One photo to read: its bytes, the name documents give it, and how to read and render it."""

    photo: bytes
    name: str
    model: str
    engine: str
    lexicon: bool
    format: str


@dataclass(frozen=True)
class ReadResult:
    """A rendered document (``body``), or the one-line ``error`` and the HTTP status it earns:
    422 for a photo the reader refused, 503 when no worker could read it, 500 for a fault of ours."""

    body: bytes = b""
    error: str | None = None
    status: int = 200


@dataclass
class _Worker:
    """What one worker process reads with: a reader per classifier, sharing the word list and
    the line recogniser."""

    readers: dict[str, Reader]

    def read(self, job: ReadJob) -> ReadResult:
        reader = self.readers[job.model].replace(engine=job.engine, lexicon=job.lexicon)
        try:
            page = reader.read(job.photo, job.name)
            return ReadResult(render([Reading(job.name, page, job.photo)], job.format, several=False))
        except InputError as exc:
            return ReadResult(error=" ".join(str(exc).split()), status=422)
        except Exception as exc:  # a fault of ours: the traceback for the log, one line for the client
            traceback.print_exc(file=sys.stderr)
            return ReadResult(error=f"{job.name}: internal error while reading ({type(exc).__name__})", status=500)


_WORKER: _Worker | None = None


def _exit_with_parent() -> None:
    """End this worker when the server's process ends, however it ends (a worker waits on a
    queue the server feeds, and would otherwise wait for ever)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(0)), daemon=True).start()


def _start_worker(choices: list[ModelChoice], config: ServeConfig, lines: bool) -> None:
    global _WORKER
    _exit_with_parent()
    lexicon, line_model = default_lexicon(), load_line_recognizer() if lines else None
    readers = {name: Reader(config.reader, classifier, lexicon, line_model)
               for name, classifier in load_models(choices, config.detector).items()}
    for reader in readers.values():
        reader.load_spelling()  # from the cache the server filled: no request waits for it
    _WORKER = _Worker(readers)


def _read_in_worker(job: ReadJob) -> ReadResult:
    assert _WORKER is not None
    return _WORKER.read(job)


def _ready() -> bool:
    return _WORKER is not None


class PhotoPool:
    """A pool of :attr:`ServeConfig.workers` reader processes, started anew if one dies.

    Parameters
    ----------
    choices : the classifiers every worker loads (a job names one).
    config : the limits and the reader's settings.
    lines : load the line recogniser too (the ``lines`` engine is offered).
    """

    def __init__(self, choices: list[ModelChoice], config: ServeConfig, lines: bool) -> None:
        self._args = (choices, config, lines)
        self._config = config
        self._waiting = 0
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server has threads by then, and a forked copy of a lock
        # another thread held would never be released
        return ProcessPoolExecutor(self._config.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=self._args)

    def start(self) -> None:
        """Start every worker and wait until each has loaded the models.

        Raises
        ------
        InputError : a worker could not load the models (it names the reason).
        """
        try:
            # as many jobs as workers, sent at once: the pool starts a process for each
            futures = [self._pool.submit(_ready) for _ in range(self._config.workers)]
            for future in futures:
                future.result()
        except BrokenProcessPool:
            raise InputError("the photo readers could not start (see the messages above)") from None

    async def read(self, job: ReadJob) -> ReadResult:
        """Read one photo in a worker; the event loop serves other requests meanwhile."""
        if self._waiting >= self._config.max_waiting:
            return ReadResult(error=f"busy: {self._waiting} photos are being read; try again shortly", status=503)
        self._waiting += 1
        pool = self._pool
        try:
            return await asyncio.wait_for(asyncio.wrap_future(pool.submit(_read_in_worker, job)),
                                          self._config.read_deadline_s)
        except asyncio.TimeoutError:
            return ReadResult(error=f"{job.name}: not read within {self._config.read_deadline_s:g} s; "
                              "try a smaller photo", status=504)
        except BrokenProcessPool:
            if self._pool is pool:  # the first to notice starts the new workers
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            return ReadResult(error=f"{job.name}: the reader's process stopped (out of memory?); try again",
                              status=503)
        finally:
            self._waiting -= 1

    def close(self) -> None:
        """Stop the workers, dropping photos not yet begun."""
        self._pool.shutdown(wait=True, cancel_futures=True)
