"""Shared fixtures: a small real dataset cut from ../shared/data at test time, embeddings and a tiny model."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from grenimja.data.build import BuildConfig, build_dataset
from grenimja.data.datadir import resolve_data_dir

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python -m grenimja ARGS`` in a subprocess, capturing text output."""
    cmd = [sys.executable, "-m", "grenimja", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, check=check)


def cli(*args, check: bool = True) -> subprocess.CompletedProcess:
    """``grenimja ARGS`` through :func:`grenimja.cli.main` in this process, output captured.

    The same parser, commands and exit codes as :func:`run_cli` (argparse's exits included) without a
    new interpreter importing torch (~3 s a call); each test file keeps at least one :func:`run_cli` for
    the ``python -m grenimja`` entry point.
    """
    import contextlib
    import io

    from grenimja.cli import main

    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    res = subprocess.CompletedProcess(["grenimja", *argv], code or 0, out.getvalue(), err.getvalue())
    if check:
        res.check_returncode()
    return res


def free_port() -> int:
    """A free localhost TCP port (for a test server or a process group)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mirror_data_dir(data_dir: Path, root: Path) -> Path:
    """``root`` holding a symlink to every file of ``data_dir``: a data directory a test may break."""
    for f in data_dir.rglob("*"):
        if f.is_file():
            dst = root / f.relative_to(data_dir)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(f)
    return root


def open_page(page: str | None = None, timeout: int = 300):
    """The app under AppTest, switched to ``page`` (e.g. "views/predict.py"), asserted to run cleanly."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pytest_configure(config):
    # under pytest-xdist's -n 2 (README) each worker has one core: one that also took both cores for torch
    # would oversubscribe them
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    torch.set_num_threads(max(1, 2 // workers))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The upstream data directory; tests that need it skip, with the reason, where there is none."""
    from grenimja.errors import DataFileError

    try:
        return resolve_data_dir()
    except DataFileError as exc:
        pytest.skip(f"needs the data directory (grenimja data fetch): {exc}")


@pytest.fixture(scope="session")
def small_cfg() -> BuildConfig:
    return BuildConfig(sources=("dorothea",), max_tfs=24, seed=3)


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory, small_cfg, data_dir) -> Path:
    """DoRothEA A-D restricted to 24 seeded-random TFs, all EPDnew promoters."""
    out = tmp_path_factory.mktemp("ds")
    build_dataset(out, small_cfg, data_dir, progress=False)
    return out


@pytest.fixture(scope="session")
def small_embeddings(small_dataset):
    from grenimja.dataset import load_dataset
    from grenimja.embedding import train_embeddings

    ds = load_dataset(small_dataset)
    # every 5th promoter: 3,277 x 300 bp hold all 1,024 5-mers, in a fifth of the time of all 16k
    emb = train_embeddings(ds.tfs["protein"].tolist(), ds.genes["promoter"].tolist()[::5], epochs=1)
    assert len(emb.dna_vocab.tokens) == 4**5
    return emb


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, small_dataset, small_embeddings) -> Path:
    """A model directory like models/ (embeddings.npz + unknown.pt), trained for one short epoch."""
    from grenimja.dataset import load_dataset
    from grenimja.model.network import cpu_config
    from grenimja.train import TrainConfig, train

    out = tmp_path_factory.mktemp("models")
    ds = load_dataset(small_dataset)
    run = out / "run"
    cfg = cpu_config(protein_channels=16, dna_channels=16, common=16, hidden=16, fc_hidden=32)
    train(
        ds,
        small_embeddings,
        cfg,
        TrainConfig(epochs=1, pairs_per_epoch=1500, valid_pairs=500),
        run,
        progress=False,
    )
    (run / "best.pt").rename(out / "unknown.pt")
    small_embeddings.save(out / "embeddings.npz")
    return out


@pytest.fixture(scope="session")
def tiny_robustness_known(tmp_path_factory, tiny_model_dir, small_dataset) -> Path:
    """``grenimja interpret robustness --split known`` of the tiny model on the small build, run once."""
    out = tmp_path_factory.mktemp("robustness")
    r = run_cli(
        "interpret",
        "robustness",
        "--model-dir",
        tiny_model_dir,
        "--dataset",
        small_dataset,
        "--split",
        "known",
        "--out",
        out,
    )
    (out / "stdout.txt").write_text(r.stdout)
    return out
