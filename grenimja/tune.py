"""``grenimja tune``: Optuna TPE search over the network's sizes and the learning rate, as in the paper.

Each trial trains a network (:func:`grenimja.train.train`) and is scored by its best validation BCE; its
degree-matched validation per-TF AUROC is recorded beside it. The study lives in SQLite, so a second call
with the same ``--study`` continues it. Parameter importance is Optuna's mean decrease in impurity (a
random forest over the finished trials), written as a table and a figure.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pandas as pd

from grenimja.dataset import Dataset
from grenimja.embedding import Embeddings
from grenimja.model.network import ModelConfig, cpu_config

# name -> (kind, choices or (low, high[, step]))
SPACE: dict[str, tuple] = {
    "protein_channels": ("cat", (32, 64, 128, 256)),
    "dna_channels": ("cat", (32, 64, 128, 256)),
    "protein_kernel": ("int", (10, 40, 5)),
    "dna_kernel": ("int", (6, 24, 3)),
    "protein_stride": ("int", (1, 6)),
    "dna_stride": ("int", (1, 6)),
    "pool": ("int", (2, 16)),
    "common": ("cat", (32, 64, 128)),
    "hidden": ("cat", (32, 64, 128)),  # the 2D LSTM's width
    "dropout": ("float", (0.0, 0.5)),
    "lr": ("log", (1e-4, 3e-3)),
}


def suggest(trial) -> dict:
    """One point of :data:`SPACE` drawn by ``trial`` (an ``optuna.Trial``)."""
    out = {}
    for name, (kind, arg) in SPACE.items():
        if kind == "cat":
            out[name] = trial.suggest_categorical(name, list(arg))
        elif kind == "int":
            out[name] = trial.suggest_int(name, arg[0], arg[1], step=arg[2] if len(arg) > 2 else 1)
        elif kind == "float":
            out[name] = trial.suggest_float(name, *arg)
        else:
            out[name] = trial.suggest_float(name, *arg, log=True)
    return out


def _config(params: dict, base: ModelConfig) -> ModelConfig:
    sizes = {k: v for k, v in params.items() if k != "lr"}
    return cpu_config(**{**base.to_dict(), **sizes})


def run_tuning(
    ds: Dataset,
    emb: Embeddings,
    base: ModelConfig,
    study_path: str | Path,
    out: str | Path,
    n_trials: int,
    split: str = "unknown",
    epochs: int = 1,
    pairs_per_epoch: int = 3000,
    valid_pairs: int = 2000,
    seed: int = 0,
    progress: bool = True,
    max_cells: int | None = None,
) -> dict:
    """Run ``n_trials`` more trials of the study in ``study_path`` (created if absent); write the reports.

    Parameters
    ----------
    base : the network the trials vary (lengths and k-mer sizes are kept from it).
    out : folder for ``trials.csv``, ``importance.csv``, ``importance.html``, ``importance.png``,
        ``summary.json`` (best trial, wall seconds of this call, trials run) and ``README.md``.
    max_cells : a trial whose 2D LSTM grid (TF rows x promoter columns) has more cells is pruned before
        training (its cost grows with the cells); default 4x the grid of ``base``.

    Returns
    -------
    The summary dict.
    """
    import optuna

    from grenimja.evaluate import score_split
    from grenimja.metrics import auroc_summary
    from grenimja.model.io import load_model
    from grenimja.train import TrainConfig, train

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    study_path = Path(study_path)
    study_path.parent.mkdir(parents=True, exist_ok=True)
    if not progress:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name="grenimja",
        storage=f"sqlite:///{study_path.resolve()}",
        direction="minimize",
        load_if_exists=True,
    )
    # seeded by the trials already done, so a continued study draws new points, reproducibly
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    study.sampler = optuna.samplers.TPESampler(seed=seed + len(done))

    # a trial left RUNNING by a killed call would count forever; mark it failed and go on
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)
    limit = max_cells if max_cells is not None else 4 * grid_cells(base, emb)

    def objective(trial) -> float:
        params = suggest(trial)
        cells = grid_cells(_config(params, base), emb)
        trial.set_user_attr("grid_cells", cells)
        if cells > limit:
            raise optuna.TrialPruned(f"2D LSTM grid of {cells} cells is over the limit of {limit}")
        run = out / "trials" / f"trial_{trial.number}"
        tcfg = TrainConfig(
            split=split,
            epochs=epochs,
            pairs_per_epoch=pairs_per_epoch,
            valid_pairs=valid_pairs,
            lr=params["lr"],
            seed=seed,
            patience=epochs,
        )
        try:
            res = train(ds, emb, _config(params, base), tcfg, run, progress=False)
            model, _ = load_model(run / "best.pt", emb)
            scored = score_split(model, emb, ds, split, "valid", "degree-matched")
            _, dm = auroc_summary(
                scored["tf"].to_numpy(), scored["label"].to_numpy(), scored["score"].to_numpy()
            )
        finally:
            shutil.rmtree(run, ignore_errors=True)  # weights of every trial would fill the disk
        trial.set_user_attr("dm_valid_per_tf_auroc", dm)
        trial.set_user_attr("valid_auroc", res["history"][-1]["valid_auroc"])
        if progress:
            print(
                f"trial {trial.number}: valid BCE {res['best_valid_loss']:.4f}, degree-matched per-TF AUROC "
                f"{dm:.3f}",
                flush=True,
            )
        return res["best_valid_loss"]

    t0 = time.time()
    study.optimize(objective, n_trials=n_trials)
    wall = time.time() - t0
    settings = {
        "dataset": ds.path.name,
        "split": split,
        "epochs": epochs,
        "pairs_per_epoch": pairs_per_epoch,
        "valid_pairs": valid_pairs,
        "max_cells": limit,
        "seed": seed,
    }
    return write_tuning_report(study, out, wall, n_trials, settings)


def grid_cells(cfg: ModelConfig, emb: Embeddings) -> int:
    """Cells of the 2D LSTM grid a network of ``cfg`` mixes per pair (TF rows x promoter columns)."""
    from grenimja.model.network import GReNIMJA

    m = GReNIMJA(cfg, emb.protein_vectors[:1], emb.dna_vectors[:1])
    return m.tf_encoder.out_len * m.gene_encoder.out_len


def write_tuning_report(
    study, out: Path, wall_seconds: float, n_new: int, settings: dict | None = None
) -> dict:
    """Trials table, MDI importance (CSV, HTML, PNG) and ``summary.json`` for ``study``."""
    import optuna

    trials = study.trials_dataframe(attrs=("number", "value", "params", "user_attrs", "state", "duration"))
    trials["duration"] = trials["duration"].dt.total_seconds()
    trials = trials.rename(columns={"value": "valid_bce", "duration": "seconds"})
    trials.to_csv(out / "trials.csv", index=False)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    summary = {
        "settings": settings or {},
        "trials_total": len(study.trials),
        "trials_complete": len(done),
        "trials_this_call": n_new,
        "wall_seconds_this_call": round(wall_seconds, 1),
        "seconds_all_trials": round(float(trials["seconds"].sum()), 1),
    }
    if done:
        best = study.best_trial
        summary["best"] = {
            "number": best.number,
            "valid_bce": best.value,
            "dm_valid_per_tf_auroc": best.user_attrs.get("dm_valid_per_tf_auroc"),
            "params": best.params,
        }
    if len(done) >= 2:
        ev = optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0)
        imp = optuna.importance.get_param_importances(study, evaluator=ev)
        table = pd.DataFrame({"parameter": list(imp), "importance": list(imp.values())})
        table.to_csv(out / "importance.csv", index=False)
        fig = optuna.visualization.plot_param_importances(study, evaluator=ev)
        fig.write_html(out / "importance.html", include_plotlyjs="cdn")
        _importance_png(table, out / "importance.png", len(done))
        summary["importance"] = dict(zip(table["parameter"], table["importance"].round(4), strict=True))
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    (out / "README.md").write_text(_markdown(summary, trials))
    return summary


def _markdown(summary: dict, trials: pd.DataFrame) -> str:
    """A readable page of the study: what was run, the best trial, importance, every trial."""
    lines = [
        "# Hyperparameter search (`grenimja tune`)",
        "",
        f"{summary['trials_complete']} of {summary['trials_total']} trials complete, "
        f"{summary['seconds_all_trials']:,.0f} s of trials in all; the last call ran "
        f"{summary['trials_this_call']} in {summary['wall_seconds_this_call']:,.0f} s. Objective: best "
        "validation BCE (lower is better); beside it the degree-matched validation per-TF AUROC. Files: "
        "`trials.csv`, `importance.csv` / `.html` / `.png`, `summary.json`.",
        "",
    ]
    st = summary.get("settings", {})
    if st:
        lines += [
            f"Each trial trains on build `{st['dataset']}`, {st['split']} split: {st['epochs']} epoch(s) of "
            f"{st['pairs_per_epoch']:,} pairs, validated on {st['valid_pairs']:,} pairs; grids over "
            f"{st['max_cells']} cells pruned. Short trials rank settings by how fast they learn, not by where "
            "they end: a BCE near 0.69 has barely left chance.",
            "",
        ]
    if "best" in summary:
        b = summary["best"]
        lines += [
            f"Best trial {b['number']}: validation BCE {b['valid_bce']:.4f}, degree-matched per-TF AUROC "
            f"{b['dm_valid_per_tf_auroc']:.3f}.",
            "",
            "| parameter | best value |",
            "|---|---|",
            *(
                f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |"
                for k, v in b["params"].items()
            ),
            "",
        ]
    if "importance" in summary:
        lines += [
            "Importance (mean decrease in impurity of a random forest over the trials, Optuna):",
            "",
            "| parameter | importance |",
            "|---|---|",
            *(f"| {k} | {v:.3f} |" for k, v in summary["importance"].items()),
            "",
        ]
    cols = [
        c
        for c in ("number", "valid_bce", "user_attrs_dm_valid_per_tf_auroc", "seconds", "state")
        if c in trials
    ]
    t = trials[cols].rename(columns={"user_attrs_dm_valid_per_tf_auroc": "dm_valid_per_tf_auroc"})
    lines += ["| " + " | ".join(t.columns) + " |", "|" + "---|" * len(t.columns)]
    for r in t.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in r) + " |")
    return "\n".join(lines) + "\n"


def _importance_png(table: pd.DataFrame, path: Path, n_trials: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(t) + 1.2))
    ax.barh(t["parameter"], t["importance"], color="#1f77b4")
    ax.set_xlabel("importance (mean decrease in impurity)")
    ax.set_title(f"Hyperparameter importance for validation BCE ({n_trials} trials)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
