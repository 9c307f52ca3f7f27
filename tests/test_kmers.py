"""The promoter k-mer term: canonical k-mer counts, signatures of the training TFs' target promoters, their
place in the transfer term, the model file and the scoring paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from grenimja.errors import ModelFileError
from grenimja.model.kmers import PromoterKmers, canonical_columns, kmer_counts
from grenimja.model.transfer import HomologyTransfer, choose_kmer_weight

A = "MKRERTAYTRSQLLELEKEFHFNRYLTRRRRIEIAHALCLTERQIKIWFQNRRMKWKKEN"
B = "MSDEKRKKFSLEELAQRYGLSRSTVWRMVKEGRLPAPVKLGRRAYWDEEELDRWLESQKGG"
SITE = "GATAAG"


def test_counts_merge_reverse_complements_skip_non_bases_and_read_the_last_bases():
    col, n = canonical_columns(2)
    assert n == 10 and len(canonical_columns(6)[0]) == 4**6 and canonical_columns(6)[1] == 2080
    ac, cg, aa = col[0 * 4 + 1], col[1 * 4 + 2], col[0]
    assert col[2 * 4 + 3] == ac  # GT is AC's reverse complement
    m = np.expm1(kmer_counts(["ACGT", "TTTT", "ANAA", "", "ccccACGT"], 2, 4).toarray()).round(6)
    assert m[0, ac] == 2 and m[0, cg] == 1 and m[0].sum() == 3
    assert m[1, aa] == 3  # TT is AA on the other strand
    assert m[2].sum() == 1  # AN and NA are not counted
    assert m[3].sum() == 0
    assert np.array_equal(m[4], m[0])  # only the last 4 bases are read


def _planted(n_genes: int = 3000, seed: int = 0):
    """TF 0 regulates the promoters that carry SITE, TFs 1-39 a random fifth each; 60 bp promoters."""
    rng = np.random.default_rng(seed)
    promoters = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(n_genes)]
    carrier = rng.random(n_genes) < 0.3
    for i in np.flatnonzero(carrier):
        p = rng.integers(0, 54)
        promoters[i] = promoters[i][:p] + SITE + promoters[i][p + 6 :]
    y = (rng.random((40, n_genes)) < 0.2).astype(np.float32)
    y[0] = carrier
    return promoters, y, rng


def test_a_promoter_with_the_targets_site_scores_high_for_that_tf_only():
    promoters, y, rng = _planted()
    km = PromoterKmers.fit(y, promoters, k=6, length=60)
    fresh = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(50)]
    with_site = [f[:20] + SITE + f[26:] for f in fresh]
    s_with = km.scores(np.eye(40)[:2], with_site)
    s_without = km.scores(np.eye(40)[:2], fresh)
    assert s_with.shape == (2, 50)
    assert (s_with[0] - s_without[0]).mean() > 1.0  # unit scale: scores of the training genes have sd 1
    assert abs((s_with[1] - s_without[1]).mean()) < 0.5
    # a query halfway between the two TFs gets half of each signature
    half = km.scores(np.array([[0.5, 0.5] + [0] * 38]), with_site)[0]
    assert np.allclose(half, s_with.mean(axis=0), atol=1e-6)


def test_the_last_promoters_counts_are_reused_and_other_promoters_counted_afresh():
    promoters, y, _ = _planted(400)
    km = PromoterKmers.fit(y, promoters, k=6, length=60)
    first = km.counts(promoters)
    assert km.counts(list(promoters)) is first  # an equal list (a new scan of the catalogue): no recount
    changed = [SITE + p[6:] if i == 7 else p for i, p in enumerate(promoters)]
    again = km.counts(changed)
    assert again is not first and (again != kmer_counts(changed, 6, 60)).nnz == 0
    assert (km.counts(promoters) != first).nnz == 0
    s_changed, s_orig = km.scores(np.eye(40)[:1], changed)[0], km.scores(np.eye(40)[:1], promoters)[0]
    assert s_changed[7] > s_orig[7] and np.allclose(np.delete(s_changed, 7), np.delete(s_orig, 7))


def test_popularity_is_regressed_out_of_the_signatures():
    """Popular promoters carry CGCGCG and every TF regulates them more often: the k-mer says popularity,
    not which TF, so no TF's signature should favour it."""
    rng = np.random.default_rng(1)
    n = 3000
    promoters = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(n)]
    popular = rng.random(n) < 0.3
    for i in np.flatnonzero(popular):
        promoters[i] = promoters[i][:20] + "CGCGCG" + promoters[i][26:]
    y = (rng.random((20, n)) < np.where(popular, 0.5, 0.1)).astype(np.float32)
    km = PromoterKmers.fit(y, promoters, k=6, length=60)
    gap = km.scores(np.eye(20), [p for p, q in zip(promoters, popular, strict=True) if q]).mean(axis=1) - (
        km.scores(np.eye(20), [p for p, q in zip(promoters, popular, strict=True) if not q]).mean(axis=1)
    )
    x = kmer_counts(promoters, 6, 60).toarray()
    raw = np.corrcoef(
        x[:, canonical_columns(6)[0][int("".join("0123"["ACGT".index(c)] for c in "CGCGCG"), 4)]], y[0]
    )
    assert raw[0, 1] > 0.3  # the confound is there: the site goes with being a target
    assert np.abs(gap).max() < 0.3  # and no TF's signature rewards it once popularity is regressed out


