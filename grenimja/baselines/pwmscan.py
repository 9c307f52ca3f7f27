"""PWMScan baseline: JASPAR (pyjaspar, human CORE) PWMs, max log-odds over the promoter, p-value cut.

PFM -> PPM -> PWM as in the paper: p_ij = (n_ij + c b_j) / (N + c), w_ij = log2(p_ij / b_j), pseudocount
c = 1, b = genome background (hg38 A/T 0.295, C/G 0.205). A promoter's score is the best window on either
strand over all of the TF's matrices. p-values are empirical: the upper tail among ``n_background``
random background-composition promoters of the same length. The p-value cut for the binary call is chosen
on the validation pairs by Optuna (TPE) maximising accuracy. TFs without a JASPAR matrix are excluded and
counted, as in the paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from grenimja.dataset import Dataset

BACKGROUND = np.array([0.295, 0.205, 0.205, 0.295])  # A C G T
_IDX = {c: i for i, c in enumerate("ACGT")}


def pfm_to_pwm(counts: np.ndarray, c: float = 1.0, bg: np.ndarray = BACKGROUND) -> np.ndarray:
    """(L, 4) counts -> (L, 4) log2-odds weights."""
    n = counts.sum(axis=1, keepdims=True)
    p = (counts + c * bg) / (n + c)
    return np.log2(p / bg)


def onehot(seqs: list[str], length: int) -> np.ndarray:
    """(n, length, 4) one-hot of equal-length A/C/G/T sequences."""
    out = np.zeros((len(seqs), length, 4), dtype=np.float32)
    for r, s in enumerate(seqs):
        idx = [_IDX[ch] for ch in s[:length]]
        out[r, np.arange(len(idx)), idx] = 1
    return out


SCORE_DECIMALS = 9  # window scores are rounded to this many decimals (see max_scores)
_CODE = np.full(256, 255, dtype=np.uint8)
_CODE[np.frombuffer(b"ACGT", dtype=np.uint8)] = np.arange(4, dtype=np.uint8)


@dataclass(frozen=True)
class Windows:
    """Equal-length A/C/G/T sequences as 1-, 2- and 3-mer codes, for :func:`max_scores` and
    :func:`occupancy_scores`.

    ``codes[k - 1]`` is (n, length - k + 1) uint8: the k-mer starting at each position, base 4 (A=0, C=1,
    G=2, T=3). A matrix then scores a window with one table look-up per three columns instead of a
    multiply per column and base.
    """

    codes: tuple[np.ndarray, ...]

    @classmethod
    def from_seqs(cls, seqs: Sequence[str], length: int) -> Windows:
        """The first ``length`` bases of each sequence; a base other than A/C/G/T is named and refused."""
        if not seqs:
            return cls.from_codes(np.zeros((0, length), dtype=np.uint8))
        # a non-ASCII character becomes one "?", refused below with its record and position
        joined = "".join(s[:length].upper() for s in seqs).encode("ascii", "replace")
        raw = np.frombuffer(joined, dtype=np.uint8)
        if len(raw) != len(seqs) * length:
            short = next(i for i, s in enumerate(seqs) if len(s) < length)
            raise ValueError(f"sequence {short} has {len(seqs[short])} bases, fewer than {length}")
        c = _CODE[raw].reshape(len(seqs), length)
        if (c == 255).any():
            r, pos = map(int, np.argwhere(c == 255)[0])
            raise ValueError(f"sequence {r}, position {pos + 1}: {seqs[r][pos]!r} is not A, C, G or T")
        return cls.from_codes(c)

    @classmethod
    def from_codes(cls, c: np.ndarray) -> Windows:
        """(n, length) base codes 0..3 -> windows."""
        c = np.asarray(c, dtype=np.uint8)
        codes = [c]
        for k in (2, 3):
            codes.append((codes[-1][:, :-1] * 4 + c[:, k - 1 :]).astype(np.uint8))
        return cls(tuple(codes))

    def __len__(self) -> int:
        return len(self.codes[0])

    @property
    def length(self) -> int:
        return self.codes[0].shape[1]

    def __getitem__(self, rows) -> Windows:
        return Windows(tuple(c[rows] for c in self.codes))


def _kmer_table(cols: np.ndarray) -> np.ndarray:
    """(4 ** k,) summed weights of every k-mer for k columns (k, 4) of a matrix, base-4 order."""
    grid = np.indices((4,) * len(cols)).reshape(len(cols), -1)
    return np.sum([cols[t][grid[t]] for t in range(len(cols))], axis=0)


ROW_CHUNK = 1024  # sequences scored at once: their window-score arrays stay in cache (~1.5 x faster)


def _strand_scores(x: Windows, pwm: np.ndarray):
    """Log-odds score of every window of ``x``, by blocks of :data:`ROW_CHUNK` sequences: yields
    ``(rows, acc)``, ``acc`` (len(rows), n_windows) for the forward then the reverse strand of those rows.
    Each window's sum is the same whatever the blocks (the same columns added in the same order)."""
    m, L = len(pwm), x.length
    n_win = L - m + 1
    if n_win < 1:
        raise ValueError(f"matrix of {m} columns is longer than the {L} bp sequences")
    pwm = np.asarray(pwm, dtype=np.float64)
    tables = [
        [(j, min(3, m - j), _kmer_table(w[j : j + min(3, m - j)])) for j in range(0, m, 3)]
        for w in (pwm, pwm[::-1, ::-1])
    ]
    for start in range(0, len(x), ROW_CHUNK):
        rows = slice(start, min(start + ROW_CHUNK, len(x)))
        for strand in tables:
            acc = np.zeros((rows.stop - rows.start, n_win))
            for j, k, table in strand:
                acc += table[x.codes[k - 1][rows, j : j + n_win]]
            yield rows, acc


