"""Seeded, resumable training on CPU (or GPU with ``device="cuda"``).

Every epoch draws ``pairs_per_epoch`` training pairs with a generator seeded by (seed, epoch) and seeds
torch by (seed, epoch) too, so a run resumed from the checkpoint of epoch e continues exactly as the
uninterrupted run would. Batches group ``tfs_per_batch`` TFs so each batch encodes few proteins (the
protein conv is most of the cost), while still mixing TFs within a batch.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from grenimja.dataset import Dataset
from grenimja.embedding import Embeddings
from grenimja.metrics import binary_metrics
from grenimja.model.io import _atomic_save, model_payload
from grenimja.model.network import GReNIMJA, ModelConfig
from grenimja.predict import score_cached, tokens_for


@dataclass
class TrainConfig:
    split: str = "unknown"
    epochs: int = 10
    pairs_per_epoch: int = 150_000
    batch_size: int = 64
    tfs_per_batch: int = 4
    lr: float = 1e-3
    weight_decay: float = 0.0
    patience: int = 3
    valid_pairs: int = 20_000
    seed: int = 0
    device: str = "cpu"


def epoch_batches(tf_idx: np.ndarray, n: int, batch_size: int, tfs_per_batch: int, rng) -> list[np.ndarray]:
    """Indices into ``tf_idx`` for one epoch: ``n`` sampled rows cut into TF-grouped batches."""
    take = rng.choice(len(tf_idx), size=min(n, len(tf_idx)), replace=False)
    tf_rank = rng.permutation(tf_idx.max() + 1)
    take = take[np.argsort(tf_rank[tf_idx[take]], kind="stable")]
    chunk = max(1, batch_size // tfs_per_batch)
    chunks = [take[i : i + chunk] for i in range(0, len(take), chunk)]
    chunks = [chunks[i] for i in rng.permutation(len(chunks))]
    per = max(1, tfs_per_batch)
    return [np.concatenate(chunks[i : i + per]) for i in range(0, len(chunks), per)]


def train(
    ds: Dataset,
    emb: Embeddings,
    mcfg: ModelConfig,
    tcfg: TrainConfig,
    out_dir: str | Path,
    resume: bool = False,
    progress: bool = True,
    max_epochs_this_run: int | None = None,
) -> dict:
    """Train, validating each epoch; writes ``last.pt`` (resumable), ``best.pt`` (model) and ``history.json``.

    Returns the history dict (per-epoch train loss, valid loss / AUROC, seconds, pairs/s).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(tcfg.seed)
    if tcfg.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = True  # TF32 matmuls: ~fp32 accuracy, several times faster
        torch.backends.cudnn.allow_tf32 = True
    model = GReNIMJA(mcfg, emb.protein_vectors, emb.dna_vectors).to(tcfg.device)
    opt = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=tcfg.lr, weight_decay=tcfg.weight_decay
    )
    state = {"epoch": 0, "best_valid_loss": math.inf, "bad_epochs": 0, "history": []}
    last = out / "last.pt"
    if resume and last.is_file():
        ck = torch.load(last, map_location=tcfg.device, weights_only=True)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        state = json.loads(ck["state"])
    tf_tok, gene_tok = tokens_for(model, emb, ds.tfs["protein"].tolist(), ds.genes["promoter"].tolist())
    tr = ds.split(tcfg.split, "train")
    va = ds.split(tcfg.split, "valid")
    va = va.sample(n=min(tcfg.valid_pairs, len(va)), random_state=tcfg.seed).sort_index()
    tr_tf, tr_gene = tr["tf_i"].to_numpy(), tr["gene_i"].to_numpy()
    tr_y = torch.tensor(tr["label"].to_numpy(), dtype=torch.float32)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    run_epochs = 0
    while state["epoch"] < tcfg.epochs and state["bad_epochs"] < tcfg.patience:
        if max_epochs_this_run is not None and run_epochs >= max_epochs_this_run:
            break
        epoch = state["epoch"]
        rng = np.random.default_rng([tcfg.seed, epoch])
        torch.manual_seed(tcfg.seed * 100_003 + epoch)
        batches = epoch_batches(tr_tf, tcfg.pairs_per_epoch, tcfg.batch_size, tcfg.tfs_per_batch, rng)
        model.train()
        t0, total, seen = time.time(), 0.0, 0
        bar = tqdm(batches, desc=f"epoch {epoch + 1}/{tcfg.epochs}", disable=not progress, mininterval=2)
        for b in bar:
            t = tf_tok[torch.as_tensor(tr_tf[b])].to(tcfg.device)
            g = gene_tok[torch.as_tensor(tr_gene[b])].to(tcfg.device)
            y = tr_y[torch.as_tensor(b)].to(tcfg.device)
            opt.zero_grad()
            loss = loss_fn(model(t, g), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
            seen += len(b)
            bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
        secs = time.time() - t0
        p = score_cached(model, tf_tok, gene_tok, va["tf_i"].to_numpy(), va["gene_i"].to_numpy())
        yv = va["label"].to_numpy()
        vloss = float(
            loss_fn(
                torch.logit(torch.as_tensor(p).clamp(1e-6, 1 - 1e-6)),
                torch.tensor(yv, dtype=torch.float32),
            )
        )
        vm = binary_metrics(yv, p)
        rec = {
            "epoch": epoch + 1,
            "train_loss": total / max(seen, 1),
            "valid_loss": vloss,
            "valid_auroc": vm["auroc"],
            "valid_accuracy": vm["accuracy"],
            "seconds": secs,
            "pairs_per_s": seen / secs,
        }
        if tcfg.device.startswith("cuda"):
            rec["peak_gpu_memory_gib"] = torch.cuda.max_memory_allocated() / 2**30
        state["history"].append(rec)
        if progress:
            print(json.dumps(rec), flush=True)
        state["epoch"] = epoch + 1
        meta = {
            "train": asdict(tcfg),
            "split": tcfg.split,
            "dataset": ds.path.name,
            "promoters": ds.report.get("config", {}).get("promoters", "core60"),
            "history": state["history"],
            "dataset_sha256": _dataset_digest(ds),
            "training_tfs": sorted(set(tr["tf"])),
        }
        if vloss < state["best_valid_loss"]:
            state["best_valid_loss"], state["bad_epochs"] = vloss, 0
            _atomic_save(model_payload(model.cpu(), emb, meta), out / "best.pt")
            model.to(tcfg.device)
        else:
            state["bad_epochs"] += 1
        _atomic_save(
            {"model": model.state_dict(), "optimizer": opt.state_dict(), "state": json.dumps(state)}, last
        )
        (out / "history.json").write_text(json.dumps(state["history"], indent=1) + "\n")
        run_epochs += 1
    return {"history": state["history"], "best_valid_loss": state["best_valid_loss"]}


def _dataset_digest(ds: Dataset) -> str:
    sums = ds.path / "SHA256SUMS"
    return sums.read_text() if sums.is_file() else ""
