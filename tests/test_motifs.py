"""Motif-transfer part of the transfer term: donor choice, scores, model-file round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grenimja.baselines.pwmscan import pfm_to_pwm
from grenimja.errors import ModelFileError
from grenimja.model.motifs import MotifTransferPart
from grenimja.model.transfer import HomologyTransfer

AA = list("ACDEFGHIKLMNPQRSTVWY")


def _motif(seq: str) -> np.ndarray:
    counts = np.zeros((len(seq), 4))
    counts[np.arange(len(seq)), ["ACGT".index(c) for c in seq]] = 20
    return pfm_to_pwm(counts)


@pytest.fixture
def part():
    rng = np.random.default_rng(0)
    a = "".join(rng.choice(AA, 80))
    b = a[:60] + "".join(rng.choice(AA, 20))  # 75% identical to a
    c = "".join(rng.choice(AA, 80))  # unrelated
    p = MotifTransferPart(
        donor_tfs=["A", "B", "C"],
        donor_proteins=[a, b, c],
        matrices=[[_motif("GATTACAGG")], [_motif("CCGGAAGTG")], [_motif("TTTTTTTTT")]],
        n_background=1000,
        length=40,
    )
    windows = {f"g{i}": "".join(rng.choice(list("ACGT"), 40)) for i in range(20)}
    windows["g3"] = windows["g3"][:10] + "CCGGAAGTG" + windows["g3"][19:]  # B's site
    windows["g7"] = windows["g7"][:20] + "GATTACAGG" + windows["g7"][29:]  # A's site
    p._windows = windows
    return p, a, b


def test_a_query_borrows_its_closest_other_tf_s_motif_and_never_its_own(part):
    p, a, b = part
    assert p.donor(a) == 1 and p.donor(b) == 0  # A's protein is B's closest homolog and vice versa
    genes = [f"g{i}" for i in range(20)] + ["not_a_catalogue_gene", None]
    s = p.scores([a, b], genes)
    assert s.shape == (2, 22)
    assert s[0, 3] == s[0].max() > 2 and s[1, 7] == s[1].max() > 2  # A reads B's site, B reads A's
    assert (s[:, -2:] == 0).all()  # no window, no score


def test_several_donors_vote_by_identity_to_the_power_and_never_the_query_itself(part):
    p, a, b = part
    genes = list(p._windows)
    two = p.variant(2, "best")
    order, votes = two.donors(a)
    assert list(order) == [1, 2]  # B, then the unrelated C; A itself never
    assert np.isclose(votes.sum(), 1.0) and votes[0] > 0.99  # identity ** 8: the close homolog dominates
    single = [p.variant(1, "best").scores([a], genes)[0]]
    c_alone = np.array([p._gene_scores(2)[g] for g in genes])
    assert np.allclose(two.scores([a], genes)[0], votes[0] * single[0] + votes[1] * c_alone)
    q = MotifTransferPart.from_payload(two.to_payload())
    assert q.n_donors == 2 and q.donor_power == p.donor_power
    occ = p.variant(1, "occupancy")
    assert MotifTransferPart.from_payload(occ.to_payload()).statistic == "occupancy"
    assert occ.scores([a], genes)[0, 3] == occ.scores([a], genes)[0].max() > 2  # B's site still tops A's list
    with pytest.raises(ModelFileError, match="motif statistic"):
        MotifTransferPart.from_payload(occ.to_payload() | {"statistic": "mean"})


def test_scoring_a_few_genes_scans_only_their_windows_and_gives_the_full_scan_s_values(part):
    p, a, b = part
    genes = list(p._windows)
    few = MotifTransferPart.from_payload(p.to_payload())
    few._windows = p._windows
    s_few = few.scores([a], ["g3", "g7", None])
    assert set(few._score_cache[(few.donor(a), "best")]) == {"g3", "g7"}  # nothing else was scanned
    full = p.scores([a], genes)
    assert s_few[0, 0] == full[0, 3] and s_few[0, 1] == full[0, 7] and s_few[0, 2] == 0.0


def test_the_motif_part_round_trips_through_a_weights_only_model_file(part, tmp_path):
    p, a, b = part
    torch.save({"motifs": p.to_payload()}, tmp_path / "m.pt")
    q = MotifTransferPart.from_payload(torch.load(tmp_path / "m.pt", weights_only=True)["motifs"])
    q._windows = p._windows
    genes = list(p._windows)
    assert np.allclose(p.scores([a, b], genes), q.scores([a, b], genes))
    bad = p.to_payload() | {"matrices_per_donor": torch.tensor([1, 1], dtype=torch.int32)}
    with pytest.raises(ModelFileError, match="motif-transfer part"):
        MotifTransferPart.from_payload(bad)


def test_the_term_adds_its_weighted_motif_part_to_pair_and_matrix_logits(part):
    p, a, b = part
    genes = list(p._windows)
    term = HomologyTransfer(
        tfs=["T0"], proteins=[a], genes=genes, pos_tf=np.array([0]), pos_gene=np.array([0]), weight=0.0
    )
    tf_idx, gene_idx = np.array([0, 0, 1]), np.array([3, 7, 7])
    assert np.allclose(term.pair_logits([a, b], genes, None, tf_idx, gene_idx), 0.0)
    term.motifs, term.motif_weight = p, 2.0
    want = 2.0 * p.scores([a, b], genes)
    assert np.allclose(term.logits([a, b], genes), want)
    assert np.allclose(term.pair_logits([a, b], genes, None, tf_idx, gene_idx), want[tf_idx, gene_idx])
    back = HomologyTransfer.from_payload(term.to_payload())
    assert back.motif_weight == 2.0 and back.motifs is not None


def _frames(genes, scores, informative: bool):
    """Validation-like frames of 2 query TFs x 20 genes: targets are the genes with the best motif scores,
    or with the worst (the part would hurt)."""
    import pandas as pd

    rows = []
    for t in (0, 1):
        order = np.argsort(-scores[t] if informative else scores[t], kind="stable")
        for rank, g in enumerate(order):
            rows.append({"tf": f"Q{t}", "tf_i": t, "gene_i": int(g), "label": int(rank < 8), "logit": 0.0})
    f = pd.DataFrame(rows)
    return {"paper": f, "degree-matched": f.copy()}


@pytest.mark.parametrize("informative", [True, False])
def test_the_motif_weight_is_chosen_on_validation_and_left_at_0_when_it_does_not_help(part, informative):
    from grenimja.model.transfer import choose_motif_weight

    p, a, b = part
    genes = list(p._windows)
    term = HomologyTransfer(
        tfs=["T0"], proteins=[a], genes=genes, pos_tf=np.array([0]), pos_gene=np.array([0]), weight=4.0
    )
    term.motifs = p
    base = _frames(genes, p.scores([a, b], genes), informative)
    weight, grid = choose_motif_weight(base, term, [a, b], genes, list(p._windows.values()))
    assert list(grid["motif_factor"].unique()) == [0.0, 0.2, 0.4, 0.8, 1.6, 3.2]
    assert list(grid["motif_donors"].unique()) == [1, 3, 5]
    assert list(grid["motif_statistic"].unique()) == ["best", "occupancy"]
    assert term.motifs.n_donors in (1, 3, 5) and term.motifs.statistic in ("best", "occupancy")
    if informative:
        assert weight > 0 and grid["dm_per_tf_auroc"].max() > 0.9
    else:
        assert weight == 0.0  # the network's ties alone beat any share of a misleading part
