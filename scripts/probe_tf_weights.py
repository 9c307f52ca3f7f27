"""Probe: other ways for a held-out TF to weigh the training TFs' targets, and a popularity part weighted by
the TF's predicted breadth, judged on the training TFs left out in turn (:mod:`grenimja.model.loto`).

1. Motif similarity. The transfer term weighs training TFs by Smith-Waterman identity (DBD or full length).
   Two TFs with similar JASPAR motifs may share targets where their sequences differ (or differ where they
   share a family). Here each training TF's similarity to every other is its best Tomtom ``-log10 p`` over
   their human JASPAR CORE matrices (:func:`memelite.tomtom`, probability matrices, both strands); two kinds
   join identity in the shape grid: ``motif`` (similarity^4, falling back to DBD identity^8 for a TF with no
   matrix or no similar one) and ``motif+dbd`` (half each, both normalised over the TFs that may vote). The
   k-mer and motif-transfer parts are the bundled model's, scored with each kind's weights.
2. Breadth-weighted popularity. The popularity part (``grenimja transfer --popularity``) adds
   ``c x z(d)`` to every TF alike. A TF whose homologs regulate many genes is likely broad itself, and for a
   broad TF popular genes are likelier targets: here ``c x g(b) x z(d)``, ``b`` the pseudo-query's mean
   share over genes relative to the average training TF (its homologs' breadth), ``g`` 1, ``b`` or
   ``[b > 1.5]``, added to the bundled shape's score.

Writes ``results/validation/loto_tf_weights_<split>.csv`` (the shape grid), ``loto_tf_weights.csv`` (per
split the bundled shape, then per kind of weights the best degree-matched mean overall and among the shapes
no lower than the bundled one on the paper protocol's pooled AUROC) and ``loto_breadth_popularity_<split>.csv``
(the breadth grid). Nothing here reads a validation or test pair; nothing is bundled.

    python scripts/probe_tf_weights.py unknown homology
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.baselines.pwmscan import BACKGROUND, jaspar_pwms
from grenimja.data.names import load_mapper
from grenimja.data.sequences import read_tf_proteins
from grenimja.dataset import load_dataset
from grenimja.metrics import MIN_POSITIVES, auroc_summary, per_tf_auroc
from grenimja.model.io import load_payload
from grenimja.model.loto import (
    HOMOLOGY_MAX_IDENTITY,
    loto_grid,
    loto_parts,
    pseudo_pairs,
    shape_rows,
    shape_score,
    term_shape,
)
from grenimja.model.transfer import HomologyTransfer

ROOT = Path(__file__).resolve().parents[1]
MOTIF_POWER = 4.0
BREADTH_FACTORS = (0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0)


def motif_similarity(tfs: list[str]) -> np.ndarray:
    """(len(tfs), len(tfs)) best Tomtom -log10 p between two TFs' human JASPAR CORE matrices; NaN where
    either has none."""
    from memelite import tomtom

    pwms = jaspar_pwms(load_mapper(None))
    mats, owner = [], []
    for i, t in enumerate(tfs):
        for w in pwms.get(t, []):
            p = BACKGROUND[None, :] * np.power(2.0, w)  # back from log2-odds to the smoothed frequencies
            mats.append(np.ascontiguousarray((p / p.sum(axis=1, keepdims=True)).T))
            owner.append(i)
    owner = np.asarray(owner)
    s = -np.log10(np.maximum(tomtom(mats, mats, n_target_bins=None)[0], 1e-300))
    sim = np.full((len(tfs), len(tfs)), np.nan)
    have = np.unique(owner)
    for a in have:
        rows = s[owner == a]
        for b in have:
            sim[a, b] = rows[:, owner == b].max()
    return sim


def _normalised(w: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    w = np.where(allowed, w, 0.0)
    return w / np.maximum(w.sum(axis=1, keepdims=True), 1e-300)


def summarise(grid: pd.DataFrame, incumbent: dict, split: str) -> list[dict]:
    """The bundled shape's row, then per kind of weights its best degree-matched mean overall and among the
    shapes no worse than the bundled one on the paper protocol's pooled AUROC (NaN where none is)."""
    own = grid[shape_rows(grid, incumbent)].iloc[0]
    rows = [
        {"split": split, "weights": "bundled shape", "best_dm": own["dm_per_tf_auroc"]}
        | {"dm_at_paper": own["dm_per_tf_auroc"], "paper": own["paper_auroc"], "tfs": int(own["tfs"])}
    ]
    for kind, g in grid.groupby("identity", sort=False):
        ok = g[g["paper_auroc"] >= own["paper_auroc"] - 1e-12]
        a = ok.loc[ok["dm_per_tf_auroc"].idxmax()] if len(ok) else None
        rows.append(
            {"split": split, "weights": kind, "best_dm": g["dm_per_tf_auroc"].max()}
            | {"dm_at_paper": np.nan if a is None else a["dm_per_tf_auroc"]}
            | {"paper": np.nan if a is None else a["paper_auroc"], "tfs": int(g["tfs"].iloc[0])}
        )
    return rows


