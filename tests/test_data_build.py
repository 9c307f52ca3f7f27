"""The dataset build on a real slice of ../shared/data: mapping, splits, negatives, windows, determinism."""

from __future__ import annotations

import json
import random
import shutil

import numpy as np
import pandas as pd
import pytest

from grenimja.data.build import BuildConfig
from grenimja.data.datadir import data_file
from grenimja.data.names import load_mapper
from grenimja.data.sequences import (
    cut_window,
    promoter_window,
    read_epd_bed,
    read_promoters,
    reverse_complement,
)
from grenimja.dataset import load_dataset
from grenimja.errors import DataFileError
from grenimja.homology import identity

from .conftest import cli, mirror_data_dir, run_cli


def test_mapper_resolves_aliases_and_counts_unmapped(data_dir):
    m = load_mapper(data_dir)
    assert m.map("TP53") == "TP53"
    assert m.map("p53") == "TP53"  # alias in the synonym table
    assert m.map("not_a_gene_xyz") is None
    assert m.unmapped["NOT_A_GENE_XYZ"] == 1


def test_report_accounts_for_every_source_row(small_dataset):
    rep = json.loads((small_dataset / "report.json").read_text())
    d = rep["drops"]["pairs"]
    raw = rep["per_source"]["dorothea"]["raw_rows"]
    mapped = rep["per_source"]["dorothea"]["mapped_rows"]
    assert raw == 309_009  # DoRothEA A-D rows, as the data README says
    assert (
        raw
        == mapped
        + d["unmapped_tf_name"]
        + d["unmapped_gene_name"]
        + d["tf_without_protein_sequence"]
        + d["gene_without_promoter"]
    )
    ds = load_dataset(small_dataset)
    assert rep["counts"]["positives"] == int(ds.pairs["label"].sum())
    assert rep["counts"]["tfs"] == 24 == ds.pairs["tf"].nunique()


def test_pairs_are_unique_and_known_split_has_no_pair_in_train_and_test(small_dataset):
    p = load_dataset(small_dataset).pairs
    assert not p.duplicated(["tf", "gene"]).any()
    train = set(map(tuple, p.loc[p.split_known == "train", ["tf", "gene"]].to_numpy()))
    test = set(map(tuple, p.loc[p.split_known == "test", ["tf", "gene"]].to_numpy()))
    assert train and test and not train & test
    assert set(p.loc[p.split_known == "test", "fold_known"]) == {-1}
    assert set(p.loc[p.split_known != "test", "fold_known"]) == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("split", ["unknown", "homology"])
def test_tf_disjoint_splits_share_no_tf(small_dataset, split):
    p = load_dataset(small_dataset).pairs
    by = {part: set(p.loc[p[f"split_{split}"] == part, "tf"]) for part in ("train", "valid", "test")}
    assert by["train"] and by["test"]
    assert not by["train"] & by["test"] and not by["train"] & by["valid"] and not by["valid"] & by["test"]


def test_homology_split_respects_identity_threshold(small_dataset, small_cfg):
    ds = load_dataset(small_dataset)
    t = ds.tfs
    train = t[t.split_homology == "train"]["protein"].tolist()
    held = t[t.split_homology != "train"]["protein"].tolist()
    worst = max(identity(a, b) for a in held for b in train)  # recomputed with the aligner, not the cache
    assert worst <= small_cfg.max_identity
    assert np.isclose(ds.report["homology_max_identity_test_valid_to_train"], worst, atol=1e-6)


def test_negatives_are_non_targets_and_balance_each_tf(small_dataset, data_dir):
    p = load_dataset(small_dataset).pairs
    pos = set(map(tuple, p.loc[p.label == 1, ["tf", "gene"]].to_numpy()))
    neg = p[p.label == 0]
    assert not any((tf, g) in pos for tf, g in neg[["tf", "gene"]].to_numpy())
    counts = p.groupby(["tf", "label"]).size().unstack()
    assert (counts[0] <= counts[1]).all()
    # TFs with fewer targets than half the genes get exactly as many negatives as positives
    small = counts[counts[1] < 8000]
    assert (small[0] == small[1]).all()


