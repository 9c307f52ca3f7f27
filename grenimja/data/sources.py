"""Read TF -> target pairs from the upstream regulatory databases.

Each reader returns a DataFrame with columns ``tf``, ``gene`` (names as in the source) and ``source``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from grenimja.data.datadir import data_file, sha256_of
from grenimja.errors import DataFileError

SOURCES = ("dorothea", "encode", "collectri", "trrust", "chea3")
DEFAULT_SOURCES = ("dorothea", "encode")


def _read_rda_frame(path, name: str) -> pd.DataFrame:
    """The data frame ``name`` of an R data file (a copy: callers may change it).

    Parsed once per process for a given file state (path, size, mtime): a build reads DoRothEA twice (its
    pairs, then every level for the known-interaction table). pyreadr takes ~15 s for DoRothEA, so the
    frame is also kept as parquet under :func:`cache_dir`, named by the file's sha256 (a changed file gets
    a new entry), for the next process.
    """
    st = os.stat(path)
    return _parse_rda_frame(str(path), name, st.st_size, st.st_mtime_ns).copy()


@lru_cache(maxsize=4)
def _parse_rda_frame(path: str, name: str, size: int, mtime_ns: int) -> pd.DataFrame:
    cached = cache_dir() / f"rda_frame_{name}_{sha256_of(Path(path))}.parquet"
    if cached.is_file():
        try:
            return pd.read_parquet(cached)
        except (OSError, ValueError):  # a damaged cache entry: parse the file again
            pass
    import pyreadr

    try:
        res = pyreadr.read_r(path)
    except Exception as exc:  # pyreadr raises its own types for every format problem
        raise DataFileError(f"cannot read {path} as an R data file: {exc}") from exc
    if name not in res:
        raise DataFileError(f"{path}: expected an R data frame '{name}', found {list(res)}")
    df = res[name]
    store_cache(cached, df.to_parquet)
    return df


def cache_dir() -> Path:
    """Folder for derived caches: ``$GRENIMJA_CACHE``, else ``~/.cache/grenimja``."""
    return Path(os.environ.get("GRENIMJA_CACHE") or Path.home() / ".cache" / "grenimja")


def store_cache(cached: Path, write: Callable[[Path], object]) -> None:
    """Write a cache entry: ``write(tmp)`` to a file of this process, then renamed to ``cached``, so a
    reader never sees half a file. Where it cannot be written (a read-only home, data the format cannot
    hold) there is no entry, and the caller's result is the same."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        write(tmp)
        tmp.replace(cached)
    except (OSError, ValueError):
        pass


@lru_cache(maxsize=8)
def _read_rda_list(path: str) -> dict[str, list[str]]:
    """Named gene-set list of an R data file (set name -> member genes).

    rdata's pure-Python parser takes ~40 s for the ENCODE library, so the parsed sets are kept in a
    TSV under :func:`cache_dir` named by the file's sha256 (a changed file gets a new entry) and in
    memory per path. Callers must not modify the returned dict.
    """
    cached = cache_dir() / f"rda_sets_{sha256_of(Path(path))}.tsv.gz"
    if cached.is_file():
        df = pd.read_csv(cached, sep="\t", dtype=str, keep_default_na=False)
        return {k: g.tolist() for k, g in df.groupby("set", sort=False)["gene"]}
    import rdata

    try:
        objs = rdata.read_rda(str(path))
    except Exception as exc:
        raise DataFileError(f"cannot read {path} as an R data file (list of gene sets): {exc}") from exc
    if len(objs) != 1:
        raise DataFileError(f"{path}: expected one R list of gene sets, found {list(objs)}")
    sets = next(iter(objs.values()))
    if not isinstance(sets, dict):
        raise DataFileError(f"{path}: expected a named list of gene sets, got {type(sets).__name__}")
    sets = {str(k): [str(g) for g in v] for k, v in sets.items()}
    table = pd.DataFrame(
        {"set": [k for k, v in sets.items() for _ in v], "gene": [g for v in sets.values() for g in v]}
    )
    store_cache(cached, lambda tmp: table.to_csv(tmp, sep="\t", index=False, compression="gzip"))
    return sets


