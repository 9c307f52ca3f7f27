"""Speed figures for the bundled model, measured in one run on this machine (prints a table).

    python bench/bench_model.py [--model unknown] [--threads 2]

Figures: training pairs/s (TF-grouped vs random batches); inference pairs/s per-pair vs cached encoders;
2D-LSTM wavefront vs cell-by-cell loop; seconds to scan one TF against every catalogue promoter.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from grenimja.explorer import load_bundle, scan_sequence
from grenimja.predict import score_cached, score_per_pair, tokens_for
from grenimja.train import epoch_batches


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def train_rate(model, tf_tok, gene_tok, tfs_per_batch: int, n_batches: int = 40, batch: int = 64) -> float:
    rng = np.random.default_rng(0)
    n = n_batches * batch
    tf_idx = rng.integers(0, len(tf_tok), 20 * n)
    gene_idx = rng.integers(0, len(gene_tok), 20 * n)
    y = torch.tensor(rng.integers(0, 2, 20 * n), dtype=torch.float32)
    batches = epoch_batches(tf_idx, n, batch, tfs_per_batch, rng)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    model.train()
    t = time.perf_counter()
    for b in batches:
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            model(tf_tok[torch.as_tensor(tf_idx[b])], gene_tok[torch.as_tensor(gene_idx[b])]),
            y[torch.as_tensor(b)],
        )
        loss.backward()
        opt.step()
    model.eval()
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="unknown")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=4000)
    ap.add_argument("--out", default=None, help="also write the figures as JSON here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    b = load_bundle(name=a.model)
    model, emb, cat = b.model, b.emb, b.catalogue
    tf_tok, gene_tok = tokens_for(model, emb, cat.tfs["protein"].tolist(), cat.genes["promoter"].tolist())
    out = {"threads": a.threads, "grid": [model.tf_encoder.out_len, model.gene_encoder.out_len]}

    state = {k: v.clone() for k, v in model.state_dict().items()}
    out["train_pairs_per_s_tf_grouped"] = train_rate(model, tf_tok, gene_tok, tfs_per_batch=4)
    out["train_pairs_per_s_random"] = train_rate(model, tf_tok, gene_tok, tfs_per_batch=64)
    model.load_state_dict(state)

    rng = np.random.default_rng(1)
    # realistic workload: a few TFs against many genes (as in evaluation and prediction)
    ti = rng.integers(0, 40, a.pairs)
    gi = rng.integers(0, len(gene_tok), a.pairs)
    t_pp = timed(lambda: score_per_pair(model, tf_tok, gene_tok, ti, gi), 2)
    t_c = timed(lambda: score_cached(model, tf_tok, gene_tok, ti, gi), 2)
    out["infer_pairs_per_s_per_pair"] = a.pairs / t_pp
    out["infer_pairs_per_s_cached"] = a.pairs / t_c
    out["cached_speedup"] = t_pp / t_c

    lstm = model.lstm
    ta, td = model.tf_encoder.out_len, model.gene_encoder.out_len
    with torch.no_grad():
        # the model's own grid, and the 16 x 16 grid a 1000 bp promoter model has
        for gta, gtd, bsz in ((ta, td, 1), (ta, td, 64), (16, 16, 1), (16, 16, 64)):
            tf = torch.randn(bsz, gta, model.cfg.common)
            ge = torch.randn(bsz, gtd, model.cfg.common)
            tw = timed(lambda tf=tf, ge=ge: lstm(tf, ge), 5)
            tc = timed(lambda tf=tf, ge=ge: lstm.forward_cells(tf, ge), 5)
            tag = f"grid{gta}x{gtd}_batch{bsz}"
            out[f"lstm_wavefront_speedup_{tag}"] = tc / tw
            out[f"lstm_cells_per_step_{tag}"] = gta * gtd / (gta + gtd - 1)

    b._gene_cache = None
    t_first = timed(lambda: scan_sequence(b, cat.tfs["protein"].iloc[0]))
    t_warm = timed(lambda: scan_sequence(b, cat.tfs["protein"].iloc[1]), 2)
    out["scan_promoters"] = len(cat.genes)
    out["scan_seconds_incl_promoter_encoding"] = t_first
    out["scan_seconds_cached_promoters"] = t_warm
    width = max(len(k) for k in out)
    for k, v in out.items():
        print(f"{k:<{width}}  {v:,.2f}" if isinstance(v, float) else f"{k:<{width}}  {v}")
    print(json.dumps(out))
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(out, fh, indent=1)
            fh.write("\n")


if __name__ == "__main__":
    main()