def test_cpg_flag_over_1000bp_upstream_matches_hand_checked_islands(small_dataset, data_dir):
    """The 60 bp build's flag: an island within 1000 bp upstream of the TSS (the paper's window)."""
    from grenimja.data.build import cpg_window
    from grenimja.data.cpg import cpg_flags, read_cpg_islands

    assert cpg_window(BuildConfig(promoters="core60")) == (1000, -1)
    assert cpg_window(BuildConfig(promoters="epd300")) == (249, 50)
    genes = load_dataset(small_dataset).genes
    genes["cpg"] = cpg_flags(genes, read_cpg_islands(data_dir), 1000, -1)
    genes = genes.set_index("gene")
    isl = pd.read_csv(data_file("cpg/cpgIslandExt.hg38.tsv", data_dir), sep="\t")
    for gene in ["GAPDH", "ACTB", "TP53", "ALB", "MYOD1", "INS"]:
        row = genes.loc[gene]
        lo, hi = (row.tss - 1000, row.tss) if row.strand == "+" else (row.tss + 1, row.tss + 1001)
        on = isl[(isl.chrom == row.chrom) & (isl.start < hi) & (isl.end > lo)]
        assert bool(row.cpg) == (len(on) > 0), gene
    assert genes.loc["GAPDH", "cpg"] == 1  # housekeeping CpG promoter
    assert genes.loc["ALB", "cpg"] == 0  # liver-specific, CpG-poor


def test_cpg_flag_equals_a_brute_force_overlap_on_both_strands_and_nested_islands():
    """An island that starts early and ends late still covers a window that later, shorter islands miss."""
    from grenimja.data.cpg import cpg_flags

    islands = pd.DataFrame(
        {"chrom": ["c1", "c1", "c1", "c2"], "start": [100, 120, 5000, 10], "end": [900, 130, 5100, 20]}
    )
    rng = np.random.default_rng(0)
    genes = pd.DataFrame(
        {
            "chrom": rng.choice(["c1", "c2", "c3"], 400),
            "tss": rng.integers(0, 6000, 400),
            "strand": rng.choice(["+", "-"], 400),
        }
    )
    for up, down in [(249, 50), (1000, -1), (49, 10)]:
        flags = cpg_flags(genes, islands, up, down)
        for k, row in genes.iterrows():
            lo, hi = promoter_window(int(row.tss), row.strand, up, down)
            on = islands[(islands.chrom == row.chrom) & (islands.start < hi) & (islands.end > lo)]
            assert flags[k] == (len(on) > 0), (row.to_dict(), up, down)
    # window 600..650 on c1: only the first island (100..900) covers it, the later-starting 120..130 does not
    one = pd.DataFrame({"chrom": ["c1"], "tss": [650], "strand": ["+"]})
    assert cpg_flags(one, islands, 50, -1).tolist() == [True]


def test_window_cutting_is_strand_aware():
    chrom = "AAAACCCCGGGGTTTTACGT"
    # + strand, TSS at 8: -4..-1 is bases 4..7
    assert cut_window(chrom, 8, "+", upstream=4, downstream=-1) == "CCCC"
    # - strand, TSS at 8: upstream lies at 9..12 on the genome, reverse complemented
    assert cut_window(chrom, 8, "-", upstream=4, downstream=-1) == reverse_complement("GGGT") == "ACCC"
    assert cut_window(chrom, 2, "+", upstream=4) == ""  # runs off the chromosome


