"""The catalogue shipped in the package: made by one deterministic command, equal to what the data
directory gives, and enough for the explorer and CLI on a machine without one."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pandas as pd

from grenimja.data.catalogue import FILES, PACKAGED
from tests.conftest import REPO


def test_every_packaged_file_matches_its_sha256():
    sums = dict(line.split()[::-1] for line in (PACKAGED / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == set(FILES)
    for name, h in sums.items():
        assert hashlib.sha256((PACKAGED / name).read_bytes()).hexdigest() == h, name
    card = (PACKAGED / "CATALOGUE.md").read_text()
    assert all(f"`{name}`" in card for name in FILES) and "dorothea/entire_database.rda" in card


def test_the_packaged_catalogue_equals_the_data_directory_s(data_dir):
    from grenimja.explorer import load_catalogue

    for kind in ("core60", "epd300"):
        shipped, fresh = load_catalogue(None, kind), load_catalogue(data_dir, kind)
        pd.testing.assert_frame_equal(
            shipped.genes.reset_index(drop=True),
            fresh.genes.sort_values("gene", ignore_index=True),
            check_dtype=False,
        )
        pd.testing.assert_frame_equal(shipped.tfs, fresh.tfs.sort_values("tf", ignore_index=True))


def test_cli_scan_works_without_a_data_directory(tmp_path):
    tf = tmp_path / "tf.fa"
    tf.write_text(
        ">SOX2\nMYNMMETELKPPGPQQTSGGGGGNSTAAAAGGNQKNSPDRVKRPMNAFMVWSRGQRRKMAQENPKMHNSEISKRLGAEWKLLSETEKRPFIDEAKRLRALHMKEHPDYKYRPRRKTKTLMKKDKYTLPGGLLAPGGNSMASGVGVGAGLGAGVNQRMDSYAHMNGWSNGSYSMMQDQLGYPQHPGLNAHGAAQMQPMHRYDVSALQYNSMTSSQTYMNGSPTYSMSYSQQGTPGMALGSMGSVVKSEASSSPPVVTSSSHSRAPCQAGDLRDMISMYLPGAEVPEPAAPSRLHMSQHYQSGPVPGTAINGTLPLSHM\n"
    )
    env = {**os.environ, "GRENIMJA_DATA": str(tmp_path / "no-data-here")}
    r = subprocess.run(
        [sys.executable, "-m", "grenimja", "scan", "--tf", str(tf), "--top", "20"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(pd.io.common.StringIO(r.stdout), sep="\t")
    assert len(table) == 20 and table["known_interaction"].notna().any()
    assert "no known_interaction column" not in r.stderr


def test_a_missing_packaged_file_names_the_command_that_rebuilds_the_shipped_catalogue_byte_for_byte(
    tmp_path, monkeypatch, data_dir
):
    import shlex

    import pytest

    import grenimja.data.catalogue as cat
    from grenimja.errors import DataFileError

    monkeypatch.setattr(cat, "PACKAGED", tmp_path / "catalogue")
    with pytest.raises(DataFileError, match="grenimja data catalogue --out") as err:
        cat.read_packaged("tfs.parquet")
    # follow the advice as written: the command it names, with the data directory
    cmd = str(err.value).split("`")[1]
    args = shlex.split(cmd)[1:]
    r = subprocess.run(
        [sys.executable, "-m", "grenimja", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert r.returncode == 0, r.stderr
    assert len(cat.read_packaged("tfs.parquet")) == 656
    # and what it made is the shipped catalogue, byte for byte: the build is deterministic and the shipped
    # files are those of this code and data
    sums = dict(
        line.split()[::-1] for line in (tmp_path / "catalogue" / "SHA256SUMS").read_text().splitlines()
    )
    shipped = dict(line.split()[::-1] for line in (PACKAGED / "SHA256SUMS").read_text().splitlines())
    assert sums == shipped
