"""Input validation and the predict / scan functions the app and CLI share."""

from __future__ import annotations

import pytest

from grenimja.errors import SequenceError
from grenimja.explorer import load_bundle, precision_at_k, predict_fasta, scan_protein
from grenimja.fasta import Record, check_dna, check_protein, parse_fasta, validate_records

from .conftest import REPO, run_cli

SOX2 = (REPO / "assets" / "example_tf.fa").read_text().split(">MAX")[0]
PROMS = (REPO / "assets" / "example_promoters.fa").read_text()


def test_parse_rejects_malformed_and_empty_fasta():
    with pytest.raises(SequenceError, match=r"line 1 should start with '>'"):
        parse_fasta("MKVLAAGG\n>x\nMK", "TF FASTA")
    with pytest.raises(SequenceError, match="empty input"):
        parse_fasta("  \n", "TF FASTA")
    assert [r.name for r in parse_fasta(">a desc\nMK\nVL\n>b\nAC")] == ["a", "b"]


def test_protein_errors_name_record_and_position():
    with pytest.raises(SequenceError, match=r"record 'p1': 'X' at position 4 is not one of the 20"):
        check_protein(Record("p1", "MKVXLL"))
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
    with pytest.raises(SequenceError, match=r"'N' at position 3 is an ambiguous base"):
        check_dna(Record("g2", "ACNTTT"))
    with pytest.raises(SequenceError, match="shorter than the model's minimum of 22 bp"):
        check_dna(Record("g3", "ACGT" * 3), min_len=22)


def test_bad_records_are_reported_and_the_rest_kept():
    text = ">good\nACGTACGTACGTACGTACGTACGT\n>bad\nACGTNNNN\n>good\nACGT\n>empty\n"
    good, problems = validate_records(text, "dna", "promoter FASTA")
    assert [r.name for r in good] == ["good"]
    assert len(problems) == 3
    assert any("record 'bad'" in p and "position 5" in p for p in problems)
    assert any("duplicate name" in p for p in problems)
    assert any("record 'empty': empty sequence" in p for p in problems)


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


def test_cli_predict_and_scan(tmp_path, tiny_model_dir):
    tf = tmp_path / "tf.fa"
    tf.write_text(SOX2)
    prom = tmp_path / "p.fa"
    prom.write_text(PROMS)
    r = run_cli("predict", "--tf", tf, "--promoters", prom, "--model-dir", tiny_model_dir)
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("tf\tgene\tprobability") and len(lines) == 7
    r = run_cli("scan", "--tf", tf, "--top", 5, "--model-dir", tiny_model_dir)
    assert len(r.stdout.strip().splitlines()) == 6
    bad = tmp_path / "bad.fa"
    bad.write_text("not fasta")
    r = run_cli("scan", "--tf", bad, "--model-dir", tiny_model_dir, check=False)
    assert r.returncode == 2 and "malformed FASTA" in r.stderr and "Traceback" not in r.stderr
