"""CpG-island promoter flag: does a UCSC CpG island overlap the promoter window?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from grenimja.data.datadir import data_file
from grenimja.data.sequences import promoter_window


def read_cpg_islands(data_dir=None) -> pd.DataFrame:
    path = data_file("cpg/cpgIslandExt.hg38.tsv", data_dir)
    df = pd.read_csv(path, sep="\t")
    return df.rename(columns={df.columns[0]: "chrom", df.columns[1]: "start", df.columns[2]: "end"})


def cpg_flags(
    genes: pd.DataFrame, islands: pd.DataFrame, upstream: int = 1000, downstream: int = -1
) -> np.ndarray:
    """Boolean per gene: a CpG island overlaps its ``-upstream..downstream`` window around the TSS.

    Parameters
    ----------
    genes
        Frame with ``chrom``, ``tss`` (0-based) and ``strand``.
    islands
        Frame with ``chrom``, ``start``, ``end`` (0-based half-open, as UCSC).
    """
    out = np.zeros(len(genes), dtype=bool)
    by_chrom = {c: g.sort_values("start") for c, g in islands.groupby("chrom")}
    for k, (chrom, tss, strand) in enumerate(zip(genes["chrom"], genes["tss"], genes["strand"], strict=True)):
        isl = by_chrom.get(chrom)
        if isl is None:
            continue
        start, end = promoter_window(int(tss), strand, upstream, downstream)
        starts = isl["start"].to_numpy()
        ends = isl["end"].to_numpy()
        # islands with start < window end; among them any with end > window start overlaps
        n = np.searchsorted(starts, end, side="left")
        out[k] = bool(n and (ends[:n] > start).any())
    return out
