"""Homology transfer: a TF x gene interaction term from the training targets of similar TFs.

``interaction(t, g) = sum_s w_ts * y_sg - d_g`` over the training TFs ``s``, where ``y_sg`` is 1 when
``s`` regulates ``g`` in the training part, ``d_g`` is the share of training TFs regulating ``g`` (the
gene's popularity, so the term carries none of it) and ``w_ts`` is the Smith-Waterman identity of
``t`` to ``s`` raised to ``power`` and normalised over ``s``. It is positive where the TF's homologs
regulate the gene more than a typical TF does, whatever the gene's popularity. The network's logit
plus ``weight`` times this term is the score of a model file that carries one (``payload["transfer"]``);
``power`` and ``weight`` are chosen on the validation part (:func:`choose_transfer`).

Why: on held-out TFs under degree-matched negatives the network's own ranking is gene popularity, while
the targets of a TF's homologs carry TF-specific signal (CIS-BP-style inference of motifs from DBD
identity rests on the same fact).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from grenimja.errors import ModelFileError


@dataclass
class HomologyTransfer:
    """Training targets of ``tfs`` over ``genes`` and the two settings of the term.

    ``pos_tf`` / ``pos_gene`` (int arrays of equal length) index ``tfs`` / ``genes``: one entry per
    training positive.
    """

    tfs: list[str]
    proteins: list[str]
    genes: list[str]
    pos_tf: np.ndarray
    pos_gene: np.ndarray
    power: float = 4.0
    weight: float = 1.0
    _ident_cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        y = np.zeros((len(self.tfs), len(self.genes)), dtype=np.float32)
        y[self.pos_tf, self.pos_gene] = 1.0
        self._y = y
        self._degree = y.mean(axis=0)
        self._gene_col = {g: i for i, g in enumerate(self.genes)}

    @classmethod
    def fit(cls, ds, split: str, power: float = 4.0, weight: float = 1.0) -> HomologyTransfer:
        """The training part's positives of ``split`` in dataset ``ds`` (a :class:`grenimja.dataset.Dataset`)."""
        tr = ds.split(split, "train")
        tfs = ds.tfs[ds.tfs["tf"].isin(set(tr["tf"]))]
        row = {t: i for i, t in enumerate(tfs["tf"])}
        pos = tr[tr["label"] == 1]
        return cls(
            tfs=tfs["tf"].tolist(),
            proteins=tfs["protein"].tolist(),
            genes=ds.genes[
                "gene"
            ].tolist(),  # columns in the dataset's order, so a positive's column is gene_i
            pos_tf=pos["tf"].map(row).to_numpy(np.int64),
            pos_gene=pos["gene_i"].to_numpy(np.int64),
            power=power,
            weight=weight,
        )

    def identities(self, proteins: Sequence[str]) -> np.ndarray:
        """(len(proteins), n_training_tfs) Smith-Waterman identities (cached per protein sequence)."""
        from grenimja.homology import identity_to

        for p in proteins:
            if p not in self._ident_cache:
                self._ident_cache[p] = identity_to(p, self.proteins)
        return (
            np.stack([self._ident_cache[p] for p in proteins]) if proteins else np.zeros((0, len(self.tfs)))
        )

    def interaction(
        self, proteins: Sequence[str], genes: Sequence[str | None], power: float | None = None
    ) -> np.ndarray:
        """(len(proteins), len(genes)) interaction term; 0 for a gene absent from the training genes or None."""
        w = self.identities(proteins).astype(np.float64) ** (self.power if power is None else power)
        w /= np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
        cols = np.array([self._gene_col.get(g, -1) if g is not None else -1 for g in genes], dtype=np.int64)
        known = cols >= 0
        out = np.zeros((len(proteins), len(genes)))
        if known.any():
            c = cols[known]
            out[:, known] = w @ self._y[:, c] - self._degree[c]
        return out

    def pair_interaction(
        self,
        proteins: Sequence[str],
        genes: Sequence[str | None],
        tf_idx: np.ndarray,
        gene_idx: np.ndarray,
        power: float | None = None,
    ) -> np.ndarray:
        """:meth:`interaction` of pairs (proteins[tf_idx[k]], genes[gene_idx[k]]), shape (n_pairs,); each
        distinct TF and gene is computed once."""
        tf_u, tf_inv = np.unique(np.asarray(tf_idx), return_inverse=True)
        g_u, g_inv = np.unique(np.asarray(gene_idx), return_inverse=True)
        m = self.interaction([proteins[i] for i in tf_u], [genes[i] for i in g_u], power)
        return m[tf_inv, g_inv]

    def logits(self, proteins: Sequence[str], genes: Sequence[str | None]) -> np.ndarray:
        """``weight`` x :meth:`interaction`: what the term adds to the network's logits."""
        return self.weight * self.interaction(proteins, genes)

    def to_payload(self) -> dict:
        """A dict of strings, floats and tensors (loads with ``torch.load(weights_only=True)``)."""
        return {
            "tfs": list(self.tfs),
            "proteins": list(self.proteins),
            "genes": list(self.genes),
            "pos_tf": torch.from_numpy(np.array(self.pos_tf, dtype=np.int32)),
            "pos_gene": torch.from_numpy(np.array(self.pos_gene, dtype=np.int32)),
            "power": float(self.power),
            "weight": float(self.weight),
        }

    @classmethod
    def from_payload(cls, d: dict, source: str = "model") -> HomologyTransfer:
        try:
            t = cls(
                tfs=list(d["tfs"]),
                proteins=list(d["proteins"]),
                genes=list(d["genes"]),
                pos_tf=d["pos_tf"].numpy().astype(np.int64),
                pos_gene=d["pos_gene"].numpy().astype(np.int64),
                power=float(d["power"]),
                weight=float(d["weight"]),
            )
        except (KeyError, AttributeError, IndexError, TypeError) as exc:
            raise ModelFileError(f"{source}: its homology-transfer term is malformed ({exc!r})") from exc
        if len(t.proteins) != len(t.tfs):
            raise ModelFileError(
                f"{source}: homology-transfer term has {len(t.tfs)} TFs but {len(t.proteins)} proteins"
            )
        return t


