"""Whole-network scoring: catalogue TFs x every catalogue promoter, written as Parquet, chunk by chunk.

Each chunk of TFs becomes its own part file (``OUT.parts/part-NNNNN.parquet``, written atomically), so a
killed run resumes where it stopped and chunks can run as independent tasks on other machines (Dask,
optional extra). When every part exists they are joined into ``OUT`` and the parts removed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.errors import GrenimjaError

COLUMNS = ("tf", "gene", "probability", "tf_specificity")


def parts_dir(out: str | Path) -> Path:
    """Folder of the part files of the network written to ``out``."""
    out = Path(out)
    return out.with_name(out.name + ".parts")


def chunks(tfs: Sequence[str], size: int) -> list[list[str]]:
    """``tfs`` cut into consecutive chunks of ``size`` (the last may be shorter)."""
    if size < 1:
        raise ValueError(f"chunk size must be >= 1, got {size}")
    return [list(tfs[i : i + size]) for i in range(0, len(tfs), size)]


def check_tfs(bundle, tfs: Sequence[str]) -> None:
    """Raise a GrenimjaError naming (up to 10 of) the ``tfs`` that are not catalogue TF names."""
    known = set(bundle.catalogue.tfs["tf"])
    missing = [t for t in tfs if t not in known]
    if missing:
        raise GrenimjaError(f"not in the TF catalogue: {', '.join(missing[:10])}")


def score_tfs(bundle, tfs: Sequence[str]) -> pd.DataFrame:
    """Every catalogue promoter for each TF in ``tfs`` (catalogue names), as the genome scan scores them.

    Returns
    -------
    DataFrame with columns tf, gene (categorical), probability, tf_specificity (float32; NaN without a
    gene reference), one row per TF x promoter, in catalogue gene order.
    """
    from grenimja.explorer import scan_sequence

    check_tfs(bundle, tfs)
    proteins = bundle.catalogue.tfs.set_index("tf")["protein"]
    genes = bundle.catalogue.genes["gene"]
    frames = []
    for tf in tfs:
        s = scan_sequence(bundle, proteins[tf]).set_index("gene").reindex(genes)
        frames.append(
            pd.DataFrame(
                {
                    "tf": tf,
                    "gene": genes.to_numpy(),
                    "probability": s["probability"].to_numpy(np.float32),
                    "tf_specificity": s["tf_specificity"].to_numpy(np.float32),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["tf"] = out["tf"].astype("category")
    out["gene"] = out["gene"].astype("category")
    return out


def write_part(bundle, tfs: Sequence[str], path: str | Path) -> Path:
    """Score ``tfs`` and write them to ``path`` atomically (a kill never leaves half a part)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    score_tfs(bundle, tfs).to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def score_network(
    bundle,
    tfs: Sequence[str],
    out: str | Path,
    chunk_tfs: int = 16,
    progress: bool = True,
    run_chunks: Callable[[list[tuple[list[str], Path]]], None] | None = None,
) -> dict:
    """Score ``tfs`` x all promoters into ``out`` (Parquet), resuming from the parts already written.

    Parameters
    ----------
    bundle : a loaded model with its catalogue (:func:`grenimja.explorer.load_bundle`).
    chunk_tfs : TFs per part file.
    run_chunks : runs the missing (tfs, part path) chunks; default in this process with a progress bar.
        :func:`dask_runner` gives one that runs them as Dask tasks.

    Returns
    -------
    dict: tfs, genes, rows, parts, parts_reused, seconds (this call), seconds_per_tf (this call's TFs).
    """
    check_tfs(bundle, tfs)  # before any part is written or any Dask task starts
    out = Path(out)
    todo_all = chunks(list(tfs), chunk_tfs)
    pdir = parts_dir(out)
    paths = [pdir / f"part-{i:05d}.parquet" for i in range(len(todo_all))]
    todo = [(c, p) for c, p in zip(todo_all, paths, strict=True) if not p.is_file()]
    t0 = time.time()
    if todo:
        if run_chunks is not None:
            run_chunks(todo)
        else:
            from tqdm.auto import tqdm

            done = len(tfs) - sum(len(c) for c, _ in todo)
            with tqdm(
                total=len(tfs), initial=done, desc="TFs scored", unit="TF", disable=not progress
            ) as bar:
                for c, p in todo:
                    write_part(bundle, c, p)
                    bar.update(len(c))
    secs = time.time() - t0
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise GrenimjaError(
            f"{len(missing)} part(s) were not written, e.g. {missing[0]}; run again to resume"
        )
    net = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
    net["tf"] = net["tf"].astype("category")
    net["gene"] = net["gene"].astype("category")
    tmp = out.with_name(out.name + ".tmp")
    net.to_parquet(tmp, index=False)
    os.replace(tmp, out)
    for p in paths:
        p.unlink()
    pdir.rmdir()
    n_new = sum(len(c) for c, _ in todo)
    return {
        "tfs": int(net["tf"].nunique()),
        "genes": int(net["gene"].nunique()),
        "rows": len(net),
        "parts": len(paths),
        "parts_reused": len(paths) - len(todo),
        "seconds": round(secs, 1),
        "seconds_per_tf": round(secs / n_new, 2) if n_new else None,
    }


