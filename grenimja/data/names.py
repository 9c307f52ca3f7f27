"""Map gene / TF names from the regulatory databases to one official symbol."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from grenimja.data.datadir import data_file


@dataclass
class SymbolMapper:
    """Name -> official symbol through the synonym table and UniProt gene names.

    A name is kept as is when it is an official symbol; otherwise an alias is used only when it points
    to exactly one symbol (ambiguous aliases are not guessed). Lookups are case-insensitive.
    """

    official: set[str]
    alias: dict[str, str]
    unmapped: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def map(self, name: str) -> str | None:
        key = str(name).strip().upper()
        if key in self.official:
            return key
        hit = self.alias.get(key)
        if hit is None:
            self.unmapped[key] += 1
        return hit

    def map_series(self, names: pd.Series) -> pd.Series:
        """Vectorised :meth:`map` (unique names looked up once)."""
        uniq = {n: self.map(n) for n in pd.unique(names)}
        return names.map(uniq)


def load_mapper(data_dir=None) -> SymbolMapper:
    """Build the mapper from ``annotation/gene_symbol_synonyms.csv`` and the UniProt table."""
    official: set[str] = set()
    alias_targets: dict[str, set[str]] = defaultdict(set)
    syn = data_file("annotation/gene_symbol_synonyms.csv", data_dir)
    for line in syn.read_text().splitlines():
        parts = [p.strip().upper() for p in line.split(",") if p.strip()]
        if not parts:
            continue
        official.add(parts[0])
        for a in parts[1:]:
            alias_targets[a].add(parts[0])
    uni = pd.read_csv(data_file("annotation/hsa_uniprot_20180314.txt", data_dir), sep="\t", dtype=str)
    for names in uni["Gene names"].dropna():
        parts = names.upper().split()
        if parts:
            official.add(parts[0])
            for a in parts[1:]:
                alias_targets[a].add(parts[0])
    alias = {a: next(iter(t)) for a, t in alias_targets.items() if len(t) == 1 and a not in official}
    return SymbolMapper(official=official, alias=alias)


def uniprot_to_symbol(data_dir=None) -> dict[str, str]:
    """Map reviewed human UniProt accession -> primary gene symbol."""
    uni = pd.read_csv(data_file("annotation/hsa_uniprot_20180314.txt", data_dir), sep="\t", dtype=str)
    uni = uni.dropna(subset=["Gene names"])
    return {acc: g.split()[0].upper() for acc, g in zip(uni["Entry"], uni["Gene names"], strict=True)}