def _term(kmers: PromoterKmers | None, kmer_weight: float = 1.0) -> HomologyTransfer:
    return HomologyTransfer(
        tfs=["A", "B"],
        proteins=[A, B],
        genes=["g1", "g2"],
        pos_tf=np.array([0, 1]),
        pos_gene=np.array([0, 1]),
        power=8.0,
        centre=False,
        kmers=kmers,
        kmer_weight=kmer_weight,
    )


def test_the_term_adds_the_weighted_k_mer_score_also_for_a_promoter_of_no_gene(tmp_path):
    promoters, y, _ = _planted()
    t = _term(PromoterKmers.fit(y[:2], promoters, k=6, length=60), kmer_weight=2.0)
    seqs = [promoters[0], promoters[1]]
    without = t.logits([A], ["g1", None])
    with_seq = t.logits([A], ["g1", None], seqs)
    expected = 2.0 * t.kmers.scores(t.weights([A]), seqs)
    assert np.allclose(with_seq - without, expected) and np.abs(expected).max() > 0
    assert without[0, 1] == 0 and with_seq[0, 1] != 0  # a promoter of no gene: the k-mer part only
    pair = t.pair_sequence_interaction([A, B], seqs, np.array([1, 0, 0]), np.array([0, 1, 0]))
    full = t.sequence_interaction([A, B], seqs)
    assert np.allclose(pair, [full[1, 0], full[0, 1], full[0, 0]])
    # the model file carries it and loads it back without pickle
    torch.save({"transfer": t.to_payload()}, tmp_path / "m.pt")
    back = HomologyTransfer.from_payload(torch.load(tmp_path / "m.pt", weights_only=True)["transfer"])
    assert back.kmer_weight == 2.0 and np.allclose(back.logits([A], ["g1", None], seqs), with_seq, atol=1e-4)
    # a term without it (files written before it) adds nothing for sequences
    old = t.to_payload()
    del old["kmers"], old["kmer_weight"]
    legacy = HomologyTransfer.from_payload(old)
    assert legacy.kmers is None and np.array_equal(legacy.logits([A], ["g1", None], seqs), without)


def test_a_k_mer_term_of_the_wrong_shape_is_named():
    promoters, y, _ = _planted()
    d = _term(PromoterKmers.fit(y[:2], promoters, k=6, length=60)).to_payload()
    d["kmers"]["signature"] = d["kmers"]["signature"][:, :1]
    with pytest.raises(ModelFileError, match=r"k-mer term has signatures of shape \(2080, 1\); expected"):
        HomologyTransfer.from_payload(d, "m.pt")


def test_the_k_mer_weight_is_chosen_on_validation_and_left_at_0_when_it_does_not_help():
    promoters, y, _ = _planted(3000)
    train = np.arange(3000) < 2000
    kept = [p for p, k in zip(promoters, train, strict=True) if k]
    km = PromoterKmers.fit(y[:2, train], kept, k=6, length=60)
    t = _term(km)
    t.weight = 0.0  # the gene-keyed part plays no role here
    genes = [f"x{i}" for i in range(3000)]
    # validation pairs of TF A (protein A, row 0 of the TF table): held-out genes, labelled by the site
    held = np.flatnonzero(~train)
    f = pd.DataFrame({"tf": "A", "tf_i": 0, "gene_i": held, "label": y[0, held].astype(int), "logit": 0.0})
    base = {"paper": f, "degree-matched": f.copy()}
    w, grid = choose_kmer_weight(base, t, [A, B], genes, promoters)
    assert w > 0 and grid.loc[grid["kmer_weight"] == w, "dm_per_tf_auroc"].iloc[0] > 0.8
    assert list(base["paper"].columns) == ["tf", "tf_i", "gene_i", "label", "logit"]  # frames left as given
    constant = f.assign(logit=np.where(f["label"] == 1, 1.0, -1.0))  # already perfect: k-mers cannot help
    w3, _ = choose_kmer_weight(
        {"paper": constant, "degree-matched": constant.copy()}, t, [A, B], genes, promoters
    )
    assert w3 == 0.0
