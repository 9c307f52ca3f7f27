"""How much of a degree-matched AUROC is study-bias popularity: negatives matched on degree *and* selectivity
(or literature popularity).

    python scripts/selectivity_matched.py [--dataset datasets/v1] [SPLIT ...]   # default: unknown homology known
    python scripts/selectivity_matched.py --match literature unknown homology

Degree-matched negatives (``grenimja.data.negatives``) match the number of a gene's training regulators,
not which regulators they are, and the TF-blind selectivity-weighted prior
(:class:`grenimja.baselines.simple.SelectiveRegulatorPrior`) scores above 0.5 there. This script draws a
stricter set of test negatives: per positive (tf, gene), the nearest-degree bucket as the degree-matched
sampler takes it, then within it the gene not linked to the TF (as for degree-matched negatives) whose
selectivity-weighted score is nearest the positive gene's, each used once per TF before any is reused
(``secondary`` of :func:`grenimja.data.negatives.degree_matched_negatives`). It then scores the bundled
model of each split (network + transfer term; calibration is monotone) and the TF-blind and homolog
baselines on those pairs.

With ``--match literature`` the secondary score is the TF-blind literature-degree prior instead
(:class:`grenimja.baselines.simple.LiteratureDegreePrior`: how many training TFs CollecTRI or TRRUST link
to the gene), which degree-matched negatives do not match either, and the output is
``results/literature_matched.csv``. Its count is per gene, so on the known split a positive's count holds
its own TF's curated link where it has one (its candidates' never do): run it on the held-out splits.

Writes ``results/selectivity_matched.csv``: split, model, pairs, TFs with >= 5 positives, pooled AUROC and
the mean per-TF AUROC over TFs with >= 5 positives. It makes no choice: an evaluation on test pairs only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from grenimja.baselines.simple import (
    GeneDegreePrior,
    LiteratureDegreePrior,
    NearestHomolog,
    SelectiveRegulatorPrior,
    SharedTargetsEASE,
)
from grenimja.dataset import Dataset, load_dataset
from grenimja.metrics import MIN_POSITIVES, auroc_summary


def selectivity_matched_pairs(ds: Dataset, split: str, part: str = "test") -> pd.DataFrame:
    """The part's positives and one negative each, matched on degree then on the selectivity-weighted prior.

    :meth:`grenimja.dataset.Dataset.degree_matched_pairs` with the prior as the secondary score: within
    the nearest-degree bucket, the gene not linked to the TF whose prior is nearest the positive gene's."""
    gene_i = {g: i for i, g in enumerate(ds.genes["gene"])}
    prior = SelectiveRegulatorPrior().fit(ds, split).prior
    selectivity = pd.Series(prior[[gene_i[g] for g in ds.genes["gene"]]], index=ds.genes["gene"])
    return ds.degree_matched_pairs(split, part, secondary=selectivity)


def literature_matched_pairs(ds: Dataset, split: str, part: str = "test") -> pd.DataFrame:
    """As :func:`selectivity_matched_pairs`, matched on the literature-degree prior's per-gene count."""
    counts = LiteratureDegreePrior().fit(ds, split).counts
    return ds.degree_matched_pairs(split, part, secondary=pd.Series(counts, index=ds.genes["gene"]))


MATCHES = {"selectivity": selectivity_matched_pairs, "literature": literature_matched_pairs}


def main() -> None:
    from grenimja.embedding import Embeddings
    from grenimja.evaluate import dataset_logits
    from grenimja.model.io import load_model

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("splits", nargs="*", default=["unknown", "homology", "known"])
    ap.add_argument("--dataset", default="datasets/v1")
    ap.add_argument("--models", default="models")
    ap.add_argument("--match", choices=sorted(MATCHES), default="selectivity", help="the secondary score")
    ap.add_argument("--out", default=None, help="default results/<match>_matched.csv")
    a = ap.parse_args()
    out = a.out or f"results/{a.match}_matched.csv"
    ds = load_dataset(a.dataset)
    emb = Embeddings.load(Path(a.models) / "embeddings.npz")
    rows = []
    for split in a.splits:
        pairs = MATCHES[a.match](ds, split)
        model, _ = load_model(Path(a.models) / f"{split}.pt", emb)
        scores = {
            "GReNIMJA (bundled)": dataset_logits(
                model, emb, ds, pairs["tf_i"].to_numpy(), pairs["gene_i"].to_numpy()
            )
        }
        baselines = [GeneDegreePrior(), SelectiveRegulatorPrior(), LiteratureDegreePrior(), NearestHomolog()]
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
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(out, index=False)


if __name__ == "__main__":
    main()