def breadth_grid(parts, shape: dict, term: HomologyTransfer, weights: np.ndarray, allowed: np.ndarray):
    """The bundled shape's score plus ``c x g(breadth) x z(degree)`` per pseudo-pair (section 2 above)."""
    y = term._y.astype(np.float64)
    base = shape_score(parts, shape)
    pairs = parts.pairs
    genes = pairs["gene_i"].to_numpy()
    z, breadth = np.zeros(len(pairs)), np.zeros(len(pairs))
    for r, at in pairs.groupby("row").indices.items():
        keep = np.flatnonzero(allowed[r])
        yk = y[keep]
        deg = yk.mean(axis=0)  # what a held-out TF's training part would see
        z[at] = ((deg - deg.mean()) / deg.std())[genes[at]]
        w = weights[r, keep] / max(weights[r, keep].sum(), 1e-300)
        breadth[at] = float(w @ yk.mean(axis=1)) / yk.mean()
    label = pairs["label"].to_numpy()
    dm = (pairs["protocol"] == "degree-matched").to_numpy()
    rows = []
    forms = {"constant": np.ones_like(breadth), "breadth": breadth, "broad only (b > 1.5)": breadth > 1.5}
    for form, g in forms.items():
        for c in BREADTH_FACTORS:
            s = base + c * g * z
            a = per_tf_auroc(parts.tf[dm], label[dm], s[dm], MIN_POSITIVES).mean()
            paper, paper_tf = auroc_summary(parts.tf[~dm], label[~dm], s[~dm], MIN_POSITIVES)
            rows.append(
                {"form": form, "factor": c, "dm_per_tf_auroc": a, "paper_auroc": paper}
                | {"paper_per_tf_auroc": paper_tf, "criterion": a + paper}
            )
    return pd.DataFrame(rows)


def main(splits: list[str]) -> None:
    ds = load_dataset(ROOT / "datasets" / "v1")
    frame, _ = read_tf_proteins("dbd", load_mapper(None), None)
    dbd = dict(zip(frame["tf"], frame["protein"], strict=True))
    full_of = dict(zip(ds.tfs["tf"], ds.tfs["protein"], strict=True))
    out = ROOT / "results" / "validation"
    rows: list[dict] = []
    for split in splits:
        bundled = HomologyTransfer.from_payload(load_payload(ROOT / "models" / f"{split}.pt")["transfer"])
        incumbent = term_shape(bundled)
        cands = [HomologyTransfer.fit(ds, split), HomologyTransfer.fit(ds, split, dbd=dbd)]
        cands[0].kmers, cands[0].motifs = bundled.kmers, bundled.motifs
        train = ds.split(split, "train")
        random = {t: g.to_numpy() for t, g in train[train["label"] == 0].groupby("tf")["gene_i"]}
        pairs = pseudo_pairs(cands[0], ds.negative_exclusions(split), paper_negatives=random)
        queries = [full_of[t] for t in cands[0].tfs]
        n = len(queries)
        ident_full = cands[0].identities(queries).astype(np.float64)
        ident_dbd = cands[1].identities(queries).astype(np.float64)
        allowed = ~np.eye(n, dtype=bool)
        cap = None
        if split == "homology":
            cap = HOMOLOGY_MAX_IDENTITY
            allowed &= ident_full <= cap
        sim = motif_similarity(cands[0].tfs)
        dbd8 = _normalised(ident_dbd**8, allowed)
        motif = _normalised(np.nan_to_num(sim, nan=0.0).clip(min=0) ** MOTIF_POWER, allowed)
        none = motif.sum(axis=1) == 0
        motif[none] = dbd8[none]
        print(f"{split}: {int((~np.isnan(sim).all(axis=1)).sum())} of {n} training TFs with a JASPAR matrix")
        extra = {"motif": motif, "motif+dbd": 0.5 * motif + 0.5 * dbd8}
        parts = loto_parts(
            cands, queries, pairs, ds.genes["promoter"].tolist(), cap, powers=(2.0, 4.0, 8.0),
            donor_counts=(1, 5), extra_weights=extra,
        )  # fmt: skip
        grid = loto_grid(parts, motif_factors=(0.0, 0.4, 0.8, 1.6, 3.2))
        grid.to_csv(out / f"loto_tf_weights_{split}.csv", index=False, float_format="%.4f")
        rows += summarise(grid, incumbent, split)
        for r in rows[-grid["identity"].nunique() - 1 :]:
            print(f"  {r['weights']}: best dm {r['best_dm']:.4f}; at no lower paper {r['dm_at_paper']:.4f}")
        weights = {"dbd": ident_dbd, "full": ident_full}[incumbent["identity"]] ** incumbent["power"]
        bgrid = breadth_grid(parts, incumbent, cands[0], weights, allowed)
        bgrid.to_csv(out / f"loto_breadth_popularity_{split}.csv", index=False, float_format="%.4f")
        print(bgrid.round(4).to_string(index=False), flush=True)
    pd.DataFrame(rows).to_csv(out / "loto_tf_weights.csv", index=False, float_format="%.4f")


if __name__ == "__main__":
    main(sys.argv[1:] or ["unknown", "homology"])
