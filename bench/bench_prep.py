"""Data preparation: tokenising promoters and proteins, joining source names, and a whole dataset build.

    python bench/bench_prep.py [--repeats 3] [--build] [--out results/bench_prep.json]

In one run, best of ``--repeats``:

- ``Vocab.encode`` of every catalogue promoter (300 bp and 60 bp windows) and every TF protein with the
  bundled embeddings' vocabularies: the k-mer table against one dictionary lookup per k-mer (the same
  method with its table switched off; both give the same tokens, ``tests/test_model.py``);
- :func:`grenimja.data.build.join_sources` on every source's links (DoRothEA A-E, ENCODE, CollecTRI,
  TRRUST, ChEA3; names mapped) against the pandas ``groupby(...).agg("+".join)`` it replaced;
- with ``--build``: seconds of ``grenimja data build --promoters core60`` (build v1) in a fresh process,
  once (DoRothEA read from the parquet cache when an earlier run left it).

Needs the data directory for the join and the build.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from grenimja.data.build import join_sources
from grenimja.data.catalogue import read_packaged
from grenimja.data.datadir import resolve_data_dir
from grenimja.data.names import load_mapper
from grenimja.data.sources import SOURCES, read_sources
from grenimja.embedding import Embeddings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_model import timed as best  # noqa: E402  (best of n runs, seconds)

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--build", action="store_true", help="also time a whole build v1 in a fresh process")
    ap.add_argument("--out", default=str(ROOT / "results" / "bench_prep.json"))
    a = ap.parse_args()

    emb = Embeddings.load(ROOT / "models" / "embeddings.npz")
    promoters = read_packaged("promoters_epd300.parquet")["promoter"].tolist()
    proteins = read_packaged("tfs.parquet")["protein"].tolist()
    rows = []
    for what, vocab, seqs, length, align in (
        (f"{len(promoters):,} promoters, 300 bp", emb.dna_vocab, promoters, 300, "right"),
        (f"{len(promoters):,} promoters, last 60 bp", emb.dna_vocab, promoters, 60, "right"),
        (f"{len(proteins)} TF proteins, first 1,000 residues", emb.protein_vocab, proteins, 1000, "left"),
    ):
        table = best(lambda v=vocab, s=seqs, n=length, al=align: v.encode(s, n, al), a.repeats)
        lut = vocab._table
        vocab._table = None  # the per-k-mer dictionary lookup
        per_kmer = best(lambda v=vocab, s=seqs, n=length, al=align: v.encode(s, n, al), a.repeats)
        vocab._table = lut
        rows.append({"step": f"tokenise {what}", "before_s": per_kmer, "now_s": table})

    root = resolve_data_dir()
    raw = read_sources(SOURCES, root, dorothea_levels="ABCDE")
    mapper = load_mapper(root)
    raw["tf"], raw["gene"] = mapper.map_series(raw["tf"]), mapper.map_series(raw["gene"])
    raw = raw.dropna(subset=["tf", "gene"]).drop_duplicates(["tf", "gene", "source"])

    def groupby_join() -> pd.DataFrame:
        return (
            raw.sort_values(["tf", "gene", "source"])
            .groupby(["tf", "gene"], sort=True)["source"]
            .agg("+".join)
            .reset_index(name="sources")
        )

    rows.append(
        {
            "step": f"join source names of {len(raw):,} links",
            "before_s": best(groupby_join, 1),
            "now_s": best(lambda: join_sources(raw), a.repeats),
        }
    )
    if a.build:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            cmd = [sys.executable, "-m", "grenimja", "data", "build", "--out", tmp, "--promoters", "core60"]
            subprocess.run([*cmd, "--data-dir", str(root)], check=True, capture_output=True)
            rows.append(
                {"step": "grenimja data build (v1), fresh process", "now_s": time.perf_counter() - t0}
            )
    df = pd.DataFrame(rows)
    df["speed-up"] = df["before_s"] / df["now_s"]
    print(df.round(3).to_string(index=False))
    Path(a.out).write_text(json.dumps(df.round(4).to_dict("records"), indent=1) + "\n")


if __name__ == "__main__":
    main()
