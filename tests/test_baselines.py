"""Baselines on a small real slice: valid scores, and none of them reads the test part of a split."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from grenimja.baselines.features import FeatureBaseline, tfidf_embedding
from grenimja.baselines.pwmscan import (
    BACKGROUND,
    PWMScan,
    Windows,
    max_scores,
    occupancy_scores,
    pfm_to_pwm,
)
from grenimja.baselines.simple import (
    GeneDegreePrior,
    LiteratureDegreePrior,
    NearestHomolog,
    SelectiveRegulatorPrior,
)
from grenimja.benchmark import run_benchmark, to_markdown
from grenimja.dataset import load_dataset
from grenimja.tokenize import Vocab


@pytest.fixture(scope="module")
def ds(small_dataset):
    return load_dataset(small_dataset)


def _flipped_test_labels(ds):
    other = copy.copy(ds)
    other.pairs = ds.pairs.copy()
    test = other.pairs["split_unknown"] == "test"
    other.pairs.loc[test, "label"] = 1 - other.pairs.loc[test, "label"]
    return other


def _suite(emb):
    return [
        GeneDegreePrior(),
        NearestHomolog(),
        SelectiveRegulatorPrior(),
        LiteratureDegreePrior(),
        FeatureBaseline("lr", emb, 2000),
        FeatureBaseline("svm", emb, 2000),
        FeatureBaseline("xgb", emb, 2000),
        PWMScan(n_background=200, n_trials=10),
    ]


@pytest.mark.parametrize("k", range(8))
def test_baseline_scores_are_valid_and_ignore_test_labels(ds, small_embeddings, k):
    test = ds.split("unknown", "test")
    a = _suite(small_embeddings)[k].fit(ds, "unknown").score(test)
    b = _suite(small_embeddings)[k].fit(_flipped_test_labels(ds), "unknown").score(test)
    ok = ~np.isnan(a)
    assert ok.sum() > 0 and ((a[ok] >= 0) & (a[ok] <= 1)).all()
    assert np.array_equal(np.isnan(a), np.isnan(b))
    assert np.allclose(a[ok], b[ok])


def test_tf_based_baselines_never_use_test_tfs_in_unknown_split(ds):
    test_tfs = set(ds.split("unknown", "test")["tf_i"])
    nh = NearestHomolog().fit(ds, "unknown")
    assert not test_tfs & set(nh.train_tfs) and not test_tfs & set(nh.targets)


def test_gene_prior_is_the_fraction_of_training_tfs():
    import pandas as pd

    from grenimja.dataset import Dataset

    pairs = pd.DataFrame(
        {
            "tf": list("aabbc"),
            "gene": ["g0", "g1", "g0", "g1", "g0"],
            "label": [1, 0, 1, 1, 0],
            "split_unknown": ["train"] * 4 + ["test"],
            "tf_i": [0, 0, 1, 1, 2],
            "gene_i": [0, 1, 0, 1, 0],
        }
    )
    ds = Dataset(None, pd.DataFrame({"tf": list("abc")}), pd.DataFrame({"gene": ["g0", "g1"]}), pairs, {})
    prior = GeneDegreePrior().fit(ds, "unknown")
    assert prior.raw(pairs).tolist() == [1.0, 0.5, 1.0, 0.5, 1.0]


def test_selectivity_weighted_prior_counts_a_selective_regulator_more_and_ignores_the_tf():
    import pandas as pd

    from grenimja.dataset import Dataset

    # 4 genes; TF a regulates g0, g1, g2 (rate 3/4), TF b only g3 (rate 1/4): g0 and g3 have one regulator
    # each (the same degree), but g3's is the selective one
    pairs = pd.DataFrame(
        {
            "tf": list("aaaabc"),
            "gene": ["g0", "g1", "g2", "g3", "g3", "g0"],
            "label": [1, 1, 1, 0, 1, 0],
            "split_unknown": ["train"] * 5 + ["test"],
            "tf_i": [0, 0, 0, 0, 1, 2],
            "gene_i": [0, 1, 2, 3, 3, 0],
        }
    )
    genes = pd.DataFrame({"gene": ["g0", "g1", "g2", "g3"]})
    ds = Dataset(None, pd.DataFrame({"tf": list("abc")}), genes, pairs, {})
    prior = SelectiveRegulatorPrior().fit(ds, "unknown")
    # mean over the 2 training TFs of 1 / rate: g0..g2 get (4/3) / 2, g3 gets 4 / 2
    assert prior.raw(pairs).tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 3, 2.0, 2.0, 2 / 3])
    assert GeneDegreePrior().fit(ds, "unknown").raw(pairs)[[0, 3]].tolist() == [0.5, 0.5]
    # TF-blind: the same gene scores the same for any TF
    other = pairs.assign(tf_i=2)
    assert np.array_equal(prior.raw(other), prior.raw(pairs))


def test_pwm_formula_and_planted_site_scores_highest():
    counts = np.array([[10, 0, 0, 0], [0, 10, 0, 0], [0, 0, 10, 0]], dtype=float)  # ACG
    pwm = pfm_to_pwm(counts, c=1.0)
    p_a = (10 + BACKGROUND[0]) / 11
    assert np.isclose(pwm[0, 0], np.log2(p_a / BACKGROUND[0]))
    assert pwm[0, 1] < 0
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("AT"), 30)) for _ in range(5)]
    seqs[2] = seqs[2][:10] + "ACG" + seqs[2][13:]
    seqs[4] = seqs[4][:20] + "CGT" + seqs[4][23:]  # reverse complement of ACG
    s = max_scores(Windows.from_seqs(seqs, 30), pwm)
    assert np.isclose(s[2], pwm.max(axis=1).sum()) and np.isclose(s[4], s[2])
    assert (s[[0, 1, 3]] < s[2]).all()


def test_max_scores_equal_a_brute_force_scan_and_tie_equal_windows_exactly():
    rng = np.random.default_rng(3)
    seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(50)]
    pwm = pfm_to_pwm(rng.integers(0, 20, size=(7, 4)).astype(float))
    codes = Windows.from_seqs(seqs, 40).codes[0]
    brute = []
    for c in codes:
        best = -np.inf
        for w in (pwm, pwm[::-1, ::-1]):
            for s in range(40 - 7 + 1):
                best = max(best, sum(w[j, c[s + j]] for j in range(7)))
        brute.append(best)
    assert np.allclose(max_scores(Windows.from_seqs(seqs, 40), pwm), brute, atol=1e-8)
    # a column with equal A and T weights: ATG and TTG score the same and must tie bit for bit,
    # else an empirical p-value would count the background window on one side of the tie or the other
    tie = pfm_to_pwm(np.array([[5.0, 0, 0, 5.0], [0, 0, 0, 10], [0, 0, 10, 0]]) / 3.7)
    s = max_scores(Windows.from_seqs(["CCCCATGCCCC", "CCCCTTGCCCC"], 11), tie)
    assert s[0] == s[1]


def test_occupancy_sums_the_odds_of_every_window_so_two_sites_beat_one():
    pwm = pfm_to_pwm(np.array([[10.0, 0, 0, 0], [0, 10, 0, 0], [0, 0, 10, 0]]))  # ACG
    seqs = ["TTTTTTTTTTTTTTTT", "TTTACGTTTTTTTTTT", "TTTACGTTTTACGTTT"]
    x = Windows.from_seqs(seqs, 16)
    occ, best = occupancy_scores(x, pwm), max_scores(x, pwm)
    assert (occ > best).all() and best[1] == best[2] and occ[2] > occ[1]
    codes = x.codes[0][2]
    odds = sum(
        2.0 ** sum(w[j, codes[s + j]] for j in range(3)) for w in (pwm, pwm[::-1, ::-1]) for s in range(14)
    )
    assert np.isclose(occ[2], np.log2(odds))


def test_scores_of_a_set_larger_than_a_block_equal_each_sequence_scored_alone():
    """Sequences are scored in blocks of ROW_CHUNK; the blocks' edges must not change a score's last bit."""
    from grenimja.baselines.pwmscan import ROW_CHUNK, background_windows

    x = background_windows(ROW_CHUNK + 37, 25, seed=5)
    pwm = pfm_to_pwm(np.random.default_rng(4).integers(0, 20, size=(8, 4)).astype(float))
    for statistic in (max_scores, occupancy_scores):
        whole = statistic(x, pwm)
        alone = [statistic(x[i : i + 1], pwm)[0] for i in (0, ROW_CHUNK - 1, ROW_CHUNK, len(x) - 1)]
        assert whole.shape == (len(x),) and whole[[0, ROW_CHUNK - 1, ROW_CHUNK, -1]].tolist() == alone
    assert max_scores(x[:0], pwm).shape == (0,)
    with pytest.raises(ValueError, match="longer than the 25 bp"):
        max_scores(x[:0], pfm_to_pwm(np.ones((26, 4))))


def test_windows_name_a_base_that_is_not_acgt():
    with pytest.raises(ValueError, match=r"sequence 1, position 3: 'N'"):
        Windows.from_seqs(["ACGT", "ACNT"], 4)
    with pytest.raises(ValueError, match=r"sequence 0, position 2: 'é'"):
        Windows.from_seqs(["AéGT"], 4)


def test_tfidf_embedding_weights_rare_kmers_more():
    v = Vocab(["AA", "AC"], k=2)
    vec = np.array([[0, 0], [1, 0], [0, 1]], dtype=np.float32)
    x = tfidf_embedding(["AAA", "AAC"], v, vec)
    assert np.allclose(x[0], [1, 0])  # only AA
    assert x[1, 1] > 0.5  # AC occurs in fewer sequences than AA, so it weighs more


def test_benchmark_table_has_every_model_and_the_paper_rows(ds, small_embeddings):
    df = run_benchmark(
        ds,
        "unknown",
        small_embeddings,
        np.full(len(ds.split("unknown", "test")), 0.5),
        _suite(small_embeddings)[:2],
        progress=False,
    )
    assert df["model"].tolist() == ["GReNIMJA (this repo)", "gene-degree prior", "nearest homolog"]
    md = to_markdown(df, "unknown")
    assert "GReNIMJA (paper) |  |  | 0.685 | 0.698 | 0.694" in md
    # the targets' mean: over test TFs with >= 5 positives, never more TFs than the all-TF mean
    assert "per_tf_auroc_min_positives" in md.splitlines()[0]
    test = ds.split("unknown", "test")
    counts = test.groupby("tf")["label"].agg(["sum", "size"])
    enough = ((counts["sum"] >= 5) & (counts["sum"] < counts["size"])).sum()
    assert (df["tfs_min_positives"] == enough).all() and (df["tfs_min_positives"] <= df["tfs"]).all()


@pytest.mark.parametrize("arch", ["deepram", "tbinet", "cacpred"])
def test_per_tf_deep_baselines_score_only_their_tfs_and_ignore_test_labels(ds, arch):
    from grenimja.baselines.pertf import PerTFDeep

    flipped = copy.copy(ds)
    flipped.pairs = ds.pairs.copy()
    t = flipped.pairs["split_known"] == "test"
    flipped.pairs.loc[t, "label"] = 1 - flipped.pairs.loc[t, "label"]
    test = ds.split("known", "test")
    m = PerTFDeep(arch, n_tfs=2, epochs=1).fit(ds, "known")
    a = m.score(test)
    b = PerTFDeep(arch, n_tfs=2, epochs=1).fit(flipped, "known").score(test)
    covered = test["tf_i"].isin(m.tfs).to_numpy()
    assert len(m.tfs) == 2 and covered.any()
    assert np.isnan(a[~covered]).all() and not np.isnan(a[covered]).any()
    assert ((a[covered] >= 0) & (a[covered] <= 1)).all()
    assert np.allclose(a[covered], b[covered])


def test_motif_transfer_borrows_the_nearest_other_tfs_matrices_and_ignores_test_labels(ds):
    from grenimja.baselines.pwmscan import MotifTransfer
    from grenimja.homology import identity_to

    test = ds.split("unknown", "test")
    m = MotifTransfer(n_background=200, n_trials=5).fit(ds, "unknown")
    a = m.score(test)
    b = MotifTransfer(n_background=200, n_trials=5).fit(_flipped_test_labels(ds), "unknown").score(test)
    assert not np.isnan(a).any() and np.allclose(a, b)
    for tf in set(test["tf_i"]):
        donor, ident = m.donor(tf)
        name = ds.tfs["tf"].iloc[tf]
        assert donor != name and donor in m.pwms
        ids = identity_to(ds.tfs["protein"].iloc[tf], m.donor_seqs)
        others = [k for k, t in enumerate(m.donor_tfs) if t != name]
        assert np.isclose(ident, ids[others].max())
        assert m.matrices(tf) is m.pwms[donor]


def _block_dataset(path=None):
    """20 TFs x 60 genes: TFs 0-9 regulate genes 0-29, TFs 10-19 genes 30-59 (every gene the same degree);
    pairs split at random on the known split, TF 19 only in the test part. ``path``: a folder to hold the
    links table that degree-matched negatives read."""
    import pandas as pd

    from grenimja.dataset import Dataset

    rng = np.random.default_rng(0)
    n_tf, n_gene = 20, 60
    label = np.array([[int((t < 10) == (g < 30)) for g in range(n_gene)] for t in range(n_tf)])
    tf_i, gene_i = np.meshgrid(np.arange(n_tf), np.arange(n_gene), indexing="ij")
    pairs = pd.DataFrame({"tf_i": tf_i.ravel(), "gene_i": gene_i.ravel(), "label": label.ravel()})
    pairs["tf"] = "T" + pairs["tf_i"].astype(str)
    pairs["gene"] = "G" + pairs["gene_i"].astype(str)
    part = rng.choice(["train", "valid", "test"], size=len(pairs), p=[0.7, 0.1, 0.2])
    part[pairs["tf_i"].to_numpy() == 19] = "test"  # TF 19 is never seen in training
    part[(pairs["tf_i"].to_numpy() == 18) & (part == "train")] = "valid"  # TF 18 only in valid and test
    pairs["split_known"] = part
    proteins = ["".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), 40)) for _ in range(n_tf)]
    if path is not None:
        pairs.loc[pairs["label"] == 1, ["tf", "gene"]].to_csv(
            path / "known_any_source.tsv", sep="\t", index=False
        )
    ds = Dataset(
        path,
        pd.DataFrame({"tf": [f"T{i}" for i in range(n_tf)], "protein": proteins}),
        pd.DataFrame({"gene": [f"G{i}" for i in range(n_gene)]}),
        pairs,
        {},
    )
    return ds, pairs


def test_logistic_mf_recovers_a_planted_block_structure_and_skips_unseen_tfs():
    from grenimja.baselines.simple import LogisticMF

    ds, pairs = _block_dataset()
    m = LogisticMF(rank=4, max_steps=300).fit(ds, "known")
    test = pairs[pairs["split_known"] == "test"]
    s = m.score(test)
    unseen = test["tf_i"].isin([18, 19]).to_numpy()
    assert np.isnan(s[unseen]).all() and not np.isnan(s[~unseen]).any()
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(test["label"][~unseen], s[~unseen]) > 0.95


def test_shared_targets_ease_recovers_a_planted_block_structure_and_skips_unseen_tfs(tmp_path):
    from sklearn.metrics import roc_auc_score

    from grenimja.baselines.simple import SharedTargetsEASE
    from grenimja.model.transfer import EASE_LAMBDAS

    ds, pairs = _block_dataset(tmp_path)
    m = SharedTargetsEASE().fit(ds, "known")
    assert m.ease_lambda in EASE_LAMBDAS
    test = pairs[pairs["split_known"] == "test"]
    s = m.score(test)
    unseen = test["tf_i"].isin([18, 19]).to_numpy()
    assert np.isnan(s[unseen]).all() and not np.isnan(s[~unseen]).any()
    assert roc_auc_score(test["label"][~unseen], s[~unseen]) > 0.95


def test_gene_ease_recovers_a_planted_block_structure_and_equals_the_explicit_gene_by_gene_ease(tmp_path):
    from sklearn.metrics import roc_auc_score

    from grenimja.baselines.simple import GeneEASE

    ds, pairs = _block_dataset(tmp_path)
    m = GeneEASE().fit(ds, "known")
    assert m.ease_lambda in GeneEASE.LAMBDAS
    test = pairs[pairs["split_known"] == "test"]
    s = m.score(test)
    unseen = test["tf_i"].isin([18, 19]).to_numpy()
    assert np.isnan(s[unseen]).all() and not np.isnan(s[~unseen]).any()
    assert roc_auc_score(test["label"][~unseen], s[~unseen]) > 0.95
    # the Woodbury shortcut gives Steck's B = I - P / diag(P), P = (X^T X + lambda I)^-1, formed explicitly
    tr = pairs[(pairs["split_known"] == "train") & (pairs["label"] == 1)]
    x = np.zeros((20, 60))
    x[tr["tf_i"], tr["gene_i"]] = 1.0
    p = np.linalg.inv(x.T @ x + m.ease_lambda * np.eye(60))
    b = np.eye(60) - p / np.diag(p)[None, :]
    assert np.allclose(np.diag(b), 0.0)
    seen = ~unseen
    want = (x @ b)[test["tf_i"].to_numpy()[seen], test["gene_i"].to_numpy()[seen]]
    assert np.allclose(m.raw(test)[seen], want)


def test_logistic_regression_baseline_is_the_same_on_one_and_two_blas_threads(ds, small_embeddings):
    from threadpoolctl import threadpool_limits

    test = ds.split("unknown", "test")
    scores = []
    for n in (1, 2):
        with threadpool_limits(limits=n, user_api="blas"):
            scores.append(FeatureBaseline("lr", small_embeddings, 5000).fit(ds, "unknown").score(test))
    assert np.array_equal(scores[0], scores[1])


def test_literature_degree_prior_counts_other_training_tfs_curated_links_and_never_the_pair_s_own(ds):
    from grenimja.baselines.simple import LITERATURE_SOURCES, LiteratureDegreePrior

    prior = LiteratureDegreePrior().fit(ds, "known")
    links = ds.known_links()
    lit = links[links["sources"].str.split("+").map(lambda xs: bool(set(xs) & set(LITERATURE_SOURCES)))]
    train_tfs = set(ds.split("known", "train")["tf"])
    lit = lit[lit["tf"].isin(train_tfs) & lit["gene"].isin(set(ds.genes["gene"]))]
    assert len(lit) > 0  # the fixture has curated links to count
    tf, gene = lit.iloc[0]["tf"], lit.iloc[0]["gene"]
    regulators = set(lit.loc[lit["gene"] == gene, "tf"])
    pair = pd.DataFrame({"tf_i": [ds._tf_index[tf]], "gene_i": [ds._gene_index[gene]]})
    # the gene's curated regulators among the training TFs, the pair's own TF left out
    assert np.isclose(prior.raw(pair)[0] * len(train_tfs), len(regulators - {tf}))
    other = next(t for t in sorted(train_tfs) if t not in regulators)
    pair_other = pd.DataFrame({"tf_i": [ds._tf_index[other]], "gene_i": [ds._gene_index[gene]]})
    assert np.isclose(prior.raw(pair_other)[0] * len(train_tfs), len(regulators))
    # on a TF-disjoint split, the held-out TFs' own links are never counted
    held_out = set(ds.split("unknown", "test")["tf"])
    unknown = LiteratureDegreePrior().fit(ds, "unknown")
    counted = lit[lit["tf"].isin(set(ds.split("unknown", "train")["tf"]))]
    expect = counted.groupby("gene")["tf"].nunique()
    got = unknown.counts[[ds._gene_index[g] for g in expect.index]]
    assert np.array_equal(got, expect.to_numpy()) and not held_out & set(counted["tf"])


def test_appending_a_baseline_replaces_its_old_rows_and_their_comparison_subset():
    from grenimja.benchmark import merge_rows

    old = pd.DataFrame(
        {
            "model": ["GReNIMJA (this repo)", "prior", "PWMScan", "GReNIMJA on the same TFs", "EASE"],
            "auroc": [0.7, 0.6, 0.55, 0.71, 0.65],
        }
    )
    new = pd.DataFrame({"model": ["PWMScan", "literature prior"], "auroc": [0.56, 0.62]})
    merged = merge_rows(old, new)
    assert merged["model"].tolist() == [
        "GReNIMJA (this repo)",
        "prior",
        "EASE",
        "PWMScan",
        "literature prior",
    ]
    assert merged.loc[merged["model"] == "PWMScan", "auroc"].tolist() == [0.56]
