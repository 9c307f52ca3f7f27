"""Read a built dataset folder (see :mod:`grenimja.data.build`) and index its pairs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.errors import DataFileError

SPLITS = ("known", "unknown", "homology")
# evaluation protocols: the paper's random non-targets per TF, or a non-target of the same gene degree
NEGATIVES = ("paper", "degree-matched")


@dataclass
class Dataset:
    """A dataset build: TF and gene tables and the labelled pairs with their split columns.

    ``pairs`` carries integer columns ``tf_i`` / ``gene_i`` indexing rows of ``tfs`` / ``genes``.
    """

    path: Path
    tfs: pd.DataFrame
    genes: pd.DataFrame
    pairs: pd.DataFrame
    report: dict
    _matched: dict = field(default_factory=dict, repr=False)
    _known_links: pd.DataFrame | None = field(default=None, repr=False)
    # (split, part) -> positives / TFs left out of the degree-matched protocol for want of a negative
    unmatched: dict = field(default_factory=dict, repr=False)

    @property
    def _tf_index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tfs["tf"])}

    @property
    def _gene_index(self) -> dict[str, int]:
        return {g: i for i, g in enumerate(self.genes["gene"])}

    def split(self, split: str, part: str) -> pd.DataFrame:
        """Pairs of ``part`` ("train", "valid", "test") in split ``split`` ("known", "unknown", "homology")."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        return self.pairs[self.pairs[f"split_{split}"] == part]

    def gene_degree(self, split: str) -> pd.Series:
        """Number of training-part TFs regulating each gene (index: every gene of ``genes``, 0 if none)."""
        tr = self.split(split, "train")
        counts = tr[tr["label"] == 1].groupby("gene")["tf"].nunique()
        return counts.reindex(self.genes["gene"], fill_value=0).astype(np.int64)

    def evaluation_pairs(self, split: str, part: str, negatives: str = "paper") -> pd.DataFrame:
        """Labelled pairs to evaluate on under one protocol (see :data:`NEGATIVES`).

        ``"paper"``: the part as built (random non-targets per TF). ``"degree-matched"``: the part's
        positives, each with a negative of the same TF whose gene has the nearest number of
        training-part regulators and is linked to the TF in no source (``known_any_source.tsv``) and in
        no train / valid pair of the split. Positives of a TF without any candidate are left out and
        counted in ``unmatched[(split, part)]``. Negatives carry ``matched_gene`` and ``degree_diff`` (absolute degree
        difference to their positive). Deterministic for a build (seeded by the build's seed).
        """
        if negatives not in NEGATIVES:
            raise ValueError(f"negatives must be one of {NEGATIVES}, got {negatives!r}")
        if negatives == "paper":
            return self.split(split, part)
        key = (split, part)
        if key not in self._matched:
            self._matched[key] = self.degree_matched_pairs(split, part)
        return self._matched[key]

    def known_links(self) -> pd.DataFrame:
        """Every TF -> gene link of the build's TFs and genes in any source (``known_any_source.tsv``: columns
        tf, gene and sources, the ``+``-joined source names), read once per Dataset."""
        path = self.path / "known_any_source.tsv"
        if not path.is_file():
            raise DataFileError(
                f"dataset folder {self.path} lacks known_any_source.tsv, which degree-matched negatives "
                f"need; rebuild it with 'grenimja data build --out {self.path}'"
            )
        if self._known_links is None:  # read once per Dataset, shared by every (split, part)
            self._known_links = pd.read_csv(path, sep="\t")
        return self._known_links

    def negative_exclusions(self, split: str) -> dict[str, set[str]]:
        """TF -> genes that may not be its matched negatives in ``split``: its links in any source
        (``known_any_source.tsv``, read once per Dataset) and the genes of its train / valid pairs."""
        # a pair the model was fitted or validated on is no test negative (its label was seen)
        seen = self.pairs[self.pairs[f"split_{split}"].isin(["train", "valid"])]
        exclude: dict[str, set[str]] = {}
        for frame in (self.known_links(), seen):
            for tf, genes in frame.groupby("tf")["gene"]:
                exclude.setdefault(tf, set()).update(genes)
        return exclude

    def training_negative_exclusions(self, split: str) -> dict[str, set[str]]:
        """TF -> genes that may not be its degree-matched *training* negatives (the within-TF loss,
        :func:`grenimja.train.pairwise_triplets`): :meth:`negative_exclusions` plus the TF's validation and
        test degree-matched negatives. On the known split a TF trains and is evaluated, and both draws come
        from its unlinked genes of nearest degree: without this most of its evaluation negatives would be
        training negatives, labels the model was told (measured: 83% of the validation ones,
        ``results/validation/pairwise_probe.md``). The test pairs are only kept out here, never scored."""
        exclude = {tf: set(genes) for tf, genes in self.negative_exclusions(split).items()}
        for part in ("valid", "test"):
            ev = self.evaluation_pairs(split, part, "degree-matched")
            for tf, genes in ev[ev["label"] == 0].groupby("tf")["gene"]:
                exclude.setdefault(tf, set()).update(genes)
        return exclude

    def degree_matched_pairs(self, split: str, part: str, secondary: pd.Series | None = None) -> pd.DataFrame:
        """The part's positives and their degree-matched negatives, as :meth:`evaluation_pairs` gives them
        (which caches this call without ``secondary``). ``secondary``: a second score per gene (index:
        gene symbol) that the negative is matched on within the nearest-degree bucket
        (:func:`grenimja.data.negatives.degree_matched_negatives`), a stricter protocol; not cached."""
        from grenimja.data.negatives import degree_matched_negatives

        exclude = self.negative_exclusions(split)
        pos = self.split(split, part)
        pos = pos[pos["label"] == 1]
        seed = int(self.report.get("config", {}).get("seed", 0))
        neg = degree_matched_negatives(
            pos[["tf", "gene"]], self.gene_degree(split), exclude, seed, secondary=secondary
        )
        # a TF linked to every other gene has no candidate: its positives are left out, and counted
        lone = ~pos["tf"].isin(set(neg["tf"]))
        self.unmatched[(split, part)] = {
            "positives": int(lone.sum()),
            "tfs": int(pos.loc[lone, "tf"].nunique()),
        }
        pos = pos[~lone]
        neg["label"] = 0
        neg["sources"] = "negative (degree-matched)"
        neg["degree_diff"] = (neg["degree"] - neg["matched_degree"]).abs()
        out = pd.concat([pos, neg.drop(columns=["degree", "matched_degree"])], ignore_index=True)
        out["tf_i"] = out["tf"].map(self._tf_index).astype(np.int64)
        out["gene_i"] = out["gene"].map(self._gene_index).astype(np.int64)
        return out.sort_values(["tf", "label", "gene"], ascending=[True, False, True], ignore_index=True)

    def identity(self) -> np.ndarray:
        """(n_tfs, n_tfs) identity matrix in ``tfs`` order."""
        return np.load(self.path / "tf_identity.npy")

    def training_tfs(self, split: str) -> pd.DataFrame:
        """TFs that a model trained on ``split`` has seen (its train part)."""
        return self.tfs[self.tfs["tf"].isin(set(self.split(split, "train")["tf"]))]


def load_dataset(path: str | Path) -> Dataset:
    path = Path(path)
    for f in ("tfs.tsv", "genes.tsv", "pairs.tsv", "report.json"):
        if not (path / f).is_file():
            raise DataFileError(
                f"dataset folder {path} lacks {f}; build it with 'grenimja data build --out {path}'"
            )
    tfs = pd.read_csv(path / "tfs.tsv", sep="\t")
    genes = pd.read_csv(path / "genes.tsv", sep="\t")
    pairs = pd.read_csv(path / "pairs.tsv", sep="\t")
    report = json.loads((path / "report.json").read_text())
    ds = Dataset(path, tfs, genes, pairs, report)
    pairs["tf_i"] = pairs["tf"].map(ds._tf_index).astype(np.int64)
    pairs["gene_i"] = pairs["gene"].map(ds._gene_index).astype(np.int64)
    return ds
