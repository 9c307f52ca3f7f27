"""grenimja tune: the study persists in SQLite and continues; importance covers every tuned parameter."""

from __future__ import annotations

import json

import pandas as pd

from grenimja.cli import _model_config
from grenimja.dataset import load_dataset
from grenimja.tune import SPACE, run_tuning


def test_a_second_call_continues_the_study_and_importance_names_every_parameter(
    tmp_path, small_dataset, small_embeddings
):
    ds = load_dataset(small_dataset)
    base = _model_config(ds, small_embeddings)
    kw = dict(epochs=1, pairs_per_epoch=128, valid_pairs=128, progress=False, max_cells=10**9)
    study, out = tmp_path / "study.db", tmp_path / "tuning"
    first = run_tuning(ds, small_embeddings, base, study, out, 1, **kw)
    assert first["trials_total"] == 1 and study.is_file()
    second = run_tuning(ds, small_embeddings, base, study, out, 1, **kw)
    assert second["trials_total"] == 2 and second["trials_this_call"] == 1
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 2 and trials["valid_bce"].gt(0).all()
    # the degree-matched validation AUROC is recorded beside the objective
    assert trials["user_attrs_dm_valid_per_tf_auroc"].between(0, 1).all()
    imp = pd.read_csv(out / "importance.csv")
    assert set(imp["parameter"]) == set(SPACE) and abs(imp["importance"].sum() - 1) < 1e-6
    assert "Best trial" in (out / "README.md").read_text()
    assert (out / "importance.png").stat().st_size > 5_000 and "plotly" in (
        out / "importance.html"
    ).read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["best"]["valid_bce"] == trials["valid_bce"].min()
    assert set(summary["best"]["params"]) == set(SPACE)
    assert not (out / "trials").exists() or not any((out / "trials").iterdir())  # trial weights removed
    # a grid over the cell limit is pruned before any training
    third = run_tuning(ds, small_embeddings, base, study, out, 1, **{**kw, "max_cells": 1})
    assert third["trials_total"] == 3 and third["trials_complete"] == 2
    last = pd.read_csv(out / "trials.csv").iloc[-1]
    assert last["state"] == "PRUNED" and last["user_attrs_grid_cells"] > 1
