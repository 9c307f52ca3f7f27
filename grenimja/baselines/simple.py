"""Honest reference baselines: gene popularity and nearest-homolog transfer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from grenimja.dataset import Dataset


class _Calibrated:
    """Raw scores -> probabilities by a 1-D logistic fit on the validation pairs (monotone: AUROC unchanged)."""

    def _calibrate(self, ds: Dataset, split: str) -> None:
        from sklearn.linear_model import LogisticRegression

        va = ds.split(split, "valid")
        self.cal = None
        if va["label"].nunique() == 2:
            self.cal = LogisticRegression().fit(self.raw(va)[:, None], va["label"].to_numpy())

    def score(self, pairs: pd.DataFrame) -> np.ndarray:
        r = self.raw(pairs)
        return r if self.cal is None else self.cal.predict_proba(r[:, None])[:, 1]


class GeneDegreePrior(_Calibrated):
    """score(tf, gene) = fraction of training TFs with a positive training pair to the gene.

    Ignores the TF entirely: it measures how much of the task the negative sampling makes a matter of
    gene popularity.
    """

    name = "gene-degree prior"

    def fit(self, ds: Dataset, split: str) -> GeneDegreePrior:
        tr = ds.split(split, "train")
        pos = tr[tr["label"] == 1]
        self.prior = np.zeros(len(ds.genes))
        counts = pos.groupby("gene_i")["tf_i"].nunique()
        self.prior[counts.index.to_numpy()] = counts.to_numpy() / max(tr["tf_i"].nunique(), 1)
        self._calibrate(ds, split)
        return self

    def raw(self, pairs: pd.DataFrame) -> np.ndarray:
        return self.prior[pairs["gene_i"].to_numpy()]


class NearestHomolog(_Calibrated):
    """CIS-BP-style transfer: a TF inherits the training targets of its most identical training TFs.

    score(tf, gene) = sum_k id_k [gene is a training target of t_k] / sum_k id_k over the ``k`` most
    identical training TFs t_k (identity from the dataset's Smith-Waterman matrix).
    """

    name = "nearest homolog"

    def __init__(self, k: int = 3):
        self.k = k

    def fit(self, ds: Dataset, split: str) -> NearestHomolog:
        tr = ds.split(split, "train")
        self.ident = ds.identity()
        self.train_tfs = np.array(sorted(set(tr["tf_i"])))
        pos = tr[tr["label"] == 1]
        self.targets = {t: set(g) for t, g in pos.groupby("tf_i")["gene_i"]}
        self._calibrate(ds, split)
        return self

    def raw(self, pairs: pd.DataFrame) -> np.ndarray:
        out = np.zeros(len(pairs))
        for tf, idx in pairs.groupby("tf_i").indices.items():
            sims = self.ident[tf, self.train_tfs]
            top = np.argsort(-sims, kind="stable")[: self.k]
            w = sims[top]
            genes = pairs["gene_i"].to_numpy()[idx]
            votes = sum(
                wk * np.isin(genes, list(self.targets.get(self.train_tfs[t], ())))
                for t, wk in zip(top, w, strict=True)
            )
            out[idx] = votes / max(w.sum(), 1e-9)
        return out
