"""Build the versioned, deterministic dataset folder from the upstream files.

Output folder (all plain TSV/JSON/NPY so the same inputs + seed give byte-identical files):

- ``tfs.tsv``: tf, protein, length, split_unknown, split_homology
- ``genes.tsv``: gene, promoter, chrom, tss, strand, cpg
- ``pairs.tsv``: tf, gene, label (1 positive / 0 negative), sources, split_known, fold_known,
  split_unknown, split_homology
- ``known_any_source.tsv``: tf, gene, sources: every link of the dataset's TFs to genes with a promoter in
  any source of the data directory (DoRothEA A-E, ENCODE, CollecTRI, TRRUST, ChEA3); a degree-matched
  negative (:mod:`grenimja.data.negatives`) is none of these
- ``tf_identity.npy``: (n_tfs, n_tfs) float32 identity matrix in ``tfs.tsv`` order
- ``report.json``: counts per source and split, drops by reason, length histograms, settings
- ``SHA256SUMS``: checksums of the files above
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.data.cpg import cpg_flags, read_cpg_islands
from grenimja.data.datadir import resolve_data_dir, sha256_of
from grenimja.data.names import load_mapper
from grenimja.data.negatives import degree_matched_negatives, sample_negatives
from grenimja.data.sequences import PROMOTER_WINDOWS, read_promoters, read_tf_proteins
from grenimja.data.sources import DEFAULT_SOURCES, SOURCES, read_sources
from grenimja.data.splits import homology_split, known_split, tf_split
from grenimja.homology import identity_matrix

DATASET_FILES = (
    "tfs.tsv",
    "genes.tsv",
    "pairs.tsv",
    "known_any_source.tsv",
    "tf_identity.npy",
    "report.json",
)


@dataclass
class BuildConfig:
    """Settings of one dataset build; stored in ``report.json``."""

    sources: tuple[str, ...] = DEFAULT_SOURCES
    dorothea_levels: str = "ABCD"
    protein: str = "full"  # "full" or "dbd"
    promoters: str = "epd300"  # "epd300" (-249..+50) or "core60" (-49..+10); ignored with a genome
    genome: str | None = None
    upstream: int = 1000
    downstream: int = -1
    seed: int = 0
    negatives: str = "paper"  # "paper" (random non-targets per TF) or "degree-matched"
    max_identity: float = 0.4
    max_tfs: int | None = None  # random subset of TFs (seeded), for quick builds and tests
    cpg_upstream: int | None = None  # CpG window; None: the promoter window itself (1000 bp for core60)
    extra: dict = field(default_factory=dict)


def cpg_window(cfg: BuildConfig) -> tuple[int, int]:
    """(upstream, downstream) bases around the TSS in which a CpG island makes a CpG promoter.

    The promoter window itself, except for the 60 bp cores, whose flag keeps the paper's 1000 bp
    upstream window (a 60 bp window would miss most islands that reach the promoter).
    """
    if cfg.cpg_upstream is not None:
        return cfg.cpg_upstream, -1
    if cfg.genome is not None:
        return cfg.upstream, cfg.downstream
    return PROMOTER_WINDOWS[cfg.promoters] if cfg.promoters == "epd300" else (1000, -1)


def known_any_source(root, mapper, tfs: set[str], genes: set[str]) -> pd.DataFrame:
    """Links (tf, gene, sources) of ``tfs`` to ``genes`` in every source, DoRothEA at all levels A-E.

    What a degree-matched negative must avoid: a gene that any database links to the TF, whatever the
    evidence, is not a safe negative.
    """
    raw = read_sources(SOURCES, root, dorothea_levels="ABCDE")
    raw["tf"] = mapper.map_series(raw["tf"])
    raw["gene"] = mapper.map_series(raw["gene"])
    raw = raw[raw["tf"].isin(tfs) & raw["gene"].isin(genes)].drop_duplicates(["tf", "gene", "source"])
    return join_sources(raw)


def join_sources(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per (tf, gene) of ``raw`` (columns tf, gene, source; no repeated row), sorted by tf then
    gene, with ``sources``: its source names in sorted order joined by ``+``.

    Why not ``groupby(...).agg("+".join)``: that calls Python once per pair, ~48 s for the 2.6 million
    links of all sources (``bench/bench_prep.py``); here each pair's names are laid out by rank within the
    pair and joined rank by rank, ~2 s.
    """
    raw = raw.sort_values(["tf", "gene", "source"], ignore_index=True)
    rank = raw.groupby(["tf", "gene"], sort=False).cumcount().to_numpy()
    start = np.flatnonzero(rank == 0)
    pair = np.cumsum(rank == 0) - 1
    source = raw["source"].to_numpy(dtype=object)
    joined = source[start].copy()
    for r in range(1, int(rank.max(initial=0)) + 1):
        at = rank == r
        joined[pair[at]] = joined[pair[at]] + "+" + source[at]
    out = raw.loc[start, ["tf", "gene"]].reset_index(drop=True)
    out["sources"] = pd.Series(joined, dtype=raw["source"].dtype)
    return out


