"""Seeded, resumable training on CPU (or GPU with ``device="cuda"``), in one process or several.

Started by ``torchrun`` with several processes, each takes every W-th pair of each batch and
DistributedDataParallel averages the gradients; the loss is scaled so that the update equals the
single-process update on the same global batch (``grenimja.distributed``). Only rank 0 writes files.

Every epoch draws ``pairs_per_epoch`` training pairs with a generator seeded by (seed, epoch) and seeds
torch by (seed, epoch) too, so a run resumed from the checkpoint of epoch e continues exactly as the
uninterrupted run would. Batches group ``tfs_per_batch`` TFs so each batch encodes few proteins (the
protein conv is most of the cost), while still mixing TFs within a batch.

Two losses (``TrainConfig.loss``): ``"bce"``, the paper's binary cross-entropy on the build's labelled
pairs (its random non-targets as negatives, so a gene-popularity score lowers it), and ``"pairwise"``:
each sampled training positive (t, g+) against a degree-matched negative (t, g-) of the same TF, drawn
afresh every epoch (:func:`pairwise_triplets`), loss ``softplus(s(t, g-) - s(t, g+))``, which no score of
the gene alone can lower. Under it the validation loss is the same on all of the validation part's
degree-matched pairs (``valid_pairs`` caps the bce loss's sample only), and the history's ``pairs_per_s`` counts positives (each scored with its negative).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from grenimja import distributed as dist
from grenimja.dataset import Dataset
from grenimja.embedding import Embeddings
from grenimja.metrics import binary_metrics
from grenimja.model.io import _atomic_save, model_payload
from grenimja.model.network import GReNIMJA, ModelConfig
from grenimja.predict import score_cached, sigmoid, tokens_for


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
    loss: str = "bce"  # "bce" (the paper's) or "pairwise" (within TF, degree-matched negatives)


LOSSES = ("bce", "pairwise")


def pairwise_triplets(
    ds: Dataset, split: str, n: int, seed: int, epoch: int, exclude=None, degree=None
) -> np.ndarray:
    """(m, 3) int64 rows (tf_i, positive gene_i, negative gene_i) for one epoch of the pairwise loss.

    ``n`` training positives of ``split`` are drawn with a generator seeded by (seed, epoch); each gets
    the negative that :func:`grenimja.data.negatives.degree_matched_negatives` gives it: a gene of the
    nearest number of training regulators linked to the TF in no source, in no train / valid pair and among
    none of its validation or test degree-matched negatives (``ds.training_negative_exclusions``, passed as
    ``exclude`` to reuse it; likewise ``degree``, ``ds.gene_degree``,
    ~0.4 s on build v1). A positive of a TF without any
    candidate is left out, so m <= n. Rows are in the sampler's order (TF, then gene).
    """
    from grenimja.data.negatives import degree_matched_negatives

    tr = ds.split(split, "train")
    pos = tr[tr["label"] == 1]
    rng = np.random.default_rng([seed, epoch])
    pos = pos.iloc[np.sort(rng.choice(len(pos), size=min(n, len(pos)), replace=False))]
    exclude = ds.training_negative_exclusions(split) if exclude is None else exclude
    degree = ds.gene_degree(split) if degree is None else degree
    neg = degree_matched_negatives(pos[["tf", "gene"]], degree, exclude, seed * 100_003 + epoch)
    gidx = ds._gene_index
    tf_i = dict(zip(pos["tf"], pos["tf_i"], strict=True))
    return np.stack(
        [
            neg["tf"].map(tf_i).to_numpy(np.int64),
            neg["matched_gene"].map(gidx).to_numpy(np.int64),
            neg["gene"].map(gidx).to_numpy(np.int64),
        ],
        axis=1,
    ).reshape(-1, 3)


def check_loss(tcfg: TrainConfig) -> None:
    """Raise ValueError for an unknown loss."""
    if tcfg.loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {tcfg.loss!r}")


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
    check_loss(tcfg)
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
    pairwise = tcfg.loss == "pairwise"
    if pairwise:  # every validation positive beside its degree-matched negative
        va = ds.evaluation_pairs(tcfg.split, "valid", "degree-matched")
        exclude, degree = ds.training_negative_exclusions(tcfg.split), ds.gene_degree(tcfg.split)
    else:
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
        if pairwise:
            trip = pairwise_triplets(ds, tcfg.split, tcfg.pairs_per_epoch, tcfg.seed, epoch, exclude, degree)
            if len(trip) == 0:
                raise ValueError(
                    f"no training positive of the {tcfg.split} split has a degree-matched negative (every "
                    "TF is linked to every gene in some source): the pairwise loss has nothing to rank"
                )
            batches = epoch_batches(trip[:, 0], len(trip), tcfg.batch_size, tcfg.tfs_per_batch, rng)
        else:
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
            if pairwise:  # one forward pass over the positives and then their negatives
                rows = trip[mine]
                t = tf_tok[torch.as_tensor(np.concatenate([rows[:, 0], rows[:, 0]]))].to(device)
                g = gene_tok[torch.as_tensor(np.concatenate([rows[:, 1], rows[:, 2]]))].to(device)
            else:
                t = tf_tok[torch.as_tensor(tr_tf[mine])].to(device)
                g = gene_tok[torch.as_tensor(tr_gene[mine])].to(device)
                y = tr_y[torch.as_tensor(mine)].to(device)
            opt.zero_grad()
            with autocast:
                logits = net(t, g)
            if pairwise:
                pos, neg = logits.float().view(2, -1)
                part = torch.nn.functional.softplus(neg - pos).sum()
            else:
                part = loss_sum(logits.float(), y)
            # DDP averages gradients over the W processes; x W / |batch| makes it the global batch mean
            (part * (world / len(b))).backward()
            opt.step()
            total += part.item()
            seen += len(mine)
            bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
        total, seen = dist.all_sum(total, device), int(dist.all_sum(seen, device))
        secs = time.time() - t0
        z = score_cached(model, tf_tok, gene_tok, va["tf_i"].to_numpy(), va["gene_i"].to_numpy(), logits=True)
        p = sigmoid(z)
        yv = va["label"].to_numpy()
        if pairwise:
            vloss = _pairwise_valid_loss(va, z)
        else:
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


def _pairwise_valid_loss(va: pd.DataFrame, z: np.ndarray) -> float:
    """Mean ``softplus(z(t, g-) - z(t, g+))`` over the validation positives and their degree-matched
    negatives (``matched_gene``), from logits ``z`` in the rows of ``va``."""
    z = np.asarray(z, dtype=np.float64)
    frame = va[["tf", "gene", "label"]].assign(z=z)
    pos = frame[frame["label"] == 1].set_index(["tf", "gene"])["z"]
    neg = va.loc[va["label"] == 0, ["tf", "matched_gene"]].assign(z=z[(va["label"] == 0).to_numpy()])
    paired = pos.reindex(pd.MultiIndex.from_frame(neg[["tf", "matched_gene"]])).to_numpy()
    return float(np.mean(np.logaddexp(0.0, neg["z"].to_numpy() - paired)))


def _dataset_digest(ds: Dataset) -> str:
    sums = ds.path / "SHA256SUMS"
    return sums.read_text() if sums.is_file() else ""