def dask_runner(
    model_dir: str | Path, model: str, data_dir=None, scheduler: str | None = None, compile_scan: bool = False
):
    """A ``run_chunks`` for :func:`score_network` that runs each chunk as a Dask task.

    Each task loads the model itself (nothing large travels) and writes its own part file, so the parts
    folder must be on storage every worker sees. ``scheduler``: the address of a ``dask.distributed``
    scheduler (several machines), or None for local processes. ``compile_scan``: each task compiles its
    scan first (:meth:`grenimja.explorer.Bundle.compile_scan`; worth it for chunks of many TFs).
    """
    try:
        import dask
    except ImportError as exc:
        raise GrenimjaError("the dask engine needs Dask: pip install 'grenimja[dask]'") from exc

    def run(todo: list[tuple[list[str], Path]]) -> None:
        tasks = [
            dask.delayed(_dask_task)(str(model_dir), model, data_dir, c, str(p), compile_scan)
            for c, p in todo
        ]
        if scheduler:
            from dask.distributed import Client

            with Client(scheduler):
                dask.compute(*tasks)
        else:
            dask.compute(*tasks, scheduler="processes", num_workers=min(len(tasks), os.cpu_count() or 1))

    return run


def _dask_task(model_dir: str, model: str, data_dir, tfs: list[str], path: str, compile_scan: bool) -> str:
    import torch

    from grenimja.explorer import load_bundle

    torch.set_num_threads(1)  # one task per core
    bundle = load_bundle(model_dir, model, data_dir)
    if compile_scan:
        bundle.compile_scan()
    return str(write_part(bundle, tfs, path))


def read_network(path: str | Path) -> pd.DataFrame:
    """A network written by :func:`score_network`, checked to have its columns.

    Raises
    ------
    GrenimjaError : the file is missing, not Parquet, or lacks a column.
    """
    path = Path(path)
    if not path.is_file():
        raise GrenimjaError(f"no network file {path}: write one with `grenimja network --out {path}`")
    try:
        net = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise GrenimjaError(f"{path}: not a Parquet file written by `grenimja network` ({exc})") from None
    lacking = [c for c in COLUMNS if c not in net.columns]
    if lacking:
        raise GrenimjaError(f"{path}: missing column(s) {', '.join(lacking)}; expected {', '.join(COLUMNS)}")
    return net


def targets_of(net: pd.DataFrame, tf: str, k: int = 50, by: str = "probability") -> pd.DataFrame:
    """The ``k`` genes ``tf`` regulates most probably (or most specifically, ``by="tf_specificity"``)."""
    sub = net[net["tf"] == tf]
    if sub.empty:
        raise GrenimjaError(f"TF {tf} is not in this network")
    top = sub.sort_values(by, ascending=False).head(k).reset_index(drop=True)
    top.insert(0, "rank", np.arange(1, len(top) + 1))
    return top[["rank", "gene", "probability", "tf_specificity"]].astype({"gene": str})


def regulators_of(net: pd.DataFrame, gene: str, k: int = 50) -> pd.DataFrame:
    """The ``k`` TFs most probably regulating ``gene``."""
    sub = net[net["gene"] == gene]
    if sub.empty:
        raise GrenimjaError(f"gene {gene} is not in this network")
    top = sub.sort_values("probability", ascending=False).head(k).reset_index(drop=True)
    top.insert(0, "rank", np.arange(1, len(top) + 1))
    return top[["rank", "tf", "probability", "tf_specificity"]].astype({"tf": str})
