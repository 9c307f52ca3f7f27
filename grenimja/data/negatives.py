"""Negative pairs as in the paper: per TF, as many non-target genes as it has targets."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def sample_negatives(positives: pd.DataFrame, genes: Sequence[str], seed: int) -> pd.DataFrame:
    """Draw negatives per TF uniformly from ``genes`` that are not among its positives.

    Parameters
    ----------
    positives
        Frame with ``tf`` and ``gene`` (one row per positive pair).
    genes
        Candidate genes (those with a promoter); sorted internally so the draw is deterministic.
    seed
        Seed of the numpy generator; TFs are processed in sorted order.

    Returns
    -------
    Frame with ``tf``, ``gene``; as many rows per TF as it has positives (fewer only when the TF
    regulates almost every gene).
    """
    rng = np.random.default_rng(seed)
    universe = np.array(sorted(set(genes)))
    rows_tf, rows_gene = [], []
    for tf, grp in positives.groupby("tf", sort=True):
        targets = set(grp["gene"])
        mask = ~np.isin(universe, list(targets))
        pool = universe[mask]
        k = min(len(grp), len(pool))
        picked = rng.choice(pool, size=k, replace=False)
        rows_tf.extend([tf] * k)
        rows_gene.extend(sorted(picked.tolist()))
    return pd.DataFrame({"tf": rows_tf, "gene": rows_gene})
