"""Classification metrics as in the paper (Tables 1, 2, 5): pooled and averaged per TF."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import metrics as skm

METRICS = ("accuracy", "auroc", "aupr", "f1", "precision", "recall", "mcc")


def binary_metrics(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, AUROC, AUPR (average precision), F1, precision, recall, MCC of scores ``p`` in [0, 1].

    AUROC / AUPR are NaN when ``y`` holds one class only.
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    pred = (p >= threshold).astype(int)
    two = len(np.unique(y)) == 2
    return {
        "accuracy": float(skm.accuracy_score(y, pred)),
        "auroc": float(skm.roc_auc_score(y, p)) if two else float("nan"),
        "aupr": float(skm.average_precision_score(y, p)) if two else float("nan"),
        "f1": float(skm.f1_score(y, pred, zero_division=0)),
        "precision": float(skm.precision_score(y, pred, zero_division=0)),
        "recall": float(skm.recall_score(y, pred, zero_division=0)),
        "mcc": float(skm.matthews_corrcoef(y, pred)),
        "n": int(len(y)),
    }


def per_tf_metrics(tfs: np.ndarray, y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> pd.DataFrame:
    """One row of :func:`binary_metrics` per TF (paper Table 2 averages these)."""
    df = pd.DataFrame({"tf": tfs, "y": y, "p": p})
    rows = [
        {"tf": tf, **binary_metrics(g["y"].to_numpy(), g["p"].to_numpy(), threshold)}
        for tf, g in df.groupby("tf", sort=True)
    ]
    return pd.DataFrame(rows)


# a TF counts in the per-TF mean the targets read (issue #12) with at least this many test positives: the
# AUROC of a TF with one or two positives is 0, 0.5 or 1 by chance, and held-out TFs with few known targets
# are many (on the unknown split's degree-matched test pairs, 14 of 44)
MIN_POSITIVES = 5


def target_per_tf_key(row: dict) -> str:
    """The per-TF AUROC a benchmark row (a ``grenimja.benchmark`` table row) is judged on: the mean over TFs
    with >= :data:`MIN_POSITIVES` positives where the row has it, else (tables written before that column)
    the mean over every TF with both classes."""
    return "per_tf_auroc_min_positives" if "per_tf_auroc_min_positives" in row else "per_tf_auroc"


def selection_min_positives(tfs: np.ndarray, y: np.ndarray) -> int:
    """The positives a TF needs to count in a model-selection per-TF mean: :data:`MIN_POSITIVES` where some
    TF of the pairs has that many, else 1 (a small part, a test fixture: every TF with both classes)."""
    pos = pd.Series(np.asarray(y).astype(int)).groupby(np.asarray(tfs)).sum()
    return MIN_POSITIVES if (pos >= MIN_POSITIVES).any() else 1


def summarize(tfs: np.ndarray, y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict:
    """Pooled metrics and the per-TF mean (TFs with both classes for AUROC / AUPR), also over the TFs with
    both classes and at least :data:`MIN_POSITIVES` positives (``per_tf_mean_min_positives``;
    ``n_tfs_min_positives`` of them)."""
    per_tf = per_tf_metrics(tfs, y, p, threshold)
    pos = per_tf["tf"].map(pd.Series(np.asarray(y).astype(int)).groupby(np.asarray(tfs)).sum()).to_numpy()
    # enough positives, and a negative: a TF with one class has no AUROC to average
    enough = per_tf[(pos >= MIN_POSITIVES) & (pos < per_tf["n"].to_numpy())]

    def mean(frame: pd.DataFrame, m: str) -> float:
        v = frame[m].to_numpy(dtype=float)
        return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")

    return {
        "pooled": binary_metrics(y, p, threshold),
        "per_tf_mean": {m: mean(per_tf, m) for m in METRICS},
        "n_tfs": int(len(per_tf)),
        "per_tf_mean_min_positives": {m: mean(enough, m) for m in METRICS},
        "n_tfs_min_positives": int(len(enough)),
        "min_positives": MIN_POSITIVES,
    }


def _mid_ranks(codes: np.ndarray, p: np.ndarray) -> np.ndarray:
    """1-based ranks of ``p`` within each group of ``codes`` (ties share their mean rank, as
    ``pandas.Series.rank(method="average")``), in the input order."""
    n = len(p)
    if n == 0:
        return np.zeros(0)
    order = np.lexsort((p, codes))
    c, v = codes[order], p[order]
    new_group = np.r_[True, c[1:] != c[:-1]]
    new_run = new_group | np.r_[True, v[1:] != v[:-1]]
    at = np.arange(n)
    group_start = np.maximum.accumulate(np.where(new_group, at, 0))
    run_start = at[new_run]
    run_end = np.r_[run_start[1:], n] - 1
    mean_rank = (run_start + run_end) / 2 - group_start[run_start] + 1
    ranks = np.empty(n)
    ranks[order] = mean_rank[np.cumsum(new_run) - 1]
    return ranks


def _auroc_by_group(codes: np.ndarray, y: np.ndarray, p: np.ndarray, n_groups: int):
    """(AUROC, positives, size) of each group 0..n_groups-1 in the Mann-Whitney form (NaN AUROC where a
    group has one class)."""
    r = _mid_ranks(codes, p)
    n = np.bincount(codes, minlength=n_groups).astype(np.float64)
    pos = np.bincount(codes, weights=y, minlength=n_groups)
    rank_pos = np.bincount(codes, weights=r * y, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (rank_pos - pos * (pos + 1) / 2) / (pos * (n - pos))
    return np.where((pos > 0) & (pos < n), auc, np.nan), pos, n


def per_tf_auroc(tfs: np.ndarray, y: np.ndarray, p: np.ndarray, min_positives: int = 1) -> pd.Series:
    """AUROC of each TF with both classes and at least ``min_positives`` positives, indexed by TF (sorted),
    as ``roc_auc_score`` per TF."""
    # Mann-Whitney form with mid-ranks within each TF (ties count one half, as roc_auc_score), in numpy:
    # the transfer grids call this hundreds of times, and pandas' groupby overhead was most of their time
    names, codes = np.unique(np.asarray(tfs), return_inverse=True)
    y = np.asarray(y).astype(np.float64)
    auc, pos, n = _auroc_by_group(codes.ravel(), y, np.asarray(p, dtype=np.float64), len(names))
    keep = (pos >= max(min_positives, 1)) & (pos < n)
    return pd.Series(auc[keep], index=pd.Index(names[keep], name="tf"))


def auroc_summary(
    tfs: np.ndarray, y: np.ndarray, p: np.ndarray, min_positives: int = 1
) -> tuple[float, float]:
    """(pooled AUROC, mean per-TF AUROC over TFs with both classes and at least ``min_positives``
    positives): the two numbers of :func:`summarize` that model selection reads (``min_positives`` 1: its
    ``per_tf_mean``; :data:`MIN_POSITIVES`: its ``per_tf_mean_min_positives``), without the other metrics'
    cost."""
    per = per_tf_auroc(tfs, y, p, min_positives)
    y = np.asarray(y).astype(np.float64)
    pooled = _auroc_by_group(np.zeros(len(y), dtype=np.int64), y, np.asarray(p, dtype=np.float64), 1)[0][0]
    return float(pooled), float(per.mean()) if len(per) else float("nan")


def paired_tf_bootstrap(
    a: pd.Series, b: pd.Series, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean over TFs of ``b - a`` (two per-TF metrics indexed by TF; TFs in both) and its 95% interval
    from resampling TFs with replacement: whether a change of a per-TF mean is more than which TFs the
    part happened to hold."""
    d = (b - a).dropna().to_numpy()
    if not len(d):
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(axis=1)
    return float(d.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def curves(y: np.ndarray, p: np.ndarray) -> dict:
    """ROC and PR curve points (thinned to <= 200 points each) for plots and JSON."""
    fpr, tpr, _ = skm.roc_curve(y, p)
    prec, rec, _ = skm.precision_recall_curve(y, p)

    def thin(a, b):
        idx = np.unique(np.linspace(0, len(a) - 1, min(200, len(a))).astype(int))
        return a[idx].round(5).tolist(), b[idx].round(5).tolist()

    fpr, tpr = thin(fpr, tpr)
    rec, prec = thin(rec, prec)
    return {"roc": {"fpr": fpr, "tpr": tpr}, "pr": {"recall": rec, "precision": prec}}
