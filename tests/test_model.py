"""Network maths, caching, checkpoints and resumable training."""

from __future__ import annotations

import pickle
import shutil

import numpy as np
import pytest
import torch

from grenimja.dataset import load_dataset
from grenimja.embedding import Embeddings, onehot_embeddings
from grenimja.errors import ModelFileError
from grenimja.metrics import binary_metrics
from grenimja.model.io import load_model, save_model
from grenimja.model.lstm2d import LSTM2D
from grenimja.model.network import GReNIMJA, cpu_config
from grenimja.predict import compiled_head, scan_tf, score_cached, score_per_pair, tokens_for
from grenimja.tokenize import Vocab
from grenimja.train import TrainConfig, train


@pytest.mark.parametrize("ta,td", [(1, 1), (1, 6), (5, 1), (4, 7), (9, 3), (16, 5), (5, 16), (16, 16)])
@pytest.mark.parametrize("n_tf", [3, 1])
def test_wavefront_with_split_projection_equals_cell_loop(ta, td, n_tf):
    torch.manual_seed(ta * 10 + td)
    m = LSTM2D(12, 10, 8)
    tf = torch.randn(n_tf, ta, 12, requires_grad=True)  # one TF is broadcast over 3 genes, as in a scan
    gene = torch.randn(3, td, 10, requires_grad=True)
    fast, slow = m(tf, gene), m.forward_cells(tf.expand(3, -1, -1), gene)
    assert fast.shape == (3, 8)
    assert torch.allclose(fast, slow, atol=1e-5)
    # gradients agree too (the wavefront is what training differentiates), for every weight and both inputs
    wrt = [tf, gene, *m.parameters()]
    g1 = torch.autograd.grad((fast * torch.arange(8.0)).sum(), wrt, allow_unused=True)
    g2 = torch.autograd.grad((slow * torch.arange(8.0)).sum(), wrt, allow_unused=True)
    for a, b, x in zip(g1, g2, wrt, strict=True):
        a = torch.zeros_like(x) if a is None else a  # a 1 x 1 grid never uses the recurrent weights
        b = torch.zeros_like(x) if b is None else b
        assert torch.allclose(a, b, atol=1e-5)


def test_lambda_gate_mixes_left_and_up_states():
    """With the input and gates forced, c = f (l c_left + (1 - l) c_up) + i g holds cell by cell."""
    m = LSTM2D(2, 2, 1)
    with torch.no_grad():
        for p in m.parameters():
            p.zero_()
        # gates i, f, o, lambda, g; large biases saturate the sigmoids: i=1, f=1, o=1, lambda=1, g=tanh(1)
        m.w_tf.bias.copy_(torch.tensor([20.0, 20.0, 20.0, 20.0, 1.0]))
    h = m(torch.zeros(1, 1, 2), torch.zeros(1, 3, 2))
    # lambda=1 carries the left state: c accumulates tanh(1) along the row of 3 cells
    assert torch.allclose(h, torch.tanh(torch.tensor([[3 * np.tanh(1.0)]], dtype=torch.float32)), atol=1e-4)


def test_pooling_adapts_so_short_promoters_give_a_grid():
    emb = onehot_embeddings()
    for plen in (40, 60, 1000):
        cfg = cpu_config(promoter_len=plen, protein_k=1, dna_k=1, protein_dim=20, dna_dim=4)
        model = GReNIMJA(cfg, emb.protein_vectors, emb.dna_vectors)
        assert model.gene_encoder.out_len >= 1
        assert model.tf_encoder.out_len == 16  # 1024 aa, kernel 30, stride 4, pool 15 as the paper
        t, g = tokens_for(model, emb, ["MKV" * 50], ["ACGT" * 20])
        assert model(t, g).shape == (1,)
    assert (
        GReNIMJA(
            cpu_config(promoter_len=1000, protein_k=1, dna_k=1, protein_dim=20, dna_dim=4),
            emb.protein_vectors,
            emb.dna_vectors,
        ).gene_encoder.out_len
        == 16
    )


def test_vocab_encodes_left_for_proteins_right_for_promoters():
    v = Vocab(["AC", "CG", "GT"], k=2)
    left = v.encode(["ACGTT"], length=6, align="left")
    right = v.encode(["ACGTT"], length=6, align="right")
    assert left.tolist() == [[1, 2, 3, 0, 0]]  # TT unknown -> 0, then padding
    assert right.tolist() == [[0, 1, 2, 3, 0]]
    assert v.encode(["ACGTACGT"], length=4, align="right").tolist() == [[1, 2, 3]]  # keeps the end