def max_scores(x: Windows, pwm: np.ndarray) -> np.ndarray:
    """Best window log-odds score on either strand, (n,) for windows ``x`` and a matrix ``pwm`` (m, 4).

    Scores are rounded to :data:`SCORE_DECIMALS` decimals. Windows of equal score (the same k-mer, or
    k-mers over columns with equal weights) then tie exactly whatever the order of the sum; empirical
    p-values compare a window with background windows, so an unrounded float sum would break those ties
    differently with the summation order (and with the CPU's vector width).
    """
    best = np.full(len(x), -np.inf)
    for rows, acc in _strand_scores(x, pwm):
        best[rows] = np.maximum(best[rows], acc.max(axis=1))
    return np.round(best, SCORE_DECIMALS)


def occupancy_scores(x: Windows, pwm: np.ndarray) -> np.ndarray:
    """``log2`` of the summed odds ``2 ** score`` over every window of both strands, (n,), rounded as
    :func:`max_scores`: all sites of a sequence count, each by its odds (the best window's score plus the
    log2 of how much the weaker sites add; an expected-occupancy score, not one site's)."""
    total = np.zeros(len(x))
    for rows, acc in _strand_scores(x, pwm):
        total[rows] += np.exp2(acc).sum(axis=1)
    return np.round(np.log2(total), SCORE_DECIMALS)


SEQUENCE_STATISTICS = {"best": max_scores, "occupancy": occupancy_scores}


def best_of_matrices(x: Windows, pwms: Sequence[np.ndarray], statistic=max_scores) -> np.ndarray:
    """(n,) the highest ``statistic`` (:data:`SEQUENCE_STATISTICS`) of each sequence over a TF's matrices."""
    return np.max([statistic(x, w) for w in pwms], axis=0)


def background_windows(n: int, length: int, seed: int = 0) -> Windows:
    """``n`` random sequences of genome background composition (:data:`BACKGROUND`), seeded."""
    rng = np.random.default_rng(seed)
    return Windows.from_codes(rng.choice(4, size=(n, length), p=BACKGROUND))


def empirical_neglogp(scores: np.ndarray, background: np.ndarray) -> np.ndarray:
    """-log10 of the empirical upper-tail p-value, (n,): ``(#background >= score + 1) / (n_bg + 1)``.

    ``background`` is sorted ascending (best score of each background sequence).
    """
    ge = len(background) - np.searchsorted(background, scores, side="left")
    return -np.log10((ge + 1) / (len(background) + 1))


def jaspar_pwms(mapper=None) -> dict[str, list[np.ndarray]]:
    """Human CORE JASPAR matrices by TF symbol (heterodimer matrices 'A::B' are left out)."""
    from pyjaspar import jaspardb

    db = jaspardb()
    out: dict[str, list[np.ndarray]] = {}
    for m in db.fetch_motifs(collection="CORE", tax_group=["vertebrates"], species=["9606"]):
        if "::" in m.name:
            continue
        name = m.name.upper()
        if mapper is not None:
            name = mapper.map(name) or name
        counts = np.array([m.counts[b] for b in "ACGT"], dtype=float).T
        out.setdefault(name, []).append(pfm_to_pwm(counts))
    return out


