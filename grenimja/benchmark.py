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


BASELINES = (
    "prior",
    "selective-prior",
    "literature-prior",
    "homolog",
    "lr",
    "svm",
    "xgb",
    "pwmscan",
    "motif-transfer",
    "lmf",
    "ease",
    "ease-genes",
    "deepram",
    "tbinet",
    "cacpred",
)
KNOWN_ONLY = {
    "lmf",
    "ease",
    "ease-genes",
    "deepram",
    "tbinet",
    "cacpred",
}  # cannot score TFs absent from the training part


def baseline_suite(
    emb, quick: bool = False, split: str = "unknown", only: tuple[str, ...] | None = None
) -> list:
    """The baselines of :data:`BASELINES` that can score ``split`` (``only``: a subset, in that order)."""
    from grenimja.baselines.features import FeatureBaseline
    from grenimja.baselines.pertf import PerTFDeep
    from grenimja.baselines.pwmscan import MotifTransfer, PWMScan
    from grenimja.baselines.simple import (
        GeneDegreePrior,
        GeneEASE,
        LiteratureDegreePrior,
        LogisticMF,
        NearestHomolog,
        SelectiveRegulatorPrior,
        SharedTargetsEASE,
    )

    n = 20_000 if quick else 200_000
    bg = 300 if quick else 2000
    make = {
        "prior": GeneDegreePrior,
        "selective-prior": SelectiveRegulatorPrior,
        "literature-prior": LiteratureDegreePrior,
        "homolog": NearestHomolog,
        "lr": lambda: FeatureBaseline("lr", emb, n),
        "svm": lambda: FeatureBaseline("svm", emb, n),
        "xgb": lambda: FeatureBaseline("xgb", emb, n),
        "pwmscan": lambda: PWMScan(n_background=bg),
        "motif-transfer": lambda: MotifTransfer(n_background=bg),
        "lmf": LogisticMF,
        "ease": SharedTargetsEASE,
        "ease-genes": GeneEASE,
        **{
            arch: (lambda a=arch: PerTFDeep(a, n_tfs=4 if quick else 12, epochs=3 if quick else 10))
            for arch in PerTFDeep.NAMES
        },
    }
    names = BASELINES if only is None else only
    bad = [x for x in names if x not in make]
    if bad:
        raise ValueError(f"unknown baseline(s) {bad}; choose from {list(BASELINES)}")
    return [make[x]() for x in names if split == "known" or x not in KNOWN_ONLY]


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
        # what the targets read: the per-TF AUROC averaged over TFs with >= MIN_POSITIVES test positives
        "tfs_min_positives": res["n_tfs_min_positives"],
        "per_tf_auroc_min_positives": res["per_tf_mean_min_positives"]["auroc"],
        "note": note,
    }


def run_benchmark(
    ds: Dataset,
    split: str,
    emb,
    grenimja_scores: np.ndarray | None = None,
    baselines: list | None = None,
    progress: bool = True,
    negatives: str = "paper",
) -> pd.DataFrame:
    """Rows of metrics on ``split``'s test part under one protocol (see :func:`run_benchmarks`)."""
    scores = None if grenimja_scores is None else {negatives: grenimja_scores}
    return run_benchmarks(ds, split, emb, scores, baselines, (negatives,), progress)[negatives]


