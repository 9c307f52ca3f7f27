"""The homology-transfer term: targets of similar training TFs (optionally minus gene popularity), added to
the logits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from grenimja.model.transfer import HomologyTransfer, choose_transfer

A = "MKRERTAYTRSQLLELEKEFHFNRYLTRRRRIEIAHALCLTERQIKIWFQNRRMKWKKEN"
B = "MSDEKRKKFSLEELAQRYGLSRSTVWRMVKEGRLPAPVKLGRRAYWDEEELDRWLESQKGG"


def _transfer(**kw) -> HomologyTransfer:
    # TF A regulates g1, g2; TF B regulates g2, g3; g2 is regulated by both (popular), g4 by none
    return HomologyTransfer(
        tfs=["A", "B"],
        proteins=[A, B],
        genes=["g1", "g2", "g3", "g4"],
        pos_tf=np.array([0, 0, 1, 1]),
        pos_gene=np.array([0, 1, 1, 2]),
        **kw,
    )


def test_a_homolog_s_targets_score_above_others_and_popularity_cancels():
    t = _transfer(power=8.0)
    m = t.interaction([A], ["g1", "g2", "g3", "g4", "unknown-gene", None])[0]
    # the query is A itself: A's own target g1 is up, B's target g3 down, the shared g2 nearly 0
    assert m[0] > 0.4 and m[2] < -0.4
    assert abs(m[1]) < 1e-9  # regulated by every training TF: no TF-specific information
    assert m[3] == 0 and m[4] == 0 and m[5] == 0  # no training TF regulates it / not a training gene
    # a query exactly between both TFs gets no interaction at all: nothing tells it apart
    t._ident_cache["mid"] = np.array([0.5, 0.5], dtype=np.float32)
    assert np.allclose(t.interaction(["mid"], ["g1", "g2", "g3"]), 0)


def test_the_uncentred_share_keeps_popularity_and_is_the_homologs_vote():
    t = _transfer(power=8.0, centre=False)
    m = t.interaction([A], ["g1", "g2", "g3", "g4"])[0]
    # the homologs' weighted vote: A's targets near 1 (g2 too: every TF regulates it), B's target near 0
    assert m[0] > 0.9 and m[1] == pytest.approx(1.0) and m[2] < 0.1 and m[3] == 0
    centred = t.interaction([A], ["g1", "g2", "g3"], centre=True)[0]
    assert np.allclose(m[:3] - centred, t.gene_degree(["g1", "g2", "g3"]))
    # the gene-degree prior the pages show: g2 regulated by both TFs, g1 by one, g4 by none, others unknown
    assert np.allclose(t.gene_degree(["g2", "g1", "g4"]), [1.0, 0.5, 0.0])
    assert np.isnan(t.gene_degree(["nope", None])).all()


def test_dbd_identity_aligns_the_full_length_query_to_the_training_dbds():
    from grenimja.homology import identity

    class _DS:  # the two tables HomologyTransfer.fit reads
        tfs = pd.DataFrame({"tf": ["A", "B"], "protein": ["GGGG" + A + "GGGG", B]})
        genes = pd.DataFrame({"gene": ["g1", "g2"]})

        @staticmethod
        def split(split, part):
            return pd.DataFrame({"tf": ["A", "B"], "gene_i": [0, 1], "label": [1, 1]})

    t = HomologyTransfer.fit(_DS, "unknown", dbd={"A": A[10:50]}, centre=False)
    assert t.identity == "dbd" and t.proteins == [A[10:50], B]  # B has no DBD: its full length
    assert t.identities([A])[0, 0] == pytest.approx(identity(A, A[10:50])) == 1.0
    assert HomologyTransfer.fit(_DS, "unknown").identity == "full"


def test_logits_scale_with_weight_and_the_payload_round_trips_without_pickle(tmp_path):
    t = _transfer(power=4.0, weight=3.0, centre=False, identity="dbd")
    assert np.allclose(t.logits([B], ["g1", "g3"]), 3.0 * t.interaction([B], ["g1", "g3"]))
    path = tmp_path / "t.pt"
    torch.save(t.to_payload(), path)
    back = HomologyTransfer.from_payload(torch.load(path, weights_only=True))
    assert (back.power, back.weight, back.genes, back.centre, back.identity) == (
        4.0,
        3.0,
        t.genes,
        False,
        "dbd",
    )
    assert np.allclose(back.interaction([B], t.genes), t.interaction([B], t.genes))
    # a file written before the centre / identity options held the centred, full-length term
    old = t.to_payload()
    del old["centre"], old["identity"]
    assert (HomologyTransfer.from_payload(old).centre, HomologyTransfer.from_payload(old).identity) == (
        True,
        "full",
    )


def test_a_malformed_term_in_a_model_file_is_named():
    from grenimja.errors import ModelFileError

    bad = _transfer().to_payload()
    del bad["pos_gene"]
    with pytest.raises(ModelFileError, match="homology-transfer term is malformed"):
        HomologyTransfer.from_payload(bad, "x.pt")


def test_grid_picks_the_weight_that_ranks_homolog_targets_first():
    t = _transfer()
    # validation pairs of a TF identical to A: g1 (A's target) positive, g3 (B's target) negative; the
    # network alone ranks them the wrong way round
    f = pd.DataFrame(
        {"tf": ["q", "q"], "tf_i": [0, 0], "gene_i": [0, 2], "label": [1, 0], "logit": [0.0, 0.5]}
    )
    base = {"paper": f, "degree-matched": f}
    chosen, grid = choose_transfer(
        base, t, [A], ["g1", "g2", "g3", "g4"], powers=(4.0,), weights=(0.0, 2.0), centres=(True,)
    )
    assert set(grid["weight"]) == {0.0, 2.0}
    assert grid.loc[grid["weight"] == 0, "dm_auroc"].item() == 0.0
    assert grid.loc[grid["weight"] == 2, "dm_auroc"].item() == 1.0
    assert chosen.weight == 2.0


def test_grid_picks_between_identity_candidates():
    # the query q resembles B's DBD only: aligned to full lengths it looks like A (wrong targets), aligned to
    # the DBDs like B; q's true target is B's target g3
    full = _transfer()
    dbd = _transfer(identity="dbd")
    full._ident_cache["q"] = np.array([0.9, 0.1], dtype=np.float32)
    dbd._ident_cache["q"] = np.array([0.1, 0.9], dtype=np.float32)
    f = pd.DataFrame(
        {"tf": ["q", "q"], "tf_i": [0, 0], "gene_i": [0, 2], "label": [0, 1], "logit": [0.0, 0.0]}
    )
    chosen, grid = choose_transfer(
        {"paper": f, "degree-matched": f},
        [full, dbd],
        ["q"],
        ["g1", "g2", "g3", "g4"],
        powers=(2.0,),
        weights=(1.0,),
    )
    assert chosen is dbd and len(grid) == 4 and set(grid["identity"]) == {"full", "dbd"}
    assert grid.set_index(["identity", "centre"])["dm_auroc"].to_dict()[("full", False)] == 0.0


@pytest.fixture(scope="module")
def transfer_model(tmp_path_factory, tiny_model_dir, small_dataset):
    from grenimja.model.transfer import add_transfer

    out = tmp_path_factory.mktemp("transfer") / "unknown_t.pt"
    grid = out.with_suffix(".csv")
    meta = add_transfer(
        str(tiny_model_dir / "unknown.pt"),
        str(tiny_model_dir / "embeddings.npz"),
        str(small_dataset),
        "unknown",
        str(out),
        str(grid),
    )
    return out, grid, meta


def test_add_transfer_writes_a_loadable_model_with_its_validation_record(transfer_model, tiny_model_dir):
    from grenimja.model.io import load_model

    out, grid, meta = transfer_model
    g = pd.read_csv(grid)
    # (centred share, uncentred share, uncentred lift) x power x smooth x weight for the one (full-length
    # identity) candidate of the unknown split; the centred term has no lift
    assert len(g) == 3 * 5 * 2 * 12 and not (g["lift"] & g["centre"]).any()
    assert {"dm_per_tf_auroc", "paper_auroc", "criterion", "smooth", "lift"} <= set(g.columns)
    assert meta["power"] in set(g["power"]) and meta["weight"] in set(g["weight"])
    assert meta["smooth"] in (0.0, 0.5) and meta["lift"] in (True, False)
    assert meta["identity"] == "full" and meta["centre"] in (True, False)
    assert meta["per_tf_min_positives"] in (1, 5)  # the record says which per-TF mean its figures are
    assert meta["valid_with_term"]["dm_per_tf_auroc"] + meta["valid_with_term"][
        "paper_auroc"
    ] == pytest.approx(g["criterion"].max(), abs=1e-3)
    model, m = load_model(out, tiny_model_dir / "embeddings.npz")
    assert model.transfer is not None and m["transfer"]["split"] == "unknown"
    assert model.transfer.smooth == meta["smooth"] and model.transfer.lift == meta["lift"]
    assert model.calibration is not None and model.calibration.a > 0
    assert m["calibration"]["valid_ece_calibrated"] <= m["calibration"]["valid_ece_raw"] + 1e-9
    assert model.transfer.weight == meta["weight"]


def test_evaluation_scores_are_the_network_plus_the_term(transfer_model, tiny_model_dir, small_dataset):
    from grenimja.dataset import load_dataset
    from grenimja.embedding import Embeddings
    from grenimja.evaluate import score_split
    from grenimja.model.io import load_model

    out, _, _ = transfer_model
    emb = Embeddings.load(tiny_model_dir / "embeddings.npz")
    model, _ = load_model(out, emb)
    model.calibration = None  # the term alone (calibration: tests/test_calibration.py)
    ds = load_dataset(small_dataset)
    # visible whatever the grid chose, and at most 3 logits on these pairs so the probabilities read back
    # keep their precision
    pairs = score_split(model, emb, ds, "unknown", "test")
    model.transfer.weight = (
        3.0
        / np.abs(
            model.transfer.pair_interaction(
                ds.tfs["protein"].tolist(), ds.genes["gene"].tolist(), pairs["tf_i"], pairs["gene_i"]
            )
        ).max()
    )
    with_term = score_split(model, emb, ds, "unknown", "test").reset_index(drop=True)
    term = model.transfer
    model.transfer = None
    alone = score_split(model, emb, ds, "unknown", "test").reset_index(drop=True)
    z0 = np.log(alone["score"] / (1 - alone["score"]))
    z1 = np.log(with_term["score"] / (1 - with_term["score"]))
    tf_u = sorted(set(with_term["tf_i"]))
    m = term.logits([ds.tfs["protein"][i] for i in tf_u], ds.genes["gene"].tolist())
    row = {t: k for k, t in enumerate(tf_u)}
    expected = m[[row[t] for t in with_term["tf_i"]], with_term["gene_i"]]
    assert np.abs(expected).max() == pytest.approx(3.0)
    assert np.allclose(z1 - z0, expected, atol=2e-3)


def test_scan_and_predict_add_the_term_to_catalogue_genes_only(transfer_model, tiny_model_dir, tmp_path):
    import shutil

    from grenimja.explorer import catalogue_genes, load_bundle, scan_sequence, score_records
    from grenimja.fasta import Record

    out, _, _ = transfer_model
    shutil.copy(tiny_model_dir / "embeddings.npz", tmp_path / "embeddings.npz")
    shutil.copy(out, tmp_path / "unknown.pt")
    b = load_bundle(tmp_path, "unknown")
    assert b.model.transfer is not None and b.catalogue is not None
    cal, b.model.calibration = b.model.calibration, None
    protein = b.model.transfer.proteins[0]
    # a term of at most 3 logits, so the probability read back below keeps its precision (a lifted term
    # can reach 1 / the query's mean share, tens)
    b.model.transfer.weight = (
        3.0 / np.abs(b.model.transfer.interaction([protein], b.model.transfer.genes)).max()
    )
    with_term = scan_sequence(b, protein).set_index("gene")
    term = b.model.transfer
    b.model.transfer = None
    alone = scan_sequence(b, protein).set_index("gene")
    b.model.transfer = term
    genes = with_term.index.tolist()
    expected = term.logits([protein], genes)[0]
    assert np.abs(expected).max() == pytest.approx(3.0)
    assert np.allclose(with_term.loc[genes, "logit"] - alone.loc[genes, "logit"], expected, atol=1e-4)
    # Predict: a catalogue promoter under its own name gets the term; the same name on edited DNA does not
    g = b.catalogue.genes.set_index("gene")["promoter"]
    name = genes[int(np.argmax(np.abs(expected)))]
    recs = [Record(name, g[name]), Record(name + "_edited", g[name][::-1]), Record(name, g[name][::-1])]
    assert catalogue_genes(b, recs) == [name, None, None]
    table = score_records(b, [Record("q", protein)], recs[:1])
    z = np.log(table["probability"].iloc[0] / (1 - table["probability"].iloc[0]))
    assert np.isclose(z, with_term.loc[name, "logit"], atol=1e-3)
    # with the file's calibration both pages give the same calibrated logit again
    b.model.calibration = cal
    z_scan = scan_sequence(b, protein).set_index("gene").loc[name, "logit"]
    p = score_records(b, [Record("q", protein)], recs[:1])["probability"].iloc[0]
    assert np.isclose(z_scan, cal.apply(with_term.loc[name, "logit"]), atol=1e-3)
    assert np.isclose(np.log(p / (1 - p)), z_scan, atol=1e-3)


def test_scan_and_predict_add_the_k_mer_term_to_every_promoter(
    transfer_model, tiny_model_dir, small_dataset, tmp_path
):
    """The promoter k-mer part reaches a genome scan's catalogue promoters and an uploaded promoter of no
    catalogue gene alike (the gene-keyed part reaches only the former)."""
    import shutil

    from grenimja.dataset import load_dataset
    from grenimja.explorer import load_bundle, scan_sequence, score_records
    from grenimja.fasta import Record
    from grenimja.model.kmers import PromoterKmers

    out, _, _ = transfer_model
    shutil.copy(tiny_model_dir / "embeddings.npz", tmp_path / "embeddings.npz")
    shutil.copy(out, tmp_path / "unknown.pt")
    b = load_bundle(tmp_path, "unknown")
    b.model.calibration = None
    term = b.model.transfer
    promoters = load_dataset(small_dataset).genes["promoter"].tolist()
    term.kmers = PromoterKmers.fit(term._y, promoters, k=6, length=b.model.cfg.promoter_len)
    protein = term.proteins[0]
    cat = b.catalogue.genes
    part = term.sequence_interaction([protein], cat["promoter"].tolist())[0]
    assert part.std() > 0
    term.kmer_weight = 0.0
    without = scan_sequence(b, protein).set_index("gene")
    term.kmer_weight = 2.0 / np.abs(part).max()  # at most 2 logits: probabilities keep their precision
    with_kmers = scan_sequence(b, protein).set_index("gene")
    genes = cat["gene"].tolist()
    assert np.allclose(
        with_kmers.loc[genes, "logit"] - without.loc[genes, "logit"], term.kmer_weight * part, atol=1e-4
    )
    # Predict: a promoter of no catalogue gene (reversed DNA) gets the k-mer part and nothing else of the term
    odd = Record("edited", cat["promoter"].iloc[int(np.argmax(np.abs(part)))][::-1])
    p1 = score_records(b, [Record("q", protein)], [odd])["probability"].iloc[0]
    b.model.transfer = None
    p0 = score_records(b, [Record("q", protein)], [odd])["probability"].iloc[0]
    b.model.transfer = term
    expected = term.kmer_weight * term.sequence_interaction([protein], [odd.seq])[0, 0]
    assert abs(expected) > 0.01
    assert np.isclose(np.log(p1 / (1 - p1)) - np.log(p0 / (1 - p0)), expected, atol=1e-3)


def test_auroc_summary_equals_the_full_summary_it_stands_in_for():
    from grenimja.metrics import auroc_summary, summarize

    rng = np.random.default_rng(0)
    tf, y = rng.integers(0, 20, 2000), rng.integers(0, 2, 2000)
    p = rng.random(2000) + 0.1 * y
    y[tf == 3] = 1  # a TF with one class only is left out of the per-TF mean by both
    full = summarize(tf, y, p)
    assert np.allclose(auroc_summary(tf, y, p), (full["pooled"]["auroc"], full["per_tf_mean"]["auroc"]))


def test_the_target_mean_leaves_out_tfs_with_fewer_than_five_positives():
    from grenimja.metrics import MIN_POSITIVES, per_tf_auroc, summarize

    # TF 0: 20 positives ranked perfectly; TF 1: 2 positives ranked last (AUROC 0); TF 2: 5 ranked at random
    tf = np.r_[np.zeros(40), np.ones(4), np.full(10, 2)].astype(int)
    y = np.r_[np.ones(20), np.zeros(20), [1, 1, 0, 0], [1, 0] * 5].astype(int)
    p = np.r_[np.linspace(1, 0.6, 20), np.linspace(0.4, 0, 20), [0.1, 0.2, 0.8, 0.9], np.linspace(0, 1, 10)]
    res = summarize(tf, y, p)
    per = per_tf_auroc(tf, y, p)
    assert MIN_POSITIVES == 5 and res["min_positives"] == 5
    assert np.isclose(res["per_tf_mean"]["auroc"], per.mean())  # every TF with both classes
    assert res["n_tfs_min_positives"] == 2  # TF 1 (2 positives) is left out
    assert np.isclose(res["per_tf_mean_min_positives"]["auroc"], per[[0, 2]].mean())
    assert res["per_tf_mean_min_positives"]["auroc"] > res["per_tf_mean"]["auroc"]


def test_model_selection_reads_the_target_mean_where_the_part_has_tfs_with_five_positives():
    from grenimja.metrics import auroc_summary, selection_min_positives, summarize

    rng = np.random.default_rng(2)
    tf = np.r_[np.zeros(20), np.ones(2), np.full(12, 2)].astype(int)
    y = np.r_[[1, 0] * 10, [1, 0], [1, 0] * 6].astype(int)
    p = rng.random(len(y))
    assert selection_min_positives(tf, y) == 5
    full = summarize(tf, y, p)
    five = auroc_summary(tf, y, p, selection_min_positives(tf, y))
    assert np.isclose(five[1], full["per_tf_mean_min_positives"]["auroc"])
    assert not np.isclose(five[1], full["per_tf_mean"]["auroc"])
    # a part where no TF has five positives (a small fixture) falls back to every TF with both classes
    small = tf == 1
    assert selection_min_positives(tf[small], y[small]) == 1


def test_paired_tf_bootstrap_brackets_a_real_change_and_an_empty_one_by_zero():
    import pandas as pd

    from grenimja.metrics import auroc_summary, paired_tf_bootstrap, per_tf_auroc

    rng = np.random.default_rng(1)
    tf, y = rng.integers(0, 40, 4000), rng.integers(0, 2, 4000)
    p = rng.random(4000) + 0.2 * y
    a = per_tf_auroc(tf, y, p)
    assert len(a) == 40 and np.isclose(a.mean(), auroc_summary(tf, y, p)[1])
    better = per_tf_auroc(tf, y, p + 0.3 * y)  # every TF ranks its targets higher
    mean, low, high = paired_tf_bootstrap(a, better)
    assert 0 < low < mean < high and np.isclose(mean, (better - a).mean())
    noise = pd.Series(rng.normal(0, 0.02, 40), index=a.index)
    mean, low, high = paired_tf_bootstrap(a, a + noise - noise.mean())
    assert abs(mean) < 1e-12 and low < 0 < high
    # TFs scored by one side only do not count
    assert paired_tf_bootstrap(a.iloc[:10], better)[0] == pytest.approx((better - a).iloc[:10].mean())


C = "MPKLSQEAVRLLHEAGFSRSEIARQLGVSRSTVSRWLKEHGLSLEERGRRWTREQKLALL"


def _three(**kw) -> HomologyTransfer:
    # A and C share targets g1..g3; B regulates g4..g6; g7 is regulated by B and C. No sequence links A to C.
    pos = [(0, 0), (0, 1), (0, 2), (2, 0), (2, 1), (2, 2), (2, 6), (1, 3), (1, 4), (1, 5), (1, 6)]
    return HomologyTransfer(
        tfs=["A", "B", "C"],
        proteins=[A, B, C],
        genes=[f"g{i}" for i in range(1, 8)],
        pos_tf=np.array([p[0] for p in pos]),
        pos_gene=np.array([p[1] for p in pos]),
        centre=False,
        **kw,
    )


def test_targets_similarity_weighs_tfs_that_share_targets_not_sequence():
    t = _three(similarity="targets", ease_lambda=0.1)
    b = t.ease_weights()
    assert np.allclose(np.diag(b), 0)
    # EASE is ridge regression of each TF's target vector on the others': the optimality condition
    # (Y Y^T + lambda I) B = Y Y^T holds off the diagonal
    y = np.zeros((3, 7))
    y[t.pos_tf, t.pos_gene] = 1
    lhs = (y @ y.T + 0.1 * np.eye(3)) @ b
    off = ~np.eye(3, dtype=bool)
    assert np.allclose(lhs[off], (y @ y.T)[off])
    # A is a training TF: its term is C's targets (A's own column excluded), with no alignment made
    m = t.interaction([A], t.genes)[0]
    assert m[:3].min() > 0.5 and np.abs(m[3:6]).max() < 0.2 and t._ident_cache == {}
    # a protein that is no training TF falls back to identity weights: D looks like B
    t._ident_cache["D"] = np.array([0.0, 1.0, 0.0], dtype=np.float32)
    assert np.allclose(t.interaction(["D"], t.genes)[0], [0, 0, 0, 1, 1, 1, 1])


def test_targets_similarity_round_trips_and_needs_full_length_proteins():
    t = _three(similarity="targets", ease_lambda=50.0, weight=2.0)
    back = HomologyTransfer.from_payload(t.to_payload())
    assert (back.similarity, back.ease_lambda) == ("targets", 50.0)
    assert np.allclose(back.interaction([A, B], back.genes), t.interaction([A, B], t.genes))
    old = t.to_payload()
    del old["similarity"], old["ease_lambda"]
    assert HomologyTransfer.from_payload(old).similarity == "identity"
    with pytest.raises(ValueError, match="full-length"):
        _three(similarity="targets", identity="dbd")


def test_grid_offers_the_targets_term_once_per_centre():
    ident, targets = _three(), _three(similarity="targets", ease_lambda=0.1)
    # validation pairs of A: g2 positive (C regulates it too), g5 negative (B's target)
    f = pd.DataFrame(
        {"tf": ["A", "A"], "tf_i": [0, 0], "gene_i": [1, 4], "label": [1, 0], "logit": [0.0, 0.0]}
    )
    _, grid = choose_transfer(
        {"paper": f, "degree-matched": f},
        [ident, targets],
        [A],
        ident.genes,
        powers=(1.0, 2.0),
        weights=(1.0,),
    )
    assert (grid["similarity"] == "targets").sum() == 2  # one power: it only serves non-training queries
    assert (grid["similarity"] == "identity").sum() == 4
    assert grid.loc[grid["similarity"] == "targets", "ease_lambda"].eq(0.1).all()
    assert grid.loc[grid["similarity"] == "targets", "dm_auroc"].eq(1.0).all()


def test_the_pages_say_which_kind_of_term_ranks_the_genes(tiny_model_dir):
    from grenimja.explorer import load_bundle, model_notes

    b = load_bundle(tiny_model_dir, "unknown", with_catalogue=False)
    b.model.transfer = _three()
    assert any("most identical training TFs that regulate the gene" in n for n in model_notes(b))
    b.model.transfer = _three(similarity="targets")
    note = next(n for n in model_notes(b) if "target-transfer term" in n)
    assert "whose targets overlap this TF's training targets" in note
    assert not any("smoothed" in n for n in model_notes(b))
    b.model.transfer = _three(smooth=0.5)
    assert any("training targets in that term are smoothed" in n for n in model_notes(b))
    assert not any("The term is a lift" in n for n in model_notes(b))
    b.model.transfer = _three(lift=True)
    assert any("The term is a lift" in n for n in model_notes(b))
    assert any("scored by the network alone" in n for n in model_notes(b))
    assert not any("k-mer" in n for n in model_notes(b))
    from grenimja.model.kmers import PromoterKmers

    t = _three()
    t.kmers = PromoterKmers.fit(t._y, ["ACGTACGGATAAGT" * 4] * len(t.genes), k=6, length=60)
    t.kmer_weight = 1.0
    b.model.transfer = t
    notes = model_notes(b)
    assert any("also gets the term's promoter k-mer part" in n for n in notes)
    assert not any("scored by the network alone" in n for n in notes)
    assert not any("own-target k-mer part" in n for n in notes)
    from grenimja.model.own_kmers import OwnTargetKmers

    t.own = OwnTargetKmers.fit(t._y, t.genes, k=6, windows={g: "ACGTACGGATAAGT" * 20 for g in t.genes})
    t.own_weight = 1.0
    assert any("own-target k-mer part" in n for n in model_notes(b))


def test_smoothing_lets_a_query_inherit_its_homolog_s_partners_targets():
    # D looks like A only; A's partner C also regulates g7, which A does not
    plain, smoothed = _three(), _three(smooth=0.5, ease_lambda=0.1)
    for t in (plain, smoothed):
        t._ident_cache["D"] = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    p, s = plain.interaction(["D"], plain.genes)[0], smoothed.interaction(["D"], plain.genes)[0]
    assert p[6] == 0 and s[6] > 0.1  # g7: inherited through C
    assert s[3:6].max() < s[6] and s[:3].min() > s[6]  # A's own targets stay on top, B's stay low
    y = np.zeros((3, 7))
    y[plain.pos_tf, plain.pos_gene] = 1
    assert np.allclose(smoothed.targets(), 0.5 * y + 0.5 * smoothed.ease_weights().T @ y, atol=1e-6)
    assert np.allclose(smoothed.interaction(["D"], plain.genes, smooth=0.0), p[None])
    back = HomologyTransfer.from_payload(smoothed.to_payload())
    back._ident_cache["D"] = smoothed._ident_cache["D"]
    assert back.smooth == 0.5 and np.allclose(back.interaction(["D"], plain.genes)[0], s)
    with pytest.raises(ValueError, match="smooth"):
        _three(smooth=1.5)


def test_a_new_ridge_on_a_live_term_gives_that_ridge_s_weights_and_smoothing():
    live, fresh = _three(smooth=0.5, ease_lambda=0.1), _three(smooth=0.5, ease_lambda=5.0)
    before = live.targets().copy()
    live.ease_lambda = 5.0  # after the first use: the cached matrices must not be served for the new ridge
    assert np.allclose(live.ease_weights(), fresh.ease_weights())
    assert np.allclose(live.targets(), fresh.targets()) and not np.allclose(live.targets(), before)


def _scales() -> HomologyTransfer:
    # A regulates g2..g5, B regulates g3, g4, g6; query qa leans on A (4 targets), qb on B (3 targets)
    t = HomologyTransfer(
        tfs=["A", "B"],
        proteins=[A, B],
        genes=[f"g{i}" for i in range(1, 7)],
        pos_tf=np.array([0, 0, 0, 0, 1, 1, 1]),
        pos_gene=np.array([1, 2, 3, 4, 2, 3, 5]),
        power=1.0,
        centre=False,
    )
    t._ident_cache["qa"] = np.array([0.5, 0.2], dtype=np.float32)
    t._ident_cache["qb"] = np.array([0.3, 0.6], dtype=np.float32)
    return t


def test_lift_is_the_log_of_each_query_s_share_over_its_mean_share_and_keeps_its_ranking():
    from grenimja.model.transfer import LIFT_FLOOR

    t = _scales()
    share = t.interaction(["qa", "qb"], t.genes)
    lifted = t.interaction(["qa", "qb"], t.genes, lift=True)
    # ln("times the homologs' average gene"); a gene no homolog regulates (g1) gets ln of the floor
    assert np.allclose(lifted, np.log(share / share.mean(axis=1, keepdims=True) + LIFT_FLOOR))
    assert np.allclose(lifted[:, 0], np.log(LIFT_FLOOR)) and (lifted[:, 1:] > np.log(LIFT_FLOOR)).all()
    for r in range(2):  # monotone per query: its own ranking is the share's
        assert (np.argsort(lifted[r], kind="stable") == np.argsort(share[r], kind="stable")).all()
    # genes outside the training genes get no term; the mean is over all training genes whatever is asked
    part = t.interaction(["qa"], ["g3", "nope"], lift=True)[0]
    assert part[1] == 0 and part[0] == pytest.approx(lifted[0, 2])
    # smoothed targets: the mean share is over the smoothed targets, each smoothing's rates kept apart
    smooth = t.interaction(["qa"], t.genes, smooth=0.5, lift=False)
    assert np.allclose(
        t.interaction(["qa"], t.genes, smooth=0.5, lift=True),
        np.log(np.maximum(smooth, 0) / smooth.mean(axis=1, keepdims=True) + LIFT_FLOOR),
    )
    assert np.allclose(t.target_rates(0.5), t.targets(0.5).mean(axis=1)) and t.target_rates(
        0.5
    ) is t.target_rates(0.5)
    assert not np.allclose(t.target_rates(0.5), t.target_rates(0.0))
    # another floor (for studying it) is the same formula with that floor
    assert np.allclose(
        t.interaction(["qa", "qb"], t.genes, lift=True, floor=0.3),
        np.log(share / share.mean(axis=1, keepdims=True) + 0.3),
    )
    t.lift = True
    back = HomologyTransfer.from_payload(t.to_payload())
    assert back.lift and np.allclose(back.interaction([A], t.genes), t.interaction([A], t.genes))
    old = t.to_payload()
    del old["lift"]  # a file written before the option: the share itself
    assert HomologyTransfer.from_payload(old).lift is False
    # the centred term is no share: it has no ratio
    with pytest.raises(ValueError, match="centre False"):
        t.interaction(["qa"], t.genes, centre=True)
    with pytest.raises(ValueError, match="centre False"):
        _transfer(lift=True)


def test_grid_picks_the_lift_when_it_ranks_targets_above_non_targets_across_tfs():
    t = _scales()
    # per query one target and one non-target, each query's target above its own non-target; on the
    # share's scale qb's target (0.67) is below qa's non-target (0.71), after the lift it is above
    f = pd.DataFrame(
        {
            "tf": ["qa", "qa", "qb", "qb"],
            "tf_i": [0, 0, 1, 1],
            "gene_i": [2, 1, 5, 1],
            "label": [1, 0, 1, 0],
            "logit": [0.0] * 4,
        }
    )
    chosen, grid = choose_transfer(
        {"paper": f, "degree-matched": f},
        t,
        ["qa", "qb"],
        t.genes,
        powers=(1.0,),
        weights=(1.0,),
        centres=(False,),
        lifts=(False, True),
    )
    by = grid.set_index("lift")
    assert by.loc[False, "paper_auroc"] == 0.75 and by.loc[True, "paper_auroc"] == 1.0
    assert by["paper_per_tf_auroc"].eq(1.0).all()  # no TF's own ranking moved
    assert chosen.lift is True


def test_keep_re_weighs_the_carried_term_by_one_factor_against_a_retrained_network(
    transfer_model, tiny_model_dir, small_dataset, tmp_path
):
    from grenimja.model.io import load_model
    from grenimja.model.transfer import KEEP_FACTORS, add_transfer

    src, _, meta = transfer_model
    # a "retrained" network: the same file with its head's last layer doubled, so the term's weight must move
    payload = torch.load(src, weights_only=True)
    last = [k for k in payload["state_dict"] if k.endswith("weight")][-1]
    payload["state_dict"][last] = payload["state_dict"][last] * 2
    retrained = tmp_path / "retrained.pt"
    torch.save(payload, retrained)
    out, grid = tmp_path / "kept.pt", tmp_path / "kept.csv"
    kept = add_transfer(
        str(retrained),
        str(tiny_model_dir / "embeddings.npz"),
        str(small_dataset),
        "unknown",
        str(out),
        str(grid),
        shape="keep",
    )
    g = pd.read_csv(grid)
    assert list(g["term_factor"]) == list(KEEP_FACTORS)
    f = kept["reweighed"]["factor"]
    assert f == g.loc[g["criterion"].round(10).idxmax(), "term_factor"]
    # the shape is the carried one; every weight is the old one times the factor
    for key in ("power", "smooth", "lift", "identity", "centre"):
        assert kept[key] == meta[key]
    assert kept["weight"] == pytest.approx(meta["weight"] * f)
    assert kept["reweighed"]["weights_before"]["weight"] == meta["weight"]
    model, m = load_model(out, tiny_model_dir / "embeddings.npz")
    assert model.transfer.weight == pytest.approx(meta["weight"] * f)
    assert model.transfer.kmer_weight == pytest.approx(kept["reweighed"]["weights_before"]["kmer_weight"] * f)
    assert torch.equal(model.state_dict()[last], payload["state_dict"][last])  # the new network is kept
    assert m["calibration"] == kept["calibration"]


def test_keep_refuses_a_model_file_without_a_term(tiny_model_dir, small_dataset, tmp_path):
    from grenimja.model.transfer import add_transfer

    with pytest.raises(ValueError, match="carries none"):
        add_transfer(
            str(tiny_model_dir / "unknown.pt"),
            str(tiny_model_dir / "embeddings.npz"),
            str(small_dataset),
            "unknown",
            str(tmp_path / "x.pt"),
            shape="keep",
        )


def test_the_popularity_part_is_the_standardised_degree_and_leaves_tf_specificity_alone(tmp_path):
    t = _transfer(power=4.0, weight=2.0, centre=False)
    # degrees g1..g4: 1/2, 2/2, 1/2, 0 -> mean 1/2, sd sqrt(1/8); a gene outside the training genes is average
    z = t.popularity(["g1", "g2", "g3", "g4", "new", None])
    assert np.allclose(z, [0.0, np.sqrt(2), 0.0, -np.sqrt(2), 0.0, 0.0])
    genes = ["g1", "g2", "g3", "g4"]
    before = t.logits([A, B], genes)
    t.popularity_weight = -0.5
    after = t.logits([A, B], genes)
    assert np.allclose(after - before, -0.5 * z[None, :4])  # the same shift for every TF: a gene bias
    # so each gene's TF-specificity (its logit less its mean over the TFs) does not move
    assert np.allclose(after - after.mean(axis=0), before - before.mean(axis=0))
    ti, gi = np.array([0, 1, 1]), np.array([1, 3, 0])
    assert np.allclose(t.pair_logits([A, B], genes, None, ti, gi), after[ti, gi])
    path = tmp_path / "t.pt"
    torch.save(t.to_payload(), path)
    assert HomologyTransfer.from_payload(torch.load(path, weights_only=True)).popularity_weight == -0.5
    old = t.to_payload()
    del old["popularity_weight"]  # a file written before the part has none
    assert HomologyTransfer.from_payload(old).popularity_weight == 0.0


def test_popularity_weight_takes_popularity_out_where_it_only_blurs_a_tf_s_ranking():
    from grenimja.model.transfer import choose_popularity_weight

    t = _transfer(weight=0.0)
    genes = ["g1", "g2", "g3", "g4"]
    # degree-matched: the TF's target g4 (regulated by no training TF) scores below the popular non-target
    # g2 on popularity alone; paper: the popular target g2 far above the unpopular non-target g4
    dm = pd.DataFrame(
        {"tf": ["q", "q"], "tf_i": [0, 0], "gene_i": [3, 1], "label": [1, 0], "logit": [1.0, 1.5]}
    )
    paper = pd.DataFrame(
        {"tf": ["q", "q"], "tf_i": [0, 0], "gene_i": [1, 3], "label": [1, 0], "logit": [2.0, 0.0]}
    )
    weight, grid = choose_popularity_weight({"paper": paper, "degree-matched": dm}, t, [A], genes, None)
    by = grid.set_index("popularity_factor")
    assert by.loc[0.0, "dm_auroc"] == 0.0 and by.loc[-0.25, "dm_auroc"] == 1.0
    assert by.loc[-1.0, "paper_auroc"] == 0.0  # taken out too far, the paper protocol's ranking flips
    assert by.loc[0.25, "dm_auroc"] == 0.0
    # -0.25 is the smallest factor that ranks both protocols right: the first of the best in grid order
    assert weight == -0.25 and t.popularity_weight == 0.0


def test_keep_with_popularity_chooses_the_gene_bias_last_and_the_file_carries_it(
    transfer_model, tiny_model_dir, small_dataset, tmp_path
):
    from grenimja.model.io import load_model
    from grenimja.model.transfer import POPULARITY_FACTORS, add_transfer

    src, _, meta = transfer_model
    out, grid = tmp_path / "pop.pt", tmp_path / "pop.csv"
    rec = add_transfer(
        str(src),
        str(tiny_model_dir / "embeddings.npz"),
        str(small_dataset),
        "unknown",
        str(out),
        str(grid),
        shape="keep",
        popularity=True,
    )
    g = pd.read_csv(tmp_path / "pop_popularity.csv")
    assert list(g["popularity_factor"]) == list(POPULARITY_FACTORS)
    best = g.loc[g["criterion"].round(10).idxmax()]
    pop = rec["popularity"]
    assert pop["factor"] == best["popularity_factor"]
    assert pop["weight"] == pytest.approx(best["popularity_factor"] * rec["weight"])
    # the record's score is the popularity grid's chosen row, and "without" is the re-weighed term's
    assert rec["valid_with_term"]["dm_per_tf_auroc"] == pytest.approx(best["dm_per_tf_auroc"], abs=1e-4)
    kept = pd.read_csv(grid)
    assert pop["valid_without"]["paper_auroc"] == pytest.approx(
        kept["paper_auroc"].iloc[kept["criterion"].round(10).idxmax()], abs=1e-4
    )
    model, m = load_model(out, tiny_model_dir / "embeddings.npz")
    assert model.transfer.popularity_weight == pytest.approx(pop["weight"])
    assert m["transfer"]["popularity"] == pop
    # a second keep run on that file keeps the first run's re-weighing in its record's history
    again = add_transfer(
        str(out), str(tiny_model_dir / "embeddings.npz"), str(small_dataset), "unknown", str(tmp_path / "again.pt"),
        shape="keep",
    )  # fmt: skip
    assert again["reweighed"]["earlier"] == rec["reweighed"]
    assert again["reweighed"]["weights_before"]["popularity_weight"] == pytest.approx(pop["weight"])
