"""PWMScan baseline: JASPAR (pyjaspar, human CORE) PWMs, max log-odds over the promoter, p-value cut.

PFM -> PPM -> PWM as in the paper: p_ij = (n_ij + c b_j) / (N + c), w_ij = log2(p_ij / b_j), pseudocount
c = 1, b = genome background (hg38 A/T 0.295, C/G 0.205). A promoter's score is the best window on either
strand over all of the TF's matrices. p-values are empirical: the upper tail among ``n_background``
random background-composition promoters of the same length. The p-value cut for the binary call is chosen
on the validation pairs by Optuna (TPE) maximising accuracy. TFs without a JASPAR matrix are excluded and
counted, as in the paper.
"""

from __future__ import annotations

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


def max_scores(x: np.ndarray, pwm: np.ndarray) -> np.ndarray:
    """Best window score on either strand, (n,) for one-hot x (n, L, 4) and pwm (m, 4)."""
    m = len(pwm)
    rc = pwm[::-1, ::-1]
    best = np.full(len(x), -np.inf)
    for w in (pwm, rc):
        for s in range(x.shape[1] - m + 1):
            best = np.maximum(best, np.einsum("nlk,lk->n", x[:, s : s + m], w))
    return best


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
        self.x = onehot(ds.genes["promoter"].tolist(), length)
        rng = np.random.default_rng(self.seed)
        bgi = rng.choice(4, size=(self.n_background, length), p=BACKGROUND)
        self.bg = np.eye(4, dtype=np.float32)[bgi]
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
            self._cache[tf] = np.sort(np.max([max_scores(self.bg, w) for w in self.matrices(tf)], axis=0))
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
            s = np.max([max_scores(self.x[u], w) for w in pwms], axis=0)
            b = self._background(int(tf))
            ge = len(b) - np.searchsorted(b, s, side="left")
            out[idx] = -np.log10((ge + 1) / (len(b) + 1))[inv]
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