class PWMScan:
    name = "PWMScan (JASPAR)"

    def __init__(self, n_background: int = 2000, seed: int = 0, n_trials: int = 40):
        self.n_background, self.seed, self.n_trials = n_background, seed, n_trials

    def fit(self, ds: Dataset, split: str) -> PWMScan:
        self.prepare(ds)
        va = ds.split(split, "valid")
        va = va[[self.matrices(t) is not None for t in va["tf_i"]]]
        self.log_p_cut = self._tune(va) if len(va) else 2.0
        return self

    def prepare(self, ds: Dataset) -> PWMScan:
        """Matrices, promoters and background of ``ds``: enough for :meth:`neglogp`, no p-value cut."""
        from grenimja.data.names import load_mapper

        self.pwms = jaspar_pwms(load_mapper())
        length = int(ds.genes["promoter"].str.len().min())
        self.x = Windows.from_seqs(ds.genes["promoter"].tolist(), length)
        self.bg = background_windows(self.n_background, length, self.seed)
        self.tf_names = ds.tfs["tf"].tolist()
        self._cache: dict[int, np.ndarray] = {}
        self._prepare(ds)
        return self

    def _prepare(self, ds: Dataset) -> None:
        """Hook for subclasses that choose the matrices of a TF differently."""

    def matrices(self, tf: int) -> list[np.ndarray] | None:
        """The PWMs that score TF ``tf`` (index into the dataset's TFs): its own JASPAR matrices."""
        return self.pwms.get(self.tf_names[tf])

    def _background(self, tf: int) -> np.ndarray:
        """Sorted best background score per random promoter for one TF's matrices, (n_background,)."""
        if tf not in self._cache:
            self._cache[tf] = np.sort(best_of_matrices(self.bg, self.matrices(tf)))
        return self._cache[tf]

    def neglogp(self, pairs: pd.DataFrame) -> np.ndarray:
        """-log10 empirical p-value of each pair's promoter for its TF (NaN for TFs without matrices).

        Only the promoters that occur in ``pairs`` are scanned, each once per TF.
        """
        out = np.full(len(pairs), np.nan)
        genes = pairs["gene_i"].to_numpy()
        for tf, idx in pairs.groupby("tf_i").indices.items():
            pwms = self.matrices(int(tf))
            if pwms is None:
                continue
            u, inv = np.unique(genes[idx], return_inverse=True)
            out[idx] = empirical_neglogp(best_of_matrices(self.x[u], pwms), self._background(int(tf)))[inv]
        return out

    def _tune(self, va: pd.DataFrame) -> float:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        s, y = self.neglogp(va), va["label"].to_numpy()
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=self.seed))
        study.optimize(
            lambda t: float(((s >= t.suggest_float("neglog10_p", 0.0, 3.5)) == y).mean()),
            n_trials=self.n_trials,
        )
        return float(study.best_params["neglog10_p"])

    def score(self, pairs: pd.DataFrame) -> np.ndarray:
        """Probability-like score: 0.5 at the tuned p-value cut (NaN for TFs without a matrix)."""
        s = self.neglogp(pairs)
        return 1 / (1 + np.exp(-(s - self.log_p_cut) * 3))


class MotifTransfer(PWMScan):
    """PWMScan with the matrices of the most identical *other* TF that has JASPAR matrices.

    What a biologist does for a TF without a known motif: borrow the motif of its closest homolog.
    Donors are all human JASPAR CORE TFs with a full-length protein in the data directory (JASPAR is not
    this project's training data, so any TF but the scored one may donate); identity is the dataset's
    Smith-Waterman identity over the shorter length. ``donors`` records (donor, identity) per TF.
    """

    name = "motif transfer (nearest JASPAR TF)"
    coverage_note = "no other TF with a JASPAR matrix"

    def _prepare(self, ds: Dataset) -> None:
        from grenimja.data.names import load_mapper
        from grenimja.data.sequences import read_tf_proteins

        prot, _ = read_tf_proteins("full", load_mapper())
        prot = prot[prot["tf"].isin(set(self.pwms))].reset_index(drop=True)
        self.donor_tfs = prot["tf"].tolist()
        self.donor_seqs = prot["protein"].tolist()
        self.proteins = ds.tfs["protein"].tolist()
        self.donors: dict[int, tuple[str, float] | None] = {}

    def donor(self, tf: int) -> tuple[str, float] | None:
        """(symbol, identity) of the TF whose matrices score ``tf``; None when no other TF has one."""
        if tf not in self.donors:
            from grenimja.homology import identity_to

            ident = identity_to(self.proteins[tf], self.donor_seqs)
            own = [k for k, t in enumerate(self.donor_tfs) if t == self.tf_names[tf]]
            ident[own] = -1.0
            k = int(np.argmax(ident)) if len(ident) else -1
            self.donors[tf] = None if k < 0 or ident[k] < 0 else (self.donor_tfs[k], float(ident[k]))
        return self.donors[tf]

    def matrices(self, tf: int) -> list[np.ndarray] | None:
        d = self.donor(tf)
        return None if d is None else self.pwms[d[0]]
