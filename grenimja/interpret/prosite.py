"""PROSITE patterns (regex form, e.g. ``C.[DN].{4}[FY].C.C``) as position probability matrices."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from grenimja.data.datadir import data_file
from grenimja.errors import DataFileError

AA = "ACDEFGHIKLMNPQRSTVWY"
_TOKEN = re.compile(r"(\[\^?[A-Z]+\]|\{[^}]*\}|\.|[A-Z])(\{(\d+)(?:,(\d+))?\})?")


def pattern_to_ppm(pattern: str) -> np.ndarray:
    """(20, L) PPM: each position uniform over the residues the pattern allows there.

    ``x`` / ``.`` allow all 20; ``[..]`` the listed; ``[^..]`` / ``{..}`` all but the listed; a repeat
    ``{n,m}`` uses n positions. Anchors (``^``, ``$``, ``<``, ``>``) are dropped.
    """
    pat = re.sub(r"[<>$]|^\^", "", pattern.strip().upper().replace("-", "").replace("X", "."))
    cols = []
    pos = 0
    while pos < len(pat):
        m = _TOKEN.match(pat, pos)
        if not m:
            raise ValueError(f"cannot parse PROSITE pattern {pattern!r} at position {pos + 1}")
        el, rep = m.group(1), int(m.group(3)) if m.group(3) else 1
        if el == ".":
            allowed = AA
        elif el.startswith("[^"):
            allowed = "".join(a for a in AA if a not in el[2:-1])
        elif el.startswith("{"):
            allowed = "".join(a for a in AA if a not in el[1:-1])
        elif el.startswith("["):
            allowed = "".join(a for a in el[1:-1] if a in AA)
        else:
            allowed = el if el in AA else AA
        col = np.array([1.0 if a in allowed else 0.0 for a in AA])
        cols.extend([col / col.sum()] * rep)
        pos = m.end()
    return np.stack(cols, axis=1)


def read_prosite(data_dir=None, min_len: int = 5, max_len: int = 40) -> pd.DataFrame:
    """PROSITE patterns with their PPMs: columns id, pattern, accession, description, ppm (20 x L).

    Without ``data_dir`` from the packaged catalogue where it is shipped."""
    from grenimja.data.catalogue import packaged_file

    packaged = packaged_file("prosite.parquet") if data_dir is None else None
    path = packaged or data_file("prosite/prosite_patterns.tsv", data_dir)
    if packaged is not None:
        df = pd.read_parquet(packaged)
    else:
        df = pd.read_csv(
            path, sep="\t", header=None, names=["id", "pattern", "accession", "description"], dtype=str
        )
    if df["pattern"].isna().any():
        raise DataFileError(f"{path}: expected 4 tab-separated columns ID, pattern, accession, description")
    ppms = []
    for p in df["pattern"]:
        try:
            ppms.append(pattern_to_ppm(p))
        except ValueError:
            ppms.append(None)
    df["ppm"] = ppms
    ok = df["ppm"].map(lambda m: m is not None and min_len <= m.shape[1] <= max_len)
    return df[ok].reset_index(drop=True)
