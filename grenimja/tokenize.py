"""Overlapping k-mer tokens (stride 1) and fixed-length index tensors."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cached_property

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
        cut = [s[:length] if align == "left" else s[-length:] for s in seqs]
        lut = self._table
        if lut is None:  # too many possible k-mers for a table: one dictionary lookup per k-mer
            for r, s in enumerate(cut):
                ids = [self.index.get(t, 0) for t in kmers(s, self.k)]
                out[r, n_tok - len(ids) if align == "right" else 0 :][: len(ids)] = ids
            return torch.from_numpy(out)
        code_of, base, table = lut
        k = self.k
        n_kmer = np.array([max(len(s) - k + 1, 0) for s in cut], dtype=np.int64)
        # all sequences in one array, a character of no token between them so no k-mer spans two
        joined = "\x00".join(cut) + "\x00"
        chars = code_of[np.frombuffer(joined.encode("latin-1", "replace"), dtype=np.uint8)]
        n = len(chars) - k + 1
        if n <= 0 or not n_kmer.sum():
            return torch.from_numpy(out)
        code = np.zeros(n, dtype=np.int64)
        for j in range(k):
            code = code * base + chars[j : j + n]
        starts = np.concatenate([[0], np.cumsum([len(s) + 1 for s in cut])[:-1]])
        row = np.repeat(np.arange(len(cut)), n_kmer)
        pos = np.arange(int(n_kmer.sum())) - np.repeat(np.cumsum(n_kmer) - n_kmer, n_kmer)
        col = pos if align == "left" else pos + (n_tok - n_kmer)[row]
        out[row, col] = table[code[starts[row] + pos]]
        return torch.from_numpy(out)

    @cached_property
    def _table(self) -> tuple[np.ndarray, int, np.ndarray] | None:
        """(character code per byte, base, row index per k-mer code), or None where the table would hold
        over 2**25 k-mers (or a token is not k one-byte characters). Characters of no token share the last
        code, and every k-mer holding one maps to row 0, as an unseen k-mer does."""
        alphabet = sorted({c for t in self.tokens for c in t})
        base = len(alphabet) + 1
        if (
            base**self.k > 2**25
            or max(map(ord, alphabet), default=0) >= 256
            or not {len(t) for t in self.tokens} <= {self.k}
        ):
            return None
        code_of = np.full(256, base - 1, dtype=np.int64)
        code_of[[ord(c) for c in alphabet]] = np.arange(len(alphabet))
        table = np.zeros(base**self.k, dtype=np.int64)
        codes = np.zeros(len(self.tokens), dtype=np.int64)
        for j in range(self.k):
            codes = codes * base + code_of[[ord(t[j]) for t in self.tokens]]
        table[codes] = np.arange(1, len(self.tokens) + 1)
        return code_of, base, table
