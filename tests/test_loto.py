"""Leave-one-TF-out choice of the transfer term's shape (grenimja.model.loto)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grenimja.model.loto import best_shape, loto_grid, loto_parts, pseudo_pairs, term_shape
from grenimja.model.transfer import HomologyTransfer

# two unrelated families: A and A2 are one protein with a point change, B, C and D are unrelated to them
A = "MKRERTAYTRSQLLELEKEFHFNRYLTRRRRIEIAHALCLTERQIKIWFQNRRMKWKKEN"
A2 = A[:30] + "W" + A[31:]
B = "MSDEKRKKFSLEELAQRYGLSRSTVWRMVKEGRLPAPVKLGRRAYWDEEELDRWLESQKGG"
C = "MGAPLTQHYPDIVNNSAGWCEFVKRLMSTQQPHGEDYIAKLWNRSPFTGCMQEHDVAYRLI"
D = "MTTYLNQWEKPGDASRCIFHVAGELMKPNQRTSYDWVLHGFAICEKMTRQPSLNVDYGEWA"
N_GENES = 60


def _term() -> HomologyTransfer:
    rng = np.random.default_rng(3)
    y = rng.random((5, N_GENES)) < 0.25
    y[1] = y[0]  # A2 regulates exactly what A does: only a leak of A's own row, or A2's vote, finds them
    pos_tf, pos_gene = np.nonzero(y)
    return HomologyTransfer(
        tfs=["A", "A2", "B", "C", "D"],
        proteins=[A, A2, B, C, D],
        genes=[f"g{i}" for i in range(N_GENES)],
        pos_tf=pos_tf,
        pos_gene=pos_gene,
        centre=False,
        lift=True,
    )


def _auroc_of(parts, tf: str, key) -> float:
    from grenimja.metrics import per_tf_auroc

    at = parts.tf == tf
    return float(per_tf_auroc(parts.tf[at], parts.pairs["label"].to_numpy()[at], parts.term[key][at]).iloc[0])


def test_pseudo_pairs_match_each_positive_with_a_negative_of_its_degree_without_the_tf():
    term = _term()
    pairs = pseudo_pairs(term, {"B": {"g0", "g1"}}, max_positives=8, seed=0)
    y = term._y
    for r, grp in pairs.groupby("row"):
        pos, neg = grp[grp["label"] == 1]["gene_i"], grp[grp["label"] == 0]["gene_i"]
        assert len(pos) == len(neg) <= 8 and y[r, pos].all() and not y[r, neg].any()
        degree = y.sum(axis=0) - y[r]  # the pseudo-query's own links do not count
        assert abs(degree[pos].mean() - degree[neg].mean()) < 1.0
        if term.tfs[r] == "B":
            assert not set(neg) & {0, 1}  # a gene linked to the TF in another source is no negative
    assert (pairs["protocol"] == "degree-matched").all()


def test_paper_pseudo_pairs_pair_the_same_positives_with_the_tf_s_random_non_targets():
    term = _term()
    random = {t: np.flatnonzero(term._y[r] == 0)[:6] for r, t in enumerate(term.tfs)}
    pairs = pseudo_pairs(term, {}, max_positives=8, seed=0, paper_negatives=random)
    for (r, protocol), grp in pairs.groupby(["row", "protocol"]):
        pos, neg = grp[grp["label"] == 1]["gene_i"], grp[grp["label"] == 0]["gene_i"]
        other = pairs[(pairs["row"] == r) & (pairs["protocol"] != protocol)]
        assert list(pos) == list(other[other["label"] == 1]["gene_i"])  # one draw of positives for both
        if protocol == "paper":
            assert len(neg) == min(len(pos), 6) and set(neg) <= set(random[term.tfs[r]])


def test_the_left_out_tf_s_term_is_the_term_fitted_without_it():
    term = _term()
    pairs = pseudo_pairs(term, {}, max_positives=50, seed=0)
    parts = loto_parts([term], [A, A2, B, C, D], pairs, powers=(2.0,), smooths=(0.0, 0.5))
    for r in (2, 3):  # B, C: a fresh term on the other four TFs, the query given as its protein
        keep = [i for i in range(5) if i != r]
        y = term._y[keep]
        pos_tf, pos_gene = np.nonzero(y)
        fresh = HomologyTransfer(
            tfs=[term.tfs[i] for i in keep],
            proteins=[term.proteins[i] for i in keep],
            genes=term.genes,
            pos_tf=pos_tf,
            pos_gene=pos_gene,
            power=2.0,
            centre=False,
            lift=True,
        )
        at = (pairs["row"] == r).to_numpy()
        genes = [term.genes[g] for g in pairs.loc[at, "gene_i"]]
        for smooth in (0.0, 0.5):
            fresh.smooth = smooth
            expect = fresh.interaction([term.proteins[r]], genes)[0]
            assert np.allclose(parts.term[("full", 2.0, smooth)][at], expect, atol=1e-9)


def test_a_close_homolog_votes_for_an_unknown_tf_but_not_under_the_homology_split_s_cap():
    term = _term()
    pairs = pseudo_pairs(term, {}, max_positives=50, seed=0)
    queries = [A, A2, B, C, D]
    unknown = loto_parts([term], queries, pairs, powers=(8.0,), smooths=(0.0,))
    homology = loto_parts([term], queries, pairs, max_identity=0.4, powers=(8.0,), smooths=(0.0,))
    # A's targets are A2's: its near-identical homolog finds them all, unless the cap leaves it out; were A's own
    # row to vote, the capped term would find them too
    assert _auroc_of(unknown, "A", ("full", 8.0, 0.0)) == 1.0
    assert _auroc_of(homology, "A", ("full", 8.0, 0.0)) < 0.8


def test_extra_weights_are_judged_as_one_more_kind_with_the_left_out_tf_kept_out():
    term = _term()
    pairs = pseudo_pairs(term, {}, max_positives=50, seed=0)
    queries = [A, A2, B, C, D]
    # a similarity that puts all of A's weight on A2 finds A's targets, like identity^8 does
    sim = np.zeros((5, 5))
    sim[0, 1] = sim[1, 0] = sim[2, 3] = sim[3, 2] = sim[4, 2] = 1.0
    own = np.eye(5)  # a similarity that would let each TF vote for itself, were its row not left out
    parts = loto_parts(
        [term], queries, pairs, powers=(8.0,), smooths=(0.0,), extra_weights={"s": sim, "own": own}
    )
    assert ("s", 1.0, 0.0) in parts.term and ("own", 1.0, 0.0) in parts.term
    assert _auroc_of(parts, "A", ("s", 1.0, 0.0)) == 1.0
    assert np.allclose(
        parts.term[("s", 1.0, 0.0)][parts.tf == "A"],
        parts.term[("full", 8.0, 0.0)][parts.tf == "A"],
        atol=0.05,
    )
    # every weight of "own" falls on the left-out diagonal: no vote is left, the term is flat
    assert np.ptp(parts.term[("own", 1.0, 0.0)]) == 0.0
    grid = loto_grid(parts)
    assert set(grid["identity"]) == {"full", "s", "own"}
    with pytest.raises(ValueError, match="non-negative"):
        loto_parts([term], queries, pairs, powers=(8.0,), smooths=(0.0,), extra_weights={"bad": -sim})


def test_the_grid_covers_every_shape_once_and_reads_the_motif_factor_0_once():
    term = _term()
    pairs = pseudo_pairs(term, {}, max_positives=50, seed=0)
    parts = loto_parts([term], [A, A2, B, C, D], pairs, powers=(1.0, 8.0), smooths=(0.0, 0.5))
    grid = loto_grid(parts)
    # no k-mer or motif part here: one row per (power, smooth), their factors 0
    assert len(grid) == 4 and (grid[["kmer_factor", "motif_factor"]] == 0).all().all()
    assert grid["tfs"].eq(5).all() and grid["dm_per_tf_auroc"].between(0, 1).all()
    assert (grid["criterion"] == grid["dm_per_tf_auroc"]).all()  # no paper pairs: the degree-matched mean
    parts.motif = {(1, "best"): np.zeros(len(pairs)), (3, "best"): np.ones(len(pairs))}
    grid = loto_grid(parts, kmer_factors=(0.0,), motif_factors=(0.0, 1.0))
    assert len(grid) == 4 * (1 + 2)  # factor 0 once, factor 1 with each donor setting
    assert not grid.duplicated(["power", "smooth", "motif_factor", "n_donors"]).any()


def test_add_transfer_chooses_the_shape_on_left_out_training_tfs(tiny_model_dir, small_dataset, tmp_path):
    from grenimja.model.io import load_model
    from grenimja.model.transfer import WEIGHTS, add_transfer

    out = tmp_path / "unknown_loto.pt"
    meta = add_transfer(
        str(tiny_model_dir / "unknown.pt"),
        str(tiny_model_dir / "embeddings.npz"),
        str(small_dataset),
        "unknown",
        str(out),
        str(tmp_path / "grid.csv"),
        shape="loto",
    )
    loto = pd.read_csv(tmp_path / "grid_loto.csv")
    weights = pd.read_csv(tmp_path / "grid_weight.csv")
    top = loto.loc[loto["criterion"].idxmax()]
    assert top["criterion"] == pytest.approx(top["dm_per_tf_auroc"] + top["paper_auroc"])
    assert meta["shape"]["loto_dm_per_tf_auroc"] == pytest.approx(top["dm_per_tf_auroc"], abs=1e-4)
    assert meta["shape"]["loto_paper_auroc"] == pytest.approx(top["paper_auroc"], abs=1e-4)
    assert meta["shape"]["pseudo_queries"] >= 5 and meta["shape"]["max_identity"] is None
    assert list(weights["term_weight"]) == list(WEIGHTS) and meta["weight"] in set(WEIGHTS)
    assert meta["lift"] and not meta["centre"]
    k = meta["kmers"]
    assert k["weight"] == pytest.approx(meta["shape"]["kmer_factor"] * meta["weight"])
    model, m = load_model(out, tiny_model_dir / "embeddings.npz")
    assert m["transfer"]["shape"] == meta["shape"] and model.transfer.power == meta["shape"]["power"]
    assert model.calibration is not None
    with pytest.raises(ValueError, match="no training TF"):
        add_transfer(
            str(tiny_model_dir / "unknown.pt"),
            str(tiny_model_dir / "embeddings.npz"),
            str(small_dataset),
            "known",
            str(tmp_path / "known.pt"),
            shape="loto",
        )


def test_an_incumbent_shape_lets_only_shapes_at_least_as_good_on_both_protocols_win():
    cols = dict(identity="full", smooth=0.0, kmer_factor=0.0, motif_factor=0.0, n_donors=1, statistic="best")
    grid = pd.DataFrame(
        [
            cols | dict(power=1.0, dm_per_tf_auroc=0.60, paper_auroc=0.70),  # the incumbent
            cols | dict(power=2.0, dm_per_tf_auroc=0.58, paper_auroc=0.80),  # best sum, but gives up dm
            cols
            | dict(power=4.0, dm_per_tf_auroc=0.61, paper_auroc=0.75),  # better on both, best sum of them
            cols | dict(power=8.0, dm_per_tf_auroc=0.65, paper_auroc=0.69),  # gives up paper
            cols
            | dict(power=16.0, dm_per_tf_auroc=0.62, paper_auroc=0.70),  # better on both, best degree-matched
        ]
    )
    grid["criterion"] = grid["dm_per_tf_auroc"] + grid["paper_auroc"]
    assert best_shape(grid)["power"] == 2.0
    incumbent = best_shape(grid.iloc[:1])
    assert best_shape(grid, incumbent)["power"] == 16.0
    assert best_shape(grid.iloc[[0, 1, 3]], incumbent)["power"] == 1.0  # nothing better: it stays
    with pytest.raises(ValueError, match="not in the grid"):
        best_shape(grid, incumbent | {"power": 3.0})


def test_a_term_s_shape_is_its_settings_and_its_parts_weights_over_its_own():
    t = _term()
    t.power, t.smooth, t.weight = 8.0, 0.5, 32.0
    assert term_shape(t) == dict(
        identity="full",
        power=8.0,
        smooth=0.5,
        kmer_factor=0.0,
        motif_factor=0.0,
        n_donors=1,
        statistic="best",
    )
    t.centre, t.lift = True, False
    assert term_shape(t) is None  # a centred share is no shape of the grid
