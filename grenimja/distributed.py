"""Data-parallel training across processes started by ``torchrun`` (NCCL on GPUs, gloo on CPUs).

A single process (no ``WORLD_SIZE`` in the environment, or 1) needs none of this and gets rank 0 of 1.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def init_from_env(device: str) -> tuple[int, int, str]:
    """Join the process group ``torchrun`` describes in the environment.

    Returns
    -------
    (rank, world_size, device): the device is ``cuda:LOCAL_RANK`` for several GPU processes, else ``device``.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1, device
    cuda = device.startswith("cuda")
    if cuda:
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    return dist.get_rank(), dist.get_world_size(), device


def all_sum(x: float, device: str) -> float:
    """Sum of ``x`` over all processes (``x`` itself in a single process)."""
    if not (dist.is_available() and dist.is_initialized()):
        return x
    t = torch.tensor([x], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return float(t.item())


def from_rank0(x: float, device: str) -> float:
    """Rank 0's ``x`` on every process, so that all take the same early-stopping decision."""
    if not (dist.is_available() and dist.is_initialized()):
        return x
    t = torch.tensor([x], dtype=torch.float64, device=device)
    dist.broadcast(t, 0)
    return float(t.item())


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
