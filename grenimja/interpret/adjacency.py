"""Adjacency matrix (paper Fig. 5): predicted regulation TFs x genes, rows Ward-clustered, columns split by
CpG-island promoter, and how different the two column groups are for a model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.stats import mannwhitneyu


def ward_order(mat: np.ndarray) -> np.ndarray:
    """Row order from Ward clustering (identity order for fewer than 3 rows)."""
    if len(mat) < 3:
        return np.arange(len(mat))
    return leaves_list(linkage(mat, method="ward"))


def adjacency(scores: np.ndarray, tf_names: list[str], gene_names: list[str], cpg: np.ndarray) -> dict:
    """Arrange a (n_tfs, n_genes) score matrix as the paper's figure.

    Returns
    -------
    dict with ``matrix`` (DataFrame, rows Ward-ordered, CpG columns first), ``n_cpg`` (columns that are CpG
    promoters), and ``contrast``: mean score on CpG / other columns, their difference, the AUC of CpG over
    other scores (Mann-Whitney U / n1 n2; 0.5 = no difference) and its p-value.
    """
    cpg = np.asarray(cpg, dtype=bool)
    cols = np.r_[np.flatnonzero(cpg), np.flatnonzero(~cpg)]
    rows = ward_order(scores)
    mat = pd.DataFrame(
        scores[np.ix_(rows, cols)], index=np.array(tf_names)[rows], columns=np.array(gene_names)[cols]
    )
    a, b = scores[:, cpg].ravel(), scores[:, ~cpg].ravel()
    contrast = {
        "mean_cpg": float(a.mean()) if len(a) else float("nan"),
        "mean_other": float(b.mean()) if len(b) else float("nan"),
    }
    contrast["difference"] = contrast["mean_cpg"] - contrast["mean_other"]
    if len(a) and len(b):
        u, p = mannwhitneyu(a, b, alternative="two-sided")
        contrast["auc_cpg_over_other"] = float(u / (len(a) * len(b)))
        contrast["p_value"] = float(p)
    # share of score variance explained by the gene (column) rather than the TF (row)
    total = scores.var()
    contrast["column_variance_share"] = (
        float(scores.mean(axis=0).var() / total) if total > 0 else float("nan")
    )
    contrast["row_variance_share"] = float(scores.mean(axis=1).var() / total) if total > 0 else float("nan")
    return {"matrix": mat, "n_cpg": int(cpg.sum()), "contrast": contrast}


def pick_genes(cpg: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` gene indices, half CpG-island promoters and half not (seeded)."""
    rng = np.random.default_rng(seed)
    cpg = np.asarray(cpg, dtype=bool)
    a = rng.choice(np.flatnonzero(cpg), min(n // 2, cpg.sum()), replace=False)
    b = rng.choice(np.flatnonzero(~cpg), min(n - len(a), (~cpg).sum()), replace=False)
    return np.sort(np.r_[a, b])
