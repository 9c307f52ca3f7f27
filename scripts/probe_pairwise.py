"""Probe (issue #12): train the network with losses that popularity cannot lower, on a GPU.

Two ranking losses, neither of which a gene-popularity score can lower:

- within TF: each training positive (t, g+) against a degree-matched negative (t, g-) of the same TF
  (a gene with the nearest number of training regulators, linked to t in no source):
  ``softplus(s(t, g-) - s(t, g+))``;
- within gene (``--gene-loss``): the same positive against a training TF t' that is linked to g+ in no
  source, drawn with probability proportional to its number of training targets (so a TF's popularity
  does not tell t from t' either): ``softplus(s(t', g+) - s(t, g+))``.

``prepare`` (here, with the dataset) writes ``.gpu/probe_SPLIT.npz`` (tokens, triplets for several
draws of the negatives, the link mask and the validation pairs of both protocols); ``train`` (on the
GPU machine: needs torch and numpy only) trains one variant for a wall-clock budget and writes, after
each epoch, the validation logits and the validation degree-matched per-TF AUROC (TFs with >= 5
positives) to ``OUT/SPLIT_VARIANT.pt``. ``combine`` (here) adds each epoch's logits, scaled, to the
bundled model's term on the same validation pairs (``runs/cache_net_SPLIT_valid_degree-matched.parquet``)
and prints the criterion. Validation only: no test pair is read.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]


def prepare(split: str, dataset: str, out: Path, draws: int) -> None:
    import pandas as pd

    from grenimja.data.negatives import degree_matched_negatives
    from grenimja.dataset import load_dataset
    from grenimja.embedding import Embeddings
    from grenimja.model.network import GReNIMJA, cpu_config
    from grenimja.predict import tokens_for

    ds = load_dataset(dataset)
    emb = Embeddings.load(ROOT / "models/embeddings.npz")
    model = GReNIMJA(cpu_config(60), emb.protein_vectors, emb.dna_vectors)
    tf_tok, gene_tok = tokens_for(model, emb, ds.tfs["protein"].tolist(), ds.genes["promoter"].tolist())
    tr = ds.split(split, "train")
    pos = tr[tr["label"] == 1][["tf", "gene", "tf_i", "gene_i"]].reset_index(drop=True)
    exclude = ds.training_negative_exclusions(split)  # leak-free: no evaluation negative trains
    held_out = sum(map(len, exclude.values())) - sum(map(len, ds.negative_exclusions(split).values()))
    degree = ds.gene_degree(split)
    gidx = ds._gene_index
    trip = []
    for d in range(draws):
        neg = degree_matched_negatives(pos[["tf", "gene"]], degree, exclude, seed=1000 + d)
        m = pos.merge(
            neg[["tf", "matched_gene", "gene"]].rename(columns={"gene": "neg", "matched_gene": "gene"}),
            on=["tf", "gene"],
        )
        trip.append(np.stack([m["tf_i"], m["gene_i"], m["neg"].map(gidx)], 1).astype(np.int64))
        print(f"draw {d}: {len(m)} triplets of {len(pos)} positives", flush=True)
    n = min(len(t) for t in trip)
    linked = np.zeros((len(ds.tfs), len(ds.genes)), dtype=bool)
    ti, gi = ds._tf_index, gidx
    for tf, genes in exclude.items():
        if tf in ti:
            linked[ti[tf], [gi[g] for g in genes if g in gi]] = True
    train_tfs = np.array(sorted(set(pos["tf_i"])), dtype=np.int64)
    tf_degree = np.bincount(pos["tf_i"], minlength=len(ds.tfs)).astype(np.float64)
    cache = pd.read_parquet(ROOT / f"runs/cache_net_{split}_valid_degree-matched.parquet")
    paper = ds.split(split, "valid")
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / f"probe_{split}.npz",
        tf_tok=tf_tok.numpy().astype(np.int32),
        gene_tok=gene_tok.numpy().astype(np.int16),
        triplets=np.stack([t[:n] for t in trip]),
        linked=np.packbits(linked, axis=1),
        n_genes=len(ds.genes),
        train_tfs=train_tfs,
        tf_degree=tf_degree,
        dm_tf=cache["tf_i"].to_numpy(np.int64),
        dm_gene=cache["gene_i"].to_numpy(np.int64),
        dm_label=cache["label"].to_numpy(np.int64),
        paper_tf=paper["tf_i"].to_numpy(np.int64),
        paper_gene=paper["gene_i"].to_numpy(np.int64),
        paper_label=paper["label"].to_numpy(np.int64),
    )
    print(
        json.dumps(
            {
                "split": split,
                "positives": len(pos),
                "triplets": n,
                "draws": draws,
                "held_out_negatives": held_out,
            }
        )
    )


def cache(split: str, dataset: str) -> None:
    """``runs/cache_net_SPLIT_valid_degree-matched.parquet`` where it is missing: the validation part's
    degree-matched pairs with the bundled model's network logit (``net``) and its whole term (``T``; the
    k-mer, motif and own parts included, so ``K`` and ``M`` are 0)."""
    from grenimja.dataset import load_dataset
    from grenimja.embedding import Embeddings
    from grenimja.evaluate import dataset_logits
    from grenimja.model.io import build_model, load_payload

    path = ROOT / f"runs/cache_net_{split}_valid_degree-matched.parquet"
    if path.is_file():
        print(f"{path} exists")
        return
    emb = Embeddings.load(ROOT / "models/embeddings.npz")
    model = build_model(load_payload(ROOT / f"models/{split}.pt"), emb, split)
    term, model.transfer, model.calibration = model.transfer, None, None
    ds = load_dataset(dataset)
    f = ds.evaluation_pairs(split, "valid", "degree-matched").copy()
    t, g = f["tf_i"].to_numpy(), f["gene_i"].to_numpy()
    f["net"] = dataset_logits(model, emb, ds, t, g)
    f["T"] = term.pair_logits(
        ds.tfs["protein"].tolist(), ds.genes["gene"].tolist(), ds.genes["promoter"].tolist(), t, g
    )
    f["K"] = 0.0
    f["M"] = 0.0
    f.to_parquet(path)
    print(f"{path}: {len(f)} pairs")


# ``auroc`` / ``per_tf_auroc`` serve ``train`` on the GPU machine, which has torch and numpy but not
# necessarily pandas or scikit-learn (grenimja.metrics imports both); ``combine`` uses grenimja.metrics
def auroc(y: np.ndarray, s: np.ndarray) -> float:
    order = np.argsort(s, kind="stable")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # average ranks of ties
    _, inv, cnt = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    ranks = (sums / cnt)[inv]
    p, n = int(y.sum()), int(len(y) - y.sum())
    return float((ranks[y == 1].sum() - p * (p + 1) / 2) / (p * n)) if p and n else float("nan")


def per_tf_auroc(tf: np.ndarray, y: np.ndarray, s: np.ndarray, min_pos: int = 5) -> float:
    vals = []
    for t in np.unique(tf):
        m = tf == t
        if y[m].sum() >= min_pos and (y[m] == 0).any():
            vals.append(auroc(y[m], s[m]))
    return float(np.mean(vals))


def train(args) -> None:
    from grenimja.model.network import GReNIMJA, ModelConfig

    dev = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    z = np.load(Path(args.data) / f"probe_{args.split}.npz")
    e = np.load(ROOT / "models/embeddings.npz")
    init = torch.load(ROOT / f"models/{args.split}.pt", weights_only=True)
    cfg = ModelConfig(**init["config"])
    torch.manual_seed(args.seed)
    model = GReNIMJA(cfg, e["protein_vectors"].astype(np.float32), e["dna_vectors"].astype(np.float32))
    if args.init == "bundled":
        model.load_state_dict(init["state_dict"], strict=False)
    model.to(dev)
    tf_tok = torch.as_tensor(z["tf_tok"].astype(np.int64), device=dev)
    gene_tok = torch.as_tensor(z["gene_tok"].astype(np.int64), device=dev)
    linked = torch.as_tensor(
        np.unpackbits(z["linked"], axis=1)[:, : int(z["n_genes"])].astype(bool), device=dev
    )
    train_tfs = torch.as_tensor(z["train_tfs"], device=dev)
    w = torch.as_tensor(z["tf_degree"][z["train_tfs"]], dtype=torch.float32, device=dev)
    trip_all = z["triplets"]
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    rng = np.random.default_rng(args.seed)
    gen = torch.Generator(device=dev).manual_seed(args.seed)

    def scores(t_idx: torch.Tensor, g_idx: torch.Tensor) -> torch.Tensor:
        tu, ti = torch.unique(t_idx, return_inverse=True)
        gu, gi = torch.unique(g_idx, return_inverse=True)
        return model.head(model.encode_tf(tf_tok[tu])[ti], model.encode_gene(gene_tok[gu])[gi])

    @torch.no_grad()
    def evaluate(tf: np.ndarray, gene: np.ndarray) -> np.ndarray:
        model.eval()
        out = []
        for s in range(0, len(tf), 8192):
            out.append(
                scores(
                    torch.as_tensor(tf[s : s + 8192], device=dev),
                    torch.as_tensor(gene[s : s + 8192], device=dev),
                )
                .float()
                .cpu()
                .numpy()
            )
        model.train()
        return np.concatenate(out)

    t0 = time.time()
    record: dict = {"args": vars(args), "epochs": []}
    dm0 = evaluate(z["dm_tf"], z["dm_gene"])
    record["epochs"].append(
        {"epoch": 0, "dm_per_tf": per_tf_auroc(z["dm_tf"], z["dm_label"], dm0), "seconds": 0.0}
    )
    logits = {"dm_0": torch.as_tensor(dm0)}
    print(json.dumps(record["epochs"][-1]), flush=True)
    best, best_state = -1.0, None
    epoch = 0
    while time.time() - t0 < args.minutes * 60:
        epoch += 1
        trip = trip_all[(epoch - 1) % len(trip_all)]
        # TF-grouped batches: few proteins per batch for the within-TF term
        order = rng.permutation(len(trip))
        order = order[np.argsort(rng.permutation(int(trip[:, 0].max()) + 1)[trip[order, 0]], kind="stable")]
        chunks = [order[i : i + args.batch // 8] for i in range(0, len(order), args.batch // 8)]
        chunks = [chunks[i] for i in rng.permutation(len(chunks))]
        batches = [np.concatenate(chunks[i : i + 8]) for i in range(0, len(chunks), 8)]
        batches = batches[: args.batches_per_eval]  # evaluate every batches_per_eval steps
        total, seen = 0.0, 0
        for b in batches:
            if time.time() - t0 > args.minutes * 60:
                break
            tb = torch.as_tensor(trip[b], device=dev)
            t, gp, gn = tb[:, 0], tb[:, 1], tb[:, 2]
            idx_t = [t, t]
            idx_g = [gp, gn]
            if args.gene_loss:
                cand = train_tfs[torch.multinomial(w, len(b) * 4, replacement=True, generator=gen)].view(
                    -1, 4
                )
                ok = ~linked[cand, gp[:, None]]
                first = ok.float().argmax(1)
                tneg = cand[torch.arange(len(b), device=dev), first]
                keep = ok.any(1)
                idx_t.append(tneg)
                idx_g.append(gp)
            s = scores(torch.cat(idx_t), torch.cat(idx_g)).float().view(len(idx_t), -1)
            loss = F.softplus(s[1] - s[0]).mean()
            if args.gene_loss:
                loss = loss + (F.softplus(s[2] - s[0]) * keep).sum() / keep.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
            seen += len(b)
        dm = evaluate(z["dm_tf"], z["dm_gene"])
        rec = {
            "epoch": epoch,
            "train_loss": total / max(seen, 1),
            "pairs": seen,
            "dm_per_tf": per_tf_auroc(z["dm_tf"], z["dm_label"], dm),
            "dm_pooled": auroc(z["dm_label"], dm),
            "seconds": time.time() - t0,
        }
        logits[f"dm_{epoch}"] = torch.as_tensor(dm)
        # the device returns files of 16 MiB at most: keep the first, the best and the last evaluation
        best_key = f"dm_{record.get('best_epoch', 0)}"
        for key in [k for k in logits if k not in ("dm_0", best_key, f"dm_{epoch}", f"dm_{epoch - 1}")]:
            del logits[key]
        if rec["dm_per_tf"] > best:
            record["best_epoch"] = epoch
            best = rec["dm_per_tf"]
            best_state = {
                k: v.detach().cpu().clone() for k, v in model.state_dict().items() if "embed" not in k
            }
            rec["paper_pooled"] = auroc(z["paper_label"], evaluate(z["paper_tf"], z["paper_gene"]))
        record["epochs"].append(rec)
        print(json.dumps(rec), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(
        {"record": json.dumps(record), "logits": logits, "best_state": best_state},
        out / f"{args.split}_{args.name}.pt",
    )


def combine(split: str, files: list[str], csv: str | None = None) -> None:
    """Per run: the network alone at each evaluation, and its last evaluation added to the bundled term
    at the best of five scales, with a paired bootstrap over TFs against the bundled model; where
    ``.gpu/probe_SPLIT.npz`` is there, the same without the validation negatives that were training
    negatives of the same TF (on the known split the TFs are shared, so a network can learn them).
    ``csv``: a table to add these runs' rows to (replacing earlier rows of the same split and run name),
    which the model card reads."""
    import pandas as pd

    from grenimja.metrics import MIN_POSITIVES, paired_tf_bootstrap
    from grenimja.metrics import per_tf_auroc as per_tf

    def mean_auroc(tf: np.ndarray, y: np.ndarray, s: np.ndarray) -> float:
        return float(per_tf(tf, y, s, MIN_POSITIVES).mean())

    cache = pd.read_parquet(ROOT / f"runs/cache_net_{split}_valid_degree-matched.parquet")
    tf, y = cache["tf_i"].to_numpy(), cache["label"].to_numpy()
    rest = (cache["T"] + cache["K"] + cache["M"]).to_numpy()
    base = cache["net"].to_numpy() + rest
    bundled = mean_auroc(tf, y, base)
    print(f"{split}: term alone {mean_auroc(tf, y, rest):.4f}; bundled {bundled:.4f}")
    base_per_tf = per_tf(tf, y, base, MIN_POSITIVES)
    seen = np.zeros(len(y), dtype=bool)
    data = ROOT / f".gpu/probe_{split}.npz"
    if data.is_file():  # a TF of the validation part that trained: were its validation negatives trained on?
        trip = np.load(data)["triplets"]
        held = set(map(tuple, trip[:, :, [0, 2]].reshape(-1, 2).tolist()))
        seen = np.array([(a, b) in held for a, b in zip(tf, cache["gene_i"].to_numpy(), strict=True)]) & (
            y == 0
        )
    rows = []
    for f in files:
        d = torch.load(f, weights_only=True)
        rec = json.loads(d["record"])
        alone = [e["dm_per_tf"] for e in rec["epochs"]]
        last = d["logits"][f"dm_{len(alone) - 1}"].numpy().astype(np.float64)
        z = (last - last.mean()) / last.std()
        grid = {a: mean_auroc(tf, y, rest + a * rest.std() * z) for a in (0.05, 0.1, 0.2, 0.4, 0.8)}
        a = max(grid, key=grid.get)
        new = rest + a * rest.std() * z
        diff, lo, hi = paired_tf_bootstrap(base_per_tf, per_tf(tf, y, new, MIN_POSITIVES))
        keep = ~seen  # the same scale, on the validation negatives no training triplet held
        args = rec["args"]
        rows.append(
            {
                "split": split,
                "run": args["name"],
                "gene_loss": bool(args["gene_loss"]),
                "init": args["init"],
                "minutes": args["minutes"],
                "triplets": sum(e.get("pairs", 0) for e in rec["epochs"]),
                "valid_tfs": len(base_per_tf),
                "alone_start": alone[0],
                "alone_last": alone[-1],
                "alone_last10": float(np.mean(alone[-10:])),
                "scale": a,
                "with_term": grid[a],
                "bundled": bundled,
                "difference": diff,
                "ci_low": lo,
                "ci_high": hi,
                "seen_negatives": int(seen.sum()),
                "negatives": int((y == 0).sum()),
                "bundled_unseen": mean_auroc(tf[keep], y[keep], base[keep]),
                "with_term_unseen": mean_auroc(tf[keep], y[keep], new[keep]),
            }
        )
        print(
            f"{Path(f).stem}: alone {alone[0]:.3f} -> {alone[-1]:.3f} (last 10 {np.mean(alone[-10:]):.3f}); "
            f"with the term {grid[a]:.3f} at {a}; difference {diff:+.3f} [{lo:.3f}, {hi:.3f}]"
        )
        if seen.any():
            print(
                f"  validation negatives that were training negatives of the same TF: {seen.sum()} of "
                f"{(y == 0).sum()}; without them: alone {mean_auroc(tf[keep], y[keep], last[keep]):.3f}, "
                f"bundled {rows[-1]['bundled_unseen']:.3f}, with the term {rows[-1]['with_term_unseen']:.3f}"
            )
    if csv:
        out = pd.DataFrame(rows)
        path = Path(csv)
        if path.is_file():
            old = pd.read_csv(path)
            # rows of other runs stay: the table keeps every probe, earlier ones included
            same = (old["split"] == split) & old["run"].isin(out["run"])
            out = pd.concat([old[~same], out], ignore_index=True)
        out.round(6).to_csv(path, index=False)


def export(split: str, run: str, out: str) -> None:
    """A model file: the bundled ``models/SPLIT.pt`` with the network of a ``train`` run at its best
    evaluation (``best_state``) and ``meta["fine_tune"]`` saying so; its term is kept as it was, to be
    re-weighed on validation with ``grenimja transfer --shape keep``."""
    from grenimja.model.io import _atomic_save

    payload = torch.load(ROOT / f"models/{split}.pt", weights_only=True)
    d = torch.load(run, weights_only=True)
    rec = json.loads(d["record"])
    if rec["args"]["split"] != split:
        raise SystemExit(f"{run} trained on the {rec['args']['split']} split, not {split}")
    state = payload["state_dict"]
    missing = set(state) - set(d["best_state"])
    if missing:
        raise SystemExit(f"{run}: its network lacks {sorted(missing)[:3]}")
    payload["state_dict"] = {k: d["best_state"][k].to(state[k].dtype) for k in state}
    best = next(e for e in rec["epochs"] if e["epoch"] == rec["best_epoch"])
    args = rec["args"]
    payload["meta"]["fine_tune"] = {
        "script": "scripts/probe_pairwise.py train",
        "loss": "pairwise within TF" + (" + within gene" if args["gene_loss"] else ""),
        "start": "the bundled network" if args["init"] == "bundled" else "scratch",
        "lr": args["lr"],
        "batch": args["batch"],
        "minutes": args["minutes"],
        "seed": args["seed"],
        "device": "one NVIDIA H200 (device tool)",
        "evaluations": len(rec["epochs"]) - 1,
        "triplets": sum(e.get("pairs", 0) for e in rec["epochs"]),
        "kept_evaluation": rec["best_epoch"],
        "kept_on": "validation degree-matched per-TF AUROC of the network alone",
        "valid_dm_per_tf_auroc": round(best["dm_per_tf"], 4),
        "valid_paper_auroc": round(best["paper_pooled"], 4),
        "valid_dm_per_tf_auroc_start": round(rec["epochs"][0]["dm_per_tf"], 4),
    }
    _atomic_save(payload, Path(out))
    print(json.dumps(payload["meta"]["fine_tune"], indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--split", required=True)
    p.add_argument("--dataset", default="datasets/v1")
    p.add_argument("--out", default=".gpu")
    p.add_argument("--draws", type=int, default=4)
    t = sub.add_parser("train")
    t.add_argument("--split", required=True)
    t.add_argument("--data", default=".gpu")
    t.add_argument("--out", required=True)
    t.add_argument("--name", required=True)
    t.add_argument("--init", choices=["scratch", "bundled"], default="scratch")
    t.add_argument("--gene-loss", action="store_true")
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--batch", type=int, default=512)
    t.add_argument("--minutes", type=float, default=5.0)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--batches-per-eval", type=int, default=200)
    k = sub.add_parser("cache")
    k.add_argument("--split", required=True)
    k.add_argument("--dataset", default="datasets/v1")
    c = sub.add_parser("combine")
    c.add_argument("--split", required=True)
    c.add_argument("files", nargs="+")
    c.add_argument("--csv", help="table to add the split's rows to (results/validation/pairwise_probe.csv)")
    x = sub.add_parser("export")
    x.add_argument("--split", required=True)
    x.add_argument("--run", required=True, help="a train run's SPLIT_NAME.pt")
    x.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.cmd == "prepare":
        prepare(a.split, a.dataset, Path(a.out), a.draws)
    elif a.cmd == "cache":
        cache(a.split, a.dataset)
    elif a.cmd == "train":
        train(a)
    elif a.cmd == "export":
        export(a.split, a.run, a.out)
    else:
        combine(a.split, a.files, a.csv)


if __name__ == "__main__":
    main()
