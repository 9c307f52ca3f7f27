"""The own-target k-mer part: a known TF's own training targets' 300 bp window k-mers, its place in the
transfer term, the model file, and its weight chosen on validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from grenimja.errors import ModelFileError
from grenimja.model.own_kmers import OWN_KMER_LENGTH, OwnTargetKmers
from grenimja.model.transfer import HomologyTransfer, choose_own_weight

A = "MKRERTAYTRSQLLELEKEFHFNRYLTRRRRIEIAHALCLTERQIKIWFQNRRMKWKKEN"
B = "MSDEKRKKFSLEELAQRYGLSRSTVWRMVKEGRLPAPVKLGRRAYWDEEELDRWLESQKGG"
UNSEEN = "MAAAPGSRRSLLQEHLQSLAHNLKRQRYSEAEHKELLQAFLPEDEMWNSLSLSSPEGSA"
SITE = "GATAAGT"


def _planted(n_genes: int = 2000, seed: int = 0):
    """300 bp windows of genes x0..; TF A regulates those that carry SITE, TF B and 18 others a random fifth
    each (enough TFs that taking popularity out within degree strata leaves B's signature free of A's)."""
    rng = np.random.default_rng(seed)
    windows = {f"x{i}": "".join(rng.choice(list("ACGT"), OWN_KMER_LENGTH)) for i in range(n_genes)}
    carrier = rng.random(n_genes) < 0.3
    for i in np.flatnonzero(carrier):
        w, p = windows[f"x{i}"], int(rng.integers(0, OWN_KMER_LENGTH - 7))
        windows[f"x{i}"] = w[:p] + SITE + w[p + 7 :]
    y = np.vstack([carrier, rng.random((19, n_genes)) < 0.2]).astype(np.float32)
    return windows, y


def _term(genes: list[str], y: np.ndarray) -> HomologyTransfer:
    tf, gene = np.nonzero(y)
    others = [f"T{i}" for i in range(len(y) - 2)]
    return HomologyTransfer(
        tfs=["A", "B", *others],
        proteins=[
            A,
            B,
            *(
                B[:-2] + f"{i:02d}".translate(str.maketrans("0123456789", "ACDEFGHIKL"))
                for i in range(len(others))
            ),
        ],
        genes=genes,
        pos_tf=tf,
        pos_gene=gene,
        centre=False,
        weight=0.0,
    )


def test_a_known_tf_scores_windows_with_its_own_targets_site_and_other_queries_get_nothing():
    windows, y = _planted()
    genes = list(windows)
    fresh = _planted(60, seed=5)[0]
    plain = {f"new{i}": w for i, w in enumerate(fresh.values())}
    sited = {f"site{i}": w[:100] + SITE + w[107:] for i, w in enumerate(fresh.values())}
    own = OwnTargetKmers.fit(y, genes, k=7, windows=windows | plain | sited)
    assert own.kmers.signature.dtype == np.float16 and own.kmers.length == OWN_KMER_LENGTH
    s = own.scores(np.array([0, 1, -1]), list(sited) + list(plain) + ["no window", None])
    gap = s[:, :60].mean(axis=1) - s[:, 60:120].mean(axis=1)
    assert gap[0] > 0.4  # TF A's own targets carry the site (one 7-mer of ~290 per window; unit sd)
    assert abs(gap[1]) < 0.2  # TF B's do not (-0.07 here)
    assert (s[2] == 0).all()  # a query that is no training TF
    assert (s[:, 120:] == 0).all()  # a gene without a window, or none


def test_the_term_adds_the_weighted_own_part_for_a_training_tf_and_the_file_keeps_it_exactly(tmp_path):
    windows, y = _planted()
    genes = list(windows)
    t = _term(genes, y)
    t.own, t.own_weight = OwnTargetKmers.fit(y, genes, k=7, windows=windows), 3.0
    assert list(t.own_rows([B, UNSEEN, A])) == [1, -1, 0]
    z = t.logits([A, UNSEEN], genes[:50])
    assert np.allclose(z[0], 3.0 * t.own.scores(np.array([0]), genes[:50])[0]) and np.abs(z[0]).max() > 0
    assert (z[1] == 0).all()
    pair = t.pair_logits([A, B], genes, None, np.array([1, 0, 0]), np.array([3, 4, 3]))
    full = t.logits([A, B], genes[:5])
    assert np.allclose(pair, [full[1, 3], full[0, 4], full[0, 3]])
    torch.save({"transfer": t.to_payload()}, tmp_path / "m.pt")
    d = torch.load(tmp_path / "m.pt", weights_only=True)["transfer"]
    assert d["own_kmers"]["signature"].dtype == torch.float16  # half the bytes of a float32 signature
    back = HomologyTransfer.from_payload(d)
    back.own._windows = windows  # the catalogue's windows are not these test genes'
    assert back.own_weight == 3.0 and np.array_equal(back.logits([A, UNSEEN], genes[:50]), z)
    # a file written before the part loads without it
    del d["own_kmers"], d["own_kmer_weight"]
    legacy = HomologyTransfer.from_payload(d)
    assert legacy.own is None and (legacy.logits([A], genes[:5]) == 0).all()


def test_an_own_part_of_another_window_length_is_named():
    windows, y = _planted(300)
    d = OwnTargetKmers.fit(y, list(windows), k=6, windows=windows).to_payload()
    d["length"] = 60
    with pytest.raises(ModelFileError, match="own-target k-mer part reads 60 bp"):
        OwnTargetKmers.from_payload(d, 20, "m.pt")


def test_the_own_weight_is_chosen_on_validation_and_left_at_0_where_no_query_is_a_training_tf():
    windows, y = _planted(3000)
    genes = list(windows)
    train = np.arange(3000) < 2000
    t = _term(genes, np.where(train[None, :], y, 0.0))
    held = np.flatnonzero(~train)
    f = pd.DataFrame({"tf": "A", "tf_i": 0, "gene_i": held, "label": y[0, held].astype(int), "logit": 0.0})
    w, grid = choose_own_weight(
        {"paper": f, "degree-matched": f.copy()}, t, [A, UNSEEN], genes, [], windows=windows
    )
    assert w > 0 and t.own is not None and set(grid["own_k"]) == {6, 7}
    assert grid.loc[grid["own_weight"] == w, "dm_per_tf_auroc"].max() > 0.8
    # the same pairs asked of a TF that is no training TF (an unknown-split validation TF): the part is 0
    g = f.assign(tf="U", tf_i=1)
    w0, grid0 = choose_own_weight(
        {"paper": g, "degree-matched": g.copy()}, t, [A, UNSEEN], genes, [], windows=windows
    )
    assert (
        w0 == 0.0 and t.own is None and (grid0["dm_per_tf_auroc"] == grid0["dm_per_tf_auroc"].iloc[0]).all()
    )
