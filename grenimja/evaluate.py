"""Evaluate a model file on a split: pooled and per-TF metrics, ROC / PR curves (JSON + PNG)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from grenimja.dataset import Dataset, load_dataset
from grenimja.metrics import curves, per_tf_metrics, summarize
from grenimja.model.io import load_model
from grenimja.predict import pair_logits, sigmoid


def plot_curves(curve_sets: dict[str, dict], path: str | Path, title: str = "") -> None:
    """ROC and PR panels for one or more named curve dicts (see :func:`grenimja.metrics.curves`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 4))
    for name, c in curve_sets.items():
        ax1.plot(c["roc"]["fpr"], c["roc"]["tpr"], label=name)
        ax2.plot(c["pr"]["recall"], c["pr"]["precision"], label=name)
    ax1.plot([0, 1], [0, 1], ls=":", c="grey")
    ax1.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax2.set(xlabel="recall", ylabel="precision", title="precision-recall", ylim=(0, 1.02))
    ax1.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def dataset_logits(model, emb, ds: Dataset, tf_idx: np.ndarray, gene_idx: np.ndarray) -> np.ndarray:
    """Logits (n_pairs,) of pairs given as rows of ``ds.tfs`` / ``ds.genes``, the model's
    homology-transfer term included (:func:`grenimja.predict.pair_logits` on the build's tables)."""
    return pair_logits(
        model,
        emb,
        ds.tfs["protein"].tolist(),
        ds.genes["promoter"].tolist(),
        ds.genes["gene"].tolist(),
        tf_idx,
        gene_idx,
    )


def score_split(
    model, emb, ds: Dataset, split: str, part: str = "test", negatives: str = "paper"
) -> pd.DataFrame:
    """Pairs of one split part under one protocol (``paper`` / ``degree-matched``) with a ``score`` column."""
    pairs = ds.evaluation_pairs(split, part, negatives).copy()
    z = dataset_logits(model, emb, ds, pairs["tf_i"].to_numpy(), pairs["gene_i"].to_numpy())
    pairs["score"] = sigmoid(z).astype(np.float32)
    return pairs


def write_evaluation(scored: pd.DataFrame, out: str | Path, name: str) -> dict:
    """Write metrics.json, per_tf.csv, curves.json, curves.png for a frame with tf, label, score."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    y, p, tfs = scored["label"].to_numpy(), scored["score"].to_numpy(), scored["tf"].to_numpy()
    res = summarize(tfs, y, p)
    per_tf_metrics(tfs, y, p).to_csv(out / "per_tf.csv", index=False)
    c = curves(y, p)
    (out / "curves.json").write_text(json.dumps(c) + "\n")
    (out / "metrics.json").write_text(json.dumps(res, indent=1) + "\n")
    plot_curves({name: c}, out / "curves.png", title=name)
    return res


def evaluate_model(
    model_path,
    emb_path,
    dataset,
    split: str,
    part: str,
    out,
    negatives: str = "paper",
    specificity: bool = False,
    specificity_genes: int | None = None,
    device: str = "cpu",
    bf16: bool = False,
) -> dict:
    """Score ``part`` of ``split`` under a protocol with a model file; write the evaluation files to ``out``.

    ``device``: where the network runs ("cpu", "cuda"); scores agree across devices to float tolerance.
    ``bf16``: the network under bfloat16 autocast (matmuls in bf16, 2D LSTM states in fp32; for GPUs and
    CPUs with bf16 units, ~30x slower than fp32 on CPUs without: :mod:`grenimja.model.lstm2d`).

    With ``specificity`` also ``specificity.json``: the TF / gene / interaction variance shares of the
    model's logits over the part's TFs x all genes and the mean Spearman between two TFs' rankings
    (:func:`grenimja.interpret.run.specificity_check`).
    """
    from grenimja.embedding import Embeddings

    emb = Embeddings.load(emb_path)
    model, _ = load_model(model_path, emb)
    model = model.to(device)
    ds = load_dataset(dataset)
    with torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=bf16):
        scored = score_split(model, emb, ds, split, part, negatives)
    Path(out).mkdir(parents=True, exist_ok=True)
    scored[["tf", "gene", "label", "score"]].to_csv(Path(out) / "scores.tsv.gz", sep="\t", index=False)
    name = (
        f"GReNIMJA {split} TFs ({part})"
        if negatives == "paper"
        else f"GReNIMJA {split} TFs ({part}, {negatives})"
    )
    res = write_evaluation(scored, out, name)
    if specificity:
        from grenimja.interpret.run import specificity_check

        res["specificity"] = specificity_check(model, emb, ds, split, part, n_genes=specificity_genes)
        (Path(out) / "specificity.json").write_text(json.dumps(res["specificity"], indent=1) + "\n")
    return res
