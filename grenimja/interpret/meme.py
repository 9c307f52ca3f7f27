"""Read a user's MEME-format protein motif database (instead of PROSITE) for the filter comparison.

memelite's reader assumes a 4-letter DNA alphabet, so protein files are parsed here (MEME minimal format:
``ALPHABET=``, ``MOTIF id [name]``, ``letter-probability matrix: alength= 20 w= W`` then W rows).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.errors import DataFileError
from grenimja.interpret.prosite import AA


def read_meme_protein(path) -> pd.DataFrame:
    """Motifs as a frame with id, accession, description, ppm (20 x L, rows in ACDEFGHIKLMNPQRSTVWY order)."""
    lines = Path(path).read_text(errors="replace").splitlines()
    order = AA
    rows, motif, width, mat = [], None, None, []
    for n, line in enumerate(lines, start=1):
        s = line.strip()
        if s.startswith("ALPHABET="):
            letters = s.split("=", 1)[1].strip()
            if sorted(letters) != sorted(AA):
                raise DataFileError(f"{path}, line {n}: alphabet {letters!r} is not the 20 amino acids")
            order = letters
        elif s.startswith("MOTIF"):
            parts = s.split()
            if len(parts) < 2:
                raise DataFileError(f"{path}, line {n}: MOTIF line without an identifier")
            motif, width, mat = parts, None, []
        elif s.startswith("letter-probability") and motif is not None:
            m = re.search(r"w=\s*(\d+)", s)
            a = re.search(r"alength=\s*(\d+)", s)
            if not m or (a and int(a.group(1)) != 20):
                raise DataFileError(f"{path}, line {n}: expected 'alength= 20 w= W' for a protein motif")
            width = int(m.group(1))
        elif width is not None and s:
            vals = s.split()
            if len(vals) != 20:
                raise DataFileError(f"{path}, line {n}: expected 20 probabilities, found {len(vals)}")
            try:
                mat.append([float(v) for v in vals])
            except ValueError as exc:
                raise DataFileError(f"{path}, line {n}: not a number ({exc})") from exc
            if len(mat) == width:
                arr = np.array(mat).T  # (20, W) in file order
                ppm = arr[[order.index(c) for c in AA]]
                rows.append(
                    {"id": motif[1], "accession": motif[1], "description": " ".join(motif[1:]), "ppm": ppm}
                )
                motif, width, mat = None, None, []
    if not rows:
        raise DataFileError(f"{path}: no protein motif found (expected MEME format with MOTIF blocks)")
    return pd.DataFrame(rows)
