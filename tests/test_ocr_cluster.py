"""Reading on a Dask distributed cluster: a LocalCluster of two worker processes on 127.0.0.1.
The results equal a local run's, in order, with one error per bad photo, and a worker lost
mid-run costs nothing but time. Skips without the cluster extra (the dev extra has it)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from nnrecog.cli import main
from nnrecog.ocr.config import ReaderConfig
from nnrecog.ocr.reader import Reader

distributed = pytest.importorskip("distributed", reason="needs nnrecog[cluster] (distributed)")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as running:
        yield running


@pytest.fixture(scope="module")
def photos(shared_data: Path, tmp_path_factory) -> list[Path]:
    bad = tmp_path_factory.mktemp("bad") / "bad.jpg"
    bad.write_bytes(b"not a photo")
    course = sorted((shared_data / "ocr_samples").glob("*.jpg"))
    return [course[0], bad, *course[1:], Path("/nonexistent/photo.jpg")]


def _outcome(results) -> list[tuple[str, str | None, str | None]]:
    return [(r.photo.name, r.page.text if r.page else None, r.error) for r in results]


def test_the_cluster_reads_as_this_machine_does_in_order(cluster, photos):
    reader = Reader(ReaderConfig(engine="chars"))
    local = _outcome(reader.read_many(photos))
    with distributed.Client(cluster) as client:
        remote = _outcome(reader.read_many(photos, client=client))
    assert remote == local
    assert [name for name, _, error in remote if error] == [str(photos[1]), str(photos[-1])]


def test_a_worker_lost_mid_run_is_retried(cluster, photos):
    reader = Reader(ReaderConfig(engine="chars"))
    good = [p for p in photos if p.suffix == ".jpg" and p.exists() and p.name != "bad.jpg"] * 3
    expected = _outcome(reader.read_many(good))
    with distributed.Client(cluster) as client:
        results = reader.read_many(good, client=client)
        first = next(results)
        pids = list(client.run(os.getpid).values())
        os.kill(pids[0], signal.SIGKILL)  # the nanny starts a new worker; its tasks go elsewhere
        rest = list(results)
    assert _outcome([first, *rest]) == expected


def test_read_scheduler_on_the_command_line(cluster, photos, tmp_path, capsys):
    out = tmp_path / "readings"
    status = main(["read", "--scheduler", cluster.scheduler_address, *map(str, photos[2:4]), "--format", "json",
                   "--out", f"{out}/"])
    assert status == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{p.stem}.json" for p in photos[2:4])
    assert main(["read", "--scheduler", "tcp://127.0.0.1:9", str(photos[2])]) == 2
    assert "no Dask scheduler answers" in capsys.readouterr().err
