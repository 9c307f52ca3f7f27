"""Homology of latent-space neighbours (paper Fig. 4) with NCBI BLAST+ (Debian ``ncbi-blast+``)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.errors import GrenimjaError


def blast_identity(queries: dict[str, str], subjects: dict[str, str], evalue: float = 1e-3) -> pd.DataFrame:
    """blastp of every query against a local database of the subjects.

    Returns
    -------
    Frame with query, subject, pident (%), length, evalue, bitscore: the best HSP per pair (pairs with no
    hit under ``evalue`` are absent).
    """
    if not shutil.which("blastp") or not shutil.which("makeblastdb"):
        raise GrenimjaError(
            "NCBI BLAST+ is not installed: 'apt-get install ncbi-blast+' (blastp, makeblastdb)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "db.fa").write_text("".join(f">{k}\n{v}\n" for k, v in subjects.items()))
        (t / "q.fa").write_text("".join(f">{k}\n{v}\n" for k, v in queries.items()))
        subprocess.run(
            ["makeblastdb", "-in", str(t / "db.fa"), "-dbtype", "prot", "-out", str(t / "db")],
            check=True,
            capture_output=True,
        )
        r = subprocess.run(
            [
                "blastp",
                "-query",
                str(t / "q.fa"),
                "-db",
                str(t / "db"),
                "-evalue",
                str(evalue),
                "-outfmt",
                "6 qseqid sseqid pident length evalue bitscore",
                "-max_target_seqs",
                str(max(len(subjects), 1)),
                "-num_threads",
                "2",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    cols = ["query", "subject", "pident", "length", "evalue", "bitscore"]
    rows = [line.split("\t") for line in r.stdout.splitlines() if line.strip()]
    df = pd.DataFrame(rows, columns=cols)
    if df.empty:
        return df
    df[cols[2:]] = df[cols[2:]].astype(float)
    return df.sort_values("bitscore", ascending=False).drop_duplicates(
        ["query", "subject"], ignore_index=True
    )


def tf_latent(latent: np.ndarray, tf_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean latent vector per TF over its pairs: (unique TFs,), (n_tfs, dim)."""
    tfs = np.unique(tf_idx)
    return tfs, np.stack([latent[tf_idx == t].mean(axis=0) for t in tfs])


def latent_neighbours(vecs: np.ndarray, k: int) -> np.ndarray:
    """Indices (n, k) of each row's k nearest other rows (Euclidean)."""
    d = ((vecs[:, None, :] - vecs[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def neighbour_homology(
    names: list[str], seqs: list[str], vecs: np.ndarray, k: int = 5, evalue: float = 1e-5
) -> pd.DataFrame:
    """For each TF, its k latent neighbours, their BLAST identity and whether they are homologous.

    Returns one row per (tf, neighbour): tf, neighbour, rank, pident (0 when no hit), homologous, and
    background: the fraction of all other TFs homologous to ``tf`` (what k random neighbours would give).
    """
    nb = latent_neighbours(vecs, k)
    hits = blast_identity(dict(zip(names, seqs, strict=True)), dict(zip(names, seqs, strict=True)), evalue)
    ident = {
        (q, s): p
        for q, s, p in zip(
            hits.get("query", []), hits.get("subject", []), hits.get("pident", []), strict=True
        )
    }
    hits_of = pd.Series([q for q, s in ident if q != s], dtype=object).value_counts()
    rows = []
    for i, name in enumerate(names):
        bg = float(hits_of.get(name, 0)) / max(len(names) - 1, 1)
        for r, j in enumerate(nb[i]):
            p = ident.get((name, names[j]), 0.0)
            rows.append(
                {
                    "tf": name,
                    "neighbour": names[j],
                    "rank": r + 1,
                    "pident": p,
                    "homologous": p > 0,
                    "background": bg,
                }
            )
    return pd.DataFrame(rows)
