"""Input validation and the predict / scan functions the app and CLI share."""

from __future__ import annotations

import numpy as np
import pytest

from grenimja.errors import SequenceError
from grenimja.explorer import load_bundle, precision_at_k, predict_fasta, scan_protein
from grenimja.fasta import Record, check_dna, check_protein, parse_fasta, validate_records

from .conftest import REPO, cli, run_cli

SOX2 = (REPO / "assets" / "example_tf.fa").read_text().split(">MAX")[0]
PROMS = (REPO / "assets" / "example_promoters.fa").read_text()


def test_parse_rejects_malformed_and_empty_fasta():
    with pytest.raises(SequenceError, match=r"line 1 should start with '>'"):
        parse_fasta("MKVLAAGG\n>x\nMK", "TF FASTA")
    with pytest.raises(SequenceError, match="empty input"):
        parse_fasta("  \n", "TF FASTA")
    assert [r.name for r in parse_fasta(">a desc\nMK\nVL\n>b\nAC")] == ["a", "b"]


def test_protein_errors_name_record_and_position():
    with pytest.raises(SequenceError, match=r"record 'p1': '1' at position 4 is not an amino-acid letter"):
        check_protein(Record("p1", "MKV1LL"))
    with pytest.raises(SequenceError, match=r"2 ambiguous residues \(33%, first at position 4\) exceed"):
        check_protein(Record("p1x", "MKVXLX"))
    with pytest.raises(SequenceError, match="record 'p2': looks like DNA"):
        check_protein(Record("p2", "ACGTACGTACGTACGTACGTAAAT"))
    with pytest.raises(SequenceError, match="record 'p3': empty sequence"):
        check_protein(Record("p3", ""))
    with pytest.raises(SequenceError, match="6,000 aa is longer than the limit"):
        check_protein(Record("p4", "M" * 6000))
    assert check_protein(Record("ok", "mkv ll*")) == "MKVLL"


def test_dna_errors_name_record_and_position():
    with pytest.raises(
        SequenceError, match=r"record 'g1': looks like a protein sequence \('M' at position 1\)"
    ):
        check_dna(Record("g1", "MEEPQSDPSVEPPLSQETFSDLWKLL"))
    with pytest.raises(SequenceError, match=r"1 ambiguous bases \(17%, first at position 3\) exceed"):
        check_dna(Record("g2", "ACNTTT"))
    with pytest.raises(SequenceError, match=r"record 'gN': no A/C/G/T bases in 40 characters"):
        check_dna(Record("gN", "N" * 40))
    with pytest.raises(SequenceError, match=r"'9' at position 5 is not a DNA base"):
        check_dna(Record("g9", "ACGT9ACGT"))
    with pytest.raises(SequenceError, match="shorter than the model's minimum of 22 bp"):
        check_dna(Record("g3", "ACGT" * 3), min_len=22)


def test_bad_records_are_reported_and_the_rest_kept():
    text = ">good\nACGTACGTACGTACGTACGTACGT\n>bad\nACGTNNNN\n>good\nACGT\n>empty\n"
    # NNNN is 50% of 'bad': over the limit; one N in 40 bases is accepted with a note
    good, problems = validate_records(text, "dna", "promoter FASTA")
    assert [r.name for r in good] == ["good"]
    assert len(problems) == 3
    assert any("record 'bad'" in p and "position 5" in p for p in problems)
    assert any("duplicate name" in p for p in problems)
    assert any("record 'empty': empty sequence" in p for p in problems)
    assert good[0].note == ""


