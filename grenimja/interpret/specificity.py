"""Does a model's ranking of genes change with the TF? Two-way decomposition of a TF x gene logit matrix.

A model that learned gene popularity gives every TF the same ranking: the gene (column) effect explains
nearly all of the variance and two TFs' rankings correlate near 1. A TF-specific model shows a
substantial TF x gene interaction share and lower rank correlations.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def logit_decomposition(logits: np.ndarray) -> dict[str, float]:
    """Shares of the variance of a (n_tfs, n_genes) matrix explained by gene, TF and their interaction.

    Parameters
    ----------
    logits
        (n_tfs, n_genes) model logits (or any scores) of every TF against every gene; n_tfs >= 2.

    Returns
    -------
    ``gene_share``, ``tf_share``, ``interaction_share`` (the three sum to 1: an additive two-way
    decomposition without replication, so the interaction is the residual), ``mean_spearman``: the mean
    Spearman correlation between two TFs' rankings of all genes (over all TF pairs), ``n_tfs``, ``n_genes``.
    """
    x = np.asarray(logits, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"need a (n_tfs >= 2, n_genes >= 2) matrix, got shape {x.shape}")
    grand = x.mean()
    row = x.mean(axis=1, keepdims=True) - grand
    col = x.mean(axis=0, keepdims=True) - grand
    inter = x - grand - row - col
    total = float(((x - grand) ** 2).sum())
    n_tfs, n_genes = x.shape
    ranks = rankdata(x, axis=1)
    rho = np.corrcoef(ranks)
    off = rho[~np.eye(n_tfs, dtype=bool)]
    if total == 0:
        shares = dict(gene_share=float("nan"), tf_share=float("nan"), interaction_share=float("nan"))
    else:
        shares = dict(
            gene_share=float(n_tfs * (col**2).sum() / total),
            tf_share=float(n_genes * (row**2).sum() / total),
            interaction_share=float((inter**2).sum() / total),
        )
    return {**shares, "mean_spearman": float(np.nanmean(off)), "n_tfs": n_tfs, "n_genes": n_genes}


def tf_specificity(logits: np.ndarray, gene_mean: np.ndarray) -> np.ndarray:
    """A pair's TF-specificity: its logit minus the gene's mean logit over a reference set of TFs.

    Parameters
    ----------
    logits
        (..., n_genes) logits of some TFs against the genes.
    gene_mean
        (n_genes,) mean logit of each gene over the reference TFs (the model's training TFs).

    Positive: the model ranks the gene higher for this TF than for a typical TF; near 0: the score is the
    gene's popularity.
    """
    return np.asarray(logits) - np.asarray(gene_mean)
