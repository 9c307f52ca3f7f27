"""Platt scaling of a model's final logits: fitted on validation pairs, stored in the model file."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grenimja.model.calibration import Platt, expected_calibration_error, fit_platt


def test_platt_recovers_the_scale_of_overconfident_logits_and_lowers_the_error():
    rng = np.random.default_rng(0)
    true = rng.normal(0, 2, 20000)
    y = (rng.random(20000) < 1 / (1 + np.exp(-true))).astype(int)
    z = 50 * true + 3  # a raw score fifty times too confident, shifted
    cal = fit_platt(z, y, "synthetic")
    assert type(cal.a) is float and type(cal.b) is float  # numpy scalars would not load with weights_only
    assert cal.a == pytest.approx(1 / 50, rel=0.1) and cal.apply(3.0) == pytest.approx(0, abs=0.1)
    raw = expected_calibration_error(1 / (1 + np.exp(-z)), y)
    fixed = expected_calibration_error(1 / (1 + np.exp(-cal.apply(z))), y)
    assert raw > 0.2 and fixed < 0.02
    assert np.array_equal(np.argsort(cal.apply(z)), np.argsort(z))  # ranking (and AUROC) unchanged


def test_asinh_form_keeps_the_network_s_spread_where_a_huge_term_is_zero():
    # network logit n carries signal everywhere; a term of weight 4096 is nonzero for a few pairs only
    rng = np.random.default_rng(1)
    n = rng.normal(0, 1.5, 20000)
    share = np.where(rng.random(20000) < 0.15, rng.random(20000), 0.0)
    y = (rng.random(20000) < 1 / (1 + np.exp(-(n + 6 * share)))).astype(int)
    z = n + 4096 * share
    plain = fit_platt(z, y, transforms=("identity",))
    cal = fit_platt(z, y, "synthetic")
    assert cal.transform == "asinh"
    zero = share == 0
    spread = np.ptp(1 / (1 + np.exp(-cal.apply(z[zero]))))
    assert spread > 0.3 and np.ptp(1 / (1 + np.exp(-plain.apply(z[zero])))) < 0.05
    assert np.all(np.diff(cal.apply(np.sort(z))) > 0)  # strictly monotone: rankings unchanged
    back = Platt.from_payload(cal.to_payload())
    assert back == cal and np.allclose(back.apply(z), cal.apply(z))
    with pytest.raises(ValueError, match="transform"):
        Platt(1.0, 0.0, transform="log")


def test_calibration_needs_both_classes():
    with pytest.raises(ValueError, match="positive and negative"):
        fit_platt(np.arange(5.0), np.ones(5))


def test_a_model_file_s_calibration_is_applied_by_the_one_scoring_path(tiny_model_dir, tmp_path):
    from grenimja.embedding import Embeddings
    from grenimja.errors import ModelFileError
    from grenimja.model.io import load_model, save_model
    from grenimja.predict import pair_logits

    emb = Embeddings.load(tiny_model_dir / "embeddings.npz")
    model, meta = load_model(tiny_model_dir / "unknown.pt", emb)
    model.transfer = model.calibration = None
    prot, prom = ["MKRERTAYTRSQLLELEKEFHFNRYLTRRRRIEIAHALCLTERQIKIWFQNRRMKWKKEN"], ["ACGT" * 15, "GGCC" * 15]
    ti, gi = np.array([0, 0]), np.array([0, 1])
    raw = pair_logits(model, emb, prot, prom, None, ti, gi)
    model.calibration = Platt(0.5, -1.0, "test")
    save_model(tmp_path / "m.pt", model, emb, meta)
    back, _ = load_model(tmp_path / "m.pt", emb)
    assert back.calibration == Platt(0.5, -1.0, "test")
    assert np.allclose(pair_logits(back, emb, prot, prom, None, ti, gi), 0.5 * raw - 1.0, atol=1e-5)
    bad = torch.load(tmp_path / "m.pt", weights_only=True)
    bad["calibration"] = {"b": 1.0}
    torch.save(bad, tmp_path / "bad.pt")
    with pytest.raises(ModelFileError, match="calibration is malformed"):
        load_model(tmp_path / "bad.pt", emb)


def test_the_pages_explain_a_calibrated_probability_with_its_validation_precision(tiny_model_dir):
    from grenimja.explorer import load_bundle, model_notes

    b = load_bundle(tiny_model_dir, "unknown", with_catalogue=False)
    assert not any("How to read the probability" in n for n in model_notes(b))
    b.model.calibration = Platt(1.0, 0.0, "test")
    b.meta["calibration"] = {"valid_precision_at_0.5": 0.61, "valid_recall_at_0.5": 0.47, "valid_pairs": 1234}
    note = next(n for n in model_notes(b) if "How to read the probability" in n)
    assert "precision is 61% and its recall 47% (1,234 held-out validation pairs)" in note