def _degree_matched_training_negatives(
    pos: pd.DataFrame, genes: pd.DataFrame, known_any: pd.DataFrame, seed: int, drops: dict
) -> pd.DataFrame:
    """Per positive, a non-target gene of the same TF with the nearest number of regulators in the build.

    Before the splits exist, a gene's popularity is its number of regulating TFs over all positives; no
    negative is linked to its TF in any source. A gene drawn twice for one TF (hub genes, whose degree
    few non-targets share) is kept once; the repeats are counted in ``drops``.
    """
    degree = pos.groupby("gene")["tf"].nunique().reindex(genes["gene"], fill_value=0).astype(np.int64)
    exclude = {tf: set(g) for tf, g in known_any.groupby("tf")["gene"]}
    neg = degree_matched_negatives(pos[["tf", "gene"]], degree, exclude, seed)[["tf", "gene"]]
    before = len(neg)
    neg = neg.drop_duplicates().sort_values(["tf", "gene"], ignore_index=True)
    drops["negatives_repeated_gene_dropped"] = before - len(neg)
    return neg


def _hist(lengths: pd.Series, bins: int = 20) -> dict:
    counts, edges = np.histogram(lengths.to_numpy(), bins=bins)
    return {"counts": counts.tolist(), "edges": [float(e) for e in edges]}


