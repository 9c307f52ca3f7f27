"""Whole-network scoring (grenimja network): chunked, resumable, the same scores as the genome scan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grenimja.errors import GrenimjaError
from grenimja.explorer import load_bundle, scan_sequence
from grenimja.predicted_network import (
    dask_runner,
    parts_dir,
    read_network,
    regulators_of,
    score_network,
    targets_of,
    write_part,
)
from tests.conftest import cli, open_page, run_cli

TFS = ["SOX2", "MAX", "HSF1"]


@pytest.fixture(scope="module")
def bundle(tiny_model_dir):
    return load_bundle(tiny_model_dir, "unknown")


def test_a_killed_run_resumes_from_its_parts_and_scores_equal_the_genome_scan(tmp_path, bundle):
    out = tmp_path / "net.parquet"

    def dies_after_one(todo):
        write_part(bundle, *todo[0])
        raise KeyboardInterrupt  # the run is stopped after its first part

    with pytest.raises(KeyboardInterrupt):
        score_network(bundle, TFS, out, chunk_tfs=2, run_chunks=dies_after_one)
    assert [p.name for p in parts_dir(out).iterdir()] == ["part-00000.parquet"] and not out.exists()
    res = score_network(bundle, TFS, out, chunk_tfs=2, progress=False)
    n_genes = len(bundle.catalogue.genes)
    assert res["parts"] == 2 and res["parts_reused"] == 1
    assert res["rows"] == 3 * n_genes and res["tfs"] == 3 and not parts_dir(out).exists()
    net = read_network(out)
    scan = scan_sequence(bundle, bundle.catalogue.tfs.set_index("tf").loc["MAX", "protein"])
    mine = net[net["tf"] == "MAX"].set_index("gene")["probability"].astype(float)
    np.testing.assert_allclose(
        mine.reindex(scan["gene"]).to_numpy(), scan["probability"].to_numpy(), rtol=1e-6
    )
    top = targets_of(net, "MAX", 5)
    assert top["gene"].tolist() == scan["gene"].head(5).tolist() and top["rank"].tolist() == [1, 2, 3, 4, 5]
    regs = regulators_of(net, top["gene"].iloc[0], 3)
    assert set(regs["tf"]) <= set(TFS) and regs["probability"].is_monotonic_decreasing


def test_two_chunks_run_as_dask_tasks_give_the_same_network(tmp_path, bundle, tiny_model_dir):
    pytest.importorskip("dask", reason="the dask engine is an optional extra: pip install 'grenimja[dask]'")
    local, dasked = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    score_network(bundle, TFS[:2], local, chunk_tfs=1, progress=False)
    res = score_network(
        bundle, TFS[:2], dasked, chunk_tfs=1, run_chunks=dask_runner(tiny_model_dir, "unknown")
    )
    assert res["parts"] == 2 and res["parts_reused"] == 0
    pd.testing.assert_frame_equal(read_network(dasked), read_network(local), rtol=1e-5)


def test_a_network_file_that_is_missing_or_wrong_is_a_clear_error(tmp_path):
    with pytest.raises(GrenimjaError, match="no network file .*grenimja network --out"):
        read_network(tmp_path / "none.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_text("tf,gene\nA,B\n")
    with pytest.raises(GrenimjaError, match="not a Parquet file"):
        read_network(bad)
    pd.DataFrame({"tf": ["A"], "gene": ["B"]}).to_parquet(tmp_path / "cols.parquet")
    with pytest.raises(GrenimjaError, match="missing column.*probability"):
        read_network(tmp_path / "cols.parquet")


def test_cli_network_names_unknown_tfs_and_writes_the_file(tmp_path, tiny_model_dir):
    out = tmp_path / "n.parquet"
    r = cli("network", "--tfs", "SOX2,NOTATF", "--out", out, "--model-dir", tiny_model_dir, check=False)
    assert r.returncode == 2 and "NOTATF" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("network", "--tfs", "SOX2", "--out", out, "--model-dir", tiny_model_dir)
    assert '"rows"' in r.stdout and len(read_network(out)) > 10_000


def test_network_page_shows_a_tfs_targets_and_a_genes_regulators():
    from grenimja.explorer import RESULTS_DIR

    if not any((RESULTS_DIR / "network").glob("*.parquet")):
        pytest.skip("no network under results/network (grenimja network --out results/network/...)")
    at = open_page("views/network.py")
    targets, regs = at.dataframe[0].value, at.dataframe[1].value
    assert len(targets) == 50 and targets["probability"].is_monotonic_decreasing
    assert "known_interaction" in targets.columns and len(regs) == 20
    tf = at.selectbox[1].options[1]
    at.selectbox[1].set_value(tf).run()
    assert not at.exception
    again = at.dataframe[0].value
    assert len(again) == 50 and not again["gene"].equals(targets["gene"])
    at.radio[0].set_value("tf_specificity").run()
    assert at.dataframe[0].value["tf_specificity"].is_monotonic_decreasing
