"""Parse and validate user FASTA: every problem is reported with record name and position."""

from __future__ import annotations

import io
from dataclasses import dataclass

from grenimja.errors import SequenceError

PROTEIN = set("ACDEFGHIKLMNPQRSTVWY")
DNA = set("ACGT")
MAX_PROTEIN = 5000
MAX_DNA = 100_000


@dataclass
class Record:
    name: str
    seq: str


def parse_fasta(text: str, source: str = "input") -> list[Record]:
    """Parse FASTA text with Biopython.

    Raises
    ------
    SequenceError
        When the text is empty, does not start with a ``>`` header, or holds no record.
    """
    from Bio import SeqIO

    stripped = text.strip()
    if not stripped:
        raise SequenceError(f"{source}: empty input; expected FASTA ('>name' line, then the sequence)")
    first = stripped.splitlines()[0]
    if not first.startswith(">"):
        raise SequenceError(
            f"{source}: malformed FASTA, line 1 should start with '>' but reads {first[:40]!r}"
        )
    try:
        recs = [
            Record(r.id or f"record{k + 1}", str(r.seq))
            for k, r in enumerate(SeqIO.parse(io.StringIO(stripped), "fasta"))
        ]
    except ValueError as exc:
        raise SequenceError(f"{source}: malformed FASTA ({exc})") from exc
    if not recs:
        raise SequenceError(f"{source}: no FASTA record found")
    return recs


def _clean(seq: str) -> str:
    return "".join(seq.split()).upper().rstrip("*")


def _first_bad(seq: str, alphabet: set[str]) -> tuple[int, str] | None:
    for i, ch in enumerate(seq):
        if ch not in alphabet:
            return i + 1, ch
    return None


def check_protein(rec: Record, source: str = "protein input", max_len: int = MAX_PROTEIN) -> str:
    """Return the cleaned protein sequence or raise SequenceError naming record and position."""
    seq = _clean(rec.seq)
    where = f"{source}, record '{rec.name}'"
    if not seq:
        raise SequenceError(f"{where}: empty sequence")
    if len(seq) >= 20 and sum(ch in "ACGTUN" for ch in seq) / len(seq) > 0.9:
        raise SequenceError(
            f"{where}: looks like DNA/RNA (over 90% A/C/G/T/U/N), expected a protein sequence"
        )
    bad = _first_bad(seq, PROTEIN)
    if bad:
        raise SequenceError(
            f"{where}: '{bad[1]}' at position {bad[0]} is not one of the 20 standard amino acids"
        )
    if len(seq) > max_len:
        raise SequenceError(f"{where}: {len(seq):,} aa is longer than the limit of {max_len:,} aa")
    return seq


def check_dna(rec: Record, source: str = "promoter input", min_len: int = 1, max_len: int = MAX_DNA) -> str:
    """Return the cleaned DNA sequence or raise SequenceError naming record and position."""
    seq = _clean(rec.seq)
    where = f"{source}, record '{rec.name}'"
    if not seq:
        raise SequenceError(f"{where}: empty sequence")
    bad = _first_bad(seq, DNA)
    if bad:
        protein_like = sum(ch in PROTEIN - DNA for ch in seq) / len(seq) > 0.2
        if protein_like:
            raise SequenceError(
                f"{where}: looks like a protein sequence ('{bad[1]}' at position {bad[0]}), "
                "expected promoter DNA (A/C/G/T)"
            )
        kind = "an ambiguous base" if bad[1] in "NRYKMSWBDHV" else "not a DNA base"
        raise SequenceError(f"{where}: '{bad[1]}' at position {bad[0]} is {kind}; only A/C/G/T are accepted")
    if len(seq) < min_len:
        raise SequenceError(f"{where}: {len(seq)} bp is shorter than the model's minimum of {min_len} bp")
    if len(seq) > max_len:
        raise SequenceError(f"{where}: {len(seq):,} bp is longer than the limit of {max_len:,} bp")
    return seq


def validate_records(text: str, kind: str, source: str, **limits) -> tuple[list[Record], list[str]]:
    """Parse and check every record; returns (valid records with cleaned sequences, problem messages).

    A malformed file raises; a bad record is reported and skipped so the others can still be scored.
    Duplicate record names are reported and only the first is kept.
    """
    check = check_protein if kind == "protein" else check_dna
    good, problems, seen = [], [], set()
    for rec in parse_fasta(text, source):
        if rec.name in seen:
            problems.append(f"{source}, record '{rec.name}': duplicate name, only the first record is used")
            continue
        seen.add(rec.name)
        try:
            good.append(Record(rec.name, check(rec, source, **limits)))
        except SequenceError as exc:
            problems.append(str(exc))
    return good, problems
