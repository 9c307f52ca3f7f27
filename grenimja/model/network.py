"""GReNIMJA: k-mer embeddings -> conv encoders -> 2D LSTM mixing -> FC head."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from grenimja.model.lstm2d import LSTM2D


@dataclass
class ModelConfig:
    """Network sizes. Defaults are the paper's tuned values; the CPU preset is :func:`cpu_config`.

    Lengths are in residues: proteins are padded / cut to ``protein_len`` amino acids (start kept),
    promoters to ``promoter_len`` bases (end kept, the bases nearest the TSS).
    """

    protein_len: int = 1024
    promoter_len: int = 1000
    protein_k: int = 4
    dna_k: int = 5
    protein_dim: int = 100
    dna_dim: int = 50
    protein_kernel: int = 30
    protein_channels: int = 300
    protein_stride: int = 4
    dna_kernel: int = 18
    dna_channels: int = 260
    dna_stride: int = 4
    pool: int = 15
    min_grid: int = 4  # pooling shrinks so at least this many rows / columns remain
    dropout: float = 0.3
    common: int = 190
    hidden: int = 190
    fc_hidden: int = 140

    def to_dict(self) -> dict:
        return asdict(self)


def cpu_config(promoter_len: int = 60, **kw) -> ModelConfig:
    """Smaller widths that train in minutes on 2 CPU cores (kernels, strides and pool as the paper)."""
    base = dict(promoter_len=promoter_len, protein_channels=128, dna_channels=128, common=64, hidden=64)
    base.update(kw)
    return ModelConfig(**base)


def _conv_len(n_tokens: int, kernel: int, stride: int) -> int:
    return (n_tokens - kernel) // stride + 1


class SeqEncoder(nn.Module):
    """Frozen embedding -> Conv1d (kernel spans the embedding width) -> ReLU -> max-pool -> dropout -> 1x1.

    Maps token indices (B, L) to features (B, L', common).
    """

    def __init__(
        self,
        vectors: np.ndarray,
        n_tokens: int,
        kernel: int,
        channels: int,
        stride: int,
        pool: int,
        min_grid: int,
        dropout: float,
        common: int,
    ):
        super().__init__()
        if n_tokens < kernel:
            raise ValueError(f"sequence of {n_tokens} tokens is shorter than the conv kernel ({kernel})")
        self.embed = nn.Embedding.from_pretrained(
            torch.as_tensor(vectors, dtype=torch.float32), freeze=True, padding_idx=0
        )
        self.conv = nn.Conv1d(vectors.shape[1], channels, kernel, stride=stride)
        conv_len = _conv_len(n_tokens, kernel, stride)
        self.pool_size = max(1, min(pool, conv_len // min_grid))
        self.pool = nn.MaxPool1d(self.pool_size)
        self.drop = nn.Dropout(dropout)
        self.proj = nn.Conv1d(channels, common, 1)
        self.out_len = conv_len // self.pool_size

    def first_layer(self, tokens: torch.Tensor) -> torch.Tensor:
        """Conv activations after ReLU, (B, channels, conv_len): what the filter-motif analysis reads."""
        return torch.relu(self.conv(self.embed(tokens).transpose(1, 2)))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.drop(self.pool(self.first_layer(tokens)))
        return self.proj(x).transpose(1, 2)


class GReNIMJA(nn.Module):
    """The full network. ``forward(tf_tokens, gene_tokens)`` returns logits of shape (B,)."""

    def __init__(self, cfg: ModelConfig, protein_vectors: np.ndarray, dna_vectors: np.ndarray):
        super().__init__()
        self.cfg = cfg
        self.tf_encoder = SeqEncoder(
            protein_vectors,
            cfg.protein_len - cfg.protein_k + 1,
            cfg.protein_kernel,
            cfg.protein_channels,
            cfg.protein_stride,
            cfg.pool,
            cfg.min_grid,
            cfg.dropout,
            cfg.common,
        )
        self.gene_encoder = SeqEncoder(
            dna_vectors,
            cfg.promoter_len - cfg.dna_k + 1,
            cfg.dna_kernel,
            cfg.dna_channels,
            cfg.dna_stride,
            cfg.pool,
            cfg.min_grid,
            cfg.dropout,
            cfg.common,
        )
        self.lstm = LSTM2D(cfg.common, cfg.common, cfg.hidden)
        self.fc1 = nn.Linear(cfg.hidden, cfg.fc_hidden)
        self.fc2 = nn.Linear(cfg.fc_hidden, 1)
        self.drop = nn.Dropout(cfg.dropout)
        # optional homology-transfer term (grenimja.model.transfer), added outside the network
        self.transfer = None
        # optional Platt scaling of the final logits (grenimja.model.calibration), fitted on validation
        self.calibration = None

    def encode_tf(self, tokens: torch.Tensor) -> torch.Tensor:
        """TF tokens (B, Lp) -> projected rows (B, Ta, 5H)."""
        return self.lstm.project_tf(self.tf_encoder(tokens))

    def encode_gene(self, tokens: torch.Tensor) -> torch.Tensor:
        """Promoter tokens (B, Ld) -> projected columns (B, Td, 5H)."""
        return self.lstm.project_gene(self.gene_encoder(tokens))

    def latent(self, xt: torch.Tensor, xg: torch.Tensor) -> torch.Tensor:
        """Projected rows / columns -> the 140-d last hidden layer (B, fc_hidden)."""
        return torch.relu(self.fc1(self.lstm.mix(xt, xg)))

    def head(self, xt: torch.Tensor, xg: torch.Tensor) -> torch.Tensor:
        """Projected rows / columns -> logits (B,)."""
        return self.fc2(self.drop(self.latent(xt, xg))).squeeze(-1)

    def forward(self, tf_tokens: torch.Tensor, gene_tokens: torch.Tensor) -> torch.Tensor:
        # each distinct TF / promoter in the batch is encoded once (exact; batches repeat TFs a lot)
        tf_u, tf_inv = torch.unique(tf_tokens, dim=0, return_inverse=True)
        return self.head(self.encode_tf(tf_u)[tf_inv], self.encode_gene(gene_tokens))