def test_vocab_table_encoding_equals_one_lookup_per_k_mer():
    from grenimja.data.catalogue import read_packaged
    from grenimja.tokenize import kmers

    from .conftest import REPO

    emb = Embeddings.load(REPO / "models" / "embeddings.npz")  # the bundled vocabularies, no data directory

    def per_k_mer(v, seqs, length, align):
        n_tok = length - v.k + 1
        out = torch.zeros((len(seqs), n_tok), dtype=torch.int64)
        for r, s in enumerate(seqs):
            s = s[:length] if align == "left" else s[-length:]
            ids = torch.tensor([v.index.get(t, 0) for t in kmers(s, v.k)], dtype=torch.int64)
            out[r, n_tok - len(ids) if align == "right" else 0 :][: len(ids)] = ids
        return out

    odd = ["", "AC", "ACGTN", "acgtACGTAAAC", "NNNNNACGTACGTTT", "ACGT\u00c4ACGT\u4e00AC", "MXZBUO*KV"]
    dna = read_packaged("promoters_epd300.parquet")["promoter"].tolist()[:500] + odd
    protein = read_packaged("tfs.parquet")["protein"].tolist()[:100] + odd
    for v, seqs in ((emb.dna_vocab, dna), (emb.protein_vocab, protein)):
        assert v._table is not None  # the table path is the one under test
        for length, align in ((300, "right"), (60, "right"), (1000, "left"), (7, "left"), (5, "right")):
            assert torch.equal(v.encode(seqs, length, align), per_k_mer(v, seqs, length, align))
    # a vocabulary whose table would be too large (19**6 k-mers) looks each k-mer up, with the same result
    big = Vocab(["ABCDEF", "GHIJKL", "MNOPQR", "BCDEFG"], 6)
    assert big._table is None
    seqs = ["ABCDEFGHIJKLMNOPQR", "XABCDEFG", "ABC", ""]
    for length, align in ((20, "left"), (8, "right"), (7, "left")):
        assert torch.equal(big.encode(seqs, length, align), per_k_mer(big, seqs, length, align))
    assert big.encode(["XABCDEFG"], 8, "right").tolist() == [[0, 1, 4]]


def test_cached_scoring_equals_per_pair_and_scan(small_dataset, small_embeddings):
    ds = load_dataset(small_dataset)
    torch.manual_seed(0)
    cfg = cpu_config(protein_channels=16, dna_channels=16, common=16, hidden=16)
    model = GReNIMJA(cfg, small_embeddings.protein_vectors, small_embeddings.dna_vectors).eval()
    t, g = tokens_for(
        model, small_embeddings, ds.tfs["protein"].tolist(), ds.genes["promoter"].tolist()[:300]
    )
    rng = np.random.default_rng(0)
    ti, gi = rng.integers(0, len(t), 200), rng.integers(0, 300, 200)
    a = score_cached(model, t, g, ti, gi)
    b = score_per_pair(model, t, g, ti, gi)
    assert np.allclose(a, b, atol=1e-5)
    cache = torch.cat([model.encode_gene(g[i : i + 100]) for i in range(0, 300, 100)]).detach()
    s = scan_tf(model, t[:1], cache)
    assert np.allclose(s, score_cached(model, t, g, np.zeros(300, int), np.arange(300)), atol=1e-5)


def _tiny_train(ds, emb, out, **kw):
    cfg = cpu_config(protein_channels=8, dna_channels=8, common=8, hidden=8, fc_hidden=16)
    tc = TrainConfig(epochs=2, pairs_per_epoch=600, valid_pairs=300, patience=5, seed=7)
    return train(ds, emb, cfg, tc, out, progress=False, **kw)


def test_resume_after_interruption_gives_identical_weights(tmp_path, small_dataset, small_embeddings):
    torch.set_num_threads(1)  # identical float reductions in both runs
    ds = load_dataset(small_dataset)
    full = _tiny_train(ds, small_embeddings, tmp_path / "full")
    _tiny_train(ds, small_embeddings, tmp_path / "cut", max_epochs_this_run=1)  # "killed" after epoch 1
    resumed = _tiny_train(ds, small_embeddings, tmp_path / "cut", resume=True)
    torch.set_num_threads(2)
    assert [h["train_loss"] for h in full["history"]] == [h["train_loss"] for h in resumed["history"]]
    a = torch.load(tmp_path / "full" / "last.pt", weights_only=True)["model"]
    b = torch.load(tmp_path / "cut" / "last.pt", weights_only=True)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_training_learns_above_chance(tmp_path, small_dataset, small_embeddings):
    ds = load_dataset(small_dataset)
    cfg = cpu_config(protein_channels=16, dna_channels=16, common=16, hidden=16)
    tc = TrainConfig(split="known", epochs=2, pairs_per_epoch=4000, valid_pairs=2000, seed=0)
    hist = train(ds, small_embeddings, cfg, tc, tmp_path, progress=False)["history"]
    assert hist[-1]["valid_auroc"] > 0.55


