"""TF protein sequences and promoter DNA: from the upstream files or cut from a genome FASTA."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.data.datadir import data_file
from grenimja.data.names import SymbolMapper, uniprot_to_symbol
from grenimja.errors import DataFileError

PROTEIN_ALPHABET = set("ACDEFGHIKLMNPQRSTVWY")
DNA_ALPHABET = set("ACGT")
_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string (case kept, N -> N)."""
    return seq.translate(_COMPLEMENT)[::-1]


def _keep(rows: dict[str, str], drops: dict[str, int], sym: str, seq: str, keep_longest: bool) -> None:
    """Add one protein unless empty or non-standard (counted in ``drops``); duplicates are counted too."""
    if not seq:
        drops["no_sequence"] += 1
    elif set(seq) - PROTEIN_ALPHABET:
        drops["nonstandard_residues"] += 1
    elif sym in rows:
        drops["duplicate_symbol"] += 1
        # keep the longest isoform, as the paper (RefSeq longest)
        if keep_longest and len(seq) > len(rows[sym]):
            rows[sym] = seq
    else:
        rows[sym] = seq


def read_tf_proteins(kind: str, mapper: SymbolMapper, data_dir=None) -> tuple[pd.DataFrame, dict[str, int]]:
    """TF protein sequences by official symbol.

    Parameters
    ----------
    kind
        ``"full"``: full-length sequences of human TFs in ``proteins/vertebrates.uniprot.json`` (an
        accession is human when it is in the reviewed human UniProt table); ``"dbd"``: DNA-binding
        domains from ``proteins/Homo_DBD_1120.fa`` (multi-domain entries joined).

    Returns
    -------
    (frame with columns tf, protein), drop counts by reason
    """
    drops = {"no_sequence": 0, "non_human_or_unmapped": 0, "nonstandard_residues": 0, "duplicate_symbol": 0}
    rows: dict[str, str] = {}
    if kind == "full":
        path = data_file("proteins/vertebrates.uniprot.json", data_dir)
        try:
            entries = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{path}: not valid JSON ({exc})") from exc
        acc2sym = uniprot_to_symbol(data_dir)
        for acc in sorted(entries):
            seq = str(entries[acc][1]).strip().upper()
            sym = acc2sym.get(acc)
            if sym is None:
                drops["non_human_or_unmapped"] += 1
                continue
            _keep(rows, drops, mapper.map(sym) or sym, seq, keep_longest=True)
    elif kind == "dbd":
        from Bio import SeqIO

        path = data_file("proteins/Homo_DBD_1120.fa", data_dir)
        for rec in SeqIO.parse(str(path), "fasta"):
            seq = str(rec.seq).replace(",", "").replace("nan", "").upper()
            _keep(rows, drops, mapper.map(rec.id) or rec.id.upper(), seq, keep_longest=False)
    else:
        raise ValueError(f"protein kind must be 'full' or 'dbd', got {kind!r}")
    df = pd.DataFrame({"tf": list(rows), "protein": list(rows.values())}).sort_values("tf", ignore_index=True)
    return df, drops


def read_epd_bed(data_dir=None) -> pd.DataFrame:
    """EPDnew promoter coordinates with the 0-based TSS position.

    EPDnew windows are -49..+10 around the TSS, so the TSS is ``start + 49`` on + and ``end - 50`` on -.
    """
    path = data_file("promoters/Hs_EPDnew_006_hg38.bed", data_dir)
    bed = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        usecols=range(6),
        names=["chrom", "start", "end", "name", "score", "strand"],
    )
    if not bed["strand"].isin(["+", "-"]).all():
        raise DataFileError(f"{path}: column 6 must be the strand (+/-)")
    bed["tss"] = np.where(bed["strand"] == "+", bed["start"] + 49, bed["end"] - 50)
    return bed


