"""Analyses: adjacency arrangement and CpG contrast, latent t-SNE, and the Analyses page."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grenimja.dataset import load_dataset
from grenimja.interpret.adjacency import adjacency, pick_genes
from grenimja.interpret.latent import latent_tsne, pair_grid
from grenimja.model.network import GReNIMJA, cpu_config
from grenimja.predict import tokens_for

from .conftest import REPO, open_page, run_cli


def test_adjacency_puts_cpg_columns_first_and_measures_the_contrast():
    rng = np.random.default_rng(0)
    cpg = np.array([0, 1, 0, 1, 1, 0], dtype=bool)
    s = rng.uniform(0, 0.3, (5, 6))
    s[:, cpg] += 0.6  # CpG promoters score high for every TF
    res = adjacency(s, list("abcde"), [f"g{i}" for i in range(6)], cpg)
    assert res["n_cpg"] == 3
    assert list(res["matrix"].columns[:3]) == ["g1", "g3", "g4"]
    assert res["contrast"]["auc_cpg_over_other"] == 1.0
    assert res["contrast"]["column_variance_share"] > 0.8
    assert sorted(res["matrix"].index) == list("abcde")  # rows reordered, none lost


def test_ward_rows_group_similar_tfs():
    s = np.array([[0.9, 0.9, 0.1], [0.1, 0.1, 0.9], [0.88, 0.92, 0.1], [0.12, 0.1, 0.95]])
    order = list(adjacency(s, ["A1", "B1", "A2", "B2"], list("xyz"), np.array([1, 0, 0]))["matrix"].index)
    pos = {n: i for i, n in enumerate(order)}
    assert abs(pos["A1"] - pos["A2"]) == 1 and abs(pos["B1"] - pos["B2"]) == 1


def test_pick_genes_balances_cpg(small_dataset):
    cpg = load_dataset(small_dataset).genes["cpg"].to_numpy()
    g = pick_genes(cpg, 100)
    assert len(g) == 100 and cpg[g].sum() == 50


def test_latent_tsne_gives_one_point_per_pair(small_dataset, small_embeddings):
    ds = load_dataset(small_dataset)
    torch.manual_seed(0)
    m = GReNIMJA(
        cpu_config(protein_channels=8, dna_channels=8, common=8, hidden=8, fc_hidden=140),
        small_embeddings.protein_vectors,
        small_embeddings.dna_vectors,
    ).eval()
    t, g = tokens_for(m, small_embeddings, ds.tfs["protein"].tolist()[:3], ds.genes["promoter"].tolist()[:20])
    ti, gi = pair_grid([0, 1, 2], list(range(20)))
    df = latent_tsne(m, t, g, ti, gi)
    assert len(df) == 60 and np.isfinite(df[["x", "y"]].to_numpy()).all()
    assert df["score"].between(0, 1).all()


@pytest.mark.skipif(not (REPO / "models" / "unknown.pt").is_file(), reason="no bundled model")
def test_analysis_page_draws_adjacency_and_tsne():
    at = open_page("views/analysis.py")
    text = " ".join(m.value for m in at.markdown)
    assert "AUC of CpG over other scores" in text
    at.button[0].click().run()
    assert not at.exception
    assert any(d.label == "Download t-SNE coordinates (CSV)" for d in at.get("download_button"))
    # the default TFs mix held-out and training TFs: the training-status colouring shows both classes
    model, emb, _ = at.session_state["tsne"]  # model, result, inputs (none for the t-SNE)
    assert model == "unknown" and set(emb["tf_seen_in_training"]) == {True, False}
    # another model picked: the t-SNE of unknown.pt's latent space is not shown as known.pt's
    at.sidebar.selectbox[0].set_value("known").run()
    assert not at.exception
    assert not any(d.label == "Download t-SNE coordinates (CSV)" for d in at.get("download_button"))
    assert any("last t-SNE was computed with model `unknown`" in i.value for i in at.info)


@pytest.mark.skipif(not (REPO / "models" / "unknown.pt").is_file(), reason="no bundled model")
def test_analysis_page_shows_figure_2_from_the_robustness_run():
    from grenimja.explorer import robustness_results

    at = open_page("views/analysis.py")
    if robustness_results("unknown") is None:
        assert any("No robustness run for the unknown split" in i.value for i in at.info)
        return
    at.radio(key="fig2_metric").set_value("positive_call_share").run()
    assert not at.exception
    assert any(d.label == "Download per-TF table (CSV)" for d in at.get("download_button"))
    import json

    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    names = {
        t["name"]
        for f in figs
        for t in f["data"]
        if t.get("type") == "scatter" and t.get("mode") == "lines+markers"
    }
    assert {"GReNIMJA", "gene-degree prior", "nearest homolog"} <= names


def test_cli_adjacency_compares_grenimja_with_baselines(tmp_path, small_dataset, tiny_model_dir):
    import pandas as pd

    r = run_cli(
        "interpret",
        "adjacency",
        "--dataset",
        small_dataset,
        "--model-dir",
        tiny_model_dir,
        "--n-tfs",
        2,
        "--n-genes",
        20,
        "--baseline-pairs",  # XGBoost on 3,000 of the ~35k training pairs: the same comparison, 12 s sooner
        3000,
        "--out",
        tmp_path,
    )
    table = pd.read_csv(tmp_path / "adjacency_contrast.csv")
    assert table["model"].tolist() == ["GReNIMJA", "gene-degree prior", "XGBoost"]
    assert table["auc_cpg_over_other"].between(0, 1).all()
    m = pd.read_csv(tmp_path / "adjacency_grenimja.csv", index_col=0)
    assert m.shape == (2, 20)  # the slice has 2 unknown-split test TFs
    assert (tmp_path / "adjacency.png").stat().st_size > 1000
    assert "written to" in r.stdout