POWERS = (1.0, 2.0, 4.0, 8.0, 16.0)
WEIGHTS = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)


def choose_transfer(
    base: dict[str, pd.DataFrame],
    transfer: HomologyTransfer,
    proteins: Sequence[str],
    genes: Sequence[str],
    powers: Sequence[float] = POWERS,
    weights: Sequence[float] = WEIGHTS,
) -> tuple[HomologyTransfer, pd.DataFrame]:
    """Grid-search ``power`` x ``weight`` on validation pairs; returns the chosen term and the grid.

    Parameters
    ----------
    base
        ``{"paper": frame, "degree-matched": frame}``: validation pairs of the two protocols with columns
        tf, tf_i, gene_i, label and ``logit`` (the network's logit).
    proteins, genes
        Protein sequence per ``tf_i`` and gene symbol per ``gene_i`` (the dataset's tables).

    The criterion is the sum of the degree-matched per-TF AUROC and the paper protocol's pooled AUROC:
    a term that buys TF-specificity by giving up the popularity signal the paper protocol rewards (or the
    reverse) does not win.
    """
    from grenimja.metrics import auroc_summary

    rows = []
    for power in powers:
        inter = {
            name: transfer.pair_interaction(
                proteins, genes, f["tf_i"].to_numpy(), f["gene_i"].to_numpy(), power
            )
            for name, f in base.items()
        }
        for weight in weights:
            row = {"power": power, "weight": weight}
            for name, f in base.items():
                z = f["logit"].to_numpy() + weight * inter[name]
                key = "dm" if name == "degree-matched" else name
                row[f"{key}_auroc"], row[f"{key}_per_tf_auroc"] = auroc_summary(
                    f["tf"].to_numpy(), f["label"].to_numpy(), z
                )
            row["criterion"] = row["dm_per_tf_auroc"] + row["paper_auroc"]
            rows.append(row)
    grid = pd.DataFrame(rows)
    best = grid.loc[grid["criterion"].idxmax()]
    transfer.power, transfer.weight = float(best["power"]), float(best["weight"])
    return transfer, grid


def add_transfer(
    model_path: str,
    emb_path: str,
    dataset: str,
    split: str,
    out: str,
    grid_out: str | None = None,
) -> dict:
    """Fit the term on ``split``'s training part, choose it on the validation part, write the model to ``out``.

    The model file at ``out`` is the one at ``model_path`` with ``payload["transfer"]`` and
    ``meta["transfer"]`` (power, weight, the validation metrics of the network alone and with the term).
    ``grid_out``: CSV of the whole grid (:func:`choose_transfer`), and beside it (``.json``) the record
    ``meta["transfer"]``, which is also returned.
    """
    import json
    from pathlib import Path

    from grenimja.dataset import load_dataset
    from grenimja.embedding import Embeddings
    from grenimja.evaluate import dataset_logits
    from grenimja.model.io import _atomic_save, build_model, load_payload, model_payload

    emb = Embeddings.load(emb_path)
    payload = load_payload(model_path)
    model = build_model(payload, emb, str(model_path))
    model.transfer = None  # the network alone: the term is fitted afresh
    ds = load_dataset(dataset)
    proteins, genes = ds.tfs["protein"].tolist(), ds.genes["gene"].tolist()
    base = {}
    for name in ("paper", "degree-matched"):
        f = ds.evaluation_pairs(split, "valid", name).copy()
        f["logit"] = dataset_logits(model, emb, ds, f["tf_i"].to_numpy(), f["gene_i"].to_numpy())
        base[name] = f
    term, grid = choose_transfer(base, HomologyTransfer.fit(ds, split), proteins, genes)
    if grid_out:
        Path(grid_out).parent.mkdir(parents=True, exist_ok=True)
        grid.round(4).to_csv(grid_out, index=False)
    chosen = grid[(grid["power"] == term.power) & (grid["weight"] == term.weight)].iloc[0]
    alone = grid[grid["weight"] == 0].iloc[0]
    metric_cols = ["paper_auroc", "paper_per_tf_auroc", "dm_auroc", "dm_per_tf_auroc"]
    meta = dict(payload.get("meta", {}))
    meta["transfer"] = {
        "power": term.power,
        "weight": term.weight,
        "dataset": Path(dataset).name,
        "split": split,
        "training_tfs": len(term.tfs),
        "training_positives": int(len(term.pos_tf)),
        "criterion": "valid degree-matched per-TF AUROC + valid paper pooled AUROC",
        "valid_network_alone": {c: round(float(alone[c]), 4) for c in metric_cols},
        "valid_with_term": {c: round(float(chosen[c]), 4) for c in metric_cols},
    }
    if grid_out:
        Path(grid_out).with_suffix(".json").write_text(json.dumps(meta["transfer"], indent=1) + "\n")
    model.transfer = term
    new = model_payload(model, emb, meta)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    _atomic_save(new, Path(out))
    return meta["transfer"]
