"""Protein sequence identity by Smith-Waterman alignment (parasail, BLOSUM62, gap 11/1).

Identity = identical aligned residues / length of the shorter sequence, so a short domain contained
in a long protein scores high, as BLAST-style "coverage x identity" would.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm


def identity(a: str, b: str) -> float:
    """Fraction (0..1) of identical residues in the best local alignment, over the shorter length."""
    import parasail

    if not a or not b:
        return 0.0
    res = parasail.sw_stats_striped_16(a, b, 11, 1, parasail.blosum62)
    if res.saturated:  # 16-bit score overflow for long similar proteins
        res = parasail.sw_stats_striped_32(a, b, 11, 1, parasail.blosum62)
    return res.matches / min(len(a), len(b))


def identity_to(query: str, targets: Sequence[str]) -> np.ndarray:
    """Identity of one query protein to each target, shape (len(targets),)."""
    return np.array([identity(query, t) for t in targets], dtype=np.float32)


def identity_matrix(seqs: Sequence[str], progress: bool = True) -> np.ndarray:
    """Symmetric all-vs-all identity matrix, shape (n, n), 1 on the diagonal."""
    n = len(seqs)
    out = np.eye(n, dtype=np.float32)
    for i in tqdm(range(n), desc="all-vs-all identity", disable=not progress):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = identity(seqs[i], seqs[j])
    return out
