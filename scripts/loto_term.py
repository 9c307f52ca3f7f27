"""A bundled model's transfer-term shape against the best shape on the left-out training TFs.

Scores every shape of :mod:`grenimja.model.loto`'s grid on the training TFs of ``--split``, each left out in
turn, with the model file's own k-mer signatures and motif part, and prints the model's shape beside the
best one (by the criterion, degree-matched per-TF + paper pooled AUROC) with a paired TF-bootstrap interval
of their degree-matched per-TF difference. Writes the grid to
``results/validation/loto_<split>.csv``. Nothing here reads a validation or test pair.

    python scripts/loto_term.py --split unknown
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from grenimja.data.names import load_mapper
from grenimja.data.sequences import read_tf_proteins
from grenimja.dataset import load_dataset
from grenimja.metrics import MIN_POSITIVES, paired_tf_bootstrap, per_tf_auroc
from grenimja.model.io import load_payload
from grenimja.model.loto import (
    HOMOLOGY_MAX_IDENTITY,
    SHAPE_COLUMNS,
    best_shape,
    loto_grid,
    loto_parts,
    pseudo_pairs,
    shape_score,
)
from grenimja.model.transfer import HomologyTransfer

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="datasets/v1")
    ap.add_argument("--split", choices=("unknown", "homology"), required=True)
    ap.add_argument("--model", default=None, help="default models/<split>.pt")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    ds = load_dataset(a.dataset)
    bundled = HomologyTransfer.from_payload(
        load_payload(a.model or ROOT / "models" / f"{a.split}.pt")["transfer"]
    )
    frame, _ = read_tf_proteins("dbd", load_mapper(None), None)
    dbd = dict(zip(frame["tf"], frame["protein"], strict=True))
    candidates = [HomologyTransfer.fit(ds, a.split), HomologyTransfer.fit(ds, a.split, dbd=dbd)]
    if candidates[0].genes != bundled.genes or candidates[0].tfs != bundled.tfs:
        raise SystemExit(f"{a.dataset} is not the build the model's term was fitted on")
    candidates[0].kmers, candidates[0].motifs = bundled.kmers, bundled.motifs
    full_of = dict(zip(ds.tfs["tf"], ds.tfs["protein"], strict=True))
    train = ds.split(a.split, "train")
    random = {t: g.to_numpy() for t, g in train[train["label"] == 0].groupby("tf")["gene_i"]}
    pairs = pseudo_pairs(candidates[0], ds.negative_exclusions(a.split), paper_negatives=random)
    parts = loto_parts(
        candidates,
        [full_of[t] for t in bundled.tfs],
        pairs,
        ds.genes["promoter"].tolist(),
        HOMOLOGY_MAX_IDENTITY if a.split == "homology" else None,
    )
    grid = loto_grid(parts)
    out = Path(a.out or ROOT / "results" / "validation" / f"loto_{a.split}.csv")
    grid.round(6).to_csv(out, index=False)
    label = pairs["label"].to_numpy()
    own = dict(
        zip(
            SHAPE_COLUMNS,
            (
                bundled.identity,
                bundled.power,
                bundled.smooth,
                bundled.kmer_weight / bundled.weight,
                bundled.motif_weight / bundled.weight,
                bundled.motifs.n_donors,
                bundled.motifs.statistic,
            ),
            strict=True,
        )
    )
    best = best_shape(grid)
    dm = (pairs["protocol"] == "degree-matched").to_numpy()
    per = {
        n: per_tf_auroc(parts.tf[dm], label[dm], shape_score(parts, s)[dm], MIN_POSITIVES)
        for n, s in (("model", own), ("best", best))
    }
    print(grid.sort_values("criterion", ascending=False).head(10).to_string(index=False))
    for n, s in (("model", own), ("best", best)):
        row = grid.merge(pd.DataFrame([s]), on=SHAPE_COLUMNS)
        print(
            f"{n}: {s} -> dm per-TF {per[n].mean():.4f} over {len(per[n])} TFs; paper pooled "
            f"{row['paper_auroc'].iloc[0] if len(row) else float('nan'):.4f}"
        )
    d, lo, hi = paired_tf_bootstrap(per["model"], per["best"])
    print(f"best - model: {d:+.4f} (95% {lo:+.4f} to {hi:+.4f}); wrote {out}")


if __name__ == "__main__":
    main()
