"""Reading photos on a Dask distributed cluster (the optional ``nnrecog[cluster]`` extra).

The reader (its models and word list, a few MB) is sent to every worker once and kept there;
each photo then travels as the bytes of its file, read on this machine (the workers need not
see its disk), and comes back as its page. Results are yielded in input order while at most a
few photos per worker are in flight; a photo that cannot be read gives its one-line error and
the others are read; a task whose worker is lost is run again on another (``retries``).

    dask scheduler --host 10.0.0.5 --port 8786            # on one machine
    dask worker tcp://10.0.0.5:8786 --nworkers 4 --nthreads 1   # on each of the others
    nnrecog read --scheduler tcp://10.0.0.5:8786 photos/ --format json --out readings/
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from nnrecog.errors import InputError
from nnrecog.ocr.document.readings import Photo, PhotoReading, write_overlay

if TYPE_CHECKING:
    from distributed import Client


class PhotoReader(Protocol):
    """What a worker reads with (a :class:`~nnrecog.ocr.reader.Reader`)."""

    def read_photo(self, photo: Photo) -> PhotoReading: ...


#: Photos in flight per worker thread: enough to keep every worker busy while results stream back.
IN_FLIGHT_PER_THREAD = 4
#: Times a photo is sent again when the worker reading it is lost.
RETRIES = 2
#: What ``--scheduler`` says without the extra.
NEEDS_CLUSTER = "--scheduler needs nnrecog[cluster]: pip install 'nnrecog[cluster]'"


def connect(address: str, timeout_s: float = 10.0) -> Client:
    """A client of the Dask scheduler at ``address`` (``tcp://HOST:PORT``).

    Raises
    ------
    InputError : the extra is missing, or no scheduler answers at ``address``.
    """
    try:
        from distributed import Client
    except ImportError:
        raise InputError(NEEDS_CLUSTER) from None
    try:
        return Client(address, timeout=timeout_s)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"--scheduler {address}: no Dask scheduler answers ({exc})") from None


def _read_on_worker(reader: PhotoReader, photo: Photo) -> PhotoReading:
    return reader.read_photo(photo)


def _local_bytes(photo: Photo) -> Photo | PhotoReading:
    """The photo with its bytes in hand, or its error (the file is missing or unreadable)."""
    if isinstance(photo.source, bytes):
        return photo
    try:
        return Photo(photo.name, Path(photo.source).read_bytes())
    except FileNotFoundError:
        return PhotoReading(photo, error=f"{photo.name}: no such file")
    except IsADirectoryError:
        return PhotoReading(photo, error=f"{photo.name}: is a directory, expected an image file")
    except OSError as exc:
        return PhotoReading(photo, error=f"{photo.name}: cannot be read ({exc.strerror or exc})")


def read_on_cluster(reader: PhotoReader, photos: Sequence[Photo], client: Client,
                    overlays: Sequence[Path | None] | None = None) -> Iterator[PhotoReading]:
    """:meth:`Reader.read_many` on the cluster of ``client``: the same results, in the same order.
    Overlays are drawn here, from the page each worker returns."""
    remote = client.scatter(reader, broadcast=True)
    threads = sum(client.nthreads().values()) or 1
    targets = list(overlays) if overlays is not None else [None] * len(photos)
    pending: deque = deque()
    queue = iter(zip(photos, targets))

    def send_next() -> None:
        """Send the next photo, if any is left (one that cannot be read here is its error)."""
        item = next(queue, None)
        if item is None:
            return
        photo, target = item
        ready = _local_bytes(photo)
        if not isinstance(ready, PhotoReading):
            ready = client.submit(_read_on_worker, remote, ready, retries=RETRIES, pure=False)
        pending.append((photo, target, ready))

    for _ in range(IN_FLIGHT_PER_THREAD * threads):
        send_next()
    while pending:
        photo, target, result = pending.popleft()
        reading = result if isinstance(result, PhotoReading) else result.result()
        # the photo as given (its path), not the bytes it travelled as
        reading = PhotoReading(photo, reading.page, reading.error)
        if reading.page is not None and target is not None:
            reading = write_overlay(reading, target)
        yield reading
        send_next()
