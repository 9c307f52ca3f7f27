"""Two model files compared on one split part, both protocols, with intervals from resampling TFs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from grenimja.compare import bootstrap_difference
from grenimja.metrics import auroc_summary

from .conftest import cli


def _part(seed: int, n_tfs: int = 12, per_tf: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tf = np.repeat([f"T{i}" for i in range(n_tfs)], per_tf)
    y = np.tile(np.r_[np.ones(per_tf // 2), np.zeros(per_tf // 2)], n_tfs).astype(int)
    a = y * 0.5 + rng.normal(size=len(y))
    return pd.DataFrame({"tf": tf, "label": y, "a": a})


def test_a_model_against_itself_differs_by_nothing_and_its_interval_is_zero():
    scored = {name: _part(s).assign(b=lambda f: f["a"]) for s, name in enumerate(("paper", "degree-matched"))}
    t = bootstrap_difference(scored, n_boot=50).set_index("metric")
    assert (t["difference"] == 0).all() and (t["ci_low"] == 0).all() and (t["ci_high"] == 0).all()
    # the criterion is the degree-matched per-TF mean plus the paper pooled AUROC
    f = scored["paper"]
    pooled, _ = auroc_summary(f["tf"], f["label"], f["a"], 5)
    d = scored["degree-matched"]
    _, per_tf = auroc_summary(d["tf"], d["label"], d["a"], 5)
    assert t.loc["criterion", "a"] == pytest.approx(pooled + per_tf)


def test_a_shift_per_tf_moves_only_the_pooled_figures_and_a_real_gain_has_its_interval_above_zero():
    paper, dm = _part(0), _part(1)
    shift = paper["tf"].str[1:].astype(int).to_numpy() * 3.0  # whole TFs moved apart
    paper["b"] = paper["a"] + shift
    dm["b"] = dm["a"] + dm["label"] * 2.0  # every TF ranks its targets better
    t = bootstrap_difference({"paper": paper, "degree-matched": dm}, n_boot=200).set_index("metric")
    assert t.loc["paper per-TF AUROC", "difference"] == pytest.approx(0)
    assert t.loc["paper pooled AUROC", "difference"] < 0  # TFs mixed badly
    gain = t.loc["degree-matched per-TF AUROC"]
    assert (
        gain["difference"] > 0.1
        and gain["ci_low"] > 0
        and gain["ci_low"] <= gain["difference"] <= gain["ci_high"]
    )
    assert t.loc["degree-matched per-TF AUROC", "tfs"] == 12
    # each pooled figure counts its own protocol's TFs; the criterion draws from both
    fewer = {"paper": paper, "degree-matched": dm[dm["tf"] != "T0"]}
    t = bootstrap_difference(fewer, n_boot=20).set_index("metric")["tfs"]
    assert (t["degree-matched pooled AUROC"], t["paper pooled AUROC"], t["criterion"]) == (11, 12, 12)


def test_cli_compares_two_model_files_on_the_validation_part(tiny_model_dir, small_dataset, tmp_path):
    src = tiny_model_dir / "unknown.pt"
    payload = torch.load(src, weights_only=True)
    last = [k for k in payload["state_dict"] if k.endswith("bias")][-1]
    payload["state_dict"][last] = payload["state_dict"][last] + 1.0  # the same ranking, shifted
    other = tmp_path / "shifted.pt"
    torch.save(payload, other)
    out = tmp_path / "cmp.csv"
    r = cli(
        "compare", "--model", src, "--against", other, "--dataset", small_dataset, "--split", "unknown",
        "--embeddings", tiny_model_dir / "embeddings.npz", "--n-boot", "20", "--out", out,
    )  # fmt: skip
    assert "b - a with 95% intervals over TFs" in r.stdout
    t = pd.read_csv(out).set_index("metric")
    assert {"paper pooled AUROC", "degree-matched per-TF AUROC", "criterion"} <= set(t.index)
    # a constant added to every logit changes no ranking
    assert np.allclose(t["difference"], 0, atol=1e-6)
