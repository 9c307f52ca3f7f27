"""``grenimja data fetch``: download the upstream files of the manifest, verified and resumable.

Each file of ``grenimja/data/manifest.tsv`` is fetched from the public repository it was published in
(column ``url``) into ``OUT/<path>``: a partial download is kept as ``<path>.part`` and continued with an
HTTP Range request, the finished file is checked against the manifest's size and sha256 before it takes
its name, and every file that could not be had is named with the reason. A file already present with the
right sha256 is left alone.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from grenimja.data.datadir import ManifestEntry, manifest_entries, sha256_of

__all__ = ["FetchResult", "ManifestEntry", "fetch_all", "fetch_file", "manifest_entries"]


@dataclass(frozen=True)
class FetchResult:
    path: str
    status: str  # "downloaded", "present" or "failed"
    reason: str = ""


def _download(entry: ManifestEntry, part: Path, timeout: float, progress: bool) -> None:
    """Append to ``part`` from where it stops until ``entry.size`` bytes; raises on any transfer error."""
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(entry.url, headers={"User-Agent": "grenimja-fetch"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        if have and resp.status != 206:  # the server ignored the range: start again
            have = 0
        mode = "ab" if have else "wb"
        with (
            part.open(mode) as fh,
            tqdm(
                total=entry.size,
                initial=have,
                unit="B",
                unit_scale=True,
                desc=entry.path,
                disable=not progress,
                leave=False,
            ) as bar,
        ):
            want, got = resp.headers.get("Content-Length"), 0
            for block in iter(lambda: resp.read(1 << 16), b""):
                fh.write(block)
                got += len(block)
                bar.update(len(block))
            if want is not None and got < int(want):  # the connection closed early without an error
                raise http.client.IncompleteRead(b"", int(want) - got)


def fetch_file(
    entry: ManifestEntry, out: Path, tries: int = 3, timeout: float = 60, progress: bool = True
) -> FetchResult:
    """Fetch one manifest file into ``out``; never raises for a transfer or checksum problem."""
    dest = out / entry.path
    if dest.is_file() and dest.stat().st_size == entry.size and sha256_of(dest) == entry.sha256:
        return FetchResult(entry.path, "present")
    if not entry.url:
        return FetchResult(
            entry.path, "failed", "no public URL in the manifest (derived file: get it by hand)"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    reason = ""
    for _ in range(tries):
        try:
            _download(entry, part, timeout, progress)
        except urllib.error.HTTPError as exc:
            if exc.code != 416:  # 416: the range starts at the end, the part is whole (checked below)
                return FetchResult(entry.path, "failed", f"HTTP {exc.code} {exc.reason} from {entry.url}")
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            # cut off, timed out, refused: what arrived is kept and the next try continues it
            size = part.stat().st_size if part.exists() else 0
            reason = f"transfer broke off at {size:,} of {entry.size:,} bytes ({exc})"
            continue
        size = part.stat().st_size if part.exists() else 0
        got = sha256_of(part)
        if size != entry.size or got != entry.sha256:
            part.unlink()
            return FetchResult(
                entry.path,
                "failed",
                f"sha256 mismatch: got {got[:16]}... ({size:,} bytes), manifest says {entry.sha256[:16]}... "
                f"({entry.size:,} bytes); the file at {entry.url} has changed",
            )
        part.replace(dest)
        return FetchResult(entry.path, "downloaded")
    kept = " (what arrived is kept as .part: run again to continue)" if part.exists() else ""
    return FetchResult(entry.path, "failed", f"{reason} after {tries} tries{kept}")


def fetch_all(
    out: str | Path,
    entries: Sequence[ManifestEntry] | None = None,
    tries: int = 3,
    timeout: float = 60,
    progress: bool = True,
) -> list[FetchResult]:
    """Fetch every entry (default: the packaged manifest, then also written as ``out/MANIFEST.tsv``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if entries is None:
        entries = manifest_entries()
        (out / "MANIFEST.tsv").write_text(Path(__file__).with_name("manifest.tsv").read_text())
    return [fetch_file(e, out, tries, timeout, progress) for e in entries]
