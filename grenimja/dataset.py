"""Read a built dataset folder (see :mod:`grenimja.data.build`) and index its pairs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.errors import DataFileError

SPLITS = ("known", "unknown", "homology")


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

    def split(self, split: str, part: str) -> pd.DataFrame:
        """Pairs of ``part`` ("train", "valid", "test") in split ``split`` ("known", "unknown", "homology")."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        return self.pairs[self.pairs[f"split_{split}"] == part]

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
    pairs["tf_i"] = pairs["tf"].map({t: i for i, t in enumerate(tfs["tf"])}).astype(np.int64)
    pairs["gene_i"] = pairs["gene"].map({g: i for i, g in enumerate(genes["gene"])}).astype(np.int64)
    report = json.loads((path / "report.json").read_text())
    return Dataset(path, tfs, genes, pairs, report)
