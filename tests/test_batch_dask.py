"""batch --engine dask against a real LocalCluster of two worker processes: the same rows as the local
engine, row for row, and an output that is complete or absent when a worker dies mid-job."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run

distributed = pytest.importorskip("dask.distributed")

NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
NAMES = ["w0", "x0", "w1", "x1", "w2"]


@pytest.fixture(scope="module")
def cluster():
    import logging

    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield cluster.scheduler_address, client


def neuron_csv(path, n, seed=0, bad_every=0):
    rows = np.random.default_rng(seed).normal(scale=2.0, size=(n, 5))
    with open(path, "w") as fh:
        fh.write("id," + ",".join(NAMES) + "\n")
        for k, row in enumerate(rows.tolist()):
            if bad_every and k % bad_every == bad_every - 1:
                fh.write(f"{k},oops,1,2,3,4\n")
            elif k % 97 == 50:
                fh.write("\n")  # blank lines count as lines
                fh.write(f"{k}," + ",".join(map(repr, row)) + "\n")
            else:
                fh.write(f"{k}," + ",".join(map(repr, row)) + "\n")
    return path


@pytest.mark.slow
def test_csv_rows_identical_to_the_local_engine(tmp_path, cluster):
    address, _ = cluster
    src = neuron_csv(tmp_path / "p.csv", 3000, bad_every=250)
    local = run("batch", NEURON, "-i", src, "--skip-bad")
    dask = run("batch", NEURON, "-i", src, "--skip-bad", "--engine", "dask", "--scheduler", address,
               "--partition-size", 20_000, "--chunk-size", 300)
    assert local.exit_code == dask.exit_code == 0, dask.stderr
    assert dask.stdout == local.stdout
    assert dask.stderr == local.stderr  # the same skipped line numbers, counted across partitions
    assert "Skipped 12 bad rows" in local.stderr


def test_a_bad_row_stops_the_job_with_its_line_and_no_output(tmp_path, cluster):
    address, _ = cluster
    src = neuron_csv(tmp_path / "p.csv", 2000, bad_every=1500)
    out = tmp_path / "out.csv"
    out.write_text("the previous result\n")
    local = run("batch", NEURON, "-i", src)
    dask = run("batch", NEURON, "-i", src, "-o", out, "--engine", "dask", "--scheduler", address,
               "--partition-size", 10_000)
    assert local.exit_code == dask.exit_code == 1
    assert dask.stderr == local.stderr and "line 1516" in dask.stderr
    assert out.read_text() == "the previous result\n"
    assert sorted(os.listdir(tmp_path)) == ["out.csv", "p.csv"]


def test_parquet_to_parquet_identical_to_the_local_engine(tmp_path, cluster):
    address, _ = cluster
    rows = np.random.default_rng(4).normal(scale=2.0, size=(1000, 5))
    table = pa.table({"key": [f"k{k}" for k in range(1000)], **{n: rows[:, k] for k, n in enumerate(NAMES)}})
    src = tmp_path / "p.parquet"
    pq.write_table(table, src, row_group_size=128)
    assert run("batch", NEURON, "-i", src, "-o", tmp_path / "local.parquet").exit_code == 0
    result = run("batch", NEURON, "-i", src, "-o", tmp_path / "dask.parquet", "--engine", "dask",
                 "--scheduler", address)
    assert result.exit_code == 0, result.stderr
    local, dask = pq.read_table(tmp_path / "local.parquet"), pq.read_table(tmp_path / "dask.parquet")
    assert dask.equals(local) and dask.num_rows == 1000
    assert dask.column("key").to_pylist()[:3] == ["k0", "k1", "k2"]


@pytest.mark.slow
def test_a_local_cluster_starts_without_a_scheduler(tmp_path):
    src = neuron_csv(tmp_path / "p.csv", 500)
    local = run("batch", NEURON, "-i", src)
    dask = run("batch", NEURON, "-i", src, "--engine", "dask", "--workers", 2, "--partition-size", 8000)
    assert dask.exit_code == 0, dask.stderr
    assert dask.stdout == local.stdout


@pytest.mark.slow
def test_a_worker_killed_mid_job_leaves_the_output_complete_or_absent(tmp_path, cluster):
    address, client = cluster
    src = neuron_csv(tmp_path / "p.csv", 40_000, seed=7)
    expected = run("batch", NEURON, "-i", src).stdout
    out = tmp_path / "out.csv"
    done = {}

    def job():
        done["result"] = run("batch", NEURON, "-i", src, "-o", out, "--engine", "dask", "--scheduler", address,
                             "--partition-size", 40_000, "--chunk-size", 200)

    worker = threading.Thread(target=job)
    worker.start()
    deadline = time.monotonic() + 120
    killed = None
    while worker.is_alive() and time.monotonic() < deadline and killed is None:
        folders = [f for f in os.listdir(tmp_path) if f.endswith(".parts")]
        parts = [p for f in folders for p in os.listdir(tmp_path / f) if not p.endswith(".tmp")]
        if parts:  # the job is under way: kill a worker process
            pid = next(iter(client.run(os.getpid).values()))
            os.kill(pid, signal.SIGKILL)
            killed = pid
        time.sleep(0.02)
    worker.join(timeout=180)
    assert killed is not None, "the job ended before a worker could be killed"
    result = done["result"]
    leftovers = [f for f in os.listdir(tmp_path) if f.startswith(".")]
    assert leftovers == []
    if result.exit_code == 0:
        assert out.read_text() == expected  # Dask re-ran the lost partitions
    else:
        assert not out.exists()
    client.wait_for_workers(2, timeout=60)


def test_a_scheduler_address_that_never_answers_times_out(tmp_path):
    # A local socket (127.0.0.1 only) that accepts and stays silent: distributed's own timeout covers
    # the connection, not the handshake, and batch waited forever (issue #24).
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    address = "tcp://127.0.0.1:%d" % server.getsockname()[1]
    src = tmp_path / "p.csv"
    src.write_text("x,y\n1,2\n")
    try:
        start = time.monotonic()
        result = run("batch", "x*y", "-i", src, "--engine", "dask", "--scheduler", address, "--timeout", "2")
        took = time.monotonic() - start
    finally:
        server.close()
        for connection in held:
            connection.close()
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"Error: the Dask scheduler at {address} did not answer within 2 s")
    assert took < 20, took
