"""Probe (issue #12): does removing each TF's network offset restore the paper protocol's pooled AUROC of a
network trained with a within-TF loss?

A within-TF ranking loss (``scripts/probe_pairwise.py``) leaves each TF's mean logit free: nothing in it
ties one TF's scores to another's. Under the paper protocol every TF has as many negatives as positives,
so a TF-wide offset carries no information there and can only mix TFs badly in the pooled AUROC. This
subtracts from every pair's final logit (network + term) the network's mean logit of its TF over a fixed
panel of promoters (every ``--every``-th gene of the build), which leaves every per-TF figure unchanged,
and prints pooled and per-TF AUROC of both protocols, with and without it, and of the network alone, for the
given model files on one split part.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def main() -> None:
    from grenimja.dataset import load_dataset
    from grenimja.embedding import Embeddings
    from grenimja.metrics import MIN_POSITIVES, auroc_summary
    from grenimja.model.io import build_model, load_payload
    from grenimja.predict import score_cached, tokens_for, transfer_logits

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--dataset", default="datasets/v1")
    ap.add_argument("--split", default="homology")
    ap.add_argument("--part", default="valid")
    ap.add_argument("--every", type=int, default=64)
    ap.add_argument("--embeddings", default="models/embeddings.npz")
    ap.add_argument("--csv", help="table to add the rows to (rows of the same model and part replaced)")
    a = ap.parse_args()
    ds = load_dataset(a.dataset)
    emb = Embeddings.load(a.embeddings)
    panel = np.arange(0, len(ds.genes), a.every)
    rows = []
    for path in a.models:
        payload = load_payload(path)
        model = build_model(payload, emb, path)
        network = "fine-tuned" if "fine_tune" in payload.get("meta", {}) else "as trained"
        model.calibration = None
        proteins, promoters = ds.tfs["protein"].tolist(), ds.genes["promoter"].tolist()
        tf_tok, gene_tok = tokens_for(model, emb, proteins, promoters)
        for proto in ("paper", "degree-matched"):
            f = ds.evaluation_pairs(a.split, a.part, proto)
            t, g, y = f["tf_i"].to_numpy(), f["gene_i"].to_numpy(), f["label"].to_numpy()
            # the network once; the final logit (calibration off) is it plus the term, as pair_logits adds them
            alone = score_cached(model, tf_tok, gene_tok, t, g, logits=True)
            z = alone + transfer_logits(model, proteins, ds.genes["gene"].tolist(), t, g, promoters)
            tu = np.unique(t)
            net = score_cached(
                model, tf_tok, gene_tok, np.repeat(tu, len(panel)), np.tile(panel, len(tu)), logits=True
            )
            offset = dict(zip(tu, net.reshape(len(tu), len(panel)).mean(1), strict=True))
            zc = z - np.array([offset[x] for x in t])
            for name, s in (("as bundled", z), ("TF-centred", zc), ("network alone", alone)):
                pooled, per_tf = auroc_summary(f["tf"].to_numpy(), y, s, MIN_POSITIVES)
                rows.append(
                    {"model": path, "network": network, "part": a.part, "protocol": proto, "score": name, "pooled_auroc": round(pooled, 4),
                     "per_tf_auroc_min5": round(per_tf, 4), "offset_sd": round(float(np.std(list(offset.values()))), 3)}
                )  # fmt: skip
                print(json.dumps(rows[-1]), flush=True)
    if a.csv:
        import pandas as pd

        out = pd.DataFrame(rows)
        if Path(a.csv).is_file():
            old = pd.read_csv(a.csv)
            old = old[~(old["model"].isin(out["model"]) & (old["part"] == a.part))]
            out = pd.concat([old, out], ignore_index=True)
        out.to_csv(a.csv, index=False)


if __name__ == "__main__":
    main()
