"""bfloat16 autocast vs fp32 on the bundled models' validation pairs, measured in one run.

    python bench/bench_bf16.py [--dataset datasets/v1] [--device cpu] [--out results/bf16_validation.json]

For each bundled model (unknown, known) and protocol (paper, degree-matched): the network's own logits
(no homology-transfer term, no calibration: those would hide the network's rounding) on the validation
pairs of its split, in fp32 and under bf16 autocast; prints AUROC of both, their difference, the largest
logit difference and the seconds each took. Issue target: |AUROC difference| <= 0.005.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from grenimja.dataset import load_dataset
from grenimja.embedding import Embeddings
from grenimja.metrics import binary_metrics
from grenimja.model.io import load_model
from grenimja.predict import score_cached, sigmoid, tokens_for

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dataset", default=str(ROOT / "datasets" / "v1"), help="the build the models used")
    ap.add_argument("--models", default=str(ROOT / "models"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None, help="also write the figures as JSON here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    emb = Embeddings.load(Path(a.models) / "embeddings.npz")
    ds = load_dataset(a.dataset)
    dev = torch.device(a.device)
    out: dict = {"device": a.device, "threads": a.threads, "dataset": str(a.dataset)}
    for name in ("unknown", "known"):
        model, _ = load_model(Path(a.models) / f"{name}.pt", emb)
        model = model.to(dev)
        tf_tok, gene_tok = tokens_for(model, emb, ds.tfs["protein"].tolist(), ds.genes["promoter"].tolist())
        for neg in ("paper", "degree-matched"):
            pairs = ds.evaluation_pairs(name, "valid", neg)
            y = pairs["label"].to_numpy()
            z, secs = {}, {}
            for kind in ("fp32", "bf16"):
                t = time.perf_counter()
                with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=kind == "bf16"):
                    z[kind] = score_cached(
                        model,
                        tf_tok,
                        gene_tok,
                        pairs["tf_i"].to_numpy(),
                        pairs["gene_i"].to_numpy(),
                        logits=True,
                    )
                secs[kind] = time.perf_counter() - t
            auc = {k: binary_metrics(y, sigmoid(v))["auroc"] for k, v in z.items()}
            row = {
                "pairs": len(y),
                "tfs": int(pairs["tf_i"].nunique()),
                "auroc_fp32": auc["fp32"],
                "auroc_bf16": auc["bf16"],
                "auroc_diff": auc["bf16"] - auc["fp32"],
                "max_abs_logit_diff": float(np.abs(z["fp32"] - z["bf16"]).max()),
                "logit_sd_fp32": float(z["fp32"].std()),
                "seconds_fp32": secs["fp32"],
                "seconds_bf16": secs["bf16"],
            }
            out[f"{name}/{neg}"] = row
            print(f"{name:8s} {neg:15s} " + " ".join(f"{k}={v:.6g}" for k, v in row.items()), flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
