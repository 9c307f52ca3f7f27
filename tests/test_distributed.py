"""Data-parallel training (torchrun's environment, gloo on 2 CPU processes) follows the one-process run."""

from __future__ import annotations

import json
import os

import pytest
import torch
import torch.multiprocessing as mp

from grenimja.dataset import load_dataset
from grenimja.embedding import Embeddings
from grenimja.model.network import cpu_config
from grenimja.train import TrainConfig, train
from tests.conftest import free_port

# Per-epoch losses agree to float32 rounding of a differently ordered sum. Weights agree less tightly:
# Adam divides by the gradient's running RMS, so where a gradient is ~0 rounding noise can flip the sign
# of a step of size lr; bounded by a few lr after 40 steps and rare on average.
RTOL = 1e-4


def _setup():
    # dropout off: its masks are drawn per process, so they differ from one process's masks on the full batch
    cfg = cpu_config(protein_channels=8, dna_channels=8, common=8, hidden=8, fc_hidden=16, dropout=0.0)
    tc = TrainConfig(epochs=2, pairs_per_epoch=640, valid_pairs=300, batch_size=32, patience=5, seed=11)
    return cfg, tc


def _worker(rank: int, world: int, port: int, dataset: str, emb_path: str, out: str) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world),
    )
    torch.set_num_threads(1)
    cfg, tc = _setup()
    train(load_dataset(dataset), Embeddings.load(emb_path), cfg, tc, out, progress=False)
    torch.distributed.destroy_process_group()


@pytest.fixture(scope="module")
def runs(tmp_path_factory, small_dataset, small_embeddings):
    d = tmp_path_factory.mktemp("ddp")
    emb_path = d / "emb.npz"
    small_embeddings.save(emb_path)
    torch.set_num_threads(1)
    cfg, tc = _setup()
    one = train(load_dataset(small_dataset), small_embeddings, cfg, tc, d / "one", progress=False)
    torch.set_num_threads(2)
    mp.spawn(_worker, args=(2, free_port(), str(small_dataset), str(emb_path), str(d / "two")), nprocs=2)
    return d, one


def test_two_gloo_processes_follow_one_process_on_the_same_global_batch(runs):
    d, one = runs
    two = json.loads((d / "two" / "history.json").read_text())
    assert len(two) == len(one["history"]) == 2
    assert all(h["processes"] == 2 for h in two)
    for a, b in zip(one["history"], two, strict=True):
        assert b["train_loss"] == pytest.approx(a["train_loss"], rel=RTOL)
        assert b["valid_loss"] == pytest.approx(a["valid_loss"], rel=RTOL)
    wa = torch.load(d / "one" / "last.pt", weights_only=True)["model"]
    wb = torch.load(d / "two" / "last.pt", weights_only=True)["model"]
    lr = _setup()[1].lr
    diffs = torch.cat([(wa[k] - wb[k]).abs().flatten() for k in wa])
    print(f"weights: max |diff| {diffs.max():.2e}, mean {diffs.mean():.2e} (lr {lr})")
    assert diffs.max() <= 10 * lr and diffs.mean() <= lr / 20


def test_only_rank0_writes_and_the_checkpoint_resumes_in_one_process(runs, small_dataset, small_embeddings):
    d, _ = runs
    assert sorted(p.name for p in (d / "two").iterdir()) == ["best.pt", "history.json", "last.pt"]
    cfg, tc = _setup()
    tc.epochs = 3
    res = train(
        load_dataset(small_dataset), small_embeddings, cfg, tc, d / "two", resume=True, progress=False
    )
    assert [h["epoch"] for h in res["history"]] == [1, 2, 3] and "processes" not in res["history"][-1]