def promoter_window(tss, strand, upstream: int = 1000, downstream: int = -1):
    """Half-open genome interval [start, end) of the window ``-upstream..downstream`` around a TSS.

    Offsets are relative to the TSS on the gene's strand (TSS = 0; -1 is the base just upstream),
    so the default is the paper's 1000 bp just upstream of the TSS. ``tss`` (int) and ``strand`` ("+" or
    "-") give one window as two ints; arrays of them give (n,) arrays of starts and ends.
    """
    plus = np.asarray(strand) == "+"
    start = np.asarray(tss) - np.where(plus, upstream, downstream)
    end = np.asarray(tss) + np.where(plus, downstream, upstream) + 1
    if start.ndim == 0:
        return int(start), int(end)
    return start, end


def cut_window(chrom_seq: str, tss: int, strand: str, upstream: int = 1000, downstream: int = -1) -> str:
    """Cut a promoter window from a chromosome string; minus-strand windows are reverse complemented."""
    start, end = promoter_window(tss, strand, upstream, downstream)
    if start < 0 or end > len(chrom_seq):
        return ""
    seq = chrom_seq[start:end]
    return seq if strand == "+" else reverse_complement(seq)


PROMOTER_KINDS = ("epd300", "core60")
# promoter window of each kind around the TSS (TSS = 0): what the CpG flag and a user's upload refer to
PROMOTER_WINDOWS = {"epd300": (249, 50), "core60": (49, 10)}
EPD300_FOLDS = tuple(f"promoters/epdnew_m249_p50/fold_{k}.csv" for k in range(1, 6))
# bases -49..+10 of a -249..+50 window: the EPDnew 60 bp core that keys a 300 bp row to its promoter id
_CORE_IN_300 = slice(200, 260)


def read_core60(data_dir=None) -> dict[str, str]:
    """EPDnew id (``SYMBOL_n``) -> 60 bp core promoter (-49..+10), upper-case."""
    path = data_file("promoters/epdnew006_hg38_core_promoters.tsv", data_dir)
    seqs = pd.read_csv(path, sep="\t", header=None, names=["name", "seq"], dtype=str)
    if seqs.shape[1] != 2 or seqs["seq"].isna().any():
        raise DataFileError(f"{path}: expected two tab-separated columns NAME_n, sequence")
    return dict(zip(seqs["name"], seqs["seq"].str.upper(), strict=True))


def read_epd300(data_dir=None) -> tuple[dict[str, str], dict[str, int]]:
    """EPDnew id -> 300 bp promoter window (-249..+50), from the five GENA_LM promoter folds.

    The folds carry no ids: a real (label 1) row is keyed to EPDnew by its bases 200..259, which equal
    the id's 60 bp core. Where several ids share one core, they keep the window when all rows with that
    core carry one sequence (``shared_identical``, each id under its own name), and are dropped when the
    rows differ in their flanks (``ambiguous_core``): which window belongs to which id cannot be told.

    Returns
    -------
    (id -> 300 bp sequence), counts: ``rows`` (label 1), ``decoy_rows`` (label 0, dropped),
    ``rows_matched`` / ``rows_unmatched`` (core found in EPDnew or not), ``ids_single`` (core names one
    id), ``ids_shared_identical``, ``ids_ambiguous_core``, ``ids_without_row``, ``ids_kept``
    """
    frames = []
    for rel in EPD300_FOLDS:
        path = data_file(rel, data_dir)
        df = pd.read_csv(path, dtype={"sequence": str})
        if not {"sequence", "promoter_presence"} <= set(df.columns):
            raise DataFileError(
                f"{path}: expected CSV columns sequence, promoter_presence; found {list(df.columns)}"
            )
        bad = df["sequence"].str.len() != 300
        if bad.any():
            row = int(df.index[bad][0])
            raise DataFileError(f"{path}: row {row} holds {len(str(df.loc[row, 'sequence']))} bp, not 300")
        frames.append(df)
    rows = pd.concat(frames, ignore_index=True)
    counts = {"decoy_rows": int((rows["promoter_presence"] != 1).sum())}
    real = rows.loc[rows["promoter_presence"] == 1, "sequence"].str.upper()
    counts["rows"] = len(real)
    core = read_core60(data_dir)
    ids_of_core: dict[str, list[str]] = {}
    for name, c in core.items():
        ids_of_core.setdefault(c, []).append(name)
    windows_of_core: dict[str, set[str]] = {}
    for seq in real:
        windows_of_core.setdefault(seq[_CORE_IN_300], set()).add(seq)
    counts["rows_matched"] = int(real.str.slice(200, 260).isin(ids_of_core).sum())
    counts["rows_unmatched"] = counts["rows"] - counts["rows_matched"]
    out: dict[str, str] = {}
    n = dict.fromkeys(("ids_single", "ids_shared_identical", "ids_ambiguous_core", "ids_without_row"), 0)
    for c, names in ids_of_core.items():
        wins = windows_of_core.get(c)
        if not wins:
            n["ids_without_row"] += len(names)
        elif len(names) == 1:
            n["ids_single"] += 1
            if len(wins) == 1:
                out[names[0]] = next(iter(wins))
            else:  # one id, several windows: duplicated core elsewhere in the genome
                n["ids_ambiguous_core"] += 1
                n["ids_single"] -= 1
        elif len(wins) == 1:
            n["ids_shared_identical"] += len(names)
            for name in names:
                out[name] = next(iter(wins))
        else:
            n["ids_ambiguous_core"] += len(names)
    counts.update(n)
    counts["ids_kept"] = len(out)
    return out, counts


