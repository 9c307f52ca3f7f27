"""The TF-specificity check: a popularity-only score matrix and a TF-specific one are told apart."""

from __future__ import annotations

import numpy as np
import pytest

from grenimja.interpret.specificity import logit_decomposition, tf_specificity


def test_popularity_only_scores_are_all_gene_effect_with_identical_rankings():
    rng = np.random.default_rng(0)
    gene = rng.normal(size=200)
    tf = rng.normal(size=(8, 1))
    res = logit_decomposition(tf + gene[None, :])  # additive: TF shifts, ranking fixed by the gene
    assert res["interaction_share"] < 1e-12
    assert np.isclose(res["gene_share"] + res["tf_share"], 1.0)
    assert np.isclose(res["mean_spearman"], 1.0)


def test_tf_specific_scores_show_interaction_and_low_rank_correlation():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 300))
    res = logit_decomposition(x)
    assert res["interaction_share"] > 0.8 and abs(res["mean_spearman"]) < 0.1
    assert np.isclose(res["gene_share"] + res["tf_share"] + res["interaction_share"], 1.0)


def test_decomposition_matches_a_hand_computed_two_by_two():
    x = np.array([[1.0, 3.0], [2.0, 0.0]])
    # grand 1.5; rows 0.5 / -0.5; columns 0 / 0; total SS 5; row SS 2*(0.25+0.25) = 1, interaction 4
    res = logit_decomposition(x)
    assert np.isclose(res["tf_share"], 0.2) and np.isclose(res["gene_share"], 0.0)
    assert np.isclose(res["interaction_share"], 0.8) and np.isclose(res["mean_spearman"], -1.0)


def test_tf_specificity_subtracts_the_gene_mean_and_rejects_bad_shapes():
    assert tf_specificity(np.array([[2.0, 0.0]]), np.array([1.0, 1.0])).tolist() == [[1.0, -1.0]]
    with pytest.raises(ValueError, match="n_tfs >= 2"):
        logit_decomposition(np.zeros((1, 5)))
