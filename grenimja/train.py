"""Seeded, resumable training on CPU (or GPU with ``device="cuda"``), in one process or several.

Started by ``torchrun`` with several processes, each takes every W-th pair of each batch and
DistributedDataParallel averages the gradients; the loss is scaled so that the update equals the
single-process update on the same global batch (``grenimja.distributed``). Only rank 0 writes files.

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

from grenimja import distributed as dist
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
    bf16: bool = False  # bfloat16 autocast of the forward pass (on GPU; slower than fp32 on most CPUs)


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
    rank, world, device = dist.init_from_env(tcfg.device)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(tcfg.seed)
    if tcfg.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = True  # TF32 matmuls: ~fp32 accuracy, several times faster
        torch.backends.cudnn.allow_tf32 = True
    model = GReNIMJA(mcfg, emb.protein_vectors, emb.dna_vectors).to(device)
    net = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model, device_ids=[device] if device.startswith("cuda") else None)
    autocast = torch.autocast(
        device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16, enabled=tcfg.bf16
    )
    opt = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=tcfg.lr, weight_decay=tcfg.weight_decay
    )
    state = {"epoch": 0, "best_valid_loss": math.inf, "bad_epochs": 0, "history": []}
    last = out / "last.pt"
    if resume and last.is_file():
        ck = torch.load(last, map_location=device, weights_only=True)
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
    loss_sum = torch.nn.BCEWithLogitsLoss(reduction="sum")
    run_epochs = 0
    while state["epoch"] < tcfg.epochs and state["bad_epochs"] < tcfg.patience:
        if max_epochs_this_run is not None and run_epochs >= max_epochs_this_run:
            break
        epoch = state["epoch"]
        rng = np.random.default_rng([tcfg.seed, epoch])
        torch.manual_seed(tcfg.seed * 100_003 + epoch)
        batches = epoch_batches(tr_tf, tcfg.pairs_per_epoch, tcfg.batch_size, tcfg.tfs_per_batch, rng)
        if world > 1:  # every process needs a share of each batch
            batches = [b for b in batches if len(b) >= world]
        model.train()
        t0, total, seen = time.time(), 0.0, 0
        bar = tqdm(
            batches, desc=f"epoch {epoch + 1}/{tcfg.epochs}", disable=not progress or rank > 0, mininterval=2
        )
        for b in bar:
            mine = b[rank::world]
            t = tf_tok[torch.as_tensor(tr_tf[mine])].to(device)
            g = gene_tok[torch.as_tensor(tr_gene[mine])].to(device)
            y = tr_y[torch.as_tensor(mine)].to(device)
            opt.zero_grad()
            with autocast:
                logits = net(t, g)
            part = loss_sum(logits.float(), y)
            # DDP averages gradients over the W processes; x W / |batch| makes it the global batch mean
            (part * (world / len(b))).backward()
            opt.step()
            total += part.item()
            seen += len(mine)
            bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
        total, seen = dist.all_sum(total, device), int(dist.all_sum(seen, device))
        secs = time.time() - t0
        p = score_cached(model, tf_tok, gene_tok, va["tf_i"].to_numpy(), va["gene_i"].to_numpy())
        yv = va["label"].to_numpy()
        vloss = float(
            loss_fn(
                torch.logit(torch.as_tensor(p).clamp(1e-6, 1 - 1e-6)),
                torch.tensor(yv, dtype=torch.float32),
            )
        )
        vloss = dist.from_rank0(vloss, device)
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
        if device.startswith("cuda"):
            rec["peak_gpu_memory_gib"] = torch.cuda.max_memory_allocated() / 2**30
        if world > 1:
            rec["processes"] = world
        state["history"].append(rec)
        if progress and rank == 0:
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
        improved = vloss < state["best_valid_loss"]
        if improved:
            state["best_valid_loss"], state["bad_epochs"] = vloss, 0
        else:
            state["bad_epochs"] += 1
        if rank == 0:
            if improved:
                _atomic_save(model_payload(model, emb, meta), out / "best.pt")
            _atomic_save(
                {"model": model.state_dict(), "optimizer": opt.state_dict(), "state": json.dumps(state)}, last
            )
            (out / "history.json").write_text(json.dumps(state["history"], indent=1) + "\n")
        dist.barrier()
        run_epochs += 1
    return {"history": state["history"], "best_valid_loss": state["best_valid_loss"]}


def _dataset_digest(ds: Dataset) -> str:
    sums = ds.path / "SHA256SUMS"
    return sums.read_text() if sums.is_file() else ""
