"""Probe: the held-out models' promoter k-mer part read from the 300 bp windows instead of the 60 bp cores,
judged on the training TFs left out in turn (:mod:`grenimja.model.loto`), beside the bundled 60 bp part.

For each k-mer part the same left-out pseudo-pairs are scored under a reduced shape grid (DBD identity,
power 2 / 4 / 8, smoothing 0 / 0.5, every k-mer factor, motif factor 0 to 3.2 with 1 or 5 donors and both
statistics). Printed per part: the bundled shape's two figures, the best degree-matched mean among shapes
at least as good as the bundled one on the paper protocol's pooled AUROC, and the best criterion among
shapes no worse on either. Writes ``results/validation/loto_kmer300_<split>.csv`` (both parts' grids, column
``kmers``). Nothing here reads a validation or test pair; nothing is bundled.

    python scripts/probe_kmer300_loto.py unknown homology
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from grenimja.data.catalogue import epd300_windows
from grenimja.data.names import load_mapper
from grenimja.data.sequences import read_tf_proteins
from grenimja.dataset import load_dataset
from grenimja.model.io import load_payload
from grenimja.model.kmers import PromoterKmers
from grenimja.model.loto import (
    HOMOLOGY_MAX_IDENTITY,
    loto_grid,
    loto_parts,
    pseudo_pairs,
    shape_rows,
    term_shape,
)
from grenimja.model.transfer import HomologyTransfer

ROOT = Path(__file__).resolve().parents[1]


def main(splits: list[str]) -> None:
    ds = load_dataset(ROOT / "datasets" / "v1")
    frame, _ = read_tf_proteins("dbd", load_mapper(None), None)
    dbd = dict(zip(frame["tf"], frame["protein"], strict=True))
    full_of = dict(zip(ds.tfs["tf"], ds.tfs["protein"], strict=True))
    windows = epd300_windows()
    for split in splits:
        bundled = HomologyTransfer.from_payload(load_payload(ROOT / "models" / f"{split}.pt")["transfer"])
        incumbent = term_shape(bundled)
        cands = [HomologyTransfer.fit(ds, split), HomologyTransfer.fit(ds, split, dbd=dbd)]
        cands[0].motifs = bundled.motifs
        train = ds.split(split, "train")
        random = {t: g.to_numpy() for t, g in train[train["label"] == 0].groupby("tf")["gene_i"]}
        pairs = pseudo_pairs(cands[0], ds.negative_exclusions(split), paper_negatives=random)
        queries = [full_of[t] for t in cands[0].tfs]
        cap = HOMOLOGY_MAX_IDENTITY if split == "homology" else None
        w300 = [windows.get(g, "") for g in cands[0].genes]
        print(f"{split}: {sum(not w for w in w300):,} of {len(w300):,} genes without a 300 bp window")
        variants = {
            "60 bp cores (bundled)": (bundled.kmers, ds.genes["promoter"].tolist()),
            "300 bp windows": (PromoterKmers.fit(cands[0]._y, w300, k=6, length=300), w300),
        }
        grids = []
        for name, (km, promoters) in variants.items():
            cands[0].kmers = km
            parts = loto_parts(
                cands, queries, pairs, promoters, cap, powers=(2.0, 4.0, 8.0), donor_counts=(1, 5)
            )
            parts.term = {k: v for k, v in parts.term.items() if k[0] == "dbd"}
            grids.append(loto_grid(parts, motif_factors=(0.0, 0.4, 0.8, 1.6, 3.2)).assign(kmers=name))
        # the bundled model (its 60 bp part, its shape) is the reference for both parts
        own = grids[0][shape_rows(grids[0], incumbent)].iloc[0]
        print(f"  bundled: dm {own['dm_per_tf_auroc']:.4f}, paper {own['paper_auroc']:.4f}")
        for grid in grids:
            ok_paper = grid[grid["paper_auroc"] >= own["paper_auroc"] - 1e-12]
            ok_both = ok_paper[ok_paper["dm_per_tf_auroc"] >= own["dm_per_tf_auroc"] - 1e-12]
            a = ok_paper.loc[ok_paper["dm_per_tf_auroc"].idxmax()]
            line = (
                f"  {grid['kmers'].iloc[0]}: best dm at no lower paper {a['dm_per_tf_auroc']:.4f} (paper "
                f"{a['paper_auroc']:.4f}, power {a['power']:g}, k-mer x {a['kmer_factor']:g}, motif x "
                f"{a['motif_factor']:g}); best dm overall {grid['dm_per_tf_auroc'].max():.4f}"
            )
            if len(ok_both):
                b = ok_both.loc[ok_both["criterion"].idxmax()]
                line += f"; best criterion no worse on either: dm {b['dm_per_tf_auroc']:.4f}, paper {b['paper_auroc']:.4f}"
            print(line)
        out = ROOT / "results" / "validation" / f"loto_kmer300_{split}.csv"
        pd.concat(grids, ignore_index=True).round(6).to_csv(out, index=False)
        print(f"  wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["unknown", "homology"])