def test_ambiguous_letters_within_the_limit_are_accepted_with_a_note_and_read_as_unknown(tiny_bundle):
    from grenimja.predict import promoter_tokens, protein_tokens

    uni = "M" + "KVLAAGGSTR" * 5 + "X" + "DEPQ" * 5 + "U"  # UniProt style: X unknown, U selenocysteine
    good, problems = validate_records(f">uni\n{uni}\n", "protein", "TF FASTA")
    assert not problems and good[0].seq == uni
    assert "2 ambiguous residue(s) (UX) read as unknown" in good[0].note and "record 'uni'" in good[0].note
    dna = "ACGT" * 5 + "N" + "ACGT" * 5  # 41 bp: shorter than the tiny model's 60 bp window
    good, _ = validate_records(f">p\n{dna}\n", "dna", "promoter FASTA")
    assert "1 ambiguous base(s) (N)" in good[0].note
    # every k-mer holding the N (position 20) is the unknown token 0; the others are not
    k = tiny_bundle.emb.dna_vocab.k
    ids = promoter_tokens(tiny_bundle.model, tiny_bundle.emb, [dna])[0][-(len(dna) - k + 1) :].tolist()
    assert [i for i, x in enumerate(ids) if x == 0] == list(range(20 - k + 1, 21))
    assert protein_tokens(tiny_bundle.model, tiny_bundle.emb, [uni]).shape[0] == 1


@pytest.fixture(scope="module")
def tiny_bundle(tiny_model_dir):
    return load_bundle(tiny_model_dir, "unknown")


def test_predict_scores_every_pair_and_skips_bad_records(tiny_bundle):
    tf_text = SOX2 + ">dna_as_protein\nACGTACGTACGTACGTACGTACGT\n"
    table, problems, _ = predict_fasta(tiny_bundle, tf_text, PROMS + ">short\nACGT\n")
    assert len(table) == 6  # SOX2 x 6 promoters; the DNA record and the short promoter skipped
    assert table["probability"].between(0, 1).all()
    assert table["probability"].is_monotonic_decreasing
    assert len(problems) == 2
    assert any("dna_as_protein" in p for p in problems) and any("'short'" in p for p in problems)


def test_known_and_novel_status_uses_training_tfs(tiny_bundle):
    table, _, _ = predict_fasta(tiny_bundle, (REPO / "assets" / "example_tf.fa").read_text(), PROMS)
    status = table.groupby("tf").first()
    for tf in ("SOX2", "MAX"):
        expected = "known TF" if tf in tiny_bundle.training_tfs else "novel TF"
        assert status.loc[tf, "tf_status"] == expected
    novel = status[status.tf_status == "novel TF"]
    assert (novel["identity_to_nearest"] < 1).all()


def test_scan_ranks_every_catalogue_promoter(tiny_bundle):
    res = scan_protein(tiny_bundle, SOX2)
    assert len(res) == len(tiny_bundle.catalogue.genes) > 16_000
    assert res["probability"].is_monotonic_decreasing
    assert res["rank"].tolist()[:3] == [1, 2, 3]


def test_precision_at_k_counts_known_targets():
    pk = precision_at_k(["a", "b", "c", "d"], {"a", "c"}, ks=(1, 2, 4))
    assert pk["precision"].tolist() == [1.0, 0.5, 0.5]
    assert pk["background_rate"].iloc[0] == 0.5


def test_cli_predict_and_scan(tmp_path, tiny_model_dir, data_dir):
    tf = tmp_path / "tf.fa"
    tf.write_text(SOX2)
    prom = tmp_path / "p.fa"
    prom.write_text(PROMS)
    r = run_cli("predict", "--tf", tf, "--promoters", prom, "--model-dir", tiny_model_dir)
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("tf\tgene\tprobability") and len(lines) == 7
    assert lines[0].endswith("\tknown_interaction")  # the regulatory databases' evidence per pair
    r = cli("scan", "--tf", tf, "--top", 5, "--model-dir", tiny_model_dir, "--data-dir", data_dir)
    assert len(r.stdout.strip().splitlines()) == 6
    assert "scanning SOX2" in r.stderr and r.stdout.startswith("tf\trank\tgene")
    assert r.stdout.splitlines()[0].endswith("\tknown_interaction")
    # a data directory that does not exist: the advice names --data-dir, which these commands take
    r = cli("scan", "--tf", tf, "--model-dir", tiny_model_dir, "--data-dir", tmp_path / "none", check=False)
    assert r.returncode == 2 and "--data-dir" in r.stderr and "unrecognized arguments" not in r.stderr
    two = tmp_path / "two.fa"
    two.write_text(SOX2 + SOX2.replace(">SOX2", ">SOX2_copy"))
    r = cli("scan", "--tf", two, "--top", 3, "--model-dir", tiny_model_dir)
    rows = [x.split("\t")[0] for x in r.stdout.strip().splitlines()[1:]]
    assert rows == ["SOX2"] * 3 + ["SOX2_copy"] * 3
    dna = tmp_path / "dna.fa"
    dna.write_text(">p\n" + "ACGT" * 30 + "\n")
    r = cli("scan", "--tf", dna, "--model-dir", tiny_model_dir, check=False)
    assert r.returncode == 2 and "nothing scored" in r.stderr and "Traceback" not in r.stderr
    r = cli("predict", "--tf", dna, "--promoters", prom, "--model-dir", tiny_model_dir, check=False)
    assert r.returncode == 2 and "nothing scored" in r.stderr
    bad = tmp_path / "bad.fa"
    bad.write_text("not fasta")
    r = cli("scan", "--tf", bad, "--model-dir", tiny_model_dir, check=False)
    assert r.returncode == 2 and "malformed FASTA" in r.stderr and "Traceback" not in r.stderr


