"""Locate and verify the upstream data directory.

The directory is chosen by, in order: an explicit argument (CLI ``--data-dir``), the ``GRENIMJA_DATA``
environment variable, then ``../shared/data`` next to the repository when it exists. Every file is
checked against the sha256 recorded in ``grenimja/data/manifest.tsv`` (copied from the upstream
MANIFEST) before it is read.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from grenimja.errors import DataFileError

ENV_VAR = "GRENIMJA_DATA"
_REPO_ROOT = Path(__file__).resolve().parents[2]
_MANIFEST = Path(__file__).with_name("manifest.tsv")


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Return the data directory to read from.

    Parameters
    ----------
    data_dir
        Explicit directory; when None the ``GRENIMJA_DATA`` variable, then ``../shared/data`` are tried.

    Raises
    ------
    DataFileError
        When the chosen directory does not exist; the message says how to set one.
    """
    if data_dir is not None:
        origin, path = "--data-dir", Path(data_dir)
    elif os.environ.get(ENV_VAR):
        origin, path = ENV_VAR, Path(os.environ[ENV_VAR])
    else:
        origin, path = "default", _REPO_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        raise DataFileError(
            f"data directory {path} (from {origin}) does not exist; set {ENV_VAR} or pass --data-dir "
            "to a folder holding the upstream files listed in grenimja/data/manifest.tsv (`grenimja data fetch "
            "--out DIR` downloads them)"
        )
    return path


@dataclass(frozen=True)
class ManifestEntry:
    """One upstream file: relative path, sha256, size in bytes, public URL ("" where there is none)."""

    path: str
    sha256: str
    size: int
    url: str


def manifest_entries(manifest: str | Path | None = None) -> list[ManifestEntry]:
    """Rows of the packaged manifest (path, sha256, bytes, url), or of another file in its format."""
    path = Path(manifest) if manifest else _MANIFEST
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:] if line.strip()]
    return [ManifestEntry(r[0], r[1], int(r[2]), r[3] if len(r) > 3 else "") for r in rows]


@lru_cache(maxsize=1)
def expected_checksums() -> dict[str, tuple[str, int]]:
    """Map relative path -> (sha256, size in bytes) from the packaged manifest."""
    return {e.path: (e.sha256, e.size) for e in manifest_entries()}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_verified: dict[tuple[str, float, int], str] = {}


def data_file(rel: str, data_dir: str | os.PathLike | None = None, verify: bool = True) -> Path:
    """Return the path of one upstream file after checking it exists and its sha256 matches.

    Parameters
    ----------
    rel
        Path relative to the data directory, e.g. ``"dorothea/entire_database.rda"``.
    data_dir
        See :func:`resolve_data_dir`.
    verify
        Check the sha256 against the packaged manifest (cached per path, mtime and size).
    """
    root = resolve_data_dir(data_dir)
    path = root / rel
    if not path.is_file():
        raise DataFileError(f"missing data file {path}: expected the upstream file '{rel}' in {root}")
    if verify and rel in expected_checksums():
        sha, _size = expected_checksums()[rel]
        st = path.stat()
        key = (str(path), st.st_mtime, st.st_size)
        if key not in _verified:
            _verified[key] = sha256_of(path)
        if _verified[key] != sha:
            raise DataFileError(
                f"sha256 mismatch for {path}: expected {sha}, got {_verified[key]}; the file is corrupt or "
                "a different release than the one this build is pinned to"
            )
    return path
