"""Two model files on the same split part, both protocols, with intervals from resampling TFs.

Every adoption here is decided on a validation part with few TFs (14-16 with >= 5 positives on the held-out
splits), where a change of a few hundredths can be which TFs the part happened to hold: a network chosen
on them once read +0.035 on validation and +0.004 on test (``results/validation/pairwise_probe.md``). This
puts a paired interval beside each difference, the selection criterion (degree-matched per-TF AUROC + paper
pooled AUROC) included, so that a change is adopted knowing how sure it is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from grenimja.metrics import MIN_POSITIVES, per_tf_auroc

PROTOCOLS = ("paper", "degree-matched")


def _pooled_auroc_weighted(y: np.ndarray, s: np.ndarray, w: np.ndarray) -> float:
    """Pooled AUROC with pair weights ``w`` (a TF drawn k times counts k times), ties counting one half."""
    from sklearn.metrics import roc_auc_score

    keep = w > 0
    return float(roc_auc_score(y[keep], s[keep], sample_weight=w[keep]))


def bootstrap_difference(scored: dict[str, pd.DataFrame], n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Differences b - a of each protocol's pooled and per-TF AUROC and of the criterion, with 95% intervals.

    Parameters
    ----------
    scored
        Per protocol (``"paper"``, ``"degree-matched"``), the part's pairs with columns ``tf``, ``label``,
        ``a`` and ``b`` (the two models' scores, any monotone scale).
    n_boot
        Bootstrap draws. Each draws the TFs of the part with replacement, the same draw for both protocols
        (a TF is in both), and recomputes every metric of both models on it.
    seed
        Seed of the numpy generator of the draws.

    Returns
    -------
    One row per metric: ``metric``, ``a``, ``b``, ``difference`` and ``ci_low`` / ``ci_high`` (2.5 and 97.5
    percentiles of the drawn differences), ``tfs`` (TFs the metric averages or pools).
    """
    tfs = np.unique(np.concatenate([f["tf"].to_numpy() for f in scored.values()]))
    code = {t: i for i, t in enumerate(tfs)}
    per_tf = {}
    pooled_parts = {}
    n_tfs = {"criterion": len(tfs)}  # TFs each metric averages or pools
    for name, f in scored.items():
        y = f["label"].to_numpy()
        a = per_tf_auroc(f["tf"].to_numpy(), y, f["a"].to_numpy(), MIN_POSITIVES)
        b = per_tf_auroc(f["tf"].to_numpy(), y, f["b"].to_numpy(), MIN_POSITIVES)
        per_tf[name] = (a.index.map(code).to_numpy(), a.to_numpy(), b.reindex(a.index).to_numpy())
        pooled_parts[name] = (f["tf"].map(code).to_numpy(), y, f["a"].to_numpy(), f["b"].to_numpy())
        n_tfs[f"{name} per-TF AUROC"], n_tfs[f"{name} pooled AUROC"] = len(a), f["tf"].nunique()

    def metrics(weight: np.ndarray) -> dict[str, tuple[float, float]]:
        """Every metric of both models with TF i counted weight[i] times."""
        out = {}
        for name, (idx, a, b) in per_tf.items():
            w = weight[idx]
            out[f"{name} per-TF AUROC"] = (
                float(np.average(a, weights=w)) if w.sum() else np.nan,
                float(np.average(b, weights=w)) if w.sum() else np.nan,
            )
        for name, (idx, y, a, b) in pooled_parts.items():
            w = weight[idx].astype(np.float64)
            out[f"{name} pooled AUROC"] = (_pooled_auroc_weighted(y, a, w), _pooled_auroc_weighted(y, b, w))
        if "paper" in scored and "degree-matched" in scored:
            dm, pp = out["degree-matched per-TF AUROC"], out["paper pooled AUROC"]
            out["criterion"] = (dm[0] + pp[0], dm[1] + pp[1])
        return out

    full = metrics(np.ones(len(tfs)))
    rng = np.random.default_rng(seed)
    drawn = {k: [] for k in full}
    for _ in range(n_boot):
        weight = np.bincount(rng.integers(0, len(tfs), len(tfs)), minlength=len(tfs))
        for k, (a, b) in metrics(weight).items():
            drawn[k].append(b - a)
    rows = []
    for k, (a, b) in full.items():
        d = np.asarray(drawn[k], dtype=np.float64)
        d = d[np.isfinite(d)]
        rows.append(
            {
                "metric": k,
                "a": a,
                "b": b,
                "difference": b - a,
                "ci_low": float(np.quantile(d, 0.025)) if len(d) else np.nan,
                "ci_high": float(np.quantile(d, 0.975)) if len(d) else np.nan,
                "tfs": n_tfs[k],
            }
        )
    return pd.DataFrame(rows)


def compare_models(
    model_a: str,
    model_b: str,
    emb_path: str,
    dataset: str,
    split: str,
    part: str = "valid",
    n_boot: int = 1000,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Score one split part under both protocols with two model files and compare them
    (:func:`bootstrap_difference`; ``a`` is ``model_a``, the incumbent, ``b`` the candidate).

    Scores are each file's final logits (network, term and calibration as the file carries them), the ones
    Predict shows. Both files must read the same embeddings (``emb_path``).
    """
    from grenimja.dataset import load_dataset
    from grenimja.embedding import Embeddings
    from grenimja.evaluate import dataset_logits
    from grenimja.model.io import load_model

    emb = Embeddings.load(emb_path)
    ds = load_dataset(dataset)
    models = [load_model(p, emb)[0] for p in (model_a, model_b)]
    scored = {}
    for proto in PROTOCOLS:
        f = ds.evaluation_pairs(split, part, proto)[["tf", "tf_i", "gene_i", "label"]].copy()
        for key, m, path in zip(("a", "b"), models, (model_a, model_b), strict=True):
            if progress:
                progress(f"scoring {proto} {part} pairs with {path}")
            f[key] = dataset_logits(m, emb, ds, f["tf_i"].to_numpy(), f["gene_i"].to_numpy())
        scored[proto] = f
    return bootstrap_difference(scored, n_boot, seed)