def build_dataset(out_dir: str | Path, cfg: BuildConfig, data_dir=None, progress: bool = True) -> dict:
    """Build the dataset into ``out_dir`` and return the report (also written as ``report.json``).

    Every dropped row is counted by reason in ``report["drops"]``; nothing is dropped silently.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    root = resolve_data_dir(data_dir)
    mapper = load_mapper(root)
    drops: dict[str, dict[str, int]] = {}

    prot, drops["proteins"] = read_tf_proteins(cfg.protein, mapper, root)
    genes, drops["promoters"] = read_promoters(
        mapper, root, cfg.genome, cfg.upstream, cfg.downstream, kind=cfg.promoters
    )
    up, down = cpg_window(cfg)
    genes["cpg"] = cpg_flags(genes, read_cpg_islands(root), up, down).astype(int)

    raw = read_sources(cfg.sources, root, dorothea_levels=cfg.dorothea_levels)
    per_source = {s: {"raw_rows": int(n)} for s, n in raw.groupby("source").size().items()}
    raw["tf"] = mapper.map_series(raw["tf"])
    raw["gene"] = mapper.map_series(raw["gene"])
    pair_drops = {
        "unmapped_tf_name": int(raw["tf"].isna().sum()),
        "unmapped_gene_name": int((raw["tf"].notna() & raw["gene"].isna()).sum()),
    }
    raw = raw.dropna(subset=["tf", "gene"])
    has_seq = raw["tf"].isin(set(prot["tf"]))
    pair_drops["tf_without_protein_sequence"] = int((~has_seq).sum())
    raw = raw[has_seq]
    has_prom = raw["gene"].isin(set(genes["gene"]))
    pair_drops["gene_without_promoter"] = int((~has_prom).sum())
    raw = raw[has_prom]
    for s, n in raw.groupby("source").size().items():
        per_source[s]["mapped_rows"] = int(n)
    before = len(raw)
    raw = raw.drop_duplicates(["tf", "gene", "source"])
    pair_drops["duplicate_within_source"] = before - len(raw)
    pos = join_sources(raw)
    pair_drops["duplicate_across_sources"] = len(raw) - len(pos)
    for s in per_source:
        per_source[s]["unique_pairs_after_dedup"] = int(pos["sources"].str.contains(s).sum())
    drops["pairs"] = pair_drops

    tfs = sorted(pos["tf"].unique())
    if cfg.max_tfs is not None and cfg.max_tfs < len(tfs):
        rng = np.random.default_rng(cfg.seed)
        keep = set(np.array(tfs)[rng.choice(len(tfs), cfg.max_tfs, replace=False)].tolist())
        drops["pairs"]["tf_not_in_max_tfs_subset"] = int((~pos["tf"].isin(keep)).sum())
        pos = pos[pos["tf"].isin(keep)]
        tfs = sorted(keep)

    known_any = known_any_source(root, mapper, set(tfs), set(genes["gene"]))
    if cfg.negatives == "paper":
        neg = sample_negatives(pos, genes["gene"].tolist(), cfg.seed)
    else:
        neg = _degree_matched_training_negatives(pos, genes, known_any, cfg.seed, drops["pairs"])
    short = pos.groupby("tf").size().sub(neg.groupby("tf").size(), fill_value=0)
    drops["pairs"]["negatives_short_tf_regulates_most_genes"] = int(short.clip(lower=0).sum())
    neg["sources"] = "negative"
    pos["label"] = 1
    neg["label"] = 0
    pairs = pd.concat([pos, neg], ignore_index=True).sort_values(["tf", "gene", "label"], ignore_index=True)
    pairs = pairs[["tf", "gene", "label", "sources"]]

    split, fold = known_split(len(pairs), cfg.seed)
    pairs["split_known"] = split
    pairs["fold_known"] = fold
    unk = tf_split(tfs, cfg.seed)
    pairs["split_unknown"] = pairs["tf"].map(unk)

    tf_table = prot[prot["tf"].isin(set(tfs))].reset_index(drop=True)
    ident = identity_matrix(tf_table["protein"].tolist(), progress=progress)
    hom = homology_split(tf_table["tf"].tolist(), ident, cfg.max_identity, cfg.seed)
    pairs["split_homology"] = pairs["tf"].map(hom)
    tf_table["length"] = tf_table["protein"].str.len()
    tf_table["split_unknown"] = tf_table["tf"].map(unk)
    tf_table["split_homology"] = tf_table["tf"].map(hom)
    used_genes = genes[genes["gene"].isin(set(pairs["gene"]))].reset_index(drop=True)

    tf_table.to_csv(out / "tfs.tsv", sep="\t", index=False)
    known_any.to_csv(out / "known_any_source.tsv", sep="\t", index=False)
    genes.to_csv(out / "genes.tsv", sep="\t", index=False)
    pairs.to_csv(out / "pairs.tsv", sep="\t", index=False)
    with open(out / "tf_identity.npy", "wb") as fh:
        np.save(fh, ident)

    splits = {}
    for col in ("split_known", "split_unknown", "split_homology"):
        g = pairs.groupby([col, "label"]).size().unstack(fill_value=0)
        splits[col.removeprefix("split_")] = {
            s: {
                "pairs": int(g.loc[s].sum()),
                "positives": int(g.loc[s].get(1, 0)),
                "negatives": int(g.loc[s].get(0, 0)),
                "tfs": int(pairs.loc[pairs[col] == s, "tf"].nunique()),
            }
            for s in g.index
        }
    # the bound the homology split promises, measured
    tr = tf_table["split_homology"].to_numpy() == "train"
    te = ~tr
    max_cross = float(ident[np.ix_(te, tr)].max()) if te.any() and tr.any() else 0.0
    report = {
        "config": asdict(cfg),
        "data_dir": str(root),
        "counts": {
            "pairs": len(pairs),
            "positives": int(pairs["label"].sum()),
            "negatives": int((pairs["label"] == 0).sum()),
            "tfs": len(tfs),
            "genes_in_pairs": int(pairs["gene"].nunique()),
            "genes_with_promoter": len(genes),
            "cpg_promoters": int(genes["cpg"].sum()),
            "known_any_source_links": len(known_any),
        },
        "per_source": per_source,
        "drops": drops,
        "splits": splits,
        "homology_max_identity_test_valid_to_train": max_cross,
        "histograms": {
            "protein_length": _hist(tf_table["length"]),
            "promoter_length": _hist(used_genes["promoter"].str.len()),
        },
    }
    (out / "report.json").write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    sums = "".join(f"{sha256_of(out / f)}  {f}\n" for f in DATASET_FILES)
    (out / "SHA256SUMS").write_text(sums)
    return report


def format_report(report: dict) -> str:
    """Human-readable summary of a build report."""
    c = report["counts"]
    lines = [
        f"pairs {c['pairs']:,} (positives {c['positives']:,}, negatives {c['negatives']:,}); "
        f"TFs {c['tfs']}; genes {c['genes_in_pairs']:,} of {c['genes_with_promoter']:,} with a promoter"
    ]
    for s, v in report["per_source"].items():
        lines.append(f"  source {s}: " + ", ".join(f"{k} {n:,}" for k, n in v.items()))
    for group, d in report["drops"].items():
        lines.append(f"  dropped ({group}): " + ", ".join(f"{k} {n:,}" for k, n in d.items()))
    for name, d in report["splits"].items():
        lines.append(
            f"  split {name}: "
            + "; ".join(f"{s} {v['pairs']:,} pairs / {v['tfs']} TFs" for s, v in sorted(d.items()))
        )
    lines.append(
        f"  homology split: max identity valid/test -> train = "
        f"{report['homology_max_identity_test_valid_to_train']:.3f}"
    )
    return "\n".join(lines)
