"""Parse and validate user FASTA: every problem is reported with record name and position."""

from __future__ import annotations

import io
from dataclasses import dataclass

from grenimja.errors import SequenceError

PROTEIN = set("ACDEFGHIKLMNPQRSTVWY")
DNA = set("ACGT")
# UniProt's unknown / ambiguous / rare residues and the IUPAC ambiguity codes: accepted up to
# MAX_AMBIGUOUS of a sequence; every k-mer holding one is read as the model's unknown token (a zero vector)
AMBIGUOUS_PROTEIN = set("XBZUOJ")
AMBIGUOUS_DNA = set("NRYKMSWBDHV")
MAX_AMBIGUOUS = 0.05
MAX_PROTEIN = 5000
MAX_DNA = 100_000


@dataclass
class Record:
    name: str
    seq: str
    note: str = ""  # what was accepted with a caveat (ambiguous residues), shown beside the result


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


def _check_ambiguous(seq: str, letters: set[str], where: str, what: str) -> None:
    n = sum(ch in letters for ch in seq)
    if n / len(seq) > MAX_AMBIGUOUS:
        first = next(i + 1 for i, ch in enumerate(seq) if ch in letters)
        raise SequenceError(
            f"{where}: {n:,} ambiguous {what} ({n / len(seq):.0%}, first at position {first}) exceed the "
            f"limit of {MAX_AMBIGUOUS:.0%}"
        )


def ambiguity_note(seq: str, kind: str) -> str:
    """A note for a sequence accepted with ambiguous letters ("" when it has none)."""
    letters = AMBIGUOUS_PROTEIN if kind == "protein" else AMBIGUOUS_DNA
    n = sum(ch in letters for ch in seq)
    if not n:
        return ""
    codes = "".join(sorted({ch for ch in seq if ch in letters}))
    what = "residue(s)" if kind == "protein" else "base(s)"
    return f"{n} ambiguous {what} ({codes}) read as unknown: the k-mers that hold them carry no information"


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
    bad = _first_bad(seq, PROTEIN | AMBIGUOUS_PROTEIN)
    if bad:
        raise SequenceError(
            f"{where}: '{bad[1]}' at position {bad[0]} is not an amino-acid letter (the 20 standard ones, or "
            "X/B/Z/U/O/J)"
        )
    _check_ambiguous(seq, AMBIGUOUS_PROTEIN, where, "residues")
    if len(seq) > max_len:
        raise SequenceError(f"{where}: {len(seq):,} aa is longer than the limit of {max_len:,} aa")
    return seq


def check_dna(rec: Record, source: str = "promoter input", min_len: int = 1, max_len: int = MAX_DNA) -> str:
    """Return the cleaned DNA sequence or raise SequenceError naming record and position."""
    seq = _clean(rec.seq)
    where = f"{source}, record '{rec.name}'"
    if not seq:
        raise SequenceError(f"{where}: empty sequence")
    if not any(ch in DNA for ch in seq):
        raise SequenceError(f"{where}: no A/C/G/T bases in {len(seq):,} characters")
    if sum(ch in PROTEIN - DNA for ch in seq) / len(seq) > 0.2:
        pos, ch = _first_bad(seq, DNA)
        raise SequenceError(
            f"{where}: looks like a protein sequence ('{ch}' at position {pos}), expected promoter DNA (A/C/G/T)"
        )
    bad = _first_bad(seq, DNA | AMBIGUOUS_DNA)
    if bad:
        raise SequenceError(
            f"{where}: '{bad[1]}' at position {bad[0]} is not a DNA base (A/C/G/T or an IUPAC ambiguity code)"
        )
    _check_ambiguous(seq, AMBIGUOUS_DNA, where, "bases")
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
            seq = check(rec, source, **limits)
            note = ambiguity_note(seq, kind)
            good.append(Record(rec.name, seq, f"{source}, record '{rec.name}': {note}" if note else ""))
        except SequenceError as exc:
            problems.append(str(exc))
    return good, problems
