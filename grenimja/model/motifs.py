"""Motif-transfer part of the transfer term: PWM hits of the query's closest TF with a known motif.

For a query protein the *donors* are the ``n_donors`` most identical (Smith-Waterman identity, as the
homology term) human JASPAR CORE TFs other than the query itself (an identical protein is skipped, as
motif transfer skips a TF's own matrices: the part asks what a homolog's motif says). A donor's value for a
gene is ``-log10 p`` of a statistic of its matrices' windows on both strands of the gene's 300 bp window
(-249..+50, the catalogue's ``epd300`` promoters): the best window's score (``"best"``) or every window's
odds summed (``"occupancy"``, :func:`grenimja.baselines.pwmscan.occupancy_scores`); ``p`` empirical among
``n_background`` random promoters of background composition (:class:`grenimja.baselines.pwmscan.PWMScan`).
The part is the donors' values weighted by ``identity ** donor_power`` (summing to 1). The statistic and
how many donors vote (1, 3 or 5) are chosen on validation with the part's weight. A gene without a window,
a query without a donor and a promoter that is not a catalogue gene get 0.

Why the 300 bp window and not the 60 bp core the network reads: on the validation TFs a donor's hits on the
core add nothing, while on the window they raise degree-matched per-TF AUROC (homology split +0.029 at 1.6
x the term's weight; ``scripts/extra_terms.py``). The model file carries the donors' proteins and matrices,
so scoring needs no data directory; the windows come from the packaged catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from grenimja.errors import ModelFileError

MOTIF_LENGTH = 300  # the catalogue's epd300 windows
MOTIF_FACTORS = (0.0, 0.2, 0.4, 0.8, 1.6, 3.2)  # x the transfer term's weight, chosen on validation
DONOR_COUNTS = (1, 3, 5)  # how many of the most identical donors vote, chosen on validation
DONOR_POWER = 8.0  # a donor's vote is identity ** DONOR_POWER, as the target term weighs homologs
STATISTICS = ("best", "occupancy")  # best window, or all windows' summed odds; chosen on validation


@dataclass
class MotifTransferPart:
    """Donor TFs (symbols, full-length proteins) and their log2-odds matrices, one list per donor."""

    donor_tfs: list[str]
    donor_proteins: list[str]
    matrices: list[list[np.ndarray]]
    n_background: int = 1000
    seed: int = 0
    length: int = MOTIF_LENGTH
    n_donors: int = 1
    donor_power: float = DONOR_POWER
    statistic: str = "best"
    _windows: dict | None = field(default=None, repr=False)
    _donor_cache: dict = field(default_factory=dict, repr=False)
    _score_cache: dict = field(default_factory=dict, repr=False)
    _encoded: tuple | None = field(default=None, repr=False)
    _background_cache: dict = field(default_factory=dict, repr=False)
    _rows: dict | None = field(default=None, repr=False)

    @classmethod
    def fit(cls, n_background: int = 1000, seed: int = 0, data_dir=None) -> MotifTransferPart:
        """Every human JASPAR CORE TF with a full-length protein in the data directory as a donor."""
        from grenimja.baselines.pwmscan import jaspar_pwms
        from grenimja.data.names import load_mapper
        from grenimja.data.sequences import read_tf_proteins

        mapper = load_mapper(data_dir)
        pwms = jaspar_pwms(mapper)
        prot, _ = read_tf_proteins("full", mapper, data_dir)
        prot = prot[prot["tf"].isin(set(pwms))].reset_index(drop=True)
        return cls(
            donor_tfs=prot["tf"].tolist(),
            donor_proteins=prot["protein"].tolist(),
            matrices=[pwms[t] for t in prot["tf"]],
            n_background=n_background,
            seed=seed,
        )

    def windows(self) -> dict[str, str]:
        """Gene -> 300 bp window, from the packaged catalogue (read once)."""
        if self._windows is None:
            from grenimja.data.catalogue import epd300_windows

            self._windows = epd300_windows()
        return self._windows

    def donors(self, protein: str) -> tuple[np.ndarray, np.ndarray]:
        """``protein``'s donors (indices into :attr:`donor_tfs`, most identical first, at most
        :attr:`n_donors`) and their votes (``identity ** donor_power``, summing to 1); empty where there are
        none. A donor with the query's own protein is never one: its matrices are not transferred."""
        if protein not in self._donor_cache:
            from grenimja.homology import identity_to

            ident = np.asarray(identity_to(protein, self.donor_proteins), dtype=np.float64)
            ident[[p == protein for p in self.donor_proteins]] = -1.0
            order = np.argsort(-ident, kind="stable")[: self.n_donors]
            order = order[ident[order] >= 0]
            votes = ident[order] ** self.donor_power
            # all identities 0 (no alignment at all): the donors vote equally
            votes = votes / votes.sum() if votes.sum() > 0 else np.full(len(order), 1.0 / max(len(order), 1))
            self._donor_cache[protein] = (order, votes)
        return self._donor_cache[protein]

    def donor(self, protein: str) -> int:
        """Index of ``protein``'s most identical donor among :attr:`donor_tfs`, -1 where there is none."""
        order, _ = self.donors(protein)
        return int(order[0]) if len(order) else -1

    def _encode(self) -> tuple:
        """(genes, their windows, background windows), encoded once and not once per donor."""
        if self._encoded is None:
            from grenimja.baselines.pwmscan import Windows, background_windows

            win = self.windows()
            self._encoded = (
                list(win),
                Windows.from_seqs(list(win.values()), self.length),
                background_windows(self.n_background, self.length, self.seed),
            )
        return self._encoded

    def _gene_scores(self, donor: int, genes: Sequence[str | None] | None = None) -> dict[str, float]:
        """-log10 p of catalogue windows for one donor's matrices under :attr:`statistic` (the best of its
        matrices), by gene: those of ``genes`` (every catalogue gene where None) and any scanned before.

        Cached per donor and statistic; only windows not yet scanned are scanned, so a few pairs do not
        scan all 16k windows. A window's value does not depend on which others are scanned with it.
        """
        from grenimja.baselines.pwmscan import SEQUENCE_STATISTICS, best_of_matrices, empirical_neglogp

        key = (donor, self.statistic)
        all_genes, x, bg = self._encode()
        done = self._score_cache.setdefault(key, {})
        rows = self._gene_rows()
        wanted = all_genes if genes is None else [g for g in dict.fromkeys(genes) if g in rows]
        todo = [g for g in wanted if g not in done]
        if todo:
            stat = SEQUENCE_STATISTICS[self.statistic]
            pwms = self.matrices[donor]
            if key not in self._background_cache:
                self._background_cache[key] = np.sort(best_of_matrices(bg, pwms, stat))
            sub = x[np.array([rows[g] for g in todo])]
            p = empirical_neglogp(best_of_matrices(sub, pwms, stat), self._background_cache[key])
            done.update(zip(todo, p.tolist(), strict=True))
        return done

    def _gene_rows(self) -> dict[str, int]:
        """Catalogue gene -> its row among the encoded windows."""
        if self._rows is None:
            self._rows = {g: i for i, g in enumerate(self._encode()[0])}
        return self._rows

    def scores(self, proteins: Sequence[str], genes: Sequence[str | None]) -> np.ndarray:
        """(len(proteins), len(genes)) -log10 p of each gene's window under each query's donors, the donors'
        votes (:meth:`donors`) weighing them; 0 for a gene without a window (or None) and for a query
        without a donor."""
        out = np.zeros((len(proteins), len(genes)))
        for i, p in enumerate(proteins):
            for d, vote in zip(*self.donors(p), strict=True):
                s = self._gene_scores(int(d), genes)
                out[i] += vote * np.array([s.get(g, 0.0) if g is not None else 0.0 for g in genes])
        return out

    def variant(self, n_donors: int, statistic: str) -> MotifTransferPart:
        """The same part with ``n_donors`` donors per query and window ``statistic``; scans and encodings
        are shared with this one."""
        from dataclasses import replace

        if statistic not in STATISTICS:
            raise ValueError(f"motif statistic {statistic!r} is not one of {STATISTICS}")
        self._gene_rows()  # encoded before the copy, so the copy shares the encodings
        # replace() hands the copy this part's caches (the same objects); only the donors depend on n_donors
        return replace(self, n_donors=int(n_donors), statistic=statistic, _donor_cache={})

    def to_payload(self) -> dict:
        """Strings, ints and tensors (loads with ``torch.load(weights_only=True)``)."""
        flat = [w for ws in self.matrices for w in ws]
        return {
            "donor_tfs": list(self.donor_tfs),
            "donor_proteins": list(self.donor_proteins),
            # float64 as fitted: window scores tie with background scores, and a rounding would move ties
            "matrices": torch.from_numpy(np.concatenate(flat).astype(np.float64)),
            "matrix_lengths": torch.tensor([len(w) for w in flat], dtype=torch.int32),
            "matrices_per_donor": torch.tensor([len(ws) for ws in self.matrices], dtype=torch.int32),
            "n_background": int(self.n_background),
            "seed": int(self.seed),
            "length": int(self.length),
            "n_donors": int(self.n_donors),
            "donor_power": float(self.donor_power),
            "statistic": self.statistic,
        }

    @classmethod
    def from_payload(cls, d: dict, source: str = "model") -> MotifTransferPart:
        try:
            flat = np.split(
                d["matrices"].numpy().astype(np.float64), np.cumsum(d["matrix_lengths"].numpy())[:-1]
            )
            per = d["matrices_per_donor"].numpy()
            starts = np.concatenate([[0], np.cumsum(per)])
            part = cls(
                donor_tfs=list(d["donor_tfs"]),
                donor_proteins=list(d["donor_proteins"]),
                matrices=[flat[starts[i] : starts[i + 1]] for i in range(len(per))],
                n_background=int(d["n_background"]),
                seed=int(d["seed"]),
                length=int(d["length"]),
                n_donors=int(d.get("n_donors", 1)),  # files before it: the single most identical donor
                donor_power=float(d.get("donor_power", DONOR_POWER)),
                statistic=str(d.get("statistic", "best")),  # files before it: the best window
            )
        except (KeyError, AttributeError, IndexError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{source}: its motif-transfer part is malformed ({exc!r})") from exc
        if not len(part.donor_tfs) == len(part.donor_proteins) == len(part.matrices):
            raise ModelFileError(
                f"{source}: motif-transfer part has {len(part.donor_tfs)} donors, "
                f"{len(part.donor_proteins)} proteins and {len(part.matrices)} matrix sets"
            )
        if part.statistic not in STATISTICS:
            raise ModelFileError(f"{source}: motif statistic {part.statistic!r} is not one of {STATISTICS}")
        if any(w.shape[1:] != (4,) for ws in part.matrices for w in ws):
            raise ModelFileError(f"{source}: motif-transfer matrices must have 4 columns (A, C, G, T)")
        return part
