"""Benchmark tables like the paper's Tables 1, 2 and 5: GReNIMJA and every baseline on one split's test set."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.dataset import Dataset
from grenimja.metrics import summarize

PAPER = {
    "known": {
        "GReNIMJA (paper)": dict(accuracy=0.844, auroc=0.928, aupr=0.929, f1=0.847, mcc=0.689),
        "TBiNet (paper)": dict(accuracy=0.833, auroc=0.915, aupr=0.913, f1=0.837, mcc=0.667),
        "XGBoost (paper)": dict(accuracy=0.822, auroc=0.900, aupr=0.893, f1=0.829, mcc=0.646),
    },
    "unknown": {
        "GReNIMJA (paper)": dict(accuracy=0.685, auroc=0.698, aupr=0.694),
        "XGBoost (paper)": dict(accuracy=0.651, auroc=0.683, aupr=0.687),
    },
}


def baseline_suite(emb, quick: bool = False, split: str = "unknown") -> list:
    from grenimja.baselines.features import FeatureBaseline
    from grenimja.baselines.pwmscan import PWMScan
    from grenimja.baselines.simple import GeneDegreePrior, NearestHomolog

    n = 20_000 if quick else 200_000
    suite = [
        GeneDegreePrior(),
        NearestHomolog(),
        FeatureBaseline("lr", emb, n),
        FeatureBaseline("svm", emb, n),
        FeatureBaseline("xgb", emb, n),
        PWMScan(n_background=300 if quick else 2000),
    ]
    if split == "known":  # per-TF models cannot score TFs they were not trained on
        from grenimja.baselines.pertf import PerTFDeep

        suite += [
            PerTFDeep(arch, n_tfs=4 if quick else 12, epochs=3 if quick else 10) for arch in PerTFDeep.NAMES
        ]
    return suite


def _row(name: str, test: pd.DataFrame, score: np.ndarray, note: str = "") -> dict:
    res = summarize(test["tf"].to_numpy(), test["label"].to_numpy(), score)
    p, t = res["pooled"], res["per_tf_mean"]
    return {
        "model": name,
        "pairs": p["n"],
        "tfs": res["n_tfs"],
        "accuracy": p["accuracy"],
        "auroc": p["auroc"],
        "aupr": p["aupr"],
        "f1": p["f1"],
        "mcc": p["mcc"],
        "per_tf_accuracy": t["accuracy"],
        "per_tf_auroc": t["auroc"],
        "per_tf_aupr": t["aupr"],
        "note": note,
    }


def run_benchmark(
    ds: Dataset,
    split: str,
    emb,
    grenimja_scores: np.ndarray | None = None,
    baselines: list | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Rows of metrics on ``split``'s test part; PWMScan also gets GReNIMJA on its TF subset."""
    test = ds.split(split, "test")
    rows = []
    if grenimja_scores is not None:
        rows.append(_row("GReNIMJA (this repo)", test, grenimja_scores))
    for b in baselines if baselines is not None else baseline_suite(emb, split=split):
        t0 = time.time()
        b.fit(ds, split)
        s = b.score(test)
        ok = ~np.isnan(s)
        note = f"fit+score {time.time() - t0:.0f} s"
        if not ok.all():
            sub = test[ok]
            dropped = test.loc[~ok, "tf"].nunique()
            why = getattr(b, "coverage_note", "no JASPAR matrix")
            note += f"; {dropped} of {test['tf'].nunique()} test TFs excluded ({why})"
            row = _row(b.name, sub, s[ok], note)
            rows.append(row)
            if grenimja_scores is not None:
                rows.append(_row("GReNIMJA on the same TFs", sub, grenimja_scores[ok], "comparison subset"))
        else:
            row = _row(b.name, test, s, note)
            rows.append(row)
        if progress:
            print(f"[{split}] {b.name}: AUROC {row['auroc']:.3f} ({note})", flush=True)
    return pd.DataFrame(rows)


def to_markdown(df: pd.DataFrame, split: str) -> str:
    cols = [
        "model",
        "pairs",
        "tfs",
        "accuracy",
        "auroc",
        "aupr",
        "f1",
        "mcc",
        "per_tf_accuracy",
        "per_tf_auroc",
        "per_tf_aupr",
    ]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in df.to_dict("records"):
        lines.append(
            "| "
            + " | ".join(
                f"{r[c]:.3f}"
                if isinstance(r[c], float)
                else f"{r[c]:,}"
                if isinstance(r[c], int | np.integer)
                else str(r[c])
                for c in cols
            )
            + " |"
        )
    for name, m in PAPER.get(split, {}).items():
        lines.append(
            "| " + " | ".join([name, "", ""] + [f"{m[c]:.3f}" if c in m else "" for c in cols[3:]]) + " |"
        )
    notes = [f"- {r['model']}: {r['note']}" for r in df.to_dict("records") if r["note"]]
    return "\n".join(lines + [""] + notes) + "\n"


def write_benchmark(df: pd.DataFrame, split: str, out: str | Path) -> None:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / f"benchmark_{split}.csv", index=False)
    (out / f"benchmark_{split}.md").write_text(to_markdown(df, split))
    (out / f"benchmark_{split}.json").write_text(json.dumps(df.to_dict("records"), indent=1) + "\n")
