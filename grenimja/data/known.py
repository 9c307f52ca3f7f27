"""Known TF -> gene interactions with their evidence, for showing beside predictions.

Every source of :data:`grenimja.data.sources.SOURCES`, names mapped to official symbols, one row per
(tf, gene, source) with DoRothEA's confidence level (A-E; A = curated and ChIP-seq and motif support).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

SOURCE_LABELS = {
    "dorothea": "DoRothEA",
    "collectri": "CollecTRI",
    "trrust": "TRRUST",
    "encode": "ENCODE ChIP-seq",
    "chea3": "ChEA3 ChIP-seq",
}


@dataclass
class KnownInteractions:
    """``pairs``: tf, gene, source, confidence (DoRothEA level, "" for the other sources)."""

    pairs: pd.DataFrame

    def __post_init__(self) -> None:
        if not self.pairs["tf"].is_monotonic_increasing:  # the cached parquet is stored sorted
            self.pairs = self.pairs.sort_values(["tf", "gene", "source"], ignore_index=True)
        self._tf = self.pairs["tf"].to_numpy()

    def of_tf(self, tf: str) -> pd.DataFrame:
        """The rows of one TF (symbol, case-insensitive)."""
        key = str(tf).upper()
        lo, hi = np.searchsorted(self._tf, key, "left"), np.searchsorted(self._tf, key, "right")
        return self.pairs.iloc[lo:hi]

    def evidence(self, tf: str, genes: Sequence[str | None]) -> list[str]:
        """One string per gene: the sources that link ``tf`` to it, e.g. "DoRothEA B; TRRUST"; "" where none."""
        sub = self.of_tf(tf)
        if sub.empty:
            return [""] * len(genes)
        rows = (
            sub.assign(label=sub["source"].map(SOURCE_LABELS) + " " + sub["confidence"])
            .assign(label=lambda d: d["label"].str.strip(), order=lambda d: d["source"].map(_ORDER))
            .sort_values(["order", "label"])
            .drop_duplicates(["gene", "label"])
        )
        # joined in a plain loop: pandas' groupby-agg with "; ".join slices a frame per gene (0.2 s for MAX's
        # 11k links, on every genome scan), and a dict lookup per gene beats Series.get (~25 us each)
        labels: dict[str, list[str]] = {}
        for gene, label in zip(rows["gene"].tolist(), rows["label"].tolist(), strict=True):
            labels.setdefault(gene, []).append(label)
        found = {gene: "; ".join(v) for gene, v in labels.items()}
        return [found.get(g, "") if g is not None else "" for g in genes]

    def targets(self, tf: str, sources: Sequence[str] = ("dorothea",), levels: str = "ABCD") -> set[str]:
        """Genes linked to ``tf`` by ``sources`` (DoRothEA rows only at confidence ``levels``)."""
        sub = self.of_tf(tf)
        sub = sub[sub["source"].isin(list(sources))]
        sub = sub[(sub["source"] != "dorothea") | sub["confidence"].isin(list(levels))]
        return set(sub["gene"])


_ORDER = {s: i for i, s in enumerate(SOURCE_LABELS)}


KNOWN_FILES = (
    "dorothea/entire_database.rda",
    "encode/ENCODE_TF_ChIP-seq_2015.rda",
    "collectri/collectri.csv",
    "trrust/trrust_rawdata.human.tsv",
    "chea3/ENCODE.rda",
    "chea3/ReMap.rda",
    "chea3/ChEA.rda",
)


def load_known_interactions(data_dir=None) -> KnownInteractions:
    """Every regulatory source of the data directory, mapped (2.6 million rows); without ``data_dir`` the
    packaged catalogue's (:mod:`grenimja.data.catalogue`, no ChEA3) where it is shipped.

    Reading and mapping them takes ~20 s, so the result is kept as parquet under
    :func:`grenimja.data.sources.cache_dir`, named by the source files' paths, sizes and modification
    times (a changed file gives a new entry); a later call reads it in about a second.
    """
    import hashlib

    from grenimja.data.catalogue import packaged_file
    from grenimja.data.datadir import data_file
    from grenimja.data.sources import cache_dir, store_cache

    if data_dir is None and (packaged := packaged_file("known.parquet")) is not None:
        return KnownInteractions(pd.read_parquet(packaged))
    files = [data_file(rel, data_dir) for rel in KNOWN_FILES]
    key = hashlib.sha256(
        "\n".join(f"{f.resolve()}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files).encode()
    ).hexdigest()[:16]
    cached = cache_dir() / f"known_interactions_{key}.parquet"
    if cached.is_file():
        return KnownInteractions(pd.read_parquet(cached))
    known = KnownInteractions(_read_known(data_dir))
    store_cache(cached, lambda tmp: known.pairs.to_parquet(tmp, index=False))
    return known


def _read_known(data_dir, sources: Sequence[str] | None = None) -> pd.DataFrame:
    from grenimja.data.names import load_mapper
    from grenimja.data.sources import SOURCES, read_dorothea, read_sources

    mapper = load_mapper(data_dir)
    sources = SOURCES if sources is None else sources
    others = read_sources([s for s in sources if s != "dorothea"], data_dir).assign(confidence="")
    doro = read_dorothea(data_dir, levels="ABCDE", with_confidence=True)  # every level, shown as evidence
    df = pd.concat([doro, others], ignore_index=True)
    df = df.assign(tf=mapper.map_series(df["tf"]), gene=mapper.map_series(df["gene"])).dropna()
    return df.drop_duplicates(["tf", "gene", "source", "confidence"]).reset_index(drop=True)
