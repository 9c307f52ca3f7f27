"""Own-target k-mer part of the transfer term: a known TF's own training targets' promoter k-mers.

For a query that *is* a training TF (the same full-length protein), the part scores a gene's 300 bp window
(-249..+50, the catalogue's ``epd300`` promoters) with the TF's own k-mer signature
(:class:`grenimja.model.kmers.PromoterKmers` fitted on the windows of every training gene: covariance of each
canonical k-mer with the TF's training targets less their mean within degree strata, unit sd over the
training genes). Any other query, a gene without a window and a promoter of no catalogue gene get 0.

Why: on the known split the term weighs the *other* training TFs (EASE's TF x TF column has a zero
diagonal), and so does the 60 bp k-mer part that rides on its weights: a known TF's own targets' promoter
sequence never voted. Chosen on the known split's validation TFs (``grenimja transfer --own-kmers``; grid in
``results/validation/transfer_known60_own_kmers.csv``): 7-mers at 0.2 x the term's weight raised
``known.pt``'s degree-matched per-TF AUROC from 0.723 to 0.732 (paper pooled AUROC 0.822 -> 0.819). In a
probe on the same pairs the own signature alone scored 0.627, a TF-blind version (every training TF's
signature averaged) 0.555 and another TF's signature 0.508: the gain is the TF's own sequence preference,
little of it popularity. The 300 bp window, not the 60 bp core: the own signature on the core gained less
(criterion +0.002 against +0.006 at its best weight). Signatures are stored in float16 (rounded when
fitted, so a loaded file scores as the fitted one): 7 MB for the known split's 432 TFs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from grenimja.errors import ModelFileError
from grenimja.model.kmers import PromoterKmers

OWN_KMER_K = (6, 7)  # chosen on validation with the weight
OWN_KMER_FACTORS = (0.0, 0.05, 0.1, 0.2, 0.4, 0.8)  # x the transfer term's weight
OWN_KMER_LENGTH = 300  # the catalogue's epd300 windows


@dataclass
class OwnTargetKmers:
    """Own-target signatures (``kmers.signature``: n_canonical_kmers x n_training_tfs, float16) over windows."""

    kmers: PromoterKmers
    _windows: dict[str, str] | None = field(default=None, repr=False)

    @classmethod
    def fit(
        cls, targets: np.ndarray, genes: Sequence[str], k: int = 7, windows: dict[str, str] | None = None
    ) -> OwnTargetKmers:
        """Signatures of ``targets`` (n_training_tfs, len(genes); 0/1) over the genes' windows (``windows``:
        gene -> sequence; the catalogue's where None). A gene without a window is left out of the fit."""
        if windows is None:
            from grenimja.data.catalogue import epd300_windows

            windows = epd300_windows()
        km = PromoterKmers.fit(targets, [windows.get(g, "") for g in genes], k=k, length=OWN_KMER_LENGTH)
        km.signature = km.signature.astype(np.float16)
        return cls(km, windows)

    def windows(self) -> dict[str, str]:
        if self._windows is None:
            from grenimja.data.catalogue import epd300_windows

            self._windows = epd300_windows()
        return self._windows

    def scores(self, rows: np.ndarray, genes: Sequence[str | None]) -> np.ndarray:
        """(len(rows), len(genes)) own-signature scores; ``rows`` is each query's training-TF row, -1 for a
        query that is none (its row is 0), and a gene without a window (or None) gets 0."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((len(rows), len(genes)))
        own = np.flatnonzero(rows >= 0)
        win = self.windows()
        has = np.array([g is not None and g in win for g in genes], dtype=bool)
        if len(own) and has.any():
            onehot = np.zeros((len(own), self.kmers.signature.shape[1]))
            onehot[np.arange(len(own)), rows[own]] = 1.0
            seqs = [win[g] for g, h in zip(genes, has, strict=True) if h]
            out[np.ix_(own, np.flatnonzero(has))] = self.kmers.scores(onehot, seqs)
        return out

    def to_payload(self) -> dict:
        return self.kmers.to_payload()

    @classmethod
    def from_payload(cls, d: dict, n_tfs: int, source: str = "model") -> OwnTargetKmers:
        km = PromoterKmers.from_payload(d, n_tfs, source)
        if km.length != OWN_KMER_LENGTH:
            raise ModelFileError(
                f"{source}: own-target k-mer part reads {km.length} bp, not the {OWN_KMER_LENGTH} bp windows"
            )
        return cls(km)