def test_genome_path_reproduces_epdnew_sequences_on_synthetic_genome(tmp_path, data_dir):
    """Plant the real EPDnew 60 bp sequences at their BED coordinates in a random genome and cut them back."""
    bed = read_epd_bed(data_dir)
    bed = bed[(bed.chrom == "chr1") & bed.name.str.endswith("_1")].sort_values("start").head(40)
    seqs = (
        pd.read_csv(
            data_file("promoters/epdnew006_hg38_core_promoters.tsv", data_dir),
            sep="\t",
            header=None,
            names=["name", "seq"],
        )
        .set_index("name")["seq"]
        .str.upper()
    )
    rng = random.Random(0)
    genome = [rng.choice("ACGT") for _ in range(int(bed.end.max()) + 2000)]
    for r in bed.itertuples():
        s = seqs[r.name]
        genome[r.start : r.end] = list(s if r.strand == "+" else reverse_complement(s))
    fa = tmp_path / "genome.fa"
    fa.write_text(">chr1\n" + "".join(genome) + "\n")
    m = load_mapper(data_dir)
    got, drops = read_promoters(m, data_dir, genome=fa, upstream=49, downstream=10)
    got = got.set_index("gene")["promoter"]
    for r in bed.itertuples():
        gene = m.map(r.name.rsplit("_", 1)[0]) or r.name.rsplit("_", 1)[0]
        assert got[gene] == seqs[r.name], r.name
    assert drops["outside_genome"] > 10_000  # every promoter not on the synthetic chr1 is counted
    # default window: 1000 bp upstream, hand-computed on the genome string
    full, _ = read_promoters(m, data_dir, genome=fa)
    r = bed.iloc[-1]
    g = "".join(genome)
    tss = r.start + 49 if r.strand == "+" else r.end - 50
    want = g[tss - 1000 : tss] if r.strand == "+" else reverse_complement(g[tss + 1 : tss + 1001])
    assert full.set_index("gene").loc[m.map(r["name"].rsplit("_", 1)[0]), "promoter"] == want


def test_build_is_deterministic_and_cli_matches_api(tmp_path, data_dir, small_dataset, small_cfg):
    """The session's small build (the API, in this process) against the CLI in a fresh process."""
    assert small_cfg.sources == ("dorothea",)
    r = run_cli(
        "data",
        "build",
        "--data-dir",
        data_dir,
        "--out",
        tmp_path / "b",
        "--sources",
        "dorothea",
        "--max-tfs",
        small_cfg.max_tfs,
        "--seed",
        small_cfg.seed,
    )
    assert "pairs" in r.stdout and "dropped" in r.stdout
    sums_a = (small_dataset / "SHA256SUMS").read_text().replace(str(small_dataset), "")
    sums_b = (tmp_path / "b" / "SHA256SUMS").read_text().replace(str(tmp_path / "b"), "")
    # report.json records the data dir it read from; everything else must be byte-identical
    # two independent builds (this process and a fresh one): every output byte-identical, so the build is
    # deterministic and the CLI is the API
    strip = [line for line in sums_a.splitlines() if "report.json" not in line]
    assert len(strip) >= 5
    assert strip == [line for line in sums_b.splitlines() if "report.json" not in line]


def test_missing_and_corrupt_data_files_give_clear_errors(tmp_path, data_dir):
    root = mirror_data_dir(data_dir, tmp_path / "data")
    (root / "trrust" / "trrust_rawdata.human.tsv").unlink()
    with pytest.raises(DataFileError, match=r"missing data file .*trrust_rawdata\.human\.tsv"):
        data_file("trrust/trrust_rawdata.human.tsv", root)
    cpg = root / "cpg" / "cpgIslandExt.hg38.tsv"
    text = cpg.read_text()
    cpg.unlink()
    cpg.write_text(text.replace("chr1\t", "chr2\t", 1))
    with pytest.raises(DataFileError, match=r"sha256 mismatch for .*cpgIslandExt\.hg38\.tsv"):
        data_file("cpg/cpgIslandExt.hg38.tsv", root)
    with pytest.raises(DataFileError, match="does not exist"):
        data_file("cpg/cpgIslandExt.hg38.tsv", tmp_path / "nowhere")


def test_cli_reports_missing_data_dir_without_traceback(tmp_path):
    r = cli("data", "build", "--data-dir", tmp_path / "x", "--out", tmp_path / "o", check=False)
    assert r.returncode == 2
    assert "error: data directory" in r.stderr and "Traceback" not in r.stderr


def test_genome_without_epd_chromosomes_is_a_clear_error(tmp_path, data_dir):
    fa = tmp_path / "g.fa"
    fa.write_text(">scaffold_1\nACGT\n")
    with pytest.raises(DataFileError, match="none of the EPDnew chromosomes"):
        read_promoters(load_mapper(data_dir), data_dir, genome=fa)


def test_data_dir_env_var_is_used(tmp_path, monkeypatch, data_dir):
    root = mirror_data_dir(data_dir, tmp_path / "data")
    shutil.rmtree(root / "prosite")
    monkeypatch.setenv("GRENIMJA_DATA", str(root))
    assert data_file("cpg/cpgIslandExt.hg38.tsv").parent.parent == root
    with pytest.raises(DataFileError, match="prosite"):
        data_file("prosite/prosite_patterns.tsv")


