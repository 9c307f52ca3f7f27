"""A model's gene reference: each promoter's mean logit over a fixed panel of the model's training TFs.

It turns a score into a TF-specificity: ``logit(tf, gene) - mean logit of the gene over the panel``.
Near 0 means the model ranks the gene for this TF as it does for any TF (gene popularity); positive
means this TF is predicted to regulate the gene more than a typical TF. The panel's means for the
catalogue promoters are stored in the model file (``meta["gene_reference"]``) so a genome scan needs no
extra scoring; uploaded promoters are scored against the same panel on the fly.
"""

from __future__ import annotations

import numpy as np

from grenimja.predict import pair_logits

# a gene in the top POPULAR_TOP of the genes for at least POPULAR_SHARE of the panel TFs is "popular"
POPULAR_TOP = 0.05
POPULAR_SHARE = 0.9


def panel_logits(
    model,
    emb,
    proteins: list[str],
    promoters: list[str],
    genes: list[str | None] | None = None,
    progress=None,
) -> np.ndarray:
    """(n_proteins, n_promoters) logits of every panel protein against every promoter.

    ``genes``: the catalogue gene of each promoter (None where there is none), for the model file's
    homology-transfer term (:func:`grenimja.predict.pair_logits`).
    """
    ti, gi = np.meshgrid(np.arange(len(proteins)), np.arange(len(promoters)), indexing="ij")
    z = pair_logits(model, emb, proteins, promoters, genes, ti.ravel(), gi.ravel(), progress, batch=8192)
    return z.reshape(ti.shape)


def gene_reference(model, emb, panel: dict[str, str], genes: dict[str, str], progress=None) -> dict:
    """Reference of ``genes`` (symbol -> promoter) over ``panel`` (TF symbol -> protein).

    Returns
    -------
    JSON-able dict: ``panel`` (TF symbols), ``genes`` (symbols), ``mean_logit`` (per gene, over the
    panel), ``top_share`` (per gene: share of panel TFs that rank it in their top ``POPULAR_TOP``).
    """
    z = panel_logits(model, emb, list(panel.values()), list(genes.values()), list(genes), progress)
    k = max(1, int(round(POPULAR_TOP * z.shape[1])))
    top = np.zeros_like(z, dtype=bool)
    np.put_along_axis(top, np.argsort(-z, axis=1)[:, :k], True, axis=1)
    return {
        "panel": list(panel),
        "genes": list(genes),
        "mean_logit": [round(float(x), 5) for x in z.mean(axis=0)],
        "top_share": [round(float(x), 4) for x in top.mean(axis=0)],
    }


def pick_panel(training_tfs: list[str], available: set[str], n: int = 40, seed: int = 0) -> list[str]:
    """``n`` seeded training TFs that have a protein sequence (sorted)."""
    pool = sorted(set(training_tfs) & available)
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(pool, min(n, len(pool)), replace=False).tolist())