def run_benchmarks(
    ds: Dataset,
    split: str,
    emb,
    grenimja_scores: dict[str, np.ndarray] | None = None,
    baselines: list | None = None,
    protocols: tuple[str, ...] = ("paper",),
    progress: bool = True,
) -> dict[str, pd.DataFrame]:
    """Metrics of every model on ``split``'s test part, one table per evaluation protocol.

    Each baseline is fitted once (on the training part; the validation part only for calibration or a
    threshold) and scores the test pairs of every protocol (:meth:`Dataset.evaluation_pairs`).
    ``grenimja_scores[protocol]`` are GReNIMJA's scores of those pairs, in their order. A baseline that
    cannot score some TFs (NaN) gets its row on the TFs it covers, with GReNIMJA on the same TFs.
    """
    tests = {p: ds.evaluation_pairs(split, "test", p) for p in protocols}
    rows: dict[str, list[dict]] = {p: [] for p in protocols}
    scores: dict[str, dict[str, np.ndarray]] = {p: {} for p in protocols}
    for p in protocols:
        if grenimja_scores is not None and p in grenimja_scores:
            rows[p].append(_row("GReNIMJA (this repo)", tests[p], grenimja_scores[p]))
            scores[p]["GReNIMJA (this repo)"] = grenimja_scores[p]
    for b in baselines if baselines is not None else baseline_suite(emb, split=split):
        t0 = time.time()
        b.fit(ds, split)
        for p in protocols:
            test = tests[p]
            s = b.score(test)
            scores[p][b.name] = s
            ok = ~np.isnan(s)
            note = f"fit+score {time.time() - t0:.0f} s"
            if not ok.all():
                sub = test[ok]
                dropped = test.loc[~ok, "tf"].nunique()
                why = getattr(b, "coverage_note", "no JASPAR matrix")
                note += f"; {dropped} of {test['tf'].nunique()} test TFs excluded ({why})"
                row = _row(b.name, sub, s[ok], note)
                rows[p].append(row)
                if grenimja_scores is not None and p in grenimja_scores:
                    rows[p].append(
                        _row("GReNIMJA on the same TFs", sub, grenimja_scores[p][ok], "comparison subset")
                    )
            else:
                row = _row(b.name, test, s, note)
                rows[p].append(row)
            if progress:
                print(f"[{split}, {p} negatives] {b.name}: AUROC {row['auroc']:.3f} ({note})", flush=True)
    last_scores.clear()
    last_scores.update({p: (tests[p], scores[p]) for p in protocols})
    return {p: pd.DataFrame(r) for p, r in rows.items()}


# (test pairs, model -> scores) per protocol of the latest run_benchmarks call, for by_positive_type
last_scores: dict[str, tuple[pd.DataFrame, dict[str, np.ndarray]]] = {}

CHIP_SOURCES = ("encode", "chea3")  # ChIP-seq peak sets; the others are curated / literature / inferred


def positive_type(sources: pd.Series) -> pd.Series:
    """ "ChIP-seq only", "curated only" or "both" from a pair's ``+``-joined source names."""
    chip = sources.str.split("+").map(lambda xs: any(x in CHIP_SOURCES for x in xs))
    other = sources.str.split("+").map(lambda xs: any(x not in CHIP_SOURCES for x in xs))
    return pd.Series(
        np.where(chip & other, "both", np.where(chip, "ChIP-seq only", "curated only")), index=sources.index
    )


def by_positive_type(
    test: pd.DataFrame, scores: dict[str, np.ndarray], min_positives: int = 5
) -> pd.DataFrame:
    """AUROC of every model on the positives of one type (ChIP-seq only / curated only / both).

    Degree-matched negatives go with the type of the positive they were matched to; paper negatives (not
    matched) are all kept with every type. ``per_tf_auroc`` is the mean over TFs with at least
    ``min_positives`` positives of the type, each against its own negatives; pairs a model cannot score (NaN)
    are left out.
    """
    from grenimja.metrics import binary_metrics

    pos = test["label"] == 1
    kind = pd.Series("", index=test.index)
    kind[pos] = positive_type(test.loc[pos, "sources"].astype(str))
    if "matched_gene" in test:
        of_pos = dict(
            zip(zip(test.loc[pos, "tf"], test.loc[pos, "gene"], strict=True), kind[pos], strict=True)
        )
        neg = ~pos
        kind[neg] = [
            of_pos.get(k, "") for k in zip(test.loc[neg, "tf"], test.loc[neg, "matched_gene"], strict=True)
        ]
    rows = []
    for t in ("ChIP-seq only", "curated only", "both"):
        keep = (kind == t) | (~pos & ("matched_gene" not in test))
        for name, s in scores.items():
            sub = keep & ~np.isnan(s)
            d = test[sub].assign(score=s[sub.to_numpy()])
            if d["label"].nunique() < 2:
                continue
            per_tf = [
                binary_metrics(g["label"].to_numpy(), g["score"].to_numpy())["auroc"]
                for _, g in d.groupby("tf")
                if (g["label"] == 1).sum() >= min_positives and g["label"].nunique() == 2
            ]
            rows.append(
                {
                    "model": name,
                    "positive_type": t,
                    "positives": int((d["label"] == 1).sum()),
                    "auroc": binary_metrics(d["label"].to_numpy(), d["score"].to_numpy())["auroc"],
                    f"tfs_with_{min_positives}_positives": len(per_tf),
                    "per_tf_auroc": float(np.mean(per_tf)) if per_tf else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def protocol_note(ds: Dataset, split: str, negatives: str) -> str:
    """One line on how the test negatives were drawn (with the degree gap for degree-matched ones)."""
    if negatives == "paper":
        return (
            "Negatives: the paper's (per TF, random genes that are not its targets in the build's sources)."
        )
    t = ds.evaluation_pairs(split, "test", negatives)
    u = ds.unmatched[(split, "test")]
    d = t.loc[t["label"] == 0, "degree_diff"]
    return (
        "Negatives: degree-matched (per positive, a gene of the same TF with the nearest number of "
        "training-split regulators, linked to the TF in no source); mean absolute degree difference "
        f"{d.mean():.2f} (median {d.median():.0f}, max {d.max():.0f}) over {len(d):,} negatives; "
        f"{u['positives']:,} positives of {u['tfs']} TFs linked to every other gene left out."
    )


def markdown_table(df: pd.DataFrame, cols: list[str] | None = None) -> str:
    """A Markdown table of ``df`` (floats to 3 decimals, integers with thousands separators)."""
    cols = list(df.columns) if cols is None else cols

    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return f"{v:.3f}"
        if isinstance(v, int | np.integer):
            return f"{v:,}"
        return str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(r[c]) for c in cols) + " |" for r in df.to_dict("records")]
    return "\n".join(lines)


