"""The compact catalogue shipped inside the package: what the explorer and CLI read when no data
directory is named.

``grenimja data catalogue --out DIR`` derives it from the data directory (deterministic: same inputs,
same bytes): TF proteins and DNA-binding domains, primary promoters of both windows with CpG flags,
known interactions (every source but ChEA3, which would triple the size) and PROSITE patterns, with
``SHA256SUMS`` and ``CATALOGUE.md`` naming each upstream file, its sha256, origin and licence.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from grenimja.data.datadir import sha256_of
from grenimja.data.known import KNOWN_FILES
from grenimja.errors import DataFileError

PACKAGED = Path(__file__).resolve().parents[1] / "catalogue"
PROMOTER_FILES = {"core60": "promoters_core60.parquet", "epd300": "promoters_epd300.parquet"}
FILES = ("tfs.parquet", *PROMOTER_FILES.values(), "known.parquet", "prosite.parquet")
KNOWN_SOURCES = ("dorothea", "collectri", "trrust", "encode")
# upstream files each catalogue file is made from (paths of the data directory's MANIFEST.tsv)
UPSTREAM = {
    "tfs.parquet": (
        "proteins/vertebrates.uniprot.json",
        "proteins/Homo_DBD_1120.fa",
        "annotation/hsa_uniprot_20180314.txt",
        "annotation/gene_symbol_synonyms.csv",
    ),
    "promoters_core60.parquet": ("promoters/epdnew006_hg38_core_promoters.tsv", "cpg/cpgIslandExt.hg38.tsv"),
    "promoters_epd300.parquet": (
        *(f"promoters/epdnew_m249_p50/fold_{i}.csv" for i in range(1, 6)),
        "promoters/epdnew006_hg38_core_promoters.tsv",
        "cpg/cpgIslandExt.hg38.tsv",
    ),
    "known.parquet": (
        *(f for f in KNOWN_FILES if f.split("/")[0] in KNOWN_SOURCES),
        "annotation/hsa_uniprot_20180314.txt",
        "annotation/gene_symbol_synonyms.csv",
    ),
    "prosite.parquet": ("prosite/prosite_patterns.tsv",),
}


def packaged_file(name: str) -> Path | None:
    """The packaged catalogue file ``name`` (one of :data:`FILES`), or None where it is not shipped."""
    path = PACKAGED / name
    return path if path.is_file() else None


def read_packaged(name: str) -> pd.DataFrame:
    """A packaged catalogue table; a clear error naming the file and the command that makes it."""
    path = packaged_file(name)
    if path is None:
        raise DataFileError(
            f"the packaged catalogue has no {name} (expected {PACKAGED / name}); make it with "
            f"`grenimja data catalogue --out {PACKAGED}` or name a data directory with --data-dir"
        )
    return pd.read_parquet(path)


def epd300_windows() -> dict[str, str]:
    """Gene -> its 300 bp promoter window (-249..+50) from the packaged catalogue (read on every call)."""
    w = read_packaged(PROMOTER_FILES["epd300"])
    return dict(zip(w["gene"], w["promoter"], strict=True))


def _write(df: pd.DataFrame, path: Path) -> None:
    # no index, fixed compression and row order: the same inputs give the same bytes
    df.reset_index(drop=True).to_parquet(path, index=False, compression="zstd")


def build_catalogue(out: str | Path, data_dir=None) -> dict[str, str]:
    """Write every file of :data:`FILES` plus SHA256SUMS and CATALOGUE.md to ``out``; returns sha256 by file."""
    from grenimja.data.datadir import data_file
    from grenimja.data.known import _read_known
    from grenimja.data.names import load_mapper
    from grenimja.data.sequences import read_tf_proteins
    from grenimja.explorer import load_catalogue

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    mapper = load_mapper(data_dir)
    tfs, _ = read_tf_proteins("full", mapper, data_dir)
    dbd, _ = read_tf_proteins("dbd", mapper, data_dir)
    tfs = tfs.assign(dbd=tfs["tf"].map(dict(zip(dbd["tf"], dbd["protein"], strict=True))).fillna(""))
    _write(tfs.sort_values("tf"), out / "tfs.parquet")
    for kind, name in PROMOTER_FILES.items():
        genes = load_catalogue(data_dir, kind, packaged=False).genes
        _write(genes.sort_values("gene"), out / name)
    known = _read_known(data_dir, KNOWN_SOURCES)
    _write(known.sort_values(["tf", "gene", "source", "confidence"]), out / "known.parquet")
    prosite = pd.read_csv(
        data_file("prosite/prosite_patterns.tsv", data_dir),
        sep="\t",
        header=None,
        names=["id", "pattern", "accession", "description"],
        dtype=str,
    )
    _write(prosite, out / "prosite.parquet")
    sums = {name: sha256_of(out / name) for name in FILES}
    (out / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in sums.items()))
    (out / "CATALOGUE.md").write_text(_card(out, sums, data_dir))
    return sums


def _card(out: Path, sums: dict[str, str], data_dir) -> str:
    from grenimja.data.datadir import resolve_data_dir

    manifest = pd.read_csv(resolve_data_dir(data_dir) / "MANIFEST.tsv", sep="\t", dtype=str).set_index("path")
    lines = [
        "# The packaged catalogue",
        "",
        "Made by `grenimja data catalogue --out grenimja/catalogue` from the data directory (see "
        "`grenimja/data/catalogue.py`); the explorer and the CLI read it unless `--data-dir` is given. "
        "Known interactions here leave out ChEA3 (its 1.7 million ChIP-seq pairs would triple the size); "
        "with a data directory the pages show ChEA3 evidence too.",
        "",
        "| file | rows | sha256 | made from |",
        "|---|---|---|---|",
    ]
    for name in FILES:
        n = len(pd.read_parquet(out / name))
        lines.append(f"| `{name}` | {n:,} | `{sums[name][:16]}` | {', '.join(UPSTREAM[name])} |")
    lines += [
        "",
        "## Upstream files",
        "",
        "| file | sha256 | obtained from | licence / citation |",
        "|---|---|---|---|",
    ]
    for path in sorted({p for ps in UPSTREAM.values() for p in ps}):
        row = manifest.loc[path] if path in manifest.index else None
        if row is None:
            lines.append(f"| `{path}` | | | |")
        else:
            lines.append(
                f"| `{path}` | `{str(row['sha256'])[:16]}` | {row['obtained_from_public_repository']} | "
                f"{row['licence_note']} |"
            )
    return "\n".join(lines) + "\n"
