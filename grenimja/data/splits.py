"""Train / valid / test splits: known TFs (pairs), unknown TFs (TF-disjoint), homology-aware."""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components

# paper: 597 / 30 / 70 of 697 TFs
UNKNOWN_RATIOS = (597 / 697, 30 / 697, 70 / 697)


def known_split(
    n_pairs: int, seed: int, test_frac: float = 0.1, n_folds: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Pair-level split: ``test`` held out, the rest in ``n_folds`` folds (fold 0 = valid by default).

    Returns
    -------
    split : (n_pairs,) array of "train" / "valid" / "test"
    fold : (n_pairs,) int array, -1 for test pairs
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_pairs)
    n_test = int(round(test_frac * n_pairs))
    fold = np.full(n_pairs, -1, dtype=np.int64)
    rest = order[n_test:]
    fold[rest] = np.arange(len(rest)) % n_folds
    split = np.where(fold == -1, "test", np.where(fold == 0, "valid", "train"))
    return split, fold


def tf_split(tfs: list[str], seed: int, ratios=UNKNOWN_RATIOS) -> dict[str, str]:
    """TF-disjoint split with the paper's train/valid/test ratios; returns TF -> split."""
    rng = np.random.default_rng(seed)
    order = [tfs[i] for i in rng.permutation(len(tfs))]
    n_test = max(1, int(round(ratios[2] * len(tfs))))
    n_valid = max(1, int(round(ratios[1] * len(tfs))))
    out = {}
    for k, tf in enumerate(order):
        out[tf] = "test" if k < n_test else "valid" if k < n_test + n_valid else "train"
    return out


def homology_split(
    tfs: list[str], ident: np.ndarray, max_identity: float, seed: int, ratios=UNKNOWN_RATIOS
) -> dict[str, str]:
    """TF-disjoint split where no valid/test TF exceeds ``max_identity`` to any training TF.

    TFs linked by identity > ``max_identity`` (single linkage) form families; whole families go to one
    split, so the bound holds by construction. Families are drawn in random order into test, then
    valid, until each reaches its share; the largest family is never used for test/valid.
    """
    n = len(tfs)
    adj = ident > max_identity
    np.fill_diagonal(adj, False)
    n_comp, comp = connected_components(adj, directed=False)
    sizes = np.bincount(comp, minlength=n_comp)
    rng = np.random.default_rng(seed)
    targets = {"test": ratios[2] * n, "valid": ratios[1] * n}
    filled = {"test": 0, "valid": 0}
    assign = np.full(n_comp, "train", dtype=object)
    biggest = int(np.argmax(sizes))
    for c in rng.permutation(n_comp):
        if c == biggest:
            continue
        for part in ("test", "valid"):
            if filled[part] + sizes[c] <= targets[part] + 0.5:
                assign[c] = part
                filled[part] += sizes[c]
                break
    return {tf: str(assign[comp[i]]) for i, tf in enumerate(tfs)}
