"""The paper's Figure 2 on our splits (grenimja interpret robustness)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def test_robustness_writes_per_tf_and_binned_tables_for_both_protocols(tiny_robustness_known, small_dataset):
    tmp_path = tiny_robustness_known
    stdout = (tmp_path / "stdout.txt").read_text()
    assert "figure:" in stdout and (tmp_path / "robustness_known.png").stat().st_size > 10_000
    per_tf = pd.read_csv(tmp_path / "robustness_known.csv")
    assert set(per_tf["negatives"]) == {"paper", "degree-matched"}
    assert set(per_tf["model"]) == {"GReNIMJA", "gene-degree prior", "nearest homolog"}
    # known split: every test TF has training pairs, counted from the build
    from grenimja.dataset import load_dataset

    ds = load_dataset(small_dataset)
    counts = ds.split("known", "train").groupby("tf").size()
    row = per_tf.iloc[0]
    assert row["n_train_pairs"] == counts[row["tf"]] and row["n_train_pairs"] > 0
    assert row["protein_length"] == len(ds.tfs.set_index("tf").loc[row["tf"], "protein"])
    assert per_tf["positive_call_share"].between(0, 1).all()
    bins = pd.read_csv(tmp_path / "robustness_known_binned.csv")
    # every TF falls in exactly one bin per axis, model and protocol
    for (neg, axis, model), g in bins.groupby(["negatives", "axis", "model"]):
        n = per_tf[(per_tf["negatives"] == neg) & (per_tf["model"] == model)]
        assert g["n_tfs"].sum() == len(n), (neg, axis, model)
    # bins come in their own order (as the figure draws them), not by appearance
    from grenimja.interpret.robustness import LENGTH_BINS, _labels

    order = {b: i for i, b in enumerate(_labels(LENGTH_BINS))}
    for _, g in bins[bins["axis"] == "protein length"].groupby(["negatives", "model"]):
        assert g["bin"].map(order).is_monotonic_increasing
    mean_auc = per_tf.query("model == 'gene-degree prior' and negatives == 'paper'")["auroc"]
    assert np.isfinite(mean_auc).any()
