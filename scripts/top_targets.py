"""The Genome scan's top targets for held-out TFs, with how many are known targets (docs/top_targets.md).

    python scripts/top_targets.py --dataset datasets/v1 HSF1 SOX9

Each TF is scanned against every catalogue promoter with the bundled unknown-TF model, ranked by
probability and by TF-specificity, once with the model's homology-transfer term and once with the
network alone. "Known" = linked to the TF in any source of the build (``known_any_source.tsv``: DoRothEA
A-E, ENCODE, CollecTRI, TRRUST, ChEA3); the TFs must be test TFs of the unknown split, so the model never
saw their labels (their homologs' labels it did).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from grenimja.dataset import load_dataset
from grenimja.explorer import load_bundle, scan_sequence

ROOT = Path(__file__).resolve().parents[1]
TOP = (20, 100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tfs", nargs="+")
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--out", default=str(ROOT / "docs" / "top_targets.md"))
    a = ap.parse_args()
    ds = load_dataset(a.dataset)
    test_tfs = set(ds.split("unknown", "test")["tf"])
    known = pd.read_csv(Path(a.dataset) / "known_any_source.tsv", sep="\t")
    b = load_bundle(name="unknown")
    term = b.model.transfer
    genes = b.catalogue.genes["gene"]
    lines = [
        "# Genome scan: top targets of two held-out TFs",
        "",
        "Written by `python scripts/top_targets.py --dataset "
        f"{a.dataset} {' '.join(a.tfs)}` with the bundled `models/unknown.pt`. Both TFs are test TFs of the "
        "unknown split: the model never saw their labels. A gene counts as known when any source of the build "
        "links it to the TF (DoRothEA A-E, ENCODE, CollecTRI, TRRUST, ChEA3). Background: the share of all "
        f"{len(genes):,} scanned promoters that are known targets.",
        "",
    ]
    rows = []
    for tf in a.tfs:
        if tf not in test_tfs:
            raise SystemExit(f"{tf} is not a test TF of the unknown split of {a.dataset}")
        protein = ds.tfs.set_index("tf").loc[tf, "protein"]
        targets = set(known.loc[known["tf"] == tf, "gene"])
        background = genes.isin(targets).mean()
        lines += [f"## {tf}", "", f"{len(targets):,} known targets; background rate {background:.3f}.", ""]
        tables = {}
        for with_term in (True, False):
            b.model.transfer = term if with_term else None
            for by in ("probability", "tf_specificity"):
                r = scan_sequence(b, protein, by=by)
                label = f"{'network + homology transfer' if with_term else 'network alone'}, by {by}"
                hits = r["gene"].isin(targets)
                rows.append(
                    {
                        "tf": tf,
                        "model": label,
                        **{f"known_in_top_{k}": int(hits[:k].sum()) for k in TOP},
                        "background_rate": round(float(background), 4),
                    }
                )
                tables[label] = r.head(TOP[0]).assign(known=hits[: TOP[0]].map({True: "yes", False: ""}))
        b.model.transfer = term
        lines += [
            "| ranking | " + " | ".join(f"known in top {k}" for k in TOP) + " |",
            "|---|" + "---|" * len(TOP),
        ]
        lines += [
            f"| {r['model']} | " + " | ".join(str(r[f"known_in_top_{k}"]) for k in TOP) + " |"
            for r in rows
            if r["tf"] == tf
        ]
        best = "network + homology transfer, by tf_specificity"
        t = tables[best]
        lines += [
            "",
            f"Top {TOP[0]} ({best}):",
            "",
            "| rank | gene | probability | TF-specificity | popular gene | known target |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {x['rank']} | {x['gene']} | {x['probability']:.3f} | {x['tf_specificity']:.2f} | "
            f"{'yes' if x['popular_gene'] else ''} | {x['known']} |"
            for _, x in t.iterrows()
        ]
        lines.append("")
    Path(a.out).write_text("\n".join(lines) + "\n")
    pd.DataFrame(rows).to_csv(Path(a.out).with_suffix(".csv"), index=False)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
