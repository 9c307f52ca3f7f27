"""Latent space (paper Fig. 3): t-SNE of the 140-d last hidden layer for TF x gene pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from grenimja.predict import score_cached


def pair_grid(tfs: list[int], genes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """All (tf, gene) index combinations, TF-major."""
    t, g = np.meshgrid(tfs, genes, indexing="ij")
    return t.ravel(), g.ravel()


def latent_tsne(
    model, tf_tok, gene_tok, tf_idx: np.ndarray, gene_idx: np.ndarray, perplexity: float = 30.0, seed: int = 0
) -> pd.DataFrame:
    """2-D t-SNE of the latent vectors of the given pairs.

    Returns
    -------
    Frame with ``tf_i``, ``gene_i``, ``x``, ``y`` and ``score`` (probability), one row per pair.
    """
    from sklearn.manifold import TSNE

    lat = score_cached(model, tf_tok, gene_tok, tf_idx, gene_idx, latent=True)
    prob = score_cached(model, tf_tok, gene_tok, tf_idx, gene_idx)
    perp = min(perplexity, max(2.0, (len(lat) - 1) / 3))
    xy = TSNE(n_components=2, perplexity=perp, random_state=seed, init="pca").fit_transform(lat)
    return pd.DataFrame({"tf_i": tf_idx, "gene_i": gene_idx, "x": xy[:, 0], "y": xy[:, 1], "score": prob})
