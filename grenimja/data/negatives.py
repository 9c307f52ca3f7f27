"""Negative pairs as in the paper: per TF, as many non-target genes as it has targets."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def sample_negatives(positives: pd.DataFrame, genes: Sequence[str], seed: int) -> pd.DataFrame:
    """Draw negatives per TF uniformly from ``genes`` that are not among its positives.

    Parameters
    ----------
    positives
        Frame with ``tf`` and ``gene`` (one row per positive pair).
    genes
        Candidate genes (those with a promoter); sorted internally so the draw is deterministic.
    seed
        Seed of the numpy generator; TFs are processed in sorted order.

    Returns
    -------
    Frame with ``tf``, ``gene``; as many rows per TF as it has positives (fewer only when the TF
    regulates almost every gene).
    """
    rng = np.random.default_rng(seed)
    universe = np.array(sorted(set(genes)))
    rows_tf, rows_gene = [], []
    for tf, grp in positives.groupby("tf", sort=True):
        targets = set(grp["gene"])
        mask = ~np.isin(universe, list(targets))
        pool = universe[mask]
        k = min(len(grp), len(pool))
        picked = rng.choice(pool, size=k, replace=False)
        rows_tf.extend([tf] * k)
        rows_gene.extend(sorted(picked.tolist()))
    return pd.DataFrame({"tf": rows_tf, "gene": rows_gene})


def degree_matched_negatives(
    positives: pd.DataFrame,
    degree: pd.Series,
    exclude: dict[str, set[str]],
    seed: int,
    secondary: pd.Series | None = None,
) -> pd.DataFrame:
    """For each positive (tf, gene), a negative (tf, gene') whose degree is closest to the gene's.

    A gene's degree is its number of training-split regulators, so a score that only knows how popular a
    gene is cannot tell a positive from its matched negative.

    Parameters
    ----------
    positives
        Frame with ``tf`` and ``gene``, one row per positive pair.
    degree
        Degree of every candidate gene (index: gene symbol; the candidate universe).
    exclude
        TF -> genes that may not be its negatives (its links in any source, and the pairs the dataset
        already holds for it).
    seed
        Seed of the numpy generator that orders candidates of equal degree and breaks distance ties
        (lower vs higher degree). TFs are processed in sorted order, their positives by gene.
    secondary
        Optional second score per gene (index: gene symbol; a gene it lacks counts as 0). Given, the
        negative is, within the nearest-degree bucket, the unused gene whose score is nearest the
        positive's (a stricter protocol: ``scripts/selectivity_matched.py`` passes the TF-blind
        selectivity-weighted prior). Without it the draw is unchanged.

    Returns
    -------
    Frame with ``tf``, ``gene`` (the negative), ``matched_gene`` (its positive), ``degree``,
    ``matched_degree``, one row per positive. Within a TF, genes of the nearest degree are used once
    each before any is drawn again (only hub genes, whose degree few non-targets share, repeat).
    """
    rng = np.random.default_rng(seed)
    universe = degree.sort_index()
    rows = []
    for tf, grp in positives.sort_values(["tf", "gene"]).groupby("tf", sort=True):
        cand = universe[~universe.index.isin(exclude.get(tf, set()))]
        if cand.empty:
            continue
        buckets: dict[int, list[str]] = {}
        for d, g in cand.groupby(cand.to_numpy()).groups.items():
            buckets[int(d)] = [str(x) for x in rng.permutation(np.asarray(g))]
        levels = np.array(sorted(buckets))
        used = dict.fromkeys(buckets, 0)
        if secondary is not None:
            # per bucket: its genes' secondary scores and which of them this TF has drawn
            by_score = {
                d: (np.asarray(b), secondary.reindex(b).fillna(0.0).to_numpy(float), np.zeros(len(b), bool))
                for d, b in buckets.items()
            }
        for gene in grp["gene"]:
            d = int(universe.get(gene, 0))
            k = int(np.searchsorted(levels, d))
            lo = levels[k - 1] if k > 0 else None
            hi = levels[k] if k < len(levels) else None
            if hi is not None and hi == d:
                pick = hi
            elif lo is None or (
                hi is not None and (hi - d < d - lo or (hi - d == d - lo and rng.random() < 0.5))
            ):
                pick = hi
            else:
                pick = lo
            if secondary is None:
                bucket = buckets[int(pick)]
                neg = bucket[used[int(pick)] % len(bucket)]
                used[int(pick)] += 1
            else:
                names, score, drawn = by_score[int(pick)]
                if drawn.all():  # every gene of the bucket drawn once: start again
                    drawn[:] = False
                free = np.flatnonzero(~drawn)
                j = free[np.argmin(np.abs(score[free] - float(secondary.get(gene, 0.0))))]
                drawn[j] = True
                neg = str(names[j])
            rows.append((tf, neg, gene, int(pick), d))
    return pd.DataFrame(rows, columns=["tf", "gene", "matched_gene", "degree", "matched_degree"])
