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
    w_start, w_end = promoter_window(
        genes["tss"].to_numpy(np.int64), genes["strand"].to_numpy(), upstream, downstream
    )
    chroms = genes["chrom"].to_numpy()
    out = np.zeros(len(genes), dtype=bool)
    for chrom, isl in islands.groupby("chrom", sort=False):
        at = np.flatnonzero(chroms == chrom)
        if not len(at):
            continue
        isl = isl.sort_values("start", kind="stable")
        starts = isl["start"].to_numpy()
        # islands with start < window end are a prefix of the sorted ones; one of them overlaps the window
        # when the largest end in that prefix passes the window's start
        reach = np.maximum.accumulate(isl["end"].to_numpy())
        n = np.searchsorted(starts, w_end[at], side="left")
        out[at] = (n > 0) & (reach[np.maximum(n - 1, 0)] > w_start[at])
    return out