def test_p_values_are_never_shown_as_zero():
    from grenimja.explorer import format_p

    assert format_p(0.0) == "p < 1e-300"
    assert format_p(3.2e-5) == "p = 3.2e-05"
    assert format_p(0.042) == "p = 0.042"
    assert format_p(float("nan")) == "p not computed"


def test_long_promoters_slide_the_model_window_along_the_sequence(tiny_bundle):
    from grenimja.explorer import promoter_windows
    from grenimja.fasta import Record

    recs, pos = promoter_windows([Record("long", "A" * 130), Record("short", "C" * 40)], 60, 50)
    # 0-59, 50-109 and the window that ends at the sequence's end (70-129); the short one whole
    assert pos[["record", "window_start", "window_end"]].values.tolist() == [
        [0, 1, 60],
        [0, 51, 110],
        [0, 71, 130],
        [1, 1, 40],
    ]
    assert [len(r.seq) for r in recs] == [60, 60, 60, 40]
    L = tiny_bundle.model.cfg.promoter_len
    rng = np.random.default_rng(0)
    long_seq = "".join(rng.choice(list("ACGT"), 3 * L))
    text = f">long\n{long_seq}\n>exact\n{long_seq[:L]}\n"
    end, _, notes_end = predict_fasta(tiny_bundle, SOX2, text)
    every, _, notes = predict_fasta(tiny_bundle, SOX2, text, windows="all", step=L // 2)
    best, _, _ = predict_fasta(tiny_bundle, SOX2, text, windows="max", step=L // 2)
    assert len(end) == 2 and "reads the last" in " ".join(notes_end)
    assert (every["gene"] == "long").sum() == 5 and (every["gene"] == "exact").sum() == 1
    assert "windows of" in " ".join(notes)
    # the window that ends at the sequence's end is what 'end' mode scores
    last = every[(every["gene"] == "long") & (every["window_end"] == 3 * L)]["probability"].item()
    assert last == pytest.approx(end.set_index("gene").loc["long", "probability"], abs=1e-5)
    # the first window is the 'exact' record's sequence: same score
    first = every[(every["gene"] == "long") & (every["window_start"] == 1)]["probability"].item()
    assert first == pytest.approx(every.set_index("gene").loc["exact", "probability"], abs=1e-5)
    assert len(best) == 2
    top = best.set_index("gene").loc["long"]
    assert top["probability"] == pytest.approx(every[every["gene"] == "long"]["probability"].max())
    assert top["window_end"] - top["window_start"] + 1 == L


def test_a_scan_during_the_warm_up_waits_for_its_encoding_instead_of_encoding_again(
    tiny_model_dir, monkeypatch
):
    import threading

    import grenimja.explorer as explorer

    calls = []
    real = explorer.encode_all

    def counting(*args, **kwargs):
        calls.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(explorer, "encode_all", counting)
    b = load_bundle(tiny_model_dir, "unknown")  # a fresh bundle: nothing encoded yet
    warm = threading.Thread(target=b.warm_up, name="warm-up")
    warm.start()
    scanned = scan_protein(b, SOX2)  # started while the warm-up may still be encoding
    warm.join()
    assert len(calls) == 1  # the promoters were encoded once, by whichever came first
    assert b.gene_cache().shape[0] == len(b.catalogue.genes) == len(scanned)