def read_promoters(
    mapper: SymbolMapper,
    data_dir=None,
    genome: str | Path | None = None,
    upstream: int = 1000,
    downstream: int = -1,
    kind: str = "epd300",
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Primary (``_1``) EPDnew promoter per gene, upper-case.

    Without ``genome``, ``kind`` picks the sequences: ``"epd300"`` the 300 bp windows (-249..+50, see
    :func:`read_epd300`), ``"core60"`` the 60 bp EPDnew cores (-49..+10). With a genome FASTA the window
    ``-upstream..downstream`` around each EPDnew TSS is cut (strand-aware) and ``kind`` is ignored.

    Returns
    -------
    (frame with columns gene, promoter, chrom, tss, strand), drop counts by reason (for epd300 also the
    keying counts of :func:`read_epd300`, prefixed ``epd300_``)
    """
    if kind not in PROMOTER_KINDS:
        raise ValueError(f"promoter kind must be one of {PROMOTER_KINDS}, got {kind!r}")
    drops = {"not_primary": 0, "ambiguous_bases": 0, "duplicate_symbol": 0, "outside_genome": 0}
    bed = read_epd_bed(data_dir)
    primary = bed["name"].str.endswith("_1")
    drops["not_primary"] = int((~primary).sum())
    bed = bed[primary].copy()
    if genome is None:
        if kind == "core60":
            seq_of = read_core60(data_dir)
        else:
            seq_of, keyed = read_epd300(data_dir)
            drops.update({f"epd300_{k}": v for k, v in keyed.items()})
        bed["promoter"] = bed["name"].map(seq_of)
        drops["no_sequence"] = int(bed["promoter"].isna().sum())
    else:
        from Bio import SeqIO

        wanted = set(bed["chrom"])
        chrom_seq = {}
        for rec in SeqIO.parse(str(genome), "fasta"):
            if rec.id in wanted:
                chrom_seq[rec.id] = str(rec.seq).upper()
        if not chrom_seq:
            raise DataFileError(f"genome FASTA {genome}: none of the EPDnew chromosomes (e.g. chr1) found")
        bed["promoter"] = [
            cut_window(chrom_seq[c], t, s, upstream, downstream) if c in chrom_seq else ""
            for c, t, s in zip(bed["chrom"], bed["tss"], bed["strand"], strict=True)
        ]
        empty = bed["promoter"] == ""
        drops["outside_genome"] = int(empty.sum())
        bed = bed[~empty]
    bed = bed.dropna(subset=["promoter"])
    bad = bed["promoter"].map(lambda s: bool(set(s) - DNA_ALPHABET))
    drops["ambiguous_bases"] = int(bad.sum())
    bed = bed[~bad]
    raw = bed["name"].str.rsplit("_", n=1).str[0]
    bed["gene"] = [mapper.map(n) or n.upper() for n in raw]
    dup = bed["gene"].duplicated()
    drops["duplicate_symbol"] = int(dup.sum())
    bed = bed[~dup]
    out = bed[["gene", "promoter", "chrom", "tss", "strand"]].sort_values("gene", ignore_index=True)
    return out, drops