def to_markdown(df: pd.DataFrame, split: str, negatives: str = "paper", note: str = "") -> str:
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
    # tables written before the column existed are re-rendered without it
    cols += [c for c in ("tfs_min_positives", "per_tf_auroc_min_positives") if c in df.columns]
    lines = markdown_table(df, cols).splitlines()
    # the paper's numbers were measured under its own negatives only
    for name, m in (PAPER.get(split, {}) if negatives == "paper" else {}).items():
        lines.append(
            "| " + " | ".join([name, "", ""] + [f"{m[c]:.3f}" if c in m else "" for c in cols[3:]]) + " |"
        )
    notes = [f"- {r['model']}: {r['note']}" for r in df.to_dict("records") if r["note"]]
    head = [note, ""] if note else []
    return "\n".join(head + lines + [""] + notes) + "\n"


def merge_rows(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """``old`` table rows (a benchmark or by-positive-type table) with ``new`` rows added after them; a model
    of ``new`` that ``old`` has loses its old rows, and with them the "GReNIMJA on the same TFs" rows that
    follow them (its comparison subset, which ``new`` carries again where it needs one)."""
    names = set(new["model"])
    drop, follows = [], False
    for i, name in zip(old.index, old["model"], strict=True):
        follows = name in names or (follows and name == "GReNIMJA on the same TFs")
        if follows:
            drop.append(i)
    return pd.concat([old.drop(index=drop), new], ignore_index=True)


def merged_with_written(
    df: pd.DataFrame, typed: pd.DataFrame, out: str | Path, split: str, negatives: str = "paper"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A run's benchmark table ``df`` and by-positive-type table ``typed`` merged (:func:`merge_rows`) into
    those written earlier in ``out`` for the same split and protocol; FileNotFoundError where none was."""
    stem = Path(out) / benchmark_stem(split, negatives)
    paths = (stem.with_suffix(".csv"), Path(f"{stem}_by_positive_type.csv"))
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist")
    old = pd.read_csv(paths[0])
    old["note"] = old["note"].fillna("")  # an empty note reads back as NaN
    return merge_rows(old, df), merge_rows(pd.read_csv(paths[1]), typed)


def benchmark_stem(split: str, negatives: str = "paper") -> str:
    """File stem of a benchmark table: ``benchmark_<split>`` or ``benchmark_<split>_degree_matched``."""
    return (
        f"benchmark_{split}" if negatives == "paper" else f"benchmark_{split}_{negatives.replace('-', '_')}"
    )


def write_benchmark(
    df: pd.DataFrame, split: str, out: str | Path, negatives: str = "paper", note: str = ""
) -> None:
    """Write ``<stem>.csv``, ``<stem>.md`` and ``<stem>.json`` (see :func:`benchmark_stem`) into ``out``.

    The protocol note goes into the Markdown only, so paper-protocol CSV / JSON keep their old form.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stem = benchmark_stem(split, negatives)
    df.to_csv(out / f"{stem}.csv", index=False)
    (out / f"{stem}.md").write_text(to_markdown(df, split, negatives, note))
    (out / f"{stem}.json").write_text(json.dumps(df.to_dict("records"), indent=1) + "\n")
