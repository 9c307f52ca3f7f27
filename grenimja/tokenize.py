"""Overlapping k-mer tokens (stride 1) and fixed-length index tensors."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import torch


def kmers(seq: str, k: int) -> list[str]:
    """Overlapping k-mers of ``seq`` with stride 1; empty when ``len(seq) < k``."""
    return [seq[i : i + k] for i in range(len(seq) - k + 1)]


class Vocab:
    """k-mer -> row index; row 0 is reserved for padding and k-mers never seen by word2vec."""

    def __init__(self, tokens: Sequence[str], k: int):
        self.k = k
        self.tokens = list(tokens)
        self.index = {t: i + 1 for i, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens) + 1

    def digest(self) -> str:
        """sha256 of the token list; stored with a model so a mismatched vocabulary is caught."""
        return hashlib.sha256(("\n".join(self.tokens)).encode()).hexdigest()

    def encode(self, seqs: Sequence[str], length: int, align: str = "left") -> torch.Tensor:
        """Token indices of sequences padded / cut to ``length`` residues.

        Parameters
        ----------
        seqs
            Upper-case sequences.
        length
            Sequence length in residues (bases or amino acids) after padding / cutting.
        align
            ``"left"`` keeps the start (proteins), ``"right"`` keeps the end (promoters: nearest the TSS).

        Returns
        -------
        LongTensor of shape (len(seqs), length - k + 1)
        """
        n_tok = length - self.k + 1
        out = np.zeros((len(seqs), n_tok), dtype=np.int64)
        for r, s in enumerate(seqs):
            s = s[:length] if align == "left" else s[-length:]
            ids = [self.index.get(t, 0) for t in kmers(s, self.k)]
            if align == "left":
                out[r, : len(ids)] = ids
            else:
                out[r, n_tok - len(ids) :] = ids
        return torch.from_numpy(out)
