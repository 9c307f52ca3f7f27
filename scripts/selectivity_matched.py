"""How much of a degree-matched AUROC is study-bias popularity: negatives matched on degree *and* selectivity.

    python scripts/selectivity_matched.py [--dataset datasets/v1] [SPLIT ...]   # default: unknown homology known

Degree-matched negatives (``grenimja.data.negatives``) match the number of a gene's training regulators,
not which regulators they are, and the TF-blind selectivity-weighted prior
(:class:`grenimja.baselines.simple.SelectiveRegulatorPrior`) scores above 0.5 there. This script draws a
stricter set of test negatives: per positive (tf, gene), the nearest-degree bucket as the degree-matched
sampler takes it (where a lower and a higher degree are equally near, the higher; the sampler tosses a seeded
coin), then within it the gene not linked to the TF (:meth:`grenimja.dataset.Dataset.negative_exclusions`)
whose selectivity-weighted score is nearest the positive gene's, each used once per TF before any is reused. It then scores the bundled model of each split (network + transfer term; calibration is
monotone) and the TF-blind and homolog baselines on those pairs.

Writes ``results/selectivity_matched.csv``: split, model, pairs, TFs with >= 5 positives, pooled AUROC and
the mean per-TF AUROC over TFs with >= 5 positives. It makes no choice: an evaluation on test pairs only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.baselines.simple import (
    GeneDegreePrior,
    NearestHomolog,
    SelectiveRegulatorPrior,
    SharedTargetsEASE,
)
from grenimja.dataset import Dataset, load_dataset
from grenimja.metrics import MIN_POSITIVES, auroc_summary


def selectivity_matched_pairs(ds: Dataset, split: str, part: str = "test") -> pd.DataFrame:
    """The part's positives and one negative each, matched on degree then on the selectivity-weighted prior.

    Returns a frame with tf, gene, label, tf_i, gene_i (positives first, in the part's order), and for a
    negative ``matched_gene``, its positive's gene."""
    exclude = ds.negative_exclusions(split)
    degree = ds.gene_degree(split)
    gene_i = {g: i for i, g in enumerate(ds.genes["gene"])}
    prior = SelectiveRegulatorPrior().fit(ds, split).prior
    selectivity = pd.Series(prior[[gene_i[g] for g in degree.index]], index=degree.index)
    pos = ds.split(split, part)
    pos = pos[pos["label"] == 1]
    rows = []
    for tf, grp in pos.sort_values(["tf", "gene"]).groupby("tf"):
        cand = degree[~degree.index.isin(exclude.get(tf, set()))]
        if cand.empty:
            continue
        buckets = {}
        for d, idx in cand.groupby(cand.to_numpy()).groups.items():
            genes = np.asarray(idx)
            s = selectivity[genes].to_numpy()
            order = np.argsort(s, kind="stable")
            buckets[int(d)] = (genes[order], s[order], np.zeros(len(order), dtype=bool))
        levels = np.array(sorted(buckets))
        for gene in grp["gene"]:
            d = int(degree.get(gene, 0))
            k = int(np.searchsorted(levels, d))
            lo = levels[k - 1] if k > 0 else None
            hi = levels[k] if k < len(levels) else None
            pick = hi if hi is not None and (lo is None or hi - d <= d - lo) else lo
            genes, s, used = buckets[int(pick)]
            if used.all():  # every gene of the bucket drawn once: start again
                used[:] = False
            free = np.flatnonzero(~used)
            j = free[np.argmin(np.abs(s[free] - selectivity.get(gene, 0.0)))]
            used[j] = True
            rows.append((tf, genes[j], gene))
    neg = pd.DataFrame(rows, columns=["tf", "gene", "matched_gene"])
    tf_i = {t: i for i, t in enumerate(ds.tfs["tf"])}
    neg = neg.assign(label=0, tf_i=neg["tf"].map(tf_i), gene_i=neg["gene"].map(gene_i))
    return pd.concat([pos[["tf", "gene", "label", "tf_i", "gene_i"]], neg], ignore_index=True)


def main() -> None:
    from grenimja.embedding import Embeddings
    from grenimja.evaluate import dataset_logits
    from grenimja.model.io import load_model

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("splits", nargs="*", default=["unknown", "homology", "known"])
    ap.add_argument("--dataset", default="datasets/v1")
    ap.add_argument("--models", default="models")
    ap.add_argument("--out", default="results/selectivity_matched.csv")
    a = ap.parse_args()
    ds = load_dataset(a.dataset)
    emb = Embeddings.load(Path(a.models) / "embeddings.npz")
    rows = []
    for split in a.splits:
        pairs = selectivity_matched_pairs(ds, split)
        model, _ = load_model(Path(a.models) / f"{split}.pt", emb)
        scores = {
            "GReNIMJA (bundled)": dataset_logits(
                model, emb, ds, pairs["tf_i"].to_numpy(), pairs["gene_i"].to_numpy()
            )
        }
        baselines = [GeneDegreePrior(), SelectiveRegulatorPrior(), NearestHomolog()]
        if split == "known":
            baselines.append(SharedTargetsEASE())
        for b in baselines:
            scores[b.name] = b.fit(ds, split).score(pairs)
        for name, z in scores.items():
            pooled, per_tf = auroc_summary(
                pairs["tf"].to_numpy(), pairs["label"].to_numpy(), z, MIN_POSITIVES
            )
            n5 = int((pairs[pairs["label"] == 1].groupby("tf").size() >= MIN_POSITIVES).sum())
            rows.append(
                {
                    "split": split,
                    "model": name,
                    "pairs": len(pairs),
                    "tfs_min_positives": n5,
                    "pooled_auroc": round(pooled, 4),
                    "per_tf_auroc_min_positives": round(per_tf, 4),
                }
            )
            print(
                f"{split}\t{name}\tpooled {pooled:.3f}\tper-TF (>= {MIN_POSITIVES}) {per_tf:.3f}", flush=True
            )
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(a.out, index=False)


if __name__ == "__main__":
    main()
