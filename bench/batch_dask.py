"""batch --engine dask: rows per second against 1, 2 and 4 workers, and the local engine beside them.

    python bench/batch_dask.py                        # 2,000,000 neuron rows, Parquet -> Parquet
    python bench/batch_dask.py --rows 500000 --format csv --workers 1,2

For each worker count a LocalCluster of that many single-threaded worker processes is started (its
start-up is timed apart), then the same job runs on it through `--scheduler`, as against a cluster
one already has.  The local engine runs in the same way, as a fresh process.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
INPUTS = ["w0", "x0", "w1", "x1", "w2"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--partitions", type=int, default=16)
    args = parser.parse_args()

    from dask.distributed import Client, LocalCluster

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = np.random.default_rng(1).normal(scale=2.0, size=(args.rows, 5))
        src = tmp / f"points.{args.format}"
        extra = []
        if args.format == "parquet":
            pq.write_table(pa.table({n: data[:, k] for k, n in enumerate(INPUTS)}), src,
                           row_group_size=-(-args.rows // args.partitions))
        else:
            with open(src, "w") as fh:
                fh.write(",".join(INPUTS) + "\n")
                for s in range(0, args.rows, 100_000):
                    block = data[s:s + 100_000]
                    fh.write(("%r,%r,%r,%r,%r\n" * len(block)) % tuple(block.ravel().tolist()))
            extra = ["--partition-size", str(src.stat().st_size // args.partitions + 1)]
        out = tmp / f"out.{args.format}"
        base = [sys.executable, "-m", "backprop_cli.cli", "batch", NEURON, "-i", str(src), "-o", str(out)]
        rows = []
        start = time.perf_counter()
        subprocess.run(base, check=True, env=env)
        rows.append(("local engine", "-", time.perf_counter() - start))
        for n in [int(w) for w in args.workers.split(",")]:
            t0 = time.perf_counter()
            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                              silence_logs=logging.ERROR) as cluster, Client(cluster):
                started = time.perf_counter() - t0
                start = time.perf_counter()
                subprocess.run(base + ["--engine", "dask", "--scheduler", cluster.scheduler_address, *extra],
                               check=True, env=env)
                rows.append((f"dask, {n} worker{'s' if n > 1 else ''}", f"{started:.1f}", time.perf_counter() - start))
        assert pq.read_table(out).num_rows == args.rows if args.format == "parquet" else True

    print(f"sigmoid neuron, {args.rows:,} rows, {args.format} -> {args.format}, {args.partitions} partitions; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"| {'engine':<16} | {'cluster start s':>15} | {'job wall s':>10} | {'rows/s':>10} | {'vs 1 worker':>11} |")
    print(f"|{'-' * 18}|{'-' * 17}|{'-' * 12}|{'-' * 12}|{'-' * 13}|")
    one = next((t for name, _, t in rows if name.startswith("dask, 1 ")), None)
    for name, started, took in rows:
        speedup = f"{one / took:.2f}x" if one and name.startswith("dask") else ""
        print(f"| {name:<16} | {started:>15} | {took:10.2f} | {args.rows / took:10,.0f} | {speedup:>11} |")


if __name__ == "__main__":
    main()
