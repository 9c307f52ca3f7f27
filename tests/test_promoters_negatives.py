"""300 bp EPDnew promoters keyed to their ids, and the degree-matched evaluation protocol."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grenimja.baselines.simple import GeneDegreePrior
from grenimja.data.names import load_mapper
from grenimja.data.negatives import degree_matched_negatives
from grenimja.data.sequences import read_core60, read_epd300, read_promoters
from grenimja.dataset import load_dataset
from grenimja.metrics import summarize


@pytest.fixture(scope="module")
def epd300(data_dir):
    return read_epd300(data_dir)


def test_epd300_rows_are_keyed_to_epdnew_ids_with_the_readme_counts(epd300):
    seqs, c = epd300
    assert c["rows"] == 29_598 and c["decoy_rows"] == 29_598  # label-0 decoys dropped, all counted
    assert c["rows_matched"] == 29_597 and c["rows_unmatched"] == 1
    assert c["ids_single"] == 29_278 and c["ids_shared_identical"] == 232
    assert c["ids_kept"] == len(seqs) == 29_510
    assert (
        c["ids_single"] + c["ids_shared_identical"] + c["ids_ambiguous_core"] + c["ids_without_row"] == 29_598
    )
    assert {len(s) for s in seqs.values()} == {300}


@pytest.mark.parametrize("pid", ["GAPDH_1", "ACTB_1", "MYC_1", "TP53_1", "EEF1A1_1"])
def test_a_300bp_window_holds_its_60bp_core_at_minus49_to_plus10(epd300, data_dir, pid):
    core = read_core60(data_dir)[pid]
    win = epd300[0][pid]
    assert win[200:260] == core and win.isupper()


def test_promoter_kinds_give_the_window_lengths_and_count_what_is_missing(data_dir):
    m = load_mapper(data_dir)
    g300, d300 = read_promoters(m, data_dir, kind="epd300")
    g60, d60 = read_promoters(m, data_dir, kind="core60")
    assert set(g300["promoter"].str.len()) == {300}
    assert (g60["promoter"].str.len() == 60).mean() > 0.999 and g60["promoter"].str.len().max() == 60
    assert len(g60) == 16_444
    # every primary promoter of the 60 bp build is in the 300 bp build or counted as dropped
    assert len(g300) + d300["no_sequence"] + d300["duplicate_symbol"] == len(g60) + d60["duplicate_symbol"]
    assert d300["epd300_ids_kept"] == 29_510
    both = g300.merge(g60, on="gene", suffixes=("_300", "_60"))
    full = both[both["promoter_60"].str.len() == 60]
    same = full["promoter_300"].str.slice(200, 260) == full["promoter_60"]
    # only where two primary promoters map to one symbol may the builds keep different ones
    assert len(full) > 16_000 and (~same).sum() <= d300["duplicate_symbol"]
    with pytest.raises(ValueError, match="promoter kind"):
        read_promoters(m, data_dir, kind="core1000")


def test_degree_matched_negatives_take_the_nearest_degree_and_never_an_excluded_gene():
    degree = pd.Series({"a": 0, "b": 1, "c": 5, "d": 5, "e": 9, "f": 20})
    pos = pd.DataFrame({"tf": ["T", "T", "U"], "gene": ["c", "f", "b"]})
    neg = degree_matched_negatives(pos, degree, {"T": {"c", "f", "e"}, "U": {"b", "a"}}, seed=0)
    got = dict(zip(zip(neg["tf"], neg["matched_gene"], strict=True), neg["gene"], strict=True))
    assert got[("T", "c")] == "d"  # same degree 5, c itself excluded
    assert got[("T", "f")] == "d" or got[("T", "f")] == "b"  # nearest left to 20 is d (5): e excluded
    assert got[("T", "f")] == "d"
    assert got[("U", "b")] in {"c", "d"}  # degree 1: a/b excluded, nearest remaining degree is 5
    again = degree_matched_negatives(pos, degree, {"T": {"c", "f", "e"}, "U": {"b", "a"}}, seed=0)
    pd.testing.assert_frame_equal(neg, again)


def test_degree_matched_negatives_use_each_gene_of_a_degree_once_before_reusing():
    degree = pd.Series({f"g{i}": 3 for i in range(5)} | {f"p{i}": 3 for i in range(4)})
    pos = pd.DataFrame({"tf": ["T"] * 4, "gene": [f"p{i}" for i in range(4)]})
    neg = degree_matched_negatives(pos, degree, {"T": {f"p{i}" for i in range(4)}}, seed=1)
    assert neg["gene"].nunique() == 4 and set(neg["gene"]) <= {f"g{i}" for i in range(5)}


def test_degree_matched_negatives_with_a_secondary_score_take_its_nearest_gene_within_the_degree():
    degree = pd.Series({"p": 3, "q": 3, "a": 3, "b": 3, "c": 3, "z": 7})
    score = pd.Series({"p": 0.9, "q": 0.1, "a": 0.0, "b": 0.5, "c": 1.0, "z": 0.9})
    pos = pd.DataFrame({"tf": ["T", "T", "T"], "gene": ["p", "q", "r"]})  # r: no degree, no score -> 0
    ex = {"T": {"p", "q", "r"}}
    neg = degree_matched_negatives(
        pos, degree.reindex(["p", "q", "a", "b", "c", "z"]), ex, 0, secondary=score
    )
    got = dict(zip(neg["matched_gene"], neg["gene"], strict=True))
    # p (0.9) -> c (1.0), never z (0.9 but degree 7); q (0.1) -> a (0.0); r (degree 0 -> bucket 3, score 0)
    # -> b, the only gene of the bucket not yet drawn
    assert got == {"p": "c", "q": "a", "r": "b"}
    assert (neg["degree"] == 3).all()


@pytest.fixture(scope="module")
def ds(small_dataset):
    return load_dataset(small_dataset)


@pytest.mark.parametrize("split", ["known", "unknown"])
def test_degree_matched_test_pairs_pair_each_positive_with_a_safe_negative(ds, split):
    t = ds.evaluation_pairs(split, "test", "degree-matched")
    pos, neg = t[t["label"] == 1], t[t["label"] == 0]
    assert len(neg) == len(pos) > 0
    built = ds.split(split, "test").query("label == 1")
    left_out = ds.unmatched[(split, "test")]["positives"]
    assert set(map(tuple, pos[["tf", "gene"]].to_numpy())) <= set(
        map(tuple, built[["tf", "gene"]].to_numpy())
    )
    assert len(pos) + left_out == len(built)
    known = pd.read_csv(ds.path / "known_any_source.tsv", sep="\t")
    seen = ds.pairs[ds.pairs[f"split_{split}"] != "test"]
    linked = set(map(tuple, known[["tf", "gene"]].to_numpy())) | set(
        map(tuple, seen[["tf", "gene"]].to_numpy())
    )
    assert not any(p in linked for p in map(tuple, neg[["tf", "gene"]].to_numpy()))
    assert (neg.groupby("tf").size() == pos.groupby("tf").size()).all()
    assert (ds.tfs["tf"].to_numpy()[t["tf_i"]] == t["tf"]).all()
    assert (ds.genes["gene"].to_numpy()[t["gene_i"]] == t["gene"]).all()
    assert neg["degree_diff"].mean() < 1.0


def test_known_any_source_includes_links_beyond_the_build_sources(ds):
    known = pd.read_csv(ds.path / "known_any_source.tsv", sep="\t")
    assert known["sources"].str.contains("chea3").any() and known["sources"].str.contains("collectri").any()
    pos = ds.pairs[ds.pairs["label"] == 1]
    assert set(map(tuple, pos[["tf", "gene"]].to_numpy())) <= set(
        map(tuple, known[["tf", "gene"]].to_numpy())
    )


@pytest.mark.parametrize("split", ["known", "unknown"])
def test_gene_degree_prior_is_blind_under_degree_matched_negatives(ds, split):
    prior = GeneDegreePrior().fit(ds, split)
    res = {}
    for protocol in ("paper", "degree-matched"):
        t = ds.evaluation_pairs(split, "test", protocol)
        res[protocol] = summarize(t["tf"].to_numpy(), t["label"].to_numpy(), prior.score(t))
    assert abs(res["degree-matched"]["per_tf_mean"]["auroc"] - 0.5) <= 0.05
    assert abs(res["degree-matched"]["pooled"]["auroc"] - 0.5) <= 0.05
    assert res["paper"]["per_tf_mean"]["auroc"] > 0.6  # the shortcut the new protocol removes


def test_selectivity_matched_negatives_hold_the_selectivity_prior_near_chance_too(ds):
    """scripts/selectivity_matched.py: the same TF, the nearest degree, then the nearest selectivity."""
    import importlib.util
    from pathlib import Path

    from grenimja.baselines.simple import SelectiveRegulatorPrior
    from grenimja.metrics import auroc_summary

    spec = importlib.util.spec_from_file_location(
        "selectivity_matched", Path(__file__).resolve().parents[1] / "scripts" / "selectivity_matched.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    pairs = mod.selectivity_matched_pairs(ds, "unknown")
    dm = ds.evaluation_pairs("unknown", "test", "degree-matched")
    pos, neg = pairs[pairs["label"] == 1], pairs[pairs["label"] == 0]
    # one negative per positive, of the same TF, and never a gene linked to that TF in any source
    assert len(neg) == len(pos) == (dm["label"] == 1).sum()
    assert (pos.groupby("tf").size() == neg.groupby("tf").size()).all()
    links = set(map(tuple, ds._known_links[["tf", "gene"]].to_numpy()))
    assert not links & set(map(tuple, neg[["tf", "gene"]].to_numpy()))
    # each as near its positive's degree as the degree-matched negative is, so the plain prior stays blind
    degree = ds.gene_degree("unknown")
    diff = np.abs(degree[neg["gene"]].to_numpy() - degree[neg["matched_gene"]].to_numpy())
    assert sorted(diff) == sorted(dm.loc[dm["label"] == 0, "degree_diff"])
    # and the selectivity-weighted prior moves towards 0.5 where it was off it
    sel = SelectiveRegulatorPrior().fit(ds, "unknown")
    strict = auroc_summary(pairs["tf"].to_numpy(), pairs["label"].to_numpy(), sel.score(pairs), 1)[1]
    loose = auroc_summary(dm["tf"].to_numpy(), dm["label"].to_numpy(), sel.score(dm), 1)[1]
    assert abs(strict - 0.5) < abs(loose - 0.5) and abs(strict - 0.5) < 0.05


def test_paper_protocol_is_the_built_test_part(ds):
    pd.testing.assert_frame_equal(ds.evaluation_pairs("known", "test", "paper"), ds.split("known", "test"))
    with pytest.raises(ValueError, match="negatives must be one of"):
        ds.evaluation_pairs("known", "test", "random")


def test_cpg_flag_of_a_300bp_build_is_read_from_the_window(ds, data_dir):
    from grenimja.data.datadir import data_file

    genes = ds.genes.set_index("gene")
    isl = pd.read_csv(data_file("cpg/cpgIslandExt.hg38.tsv", data_dir), sep="\t")
    for gene in ["GAPDH", "ACTB", "TP53", "ALB", "MYOD1", "INS"]:
        row = genes.loc[gene]
        lo, hi = (row.tss - 249, row.tss + 51) if row.strand == "+" else (row.tss - 50, row.tss + 250)
        on = isl[(isl.chrom == row.chrom) & (isl.start < hi) & (isl.end > lo)]
        assert bool(row.cpg) == (len(on) > 0), gene
    assert genes.loc["GAPDH", "cpg"] == 1 and genes.loc["ALB", "cpg"] == 0
    assert np.isclose(ds.report["counts"]["cpg_promoters"], genes["cpg"].sum())


def test_evaluate_cli_paper_protocol_is_unchanged_and_degree_matched_adds_specificity(
    tmp_path, small_dataset, tiny_model_dir
):
    import gzip
    import json

    from .conftest import cli, run_cli

    base = [
        "evaluate",
        "--model",
        tiny_model_dir / "unknown.pt",
        "--embeddings",
        tiny_model_dir / "embeddings.npz",
    ]
    base += ["--dataset", small_dataset, "--split", "unknown"]
    run_cli(*base, "--out", tmp_path / "default")
    cli(*base, "--out", tmp_path / "paper", "--negatives", "paper")
    for f in ("metrics.json", "per_tf.csv", "curves.json"):
        assert (tmp_path / "default" / f).read_bytes() == (tmp_path / "paper" / f).read_bytes(), f
    unzip = [gzip.decompress((tmp_path / d / "scores.tsv.gz").read_bytes()) for d in ("default", "paper")]
    assert unzip[0] == unzip[1]
    r = cli(*base, "--out", tmp_path / "dm", "--negatives", "degree-matched", "--specificity")
    m = json.loads((tmp_path / "dm" / "metrics.json").read_text())
    ds = load_dataset(small_dataset)
    assert m["pooled"]["n"] == 2 * int(
        (ds.evaluation_pairs("unknown", "test", "degree-matched")["label"] == 1).sum()
    )
    spec = json.loads((tmp_path / "dm" / "specificity.json").read_text())
    assert spec["n_genes"] == len(ds.genes) and spec["n_tfs"] == ds.split("unknown", "test")["tf"].nunique()
    assert np.isclose(spec["gene_share"] + spec["tf_share"] + spec["interaction_share"], 1.0)
    assert '"mean_spearman"' in r.stdout


def test_benchmark_cli_writes_both_protocols_from_one_fit(tmp_path, small_dataset, tiny_model_dir):
    from .conftest import cli

    r = cli(
        "benchmark", "--dataset", small_dataset, "--split", "unknown", "--quick", "--negatives", "both",
        "--baselines", "prior,motif-transfer", "--model", tiny_model_dir / "unknown.pt",
        "--embeddings", tiny_model_dir / "embeddings.npz", "--out", tmp_path,
    )  # fmt: skip
    for stem in ("benchmark_unknown", "benchmark_unknown_degree_matched"):
        for ext in ("md", "csv", "json"):
            assert (tmp_path / f"{stem}.{ext}").is_file(), (stem, ext)
    dm = pd.read_csv(tmp_path / "benchmark_unknown_degree_matched.csv").set_index("model")
    paper = pd.read_csv(tmp_path / "benchmark_unknown.csv").set_index("model")
    assert {"GReNIMJA (this repo)", "gene-degree prior", "motif transfer (nearest JASPAR TF)"} <= set(
        dm.index
    )
    assert abs(dm.loc["gene-degree prior", "per_tf_auroc"] - 0.5) <= 0.05
    assert paper.loc["gene-degree prior", "per_tf_auroc"] > dm.loc["gene-degree prior", "per_tf_auroc"]
    md = (tmp_path / "benchmark_unknown_degree_matched.md").read_text()
    assert md.startswith("Negatives: degree-matched") and "GReNIMJA (paper)" not in md
    assert "GReNIMJA (paper)" in (tmp_path / "benchmark_unknown.md").read_text()
    assert "degree-matched negatives" in r.stdout
    bad = cli(
        "benchmark", "--dataset", small_dataset, "--split", "unknown", "--baselines", "oracle", check=False
    )
    assert bad.returncode == 2 and "unknown baseline" in bad.stderr


def test_auroc_by_positive_type_keeps_matched_negatives_with_their_positive_type():
    from grenimja.benchmark import by_positive_type, positive_type

    src = pd.Series(["encode", "dorothea", "dorothea+encode", "chea3+trrust"])
    assert positive_type(src).tolist() == ["ChIP-seq only", "curated only", "both", "both"]
    test = pd.DataFrame(
        {
            "tf": ["T"] * 12,
            "gene": [f"p{i}" for i in range(6)] + [f"n{i}" for i in range(6)],
            "label": [1] * 6 + [0] * 6,
            "sources": ["encode"] * 3 + ["dorothea"] * 3 + ["negative (degree-matched)"] * 6,
            "matched_gene": [np.nan] * 6 + [f"p{i}" for i in range(6)],
        }
    )
    # the model ranks ChIP-seq positives above their matched negatives, curated ones below theirs
    s = np.array([0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.9, 0.8, 0.7])
    t = by_positive_type(test, {"m": s}, min_positives=3).set_index("positive_type")
    assert t.loc["ChIP-seq only", "auroc"] == 1.0 and t.loc["curated only", "auroc"] == 0.0
    assert t.loc["ChIP-seq only", "positives"] == 3 and "both" not in t.index
    assert t.loc["ChIP-seq only", "per_tf_auroc"] == 1.0