def read_dorothea(data_dir=None, levels: str = "ABCD", with_confidence: bool = False) -> pd.DataFrame:
    """DoRothEA pairs with confidence in ``levels`` (paper: A-D; E excluded); ``with_confidence`` adds the
    level as a column ``confidence``."""
    path = data_file("dorothea/entire_database.rda", data_dir)
    df = _read_rda_frame(path, "entire_database")
    missing = {"tf", "target", "confidence"} - set(df.columns)
    if missing:
        raise DataFileError(f"{path}: missing columns {sorted(missing)}")
    df = df[df["confidence"].astype(str).isin(list(levels))]
    out = pd.DataFrame({"tf": df["tf"].astype(str), "gene": df["target"].astype(str), "source": "dorothea"})
    return out.assign(confidence=df["confidence"].astype(str).to_numpy()) if with_confidence else out


def _gene_set_pairs(sets: dict, source: str, suffix: str | None) -> pd.DataFrame:
    tfs, genes = [], []
    for set_name, members in sets.items():
        set_name = str(set_name)
        if suffix and not set_name.upper().endswith(suffix):
            continue
        tf = set_name.split("_")[0]
        for g in list(members):
            tfs.append(tf)
            genes.append(str(g))
    return pd.DataFrame({"tf": tfs, "gene": genes, "source": source})


def read_encode(data_dir=None) -> pd.DataFrame:
    """Human (hg19) sets of the Enrichr ENCODE_TF_ChIP-seq_2015 library (Harmonizome's ENCODE source)."""
    sets = _read_rda_list(str(data_file("encode/ENCODE_TF_ChIP-seq_2015.rda", data_dir)))
    return _gene_set_pairs(sets, "encode", "_HG19")


def read_chea3(data_dir=None) -> pd.DataFrame:
    """ChEA3 ENCODE, ReMap and ChEA libraries (human)."""
    frames = []
    for rel in ("chea3/ENCODE.rda", "chea3/ReMap.rda", "chea3/ChEA.rda"):
        sets = _read_rda_list(str(data_file(rel, data_dir)))
        frames.append(_gene_set_pairs(sets, "chea3", None))
    return pd.concat(frames, ignore_index=True)


def read_collectri(data_dir=None) -> pd.DataFrame:
    path = data_file("collectri/collectri.csv", data_dir)
    df = pd.read_csv(path, dtype=str)
    if not {"source", "target"} <= set(df.columns):
        raise DataFileError(f"{path}: expected CSV columns source,target; found {list(df.columns)}")
    return pd.DataFrame({"tf": df["source"], "gene": df["target"], "source": "collectri"})


def read_trrust(data_dir=None) -> pd.DataFrame:
    path = data_file("trrust/trrust_rawdata.human.tsv", data_dir)
    df = pd.read_csv(path, sep="\t", dtype=str)
    if not {"TF", "Target"} <= set(df.columns):
        raise DataFileError(f"{path}: expected TSV columns TF, Target; found {list(df.columns)}")
    return pd.DataFrame({"tf": df["TF"], "gene": df["Target"], "source": "trrust"})


READERS = {
    "dorothea": read_dorothea,
    "encode": read_encode,
    "collectri": read_collectri,
    "trrust": read_trrust,
    "chea3": read_chea3,
}


def read_sources(names, data_dir=None, dorothea_levels: str = "ABCD") -> pd.DataFrame:
    """Concatenate the pairs of the named sources (see :data:`SOURCES`)."""
    bad = [n for n in names if n not in READERS]
    if bad:
        raise ValueError(f"unknown source(s) {bad}; choose from {list(SOURCES)}")
    frames = [
        read_dorothea(data_dir, dorothea_levels) if n == "dorothea" else READERS[n](data_dir=data_dir)
        for n in names
    ]
    return pd.concat(frames, ignore_index=True)