def test_gene_set_cache_returns_the_same_sets_as_parsing_the_rda(tmp_path, monkeypatch):
    """An R named list of character vectors, as the ENCODE / ChEA3 libraries hold (written by rdata here: the
    real files take rdata's parser 10-40 s each, and every dataset build parses them where no cache exists)."""
    import rdata

    from grenimja.data import sources

    monkeypatch.setenv("GRENIMJA_CACHE", str(tmp_path / "cache"))
    sets = {
        "SOX2_ChIP-Seq_ESC_Mouse": np.array(["NANOG", "POU5F1", "SOX2"]),
        "MYC_23_HG19": np.array(["CDK4"]),
        "EMPTY_SET": np.array([], dtype=str),
    }
    path = tmp_path / "library.rda"
    rdata.write_rda(str(path), {"library": sets})
    sources._read_rda_list.cache_clear()
    parsed = sources._read_rda_list(str(path))
    assert parsed == {k: v.tolist() for k, v in sets.items()}
    assert len(list((tmp_path / "cache").glob("rda_sets_*.tsv.gz"))) == 1
    sources._read_rda_list.cache_clear()
    cached = sources._read_rda_list(str(path))
    sources._read_rda_list.cache_clear()
    # an empty set has no row in the cache's (set, gene) table; a set with no genes links nothing anyway
    assert cached == {k: v for k, v in parsed.items() if v}


def test_data_frame_cache_returns_the_parsed_frame_without_parsing_again(tmp_path, monkeypatch):
    import pyreadr

    from grenimja.data import sources

    monkeypatch.setenv("GRENIMJA_CACHE", str(tmp_path / "cache"))
    frame = pd.DataFrame(
        {"tf": ["SOX2", "MYC", "SOX2"], "target": ["NANOG", "CDK4", "POU5F1"], "mor": [1.0, -1.0, 1.0]}
    )
    path = tmp_path / "links.rda"
    pyreadr.write_rdata(str(path), frame, df_name="links")
    sources._parse_rda_frame.cache_clear()
    parsed = sources._read_rda_frame(path, "links")
    assert len(list((tmp_path / "cache").glob("rda_frame_links_*.parquet"))) == 1
    sources._parse_rda_frame.cache_clear()

    def _no_parsing(*_, **__):
        raise AssertionError("the R file was parsed again although the cache holds its frame")

    monkeypatch.setattr(pyreadr, "read_r", _no_parsing)
    cached = sources._read_rda_frame(path, "links")
    sources._parse_rda_frame.cache_clear()
    pd.testing.assert_frame_equal(cached, parsed)
    assert cached["tf"].tolist() == ["SOX2", "MYC", "SOX2"]
    # a changed file is another cache entry: parsed afresh, never the stale frame
    pyreadr.write_rdata(str(path), frame.head(1), df_name="links")
    with pytest.raises(DataFileError, match="parsed again"):
        sources._read_rda_frame(path, "links")
    sources._parse_rda_frame.cache_clear()


def test_join_sources_gives_each_pair_its_sorted_source_names_once():
    from grenimja.data.build import join_sources

    raw = pd.DataFrame(
        {
            "tf": ["MYC", "SOX2", "MYC", "MYC", "SOX2", "MYC"],
            "gene": ["CDK4", "NANOG", "CDK4", "ABL1", "NANOG", "CDK4"],
            "source": ["trrust", "encode", "chea3", "dorothea", "dorothea", "encode"],
        }
    )
    out = join_sources(raw)
    assert out.to_dict("records") == [
        {"tf": "MYC", "gene": "ABL1", "sources": "dorothea"},
        {"tf": "MYC", "gene": "CDK4", "sources": "chea3+encode+trrust"},
        {"tf": "SOX2", "gene": "NANOG", "sources": "dorothea+encode"},
    ]
    # the groupby-join it replaces, on the same rows
    slow = raw.sort_values(["tf", "gene", "source"]).groupby(["tf", "gene"])["source"].agg("+".join)
    assert out.set_index(["tf", "gene"])["sources"].equals(slow.rename("sources"))
    assert join_sources(raw.iloc[:0]).empty
