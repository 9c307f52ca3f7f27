"""Filter-motif analysis, PROSITE / Tomtom, DNA top-2, BLAST neighbour homology, MEME input."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from grenimja.embedding import onehot_embeddings
from grenimja.interpret.blast import blast_identity, neighbour_homology
from grenimja.interpret.filters import DNA, dna_top2, filter_ppms, logo_png, logo_stacks, tomtom_matches
from grenimja.interpret.meme import read_meme_protein
from grenimja.interpret.prosite import AA, pattern_to_ppm, read_prosite
from grenimja.model.network import SeqEncoder

from .conftest import REPO, open_page

needs_blast = pytest.mark.skipif(
    not shutil.which("blastp"), reason="ncbi-blast+ not installed (.ci/run installs it)"
)


def test_prosite_pattern_to_ppm():
    ppm = pattern_to_ppm("C.[DN].{2}[^P]H")
    assert ppm.shape == (20, 7)
    assert ppm[AA.index("C"), 0] == 1.0
    assert np.isclose(ppm[:, 1], 1 / 20).all()
    assert ppm[AA.index("D"), 2] == ppm[AA.index("N"), 2] == 0.5
    assert ppm[AA.index("P"), 5] == 0 and np.isclose(ppm[:, 5].sum(), 1)
    assert np.allclose(ppm.sum(axis=0), 1)


def test_planted_motif_is_recovered_by_the_filter_analysis():
    emb = onehot_embeddings()
    enc = SeqEncoder(
        emb.protein_vectors, 60, kernel=5, channels=2, stride=1, pool=1, min_grid=1, dropout=0, common=2
    )
    motif = "CWHKC"
    with torch.no_grad():
        enc.conv.weight.zero_()
        enc.conv.bias.fill_(-4.0)
        for j, aa in enumerate(motif):
            enc.conv.weight[0, AA.index(aa), j] = 1.0  # filter 0 fires only on the full motif
    rng = np.random.default_rng(0)
    seqs = []
    for i in range(60):
        s = "".join(rng.choice(list("ADEFGILMNPQRSTVY"), 60))
        if i % 2 == 0:
            p = int(rng.integers(0, 55))
            s = s[:p] + motif + s[p + 5 :]
        seqs.append(s)
    tok = emb.protein_vocab.encode(seqs, 60, "left")
    ppms, n = filter_ppms(enc, tok, seqs, k=1, alphabet=AA, length=60)
    assert n[0] == 30
    assert "".join(AA[i] for i in ppms[0].argmax(axis=0)) == motif
    assert np.allclose(ppms[0].max(axis=0), 1.0)


def test_tomtom_finds_a_prosite_pattern_inserted_into_a_pwm(data_dir):
    pros = read_prosite(data_dir)
    hit = (
        pros[pros["id"] == "ZINC_FINGER_C2H2_1"].iloc[0]
        if (pros["id"] == "ZINC_FINGER_C2H2_1").any()
        else pros.iloc[100]
    )
    rng = np.random.default_rng(1)
    flank = rng.dirichlet(np.ones(20), size=4).T
    query = np.hstack([flank, hit["ppm"], flank])
    res = tomtom_matches([query], pros, np.array([10]))
    assert res.iloc[0]["prosite_id"] == hit["id"]
    assert res.iloc[0]["q_value"] < 0.05 and res.iloc[0]["significant"]


def test_dna_top2_tallies_the_two_main_bases_per_filter():
    at = np.array([[0.5, 0.4], [0.0, 0.1], [0.0, 0.0], [0.5, 0.5]])  # A, T dominate
    gc = np.array([[0.0, 0.1], [0.5, 0.4], [0.5, 0.5], [0.0, 0.0]])
    df = dna_top2([at, gc, gc, at * 0], np.array([5, 3, 2, 0]))
    assert dict(zip(df["pair"], df["filters"], strict=True)) == {"CG": 2, "AT": 1}


@needs_blast
def test_logo_stacks_letters_by_information_largest_on_top_and_draws_a_png():
    ppm = np.array(
        [
            [1.0, 0.25, 0.5],  # A
            [0.0, 0.25, 0.0],  # C
            [0.0, 0.25, 0.5],  # G
            [0.0, 0.25, 0.0],  # T
        ]
    )
    stacks = logo_stacks(ppm, DNA)
    # a certain base is one 2-bit letter; a uniform column is empty; two equal halves are 0.5 bit each
    assert [s[:2] for s in stacks] == [(0, "A"), (2, "A"), (2, "G")]
    assert stacks[0][2:] == pytest.approx((0.0, 2.0), abs=1e-3)
    assert stacks[1][2:] == pytest.approx((0.0, 0.5), abs=1e-3)
    assert stacks[2][2:] == pytest.approx((0.5, 1.0), abs=1e-3)
    skewed = np.array([[0.1], [0.2], [0.3], [0.4]])
    letters = [s[1] for s in logo_stacks(skewed, DNA)]
    assert letters == ["A", "C", "G", "T"]  # bottom to top: the most probable base on top
    png = logo_png(ppm, DNA, "test")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width == 400  # 4 in (the minimum) at 100 dpi


def test_blast_flags_homologous_latent_neighbours(data_dir):
    from grenimja.data.names import load_mapper
    from grenimja.data.sequences import read_tf_proteins

    p = read_tf_proteins("full", load_mapper(data_dir), data_dir)[0].set_index("tf")["protein"]
    names = ["FOXA1", "FOXA2", "MAX", "SOX2"]
    seqs = [p[n] for n in names]
    hits = blast_identity({"FOXA1": p["FOXA1"]}, {"FOXA2": p["FOXA2"], "MAX": p["MAX"]}, evalue=1e-5)
    assert hits["subject"].tolist() == ["FOXA2"] and hits["pident"].iloc[0] > 50
    vecs = np.array([[0.0, 0], [0.1, 0], [5, 5], [9, 0]])  # FOXA1's nearest neighbour is FOXA2
    nb = neighbour_homology(names, seqs, vecs, k=1)
    row = nb[nb.tf == "FOXA1"].iloc[0]
    assert row["neighbour"] == "FOXA2" and row["homologous"]
    assert not nb[nb.tf == "MAX"].iloc[0]["homologous"]
    # background: of FOXA1's 3 other TFs only FOXA2 is a homolog; MAX has none among them
    assert row["background"] == pytest.approx(1 / 3)
    assert nb[nb.tf == "MAX"].iloc[0]["background"] == 0


def test_meme_protein_database_is_read(tmp_path):
    rows = "\n".join(" ".join("1.0" if a == c else "0.0" for a in AA) for c in "CWHKC")
    (tmp_path / "m.meme").write_text(
        f"MEME version 4\n\nALPHABET= {AA}\n\nMOTIF ZF1 zinc\nletter-probability matrix: "
        f"alength= 20 w= 5\n{rows}\n"
    )
    df = read_meme_protein(tmp_path / "m.meme")
    assert df["id"].tolist() == ["ZF1"] and df["ppm"].iloc[0].shape == (20, 5)
    assert df["ppm"].iloc[0][AA.index("W"), 1] == 1.0


@needs_blast
@pytest.mark.skipif(not (REPO / "models" / "unknown.pt").is_file(), reason="no bundled model")
def test_motifs_page_shows_prosite_table_dna_pairs_and_neighbours():
    at = open_page("views/motifs.py", timeout=600)
    at.slider[0].set_value(5).run()
    at.button(key="go_prot").click().run()
    assert not at.exception, [e.value for e in at.exception]
    matches = at.dataframe[1].value
    assert len(matches) == 5  # best match of each of the 5 most active filters
    # one sequence logo, of the filter picked from the table (the best match first), redrawn on another pick
    pick = at.selectbox(key="logo_filter")
    assert len(pick.options) == 5 and pick.options[0].startswith(f"filter {matches['filter'][0]}: best match")
    assert pick.value == matches["filter"][0]
    first = at.get("image")[0].value[0]
    pick.set_value(int(matches["filter"][1])).run()
    assert len(at.get("image")) == 1 and at.get("image")[0].value[0] != first
    at.button(key="go_dna").click().run()
    at.button(key="go_nb").click().run()
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(m.value for m in at.markdown)
    assert "nearest TFs in latent space are BLAST homologs" in text
    assert "Two most frequent bases" in text
