"""Save / load trained models. Loading uses ``torch.load(weights_only=True)`` only.

A model file holds the config, the weights (without the frozen embedding matrices) and the sha256 of
the k-mer vocabularies it was trained with; the embeddings live in a separate ``embeddings.npz``.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from grenimja.embedding import Embeddings
from grenimja.errors import ModelFileError
from grenimja.model.network import GReNIMJA, ModelConfig

FORMAT = "grenimja-model/1"


def _atomic_save(obj, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)  # a kill mid-write never leaves a truncated file behind


def model_payload(model: GReNIMJA, emb: Embeddings, meta: dict | None = None) -> dict:
    # CPU copies: a file written during GPU training loads anywhere, and the model stays where it is
    state = {k: v.detach().cpu() for k, v in model.state_dict().items() if not k.endswith("embed.weight")}
    extra = {} if model.transfer is None else {"transfer": model.transfer.to_payload()}
    if model.calibration is not None:
        extra["calibration"] = model.calibration.to_payload()
    return {
        **extra,
        "format": FORMAT,
        "config": model.cfg.to_dict(),
        "state_dict": state,
        "protein_vocab": emb.protein_vocab.digest(),
        "dna_vocab": emb.dna_vocab.digest(),
        "embedding_kind": emb.kind,
        "meta": meta or {},
    }


def save_model(path: str | Path, model: GReNIMJA, emb: Embeddings, meta: dict | None = None) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_save(model_payload(model, emb, meta), path)


def build_model(payload: dict, emb: Embeddings, source: str = "model") -> GReNIMJA:
    """Rebuild a network from a payload dict, checking format, config and vocabulary."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{source}: not a GReNIMJA model file (expected format {FORMAT})")
    try:
        cfg = ModelConfig(**payload["config"])
    except TypeError as exc:
        raise ModelFileError(f"{source}: config does not match this version of the code ({exc})") from exc
    for side, vocab in (("protein", emb.protein_vocab), ("dna", emb.dna_vocab)):
        if payload[f"{side}_vocab"] != vocab.digest():
            raise ModelFileError(
                f"{source}: trained with a different {side} k-mer vocabulary than the embeddings given "
                f"({payload[f'{side}_vocab'][:12]} vs {vocab.digest()[:12]}); use the embeddings.npz it was "
                "trained with"
            )
    if emb.protein_vectors.shape[1] != cfg.protein_dim or emb.dna_vectors.shape[1] != cfg.dna_dim:
        raise ModelFileError(f"{source}: embedding widths do not match the model config")
    model = GReNIMJA(cfg, emb.protein_vectors, emb.dna_vectors)
    try:
        missing, unexpected = model.load_state_dict(payload["state_dict"], strict=False)
    except RuntimeError as exc:  # shape mismatches
        raise ModelFileError(
            f"{source}: weights do not match the config ({str(exc).splitlines()[1:2]})"
        ) from exc
    missing = [k for k in missing if not k.endswith("embed.weight")]
    if missing or unexpected:
        raise ModelFileError(
            f"{source}: weights do not match the config (missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
    if "transfer" in payload:
        from grenimja.model.transfer import HomologyTransfer

        model.transfer = HomologyTransfer.from_payload(payload["transfer"], source)
    if "calibration" in payload:
        from grenimja.model.calibration import Platt

        model.calibration = Platt.from_payload(payload["calibration"], source)
    model.eval()
    return model


def load_payload(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file {path} not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for truncated / foreign files
        raise ModelFileError(
            f"{path}: cannot be read as a GReNIMJA model ({type(exc).__name__}: {exc})"
        ) from exc


def load_model(path: str | Path, embeddings: str | Path | Embeddings) -> tuple[GReNIMJA, dict]:
    """Load a model file and its embeddings; returns (model in eval mode, meta dict)."""
    emb = embeddings if isinstance(embeddings, Embeddings) else Embeddings.load(embeddings)
    payload = load_payload(path)
    return build_model(payload, emb, str(path)), payload.get("meta", {})
