"""Reliability: every bad input named in DEVELOPERS.md gets a message saying what and where, and nothing
else is lost; a killed training run resumes to the same weights; files are never half-written; several
explorer sessions answer at once; uploads are never unpickled.

Checks that live beside the code they test are not repeated here: the dataset built twice gives the same
sha256 of every output (``test_data_build.py::test_build_is_deterministic_and_cli_matches_api``), and the
per-record FASTA messages at the function level (``test_fasta_and_predict.py``), and five concurrent
explorer sessions of one server, in Chromium
(``test_e2e_browser.py::test_five_concurrent_sessions_all_answer_in_chromium``; AppTests in threads
cannot stand in for it: CPython 3.11's ``ast.parse`` is not thread-safe when they compile the page).
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tests.conftest import REPO, cli, mirror_data_dir, open_page, run_cli

SOX2 = (REPO / "assets" / "example_tf.fa").read_text().split(">")[1]
GOOD_TF = ">" + SOX2
GOOD_PROMS = ">g1\n" + "ACGTTGCA" * 10 + "\n>g2\n" + "GGCCATTA" * 10 + "\n"
BAD_TFS = {
    "wrong alphabet": (">BAD1\nMKV1LLAAGG\n", "record 'BAD1': '1' at position 4 is not an amino-acid letter"),
    "DNA given as protein": (">DNA\n" + "ACGT" * 10 + "\n", "record 'DNA': looks like DNA"),
    "empty sequence": (">EMPTY\n", "record 'EMPTY': empty sequence"),
    "too long": (">LONG\n" + "M" * 6000 + "\n", "record 'LONG': 6,000 aa is longer than the limit"),
    "too many unknown residues": (
        ">XS\nMKXXXXXXLL\n",
        "record 'XS': 6 ambiguous residues (60%, first at position 3)",
    ),
}
BAD_PROMS = {
    "wrong alphabet": (
        ">gbad\nACGT9" + "A" * 60 + "\n",
        "record 'gbad': '9' at position 5 is not a DNA base",
    ),
    "protein given as DNA": (
        ">gprot\nMEEPQSDPSVEPPLSQETFSDLWKLL\n",
        "record 'gprot': looks like a protein sequence",
    ),
    "no bases": (">gN\n" + "N" * 70 + "\n", "record 'gN': no A/C/G/T bases in 70 characters"),
}


@pytest.fixture(scope="module")
def predicted(tmp_path_factory, tiny_model_dir):
    """One CLI predict over a TF file and a promoter file that hold every bad record beside good ones."""
    d = tmp_path_factory.mktemp("bad_inputs")
    tf = d / "tfs.fa"
    tf.write_text(GOOD_TF + "".join(t for t, _ in BAD_TFS.values()))
    prom = d / "promoters.fa"
    prom.write_text(GOOD_PROMS + "".join(t for t, _ in BAD_PROMS.values()))
    r = run_cli("predict", "--tf", tf, "--promoters", prom, "--model-dir", tiny_model_dir)
    return tf, prom, r


BAD_RECORDS = [("TF FASTA", d, m) for d, (_, m) in BAD_TFS.items()] + [
    ("promoter FASTA", d, m) for d, (_, m) in BAD_PROMS.items()
]


@pytest.mark.parametrize("which, defect, expected", BAD_RECORDS, ids=[f"{w}: {d}" for w, d, _ in BAD_RECORDS])
def test_a_bad_record_is_named_with_its_file_and_the_good_pairs_are_all_scored(
    predicted, which, defect, expected
):
    tf, prom, r = predicted
    path = tf if which == "TF FASTA" else prom
    lines = [x for x in r.stderr.splitlines() if expected in x]
    assert lines and lines[0].startswith(f"skipped: {which} {path}, "), r.stderr
    rows = r.stdout.strip().splitlines()[1:]
    assert sorted(x.split("\t")[:2] for x in rows) == [["SOX2", "g1"], ["SOX2", "g2"]]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "TF FASTA {path}: no such file"),
        (b"\xda\x00\xff binary", "TF FASTA {path}: not a text file (byte 0 is not UTF-8)"),
        (b"MKVLLAAGG without a header\n", "line 1 should start with '>'"),
    ],
    ids=["missing file", "binary file", "malformed FASTA"],
)
def test_an_unreadable_fasta_file_is_one_clear_error(tmp_path, tiny_model_dir, content, message):
    path = tmp_path / "tf.fa"
    if content is not None:
        path.write_bytes(content)
    prom = tmp_path / "p.fa"
    prom.write_text(GOOD_PROMS)
    r = cli("predict", "--tf", path, "--promoters", prom, "--model-dir", tiny_model_dir, check=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert message.format(path=path) in r.stderr


def test_a_model_file_from_another_config_or_a_pickle_is_refused_and_nothing_runs(tmp_path, tiny_model_dir):
    marker = tmp_path / "executed"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    models = tmp_path / "models"
    models.mkdir()
    (models / "embeddings.npz").write_bytes((tiny_model_dir / "embeddings.npz").read_bytes())
    (models / "unknown.pt").write_bytes(pickle.dumps(Payload()))
    prom = tmp_path / "p.fa"
    prom.write_text(GOOD_PROMS)
    tf = tmp_path / "tf.fa"
    tf.write_text(GOOD_TF)
    r = run_cli("predict", "--tf", tf, "--promoters", prom, "--model-dir", models, check=False)
    assert r.returncode == 2 and "unknown.pt" in r.stderr and "Traceback" not in r.stderr
    assert not marker.exists()
    # a real model file whose network does not match its own weights (another config)
    ck = torch.load(tiny_model_dir / "unknown.pt", weights_only=True)
    ck["config"]["hidden"] = ck["config"]["hidden"] * 2
    torch.save(ck, models / "unknown.pt")
    r = cli("predict", "--tf", tf, "--promoters", prom, "--model-dir", models, check=False)
    assert r.returncode == 2 and "unknown.pt" in r.stderr and "Traceback" not in r.stderr


def test_a_corrupt_data_file_is_named_and_an_existing_dataset_is_left_as_it_was(
    tmp_path, data_dir, small_dataset
):
    root = mirror_data_dir(data_dir, tmp_path / "data")
    rel = "dorothea/entire_database.rda"  # the first file the build reads
    f = root / rel
    data = bytearray(f.read_bytes())
    f.unlink()
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    f.write_bytes(bytes(data))
    out = tmp_path / "ds"
    out.mkdir()
    for p in small_dataset.iterdir():
        (out / p.name).write_bytes(p.read_bytes())
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    r = cli(
        "data",
        "build",
        "--data-dir",
        root,
        "--out",
        out,
        "--sources",
        "dorothea",
        "--max-tfs",
        8,
        check=False,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "sha256 mismatch" in r.stderr and Path(rel).name in r.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _train_args(dataset: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "grenimja", "train", "--dataset", str(dataset), "--out", str(out),
        "--epochs", "2", "--pairs-per-epoch", "400", "--valid-pairs", "200", "--patience", "5",
        "--threads", "1", "--seed", "5",
    ]  # fmt: skip


def test_sigkill_during_training_then_resume_gives_the_uninterrupted_weights(tmp_path, small_dataset):
    full = tmp_path / "full"
    # the uninterrupted run goes on beside the one to be killed (two cores; each uses one thread)
    log = (tmp_path / "full.log").open("w")
    uninterrupted = subprocess.Popen(_train_args(small_dataset, full), stdout=log, stderr=log)
    cut = tmp_path / "cut"
    proc = subprocess.Popen(
        _train_args(small_dataset, cut), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        hist = cut / "history.json"
        if hist.is_file() and len(json.loads(hist.read_text() or "[]")) >= 1:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = json.loads((cut / "history.json").read_text())
    assert proc.returncode == -signal.SIGKILL and len(done) < 2  # killed mid-run, not after it
    torch.load(cut / "last.pt", weights_only=True)  # the checkpoint on disk is whole
    subprocess.run([*_train_args(small_dataset, cut), "--resume"], check=True, capture_output=True)
    returncode = uninterrupted.wait(300)
    log.close()
    assert returncode == 0, (tmp_path / "full.log").read_text()[-2000:]
    a = torch.load(full / "last.pt", weights_only=True)
    b = torch.load(cut / "last.pt", weights_only=True)
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    ha = [h["train_loss"] for h in json.loads((full / "history.json").read_text())]
    hb = [h["train_loss"] for h in json.loads((cut / "history.json").read_text())]
    assert ha == hb and len(ha) == 2


def test_pasted_text_over_the_upload_limit_is_refused_with_a_message():
    from ui import MAX_TEXT

    at = open_page("views/predict.py")
    at.text_area(key="tf_txt").input(">big\n" + "M" * (MAX_TEXT + 10))
    at.text_area(key="prom_txt").input(GOOD_PROMS)
    at.button(key="go_fasta").click().run()
    assert not at.exception
    assert any("is over the limit of" in e.value for e in at.error)
    cfg = (REPO / ".streamlit" / "config.toml").read_text()
    assert "maxUploadSize = 5" in cfg  # uploads: Streamlit refuses files above 5 MB itself
