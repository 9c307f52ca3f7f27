"""Whole-network scoring speed (grenimja network), measured in one run on this machine.

    python bench/bench_network.py [--tfs 8] [--model unknown]

Prints seconds per TF (all catalogue promoters) for the local engine (one process, torch's threads), the
local engine with ``--compile`` (torch.compile'd 2D LSTM and head; its one-off compile time apart) and the
Dask engine (one single-threaded process per core), and the minutes each would take for every catalogue
TF. Writes the figures to results/bench_network.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import torch

from grenimja.explorer import load_bundle
from grenimja.predicted_network import dask_runner, score_network

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tfs", type=int, default=8, help="TFs scored per engine")
    ap.add_argument("--model", default="unknown")
    a = ap.parse_args()
    cores = os.cpu_count() or 1
    torch.set_num_threads(cores)
    bundle = load_bundle(ROOT / "models", a.model)
    names = bundle.catalogue.tfs["tf"].tolist()
    tfs = names[: a.tfs]
    res = {
        "cores": cores,
        "tfs_timed": len(tfs),
        "catalogue_tfs": len(names),
        "promoters": len(bundle.catalogue.genes),
    }
    t0 = time.perf_counter()
    bundle.gene_cache()
    res["promoter_encoding_s"] = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as d:
        chunk = max(1, len(tfs) // cores)
        t0 = time.perf_counter()
        score_network(bundle, tfs, Path(d) / "local.parquet", chunk_tfs=chunk, progress=False)
        res["local_s_per_tf"] = (time.perf_counter() - t0) / len(tfs)
        bundle.compile_scan()
        t0 = time.perf_counter()
        score_network(bundle, tfs[:1], Path(d) / "compile.parquet", progress=False)
        res["compile_s"] = time.perf_counter() - t0 - res["local_s_per_tf"]  # first scan less a plain one
        t0 = time.perf_counter()
        score_network(bundle, tfs, Path(d) / "compiled.parquet", chunk_tfs=chunk, progress=False)
        res["local_compiled_s_per_tf"] = (time.perf_counter() - t0) / len(tfs)
        bundle.scan_head = None
        t0 = time.perf_counter()
        runner = dask_runner(ROOT / "models", a.model)
        score_network(
            bundle, tfs, Path(d) / "dask.parquet", chunk_tfs=max(1, len(tfs) // cores), run_chunks=runner
        )
        res["dask_s_per_tf"] = (time.perf_counter() - t0) / len(tfs)
    for k in ("local", "local_compiled", "dask"):
        res[f"{k}_minutes_all_tfs"] = res[f"{k}_s_per_tf"] * len(names) / 60
    res["local_compiled_minutes_all_tfs"] += res["compile_s"] / 60
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in res.items()}, indent=1))
    (ROOT / "results" / "bench_network.json").write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
