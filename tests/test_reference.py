"""TF-specificity: the gene reference stored in a model file, and the columns Predict and Scan show."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from grenimja.explorer import load_bundle, predict_fasta, scan_protein
from grenimja.reference import gene_reference, pick_panel

from .conftest import REPO, run_cli

SOX2 = (REPO / "assets" / "example_tf.fa").read_text().split(">MAX")[0]
PROMS = (REPO / "assets" / "example_promoters.fa").read_text()


@pytest.fixture(scope="module")
def ref_model_dir(tmp_path_factory, tiny_model_dir):
    out = tmp_path_factory.mktemp("refmodel")
    for f in ("unknown.pt", "embeddings.npz"):
        shutil.copy(tiny_model_dir / f, out / f)
    r = run_cli("reference", "--model-dir", out, "--n-tfs", 5)
    assert "gene reference of" in r.stdout and "over 5 training TFs" in r.stdout
    return out


def test_reference_is_stored_in_the_model_file_and_loads_with_weights_only(ref_model_dir):
    b = load_bundle(ref_model_dir, "unknown")
    ref = b.reference
    assert ref is not None and len(ref) == len(b.catalogue.genes)
    assert set(b.meta["gene_reference"]["panel"]) <= set(b.training_tfs)
    assert ref["top_share"].between(0, 1).all() and np.isfinite(ref["mean_logit"]).all()


def test_scan_specificity_is_logit_minus_the_gene_mean_and_ranks_by_either(ref_model_dir):
    b = load_bundle(ref_model_dir, "unknown")
    by_p = scan_protein(b, SOX2)
    by_s = scan_protein(b, SOX2, by="tf_specificity")
    ref = b.reference
    got = by_p.set_index("gene")
    assert np.allclose(got["tf_specificity"], got["logit"] - ref.loc[got.index, "mean_logit"], atol=1e-4)
    assert by_s["tf_specificity"].is_monotonic_decreasing and by_p["probability"].is_monotonic_decreasing
    assert got["popular_gene"].to_numpy().tolist() == (ref.loc[got.index, "top_share"] >= 0.9).tolist()


def test_predict_specificity_scores_uploads_against_the_same_panel(ref_model_dir):
    b = load_bundle(ref_model_dir, "unknown")
    table, problems, _ = predict_fasta(b, SOX2, PROMS)
    assert not problems and table["tf_specificity"].notna().all()
    scan = scan_protein(b, SOX2).set_index("gene")
    for gene in ("GAPDH", "MYC"):  # the asset promoters are the catalogue's own windows
        row = table.set_index("gene").loc[gene]
        assert np.isclose(row["tf_specificity"], scan.loc[gene, "tf_specificity"], atol=1e-3)


def test_without_a_reference_the_columns_are_empty_not_invented(tiny_model_dir):
    b = load_bundle(tiny_model_dir, "unknown")
    assert b.reference is None
    table, _, _ = predict_fasta(b, SOX2, PROMS)
    assert table["tf_specificity"].isna().all()
    assert scan_protein(b, SOX2)["tf_specificity"].isna().all()


def test_popular_genes_are_those_every_panel_tf_ranks_on_top():
    class Fixed:
        """Stands in for a model through panel_logits: logits from a table."""

    import grenimja.reference as r

    z = np.array([[5.0, 1, 0, 0], [4.0, 0, 1, 0], [6.0, 0, 0, 1]])
    orig = r.panel_logits
    r.panel_logits = lambda *a, **k: z
    try:
        ref = gene_reference(Fixed(), None, {"a": "", "b": "", "c": ""}, {f"g{i}": "" for i in range(4)})
    finally:
        r.panel_logits = orig
    assert ref["top_share"] == [1.0, 0.0, 0.0, 0.0]  # top 5% of 4 genes = the single best gene
    assert np.allclose(ref["mean_logit"], z.mean(axis=0))
    assert pick_panel(["A", "B", "C"], {"A", "B"}, n=5) == ["A", "B"]


def test_popularity_spearman_measures_how_much_a_scan_is_the_panel_ranking(ref_model_dir):
    import pandas as pd

    from grenimja.explorer import POPULARITY_WARN, popularity_spearman

    b = load_bundle(ref_model_dir, "unknown")
    ref = b.reference
    same = pd.DataFrame({"gene": ref.index, "logit": ref["mean_logit"].to_numpy() + 3.0})
    assert popularity_spearman(b, same) == pytest.approx(1.0)
    flipped = same.assign(logit=-same["logit"])
    assert popularity_spearman(b, flipped) == pytest.approx(-1.0)
    noise = same.assign(logit=np.random.default_rng(0).normal(size=len(same)))
    assert abs(popularity_spearman(b, noise)) < 0.1 < POPULARITY_WARN
    from scipy.stats import spearmanr

    tied = noise.assign(logit=(noise["logit"] + ref["mean_logit"].to_numpy()).round(0))  # many ties
    want = spearmanr(tied["logit"], ref["mean_logit"]).statistic
    assert popularity_spearman(b, tied) == pytest.approx(want, abs=1e-12)
    scan = scan_protein(b, SOX2)  # a network-only model: its ranking is the panel's, nearly
    assert popularity_spearman(b, scan) > POPULARITY_WARN


@pytest.mark.skipif(not (REPO / "models" / "unknown.pt").is_file(), reason="no bundled model")
def test_the_panel_s_stored_alignments_spare_predict_aligning_the_panel_again(monkeypatch):
    import grenimja.homology as homology

    b = load_bundle(REPO / "models", "unknown")
    panel = list(b.panel_proteins().values())
    term = b.model.transfer
    assert len(panel) == 40 and "panel_identity" in b.meta["gene_reference"]
    fresh = homology.identity_to(panel[0], term.proteins)
    aligned = []
    real = homology.identity_to
    monkeypatch.setattr(homology, "identity_to", lambda q, t: aligned.append(q) or real(q, t))
    assert np.array_equal(term.identities(panel[:1])[0], fresh)  # the stored row is the alignment's
    assert not aligned
    # an uploaded promoter of no catalogue gene is scored by the panel on the fly: only the query is aligned
    rng = np.random.default_rng(0)
    upload = ">my_promoter\n" + "".join(rng.choice(list("ACGT"), 300)) + "\n"
    table, problems, _ = predict_fasta(b, SOX2, upload)
    assert not problems and table["tf_specificity"].notna().all()
    assert set(aligned) == {SOX2.split("\n", 1)[1].replace("\n", "")}


def test_stored_identities_of_another_shape_are_refused_naming_the_file():
    from grenimja.errors import ModelFileError
    from grenimja.model.transfer import HomologyTransfer

    term = HomologyTransfer(["A", "B"], ["MKV", "MRV"], ["g"], np.array([0]), np.array([0]))
    term.remember_identities(["MKW"], np.array([[0.5, 0.25]]))
    assert term.identities(["MKW"]).tolist() == [[0.5, 0.25]]
    with pytest.raises(ModelFileError, match=r"x\.pt: stored identities have shape \(1, 3\)"):
        term.remember_identities(["MKW"], np.zeros((1, 3)), "x.pt")


@pytest.mark.skipif(not (REPO / "models" / "unknown.pt").is_file(), reason="no bundled model")
def test_a_model_file_whose_panel_identities_miss_a_tf_is_refused_naming_it(tmp_path):
    import torch

    from grenimja.errors import ModelFileError
    from grenimja.model.io import load_payload

    payload = load_payload(REPO / "models" / "unknown.pt")
    stored = payload["meta"]["gene_reference"]["panel_identity"]
    stored["identity"] = stored["identity"][:-1]
    torch.save(payload, tmp_path / "unknown.pt")
    shutil.copy(REPO / "models" / "embeddings.npz", tmp_path / "embeddings.npz")
    with pytest.raises(
        ModelFileError, match=r"unknown\.pt: the reference panel's identities do not match its 40"
    ):
        load_bundle(tmp_path, "unknown")
