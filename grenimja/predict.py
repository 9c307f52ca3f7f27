"""Scoring pairs with a trained model: per-pair, or with each TF / promoter encoded once (cache)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from grenimja.embedding import Embeddings
from grenimja.model.network import GReNIMJA


def protein_tokens(model: GReNIMJA, emb: Embeddings, proteins: list[str]) -> torch.Tensor:
    """(N, protein_len-k+1) tokens as ``model`` reads proteins: padded / cut to protein_len, start kept."""
    return emb.protein_vocab.encode(proteins, model.cfg.protein_len, "left")


def promoter_tokens(model: GReNIMJA, emb: Embeddings, promoters: list[str]) -> torch.Tensor:
    """(M, promoter_len-k+1) tokens as ``model`` reads promoters: padded / cut to promoter_len, end kept."""
    return emb.dna_vocab.encode(promoters, model.cfg.promoter_len, "right")


def tokens_for(model: GReNIMJA, emb: Embeddings, proteins: list[str], promoters: list[str]):
    """(:func:`protein_tokens`, :func:`promoter_tokens`) of the two lists."""
    return protein_tokens(model, emb, proteins), promoter_tokens(model, emb, promoters)


@torch.no_grad()
def encode_all(encode: Callable, tokens: torch.Tensor, batch: int = 512) -> torch.Tensor:
    """Run an encoder over tokens in batches -> (N, L', 5H)."""
    return torch.cat([encode(tokens[i : i + batch]) for i in range(0, len(tokens), batch)])


@torch.no_grad()
def score_cached(
    model: GReNIMJA,
    tf_tokens: torch.Tensor,
    gene_tokens: torch.Tensor,
    tf_idx: np.ndarray,
    gene_idx: np.ndarray,
    batch: int = 2048,
    latent: bool = False,
    progress: Callable[[float], None] | None = None,
    logits: bool = False,
) -> np.ndarray:
    """Probabilities for pairs (tf_tokens[tf_idx[k]], gene_tokens[gene_idx[k]]).

    Only the TFs and promoters that occur in the pairs are encoded, once each; the 2D LSTM and head run
    per pair. With ``latent=True`` the 140-d last hidden layer (n_pairs, fc_hidden) is returned instead;
    with ``logits=True`` the logits (before the sigmoid).
    """
    model.eval()
    dev = next(model.parameters()).device  # tokens live on the CPU; the model may not
    tf_idx, gene_idx = np.asarray(tf_idx), np.asarray(gene_idx)
    tf_u, tf_inv = np.unique(tf_idx, return_inverse=True)
    g_u, g_inv = np.unique(gene_idx, return_inverse=True)
    xt = encode_all(model.encode_tf, tf_tokens[torch.as_tensor(tf_u)].to(dev))
    xg = encode_all(model.encode_gene, gene_tokens[torch.as_tensor(g_u)].to(dev))
    out = []
    n = len(tf_idx)
    for s in range(0, n, batch):
        a = torch.as_tensor(tf_inv[s : s + batch], device=dev)
        b = torch.as_tensor(g_inv[s : s + batch], device=dev)
        if latent:
            out.append(model.latent(xt[a], xg[b]).float().cpu().numpy())
        else:
            z = model.head(xt[a], xg[b]).float()
            out.append((z if logits else torch.sigmoid(z)).cpu().numpy())
        if progress:
            progress(min(1.0, (s + batch) / n))
    if not out:
        return np.zeros((0, model.cfg.fc_hidden) if latent else 0, dtype=np.float32)
    return np.concatenate(out).astype(np.float32)


def transfer_logits(
    model: GReNIMJA,
    proteins: list[str],
    genes: list[str | None],
    tf_idx: np.ndarray,
    gene_idx: np.ndarray,
    promoters: list[str] | None = None,
) -> np.ndarray:
    """What the model file's homology-transfer term adds to the logits of pairs (n_pairs,).

    Pair k is (proteins[tf_idx[k]], genes[gene_idx[k]]); a gene given as None (a promoter of no catalogue
    gene) gets 0 from the gene-keyed part, and so does every pair of a model without the term
    (:mod:`grenimja.model.transfer`). Where the term carries promoter k-mer signatures
    (:mod:`grenimja.model.kmers`) and ``promoters`` (sequence per gene index) are given, their part is
    added for every pair, named gene or not.
    """
    if model.transfer is None:
        return np.zeros(len(tf_idx), dtype=np.float32)
    return model.transfer.pair_logits(proteins, genes, promoters, tf_idx, gene_idx).astype(np.float32)


def pair_logits(
    model: GReNIMJA,
    emb: Embeddings,
    proteins: list[str],
    promoters: list[str],
    genes: list[str | None] | None,
    tf_idx: np.ndarray,
    gene_idx: np.ndarray,
    progress: Callable[[float], None] | None = None,
    batch: int = 2048,
) -> np.ndarray:
    """Logits (n_pairs,) of pairs (proteins[tf_idx[k]], promoters[gene_idx[k]]): the network's, plus the
    homology-transfer term for the gene named genes[gene_idx[k]] (and for the promoter's k-mers) when the
    model file carries one, through
    the model file's calibration when it carries one (:func:`calibrated`).

    This is the one scoring path of the package: evaluation, Predict, the reference panel and the
    specificity check all go through it (a genome scan adds the same term to its cached scores).
    """
    tf_tok, gene_tok = tokens_for(model, emb, proteins, promoters)
    z = score_cached(model, tf_tok, gene_tok, tf_idx, gene_idx, logits=True, progress=progress, batch=batch)
    z = z + transfer_logits(
        model, proteins, genes if genes is not None else [None] * len(promoters), tf_idx, gene_idx, promoters
    )
    return calibrated(model, z)


def calibrated(model: GReNIMJA, z: np.ndarray) -> np.ndarray:
    """The model file's Platt scaling applied to final logits (network + term); unchanged without one."""
    if model.calibration is None:
        return z
    return model.calibration.apply(z).astype(np.float32)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Probabilities from logits (float64, no overflow warnings for large |z|)."""
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))


@torch.no_grad()
def score_per_pair(
    model: GReNIMJA,
    tf_tokens: torch.Tensor,
    gene_tokens: torch.Tensor,
    tf_idx: np.ndarray,
    gene_idx: np.ndarray,
    batch: int = 256,
) -> np.ndarray:
    """Probabilities with both sides encoded again for every pair (the uncached reference path)."""
    model.eval()
    out = []
    for s in range(0, len(tf_idx), batch):
        t = tf_tokens[torch.as_tensor(tf_idx[s : s + batch])]
        g = gene_tokens[torch.as_tensor(gene_idx[s : s + batch])]
        out.append(torch.sigmoid(model.head(model.encode_tf(t), model.encode_gene(g))).numpy())
    return np.concatenate(out).astype(np.float32)


# promoters per 2D LSTM call in a genome scan: 128-256 keeps the per-diagonal states in cache (2 cores:
# all 16,444 promoters ~25% faster than at 4,096; bench/README.md); compiled_head pads to this shape
SCAN_BATCH = 256


@torch.no_grad()
def scan_tf(
    model: GReNIMJA,
    tf_tokens: torch.Tensor,
    gene_cache: torch.Tensor,
    batch: int = SCAN_BATCH,
    progress: Callable[[float], None] | None = None,
    logits: bool = False,
    head: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> np.ndarray:
    """One TF (1, Lp) against cached promoter encodings (M, Td, 5H) -> probabilities (M,) (or logits).

    ``batch`` promoters at a time (:data:`SCAN_BATCH`). ``head``: what maps projected rows / columns to
    logits, ``model.head`` by default (:func:`compiled_head` gives a compiled one).
    """
    model.eval()
    head = head or model.head
    xt = model.encode_tf(tf_tokens)
    out = []
    m = len(gene_cache)
    for s in range(0, m, batch):
        z = head(xt, gene_cache[s : s + batch])
        out.append((z if logits else torch.sigmoid(z)).numpy())
        if progress:
            progress(min(1.0, (s + batch) / m))
    return np.concatenate(out).astype(np.float32)


def compiled_head(
    model: GReNIMJA, batch: int = SCAN_BATCH
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``model.head`` compiled by ``torch.compile`` for one TF (1, Ta, 5H) x ``batch`` promoters (batch, Td, 5H).

    Fewer promoters are padded to ``batch`` (one compiled shape, no recompiling for the last batch of a
    scan) and the padding's logits dropped. The first call compiles (~30 s on 2 cores, with gcc), so this
    pays off for long jobs such as :mod:`grenimja.predicted_network`, not for one scan: on 2 cores it
    fuses the 2D LSTM's elementwise gate work and scans one TF against 16,444 promoters ~1.4x faster
    (bench/README.md). Inference only.
    """
    model.eval()
    fn = torch.compile(model.head, dynamic=False)

    @torch.no_grad()
    def head(xt: torch.Tensor, xg: torch.Tensor) -> torch.Tensor:
        n = len(xg)
        if n < batch:
            xg = torch.cat([xg, xg.new_zeros(batch - n, *xg.shape[1:])])
        return fn(xt, xg)[:n]

    return head