def test_model_file_round_trip_and_mismatch_errors(tmp_path, small_embeddings):
    torch.manual_seed(0)
    cfg = cpu_config(protein_channels=8, dna_channels=8, common=8, hidden=8)
    model = GReNIMJA(cfg, small_embeddings.protein_vectors, small_embeddings.dna_vectors).eval()
    save_model(tmp_path / "m.pt", model, small_embeddings, {"split": "unknown"})
    loaded, meta = load_model(tmp_path / "m.pt", small_embeddings)
    assert meta["split"] == "unknown"
    t, g = tokens_for(model, small_embeddings, ["MKVLA" * 40], ["ACGTAC" * 12])
    assert torch.allclose(model(t, g), loaded(t, g))

    other = Embeddings(
        Vocab(small_embeddings.protein_vocab.tokens[:-1], 4),
        small_embeddings.protein_vectors[:-1],
        small_embeddings.dna_vocab,
        small_embeddings.dna_vectors,
    )
    with pytest.raises(ModelFileError, match="different protein k-mer vocabulary"):
        load_model(tmp_path / "m.pt", other)

    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    payload["config"]["not_a_setting"] = 1
    torch.save(payload, tmp_path / "bad_cfg.pt")
    with pytest.raises(ModelFileError, match="config does not match"):
        load_model(tmp_path / "bad_cfg.pt", small_embeddings)

    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    payload["config"]["hidden"] = 12
    torch.save(payload, tmp_path / "bad_w.pt")
    with pytest.raises(ModelFileError, match="weights do not match"):
        load_model(tmp_path / "bad_w.pt", small_embeddings)

    (tmp_path / "junk.pt").write_bytes(b"not a model at all")
    with pytest.raises(ModelFileError, match="cannot be read"):
        load_model(tmp_path / "junk.pt", small_embeddings)


class _Evil:
    def __reduce__(self):
        return (print, ("unpickled!",))


def test_model_loading_never_unpickles_arbitrary_objects(tmp_path, small_embeddings, capsys):
    with open(tmp_path / "evil.pt", "wb") as fh:
        pickle.dump({"format": "grenimja-model/1", "x": _Evil()}, fh)
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "evil.pt", small_embeddings)
    assert "unpickled!" not in capsys.readouterr().out


def test_binary_metrics_on_a_hand_checked_example():
    y = np.array([1, 1, 0, 0])
    p = np.array([0.9, 0.4, 0.6, 0.1])
    m = binary_metrics(y, p)
    assert m["accuracy"] == 0.5 and m["precision"] == 0.5 and m["recall"] == 0.5
    assert m["auroc"] == 0.75
    assert m["mcc"] == 0.0


@pytest.mark.skipif(
    not (shutil.which("g++") or shutil.which("c++")), reason="torch.compile on CPU needs a C++ compiler"
)
def test_compiled_scan_head_gives_the_plain_scores_and_pads_the_last_batch():
    """``compiled_head`` (torch.compile, used by ``grenimja network --compile``) scores as ``model.head``."""
    emb = onehot_embeddings()
    cfg = cpu_config(
        protein_len=200, promoter_len=60, protein_k=1, dna_k=1, protein_dim=20, dna_dim=4, common=8, hidden=8
    )
    torch.manual_seed(0)
    model = GReNIMJA(cfg, emb.protein_vectors, emb.dna_vectors).eval()
    rng = np.random.default_rng(0)
    promoters = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(21)]
    t, g = tokens_for(model, emb, ["MKVLAAGIRSTEEKQ" * 12], promoters)
    with torch.no_grad():
        cache = model.encode_gene(g)
    plain = scan_tf(model, t, cache, batch=8)
    compiled = scan_tf(model, t, cache, batch=8, head=compiled_head(model, batch=8))  # 8 + 8 + 5 padded
    assert compiled.shape == (21,)
    np.testing.assert_allclose(compiled, plain, atol=1e-6)
