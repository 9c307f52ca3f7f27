"""The paper's Figure 2 on our splits: per-TF accuracy and AUROC against the TF's number of training pairs
and its protein length, and the share of positive calls by length, for GReNIMJA and two baselines that
need no training of their own (gene-degree prior, nearest homolog), under both protocols.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# bins of training pairs per TF and of protein length (aa); right-open, the last one unbounded
PAIR_BINS = (0, 1, 100, 300, 1000, 3000, np.inf)
LENGTH_BINS = (0, 300, 500, 800, 1200, np.inf)


def _labels(edges) -> list[str]:
    return [
        f"{int(a)}" if b == a + 1 else (f">= {int(a)}" if np.isinf(b) else f"{int(a)}-{int(b) - 1}")
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]


def robustness_table(model, emb, ds, split: str, negatives: str) -> pd.DataFrame:
    """One row per (model, test TF): n_train_pairs, protein_length, accuracy, auroc (NaN with one class),
    positive_call_share (share of the TF's pairs called positive at p >= 0.5), n_pairs."""
    from grenimja.baselines.simple import GeneDegreePrior, NearestHomolog
    from grenimja.evaluate import dataset_logits
    from grenimja.metrics import per_tf_metrics
    from grenimja.predict import sigmoid

    pairs = ds.evaluation_pairs(split, "test", negatives)
    tr = ds.split(split, "train")
    n_train = tr.groupby("tf").size()
    length = ds.tfs.set_index("tf")["protein"].str.len()
    scores = {
        "GReNIMJA": sigmoid(
            dataset_logits(model, emb, ds, pairs["tf_i"].to_numpy(), pairs["gene_i"].to_numpy())
        ),
        "gene-degree prior": GeneDegreePrior().fit(ds, split).score(pairs),
        "nearest homolog": NearestHomolog().fit(ds, split).score(pairs),
    }
    frames = []
    for name, p in scores.items():
        m = per_tf_metrics(pairs["tf"].to_numpy(), pairs["label"].to_numpy(), np.asarray(p))
        calls = pd.Series(np.asarray(p) >= 0.5).groupby(pairs["tf"].to_numpy()).mean()
        frames.append(
            m[["tf", "accuracy", "auroc"]].assign(
                model=name,
                positive_call_share=m["tf"].map(calls).to_numpy(),
                n_pairs=m["tf"].map(pairs.groupby("tf").size()).to_numpy(),
                n_train_pairs=m["tf"].map(n_train).fillna(0).astype(int).to_numpy(),
                protein_length=m["tf"].map(length).to_numpy(),
                negatives=negatives,
            )
        )
    cols = ["negatives", "model", "tf", "n_train_pairs", "protein_length", "n_pairs", "accuracy", "auroc"]
    return pd.concat(frames, ignore_index=True)[[*cols, "positive_call_share"]]


def binned(table: pd.DataFrame) -> pd.DataFrame:
    """Mean per-TF metrics per model, protocol and bin: rows with axis "training pairs" or "protein length"."""
    out = []
    for axis, col, edges in (
        ("training pairs", "n_train_pairs", PAIR_BINS),
        ("protein length", "protein_length", LENGTH_BINS),
    ):
        b = pd.cut(table[col], list(edges), right=False, labels=_labels(edges))
        # bins in their own order (categorical codes), models and protocols as they come
        g = table.assign(bin=b).groupby(["negatives", "model", "bin"], observed=True, sort=False)
        agg = g.agg(
            n_tfs=("tf", "size"),
            accuracy=("accuracy", "mean"),
            auroc=("auroc", "mean"),
            positive_call_share=("positive_call_share", "mean"),
        )
        agg = agg.reset_index().assign(axis=axis, _order=lambda d: d["bin"].cat.codes)
        out.append(agg.sort_values(["negatives", "model", "_order"], kind="stable").drop(columns="_order"))
    res = pd.concat([o.assign(bin=o["bin"].astype(str)) for o in out], ignore_index=True)
    return res[["negatives", "axis", "bin", "model", "n_tfs", "accuracy", "auroc", "positive_call_share"]]


def robustness_png(bins: pd.DataFrame, path: str | Path, title: str) -> None:
    """One row of panels per protocol: AUROC and accuracy by training pairs, AUROC and positive calls by length."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    protos = list(dict.fromkeys(bins["negatives"]))
    panels = [
        ("training pairs", "auroc"),
        ("training pairs", "accuracy"),
        ("protein length", "auroc"),
        ("protein length", "positive_call_share"),
    ]
    fig, axes = plt.subplots(len(protos), 4, figsize=(18, 4 * len(protos)), squeeze=False)
    for i, proto in enumerate(protos):
        for j, (axis, metric) in enumerate(panels):
            ax = axes[i, j]
            sub = bins[(bins["negatives"] == proto) & (bins["axis"] == axis)]
            for model, g in sub.groupby("model", sort=False):
                ax.plot(g["bin"].astype(str), g[metric], marker="o", label=model)
            ax.set_title(f"{proto} negatives: {metric.replace('_', ' ')}")
            ax.set_xlabel(f"{axis} per TF")
            ax.tick_params(axis="x", rotation=30)
            if metric in ("auroc", "accuracy"):
                ax.axhline(0.5, color="grey", lw=0.8, ls=":")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_robustness(table: pd.DataFrame, split: str, out: str | Path) -> dict[str, Path]:
    """Write the per-TF ``table`` of both protocols, its bins and the figure; returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    bins = binned(table)
    paths = {
        "per_tf": out / f"robustness_{split}.csv",
        "binned": out / f"robustness_{split}_binned.csv",
        "figure": out / f"robustness_{split}.png",
    }
    table.round(4).to_csv(paths["per_tf"], index=False)
    bins.round(4).to_csv(paths["binned"], index=False)
    robustness_png(
        bins, paths["figure"], f"{split} split test TFs: per-TF metrics by training pairs and length"
    )
    return paths


def run_robustness(model, emb, ds, split: str, out: str | Path) -> dict[str, Path]:
    """Both protocols: ``robustness_<split>.csv`` (per TF), ``robustness_<split>_binned.csv`` and
    ``robustness_<split>.png`` in ``out``; returns the paths."""
    table = pd.concat(
        [robustness_table(model, emb, ds, split, neg) for neg in ("paper", "degree-matched")],
        ignore_index=True,
    )
    return write_robustness(table, split, out)
