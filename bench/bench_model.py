"""Speed figures for the bundled model, measured in one run on this machine (prints a table).

    python bench/bench_model.py [--model unknown] [--threads 2]
    python bench/bench_model.py --paper-size [--out results/bench_paper_size.json]

Figures: training pairs/s (TF-grouped vs random batches); inference pairs/s per-pair vs cached encoders;
2D-LSTM wavefront vs cell-by-cell loop; seconds to scan one TF against every catalogue promoter.

``--paper-size``: the paper's network (ModelConfig defaults: 1024 aa x 1000 bp, widths 190, 16 x 16 grid)
with random weights on random 1 kb promoters and random 1024 aa proteins: training pairs/s in fp32 and
bf16 autocast (TF-grouped batches of 64), per-pair and cached inference pairs/s, seconds to scan one TF
against 5,000 / 10,000 / 20,000 promoters encoded once, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import time

import numpy as np
import torch

from grenimja.explorer import load_bundle, scan_sequence
from grenimja.model.network import GReNIMJA, ModelConfig
from grenimja.predict import encode_all, scan_tf, score_cached, score_per_pair, tokens_for
from grenimja.tokenize import Vocab
from grenimja.train import epoch_batches


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def train_rate(
    model, tf_tok, gene_tok, tfs_per_batch: int, n_batches: int = 40, batch: int = 64, bf16: bool = False
) -> float:
    """Training pairs/s over ``n_batches`` batches (Adam steps), after one untimed warm-up batch."""
    rng = np.random.default_rng(0)
    n = n_batches * batch
    tf_idx = rng.integers(0, len(tf_tok), 20 * n)
    gene_idx = rng.integers(0, len(gene_tok), 20 * n)
    y = torch.tensor(rng.integers(0, 2, 20 * n), dtype=torch.float32)
    batches = epoch_batches(tf_idx, n, batch, tfs_per_batch, rng)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    model.train()
    for k, b in enumerate(batches[: n_batches + 1]):
        if k == 1:
            t = time.perf_counter()
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            z = model(tf_tok[torch.as_tensor(tf_idx[b])], gene_tok[torch.as_tensor(gene_idx[b])])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z.float(), y[torch.as_tensor(b)])
        loss.backward()
        opt.step()
    model.eval()
    return sum(len(b) for b in batches[1 : n_batches + 1]) / (time.perf_counter() - t)


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far, GiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def paper_size(threads: int, train_batches: int = 20, bf16_batches: int = 2) -> dict:
    """Figures of the paper-size network (random weights, random sequences); see the module docstring."""
    cfg = ModelConfig()
    rng = np.random.default_rng(0)
    aa, nt = "ACDEFGHIKLMNPQRSTVWY", "ACGT"
    pvocab = Vocab(["".join(p) for p in itertools.product(aa, repeat=cfg.protein_k)], cfg.protein_k)
    dvocab = Vocab(["".join(p) for p in itertools.product(nt, repeat=cfg.dna_k)], cfg.dna_k)
    torch.manual_seed(0)
    model = GReNIMJA(
        cfg,
        rng.normal(size=(len(pvocab), cfg.protein_dim)).astype(np.float32),
        rng.normal(size=(len(dvocab), cfg.dna_dim)).astype(np.float32),
    ).eval()

    def seqs(alphabet: str, n: int, length: int) -> list[str]:
        return ["".join(rng.choice(list(alphabet), length)) for _ in range(n)]

    tf_tok = pvocab.encode(seqs(aa, 40, cfg.protein_len), cfg.protein_len, "left")
    n_prom = 20_000
    gene_tok = dvocab.encode(seqs(nt, n_prom, cfg.promoter_len), cfg.promoter_len, "right")
    out: dict = {
        "threads": threads,
        "config": "ModelConfig() defaults",
        "grid": [model.tf_encoder.out_len, model.gene_encoder.out_len],
    }
    state = {k: v.clone() for k, v in model.state_dict().items()}
    out["train_pairs_per_s_fp32"] = train_rate(model, tf_tok, gene_tok, 4, n_batches=train_batches)
    out["train_pairs_per_s_bf16"] = train_rate(model, tf_tok, gene_tok, 4, n_batches=bf16_batches, bf16=True)
    model.load_state_dict(state)
    model.eval()
    n_pairs = 1000
    ti, gi = rng.integers(0, 40, n_pairs), rng.integers(0, n_prom, n_pairs)
    out["infer_pairs_per_s_per_pair"] = n_pairs / timed(
        lambda: score_per_pair(model, tf_tok, gene_tok, ti, gi)
    )
    out["infer_pairs_per_s_cached"] = n_pairs / timed(lambda: score_cached(model, tf_tok, gene_tok, ti, gi))
    t = time.perf_counter()
    with torch.no_grad():
        cache = encode_all(model.encode_gene, gene_tok)
    out["encode_promoters_s_20000"] = time.perf_counter() - t
    for m in (5_000, 10_000, 20_000):
        out[f"scan_s_{m}"] = timed(lambda m=m: scan_tf(model, tf_tok[:1], cache[:m]))
    out["scan_s_per_1000_promoters_20000"] = out["scan_s_20000"] / 20
    out["peak_rss_gib"] = peak_rss_gib()
    return out


def report(out: dict, path: str | None) -> None:
    """Print the figures as a table and as JSON; write the JSON to ``path`` when given."""
    width = max(len(k) for k in out)
    for k, v in out.items():
        print(f"{k:<{width}}  {v:,.2f}" if isinstance(v, float) else f"{k:<{width}}  {v}")
    print(json.dumps(out))
    if path:
        with open(path, "w") as fh:
            json.dump(out, fh, indent=1)
            fh.write("\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="unknown")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=4000)
    ap.add_argument("--out", default=None, help="also write the figures as JSON here")
    ap.add_argument("--paper-size", action="store_true", help="the paper's network on random 1 kb promoters")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.paper_size:
        report(paper_size(a.threads), a.out)
        return
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
    out["peak_rss_gib"] = peak_rss_gib()
    report(out, a.out)


if __name__ == "__main__":
    main()
