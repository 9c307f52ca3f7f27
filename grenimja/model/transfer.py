"""Homology transfer: a TF x gene term from the training targets of similar TFs.

``share(t, g) = sum_s w_ts * y_sg`` over the training TFs ``s``, where ``y_sg`` is 1 when ``s`` regulates
``g`` in the training part and ``w_ts`` is the Smith-Waterman identity of ``t`` to ``s`` raised to
``power`` and normalised over ``s``. With ``centre`` the term is ``share - d_g``, ``d_g`` being the share
of all training TFs regulating ``g`` (the gene's popularity), so it carries none of it. ``identity``
says what ``t`` is aligned to: the training TFs' full-length proteins (``"full"``) or their DNA-binding
domains where known (``"dbd"``; the query is always the full-length protein, and the local alignment
finds its DBD). The network's logit plus ``weight`` times this term is the score of a model file that
carries one (``payload["transfer"]``); all its settings are chosen on the validation part
(:func:`choose_transfer`).

With ``similarity="targets"`` the weights of a query that *is* a training TF (same full-length protein)
come from the training targets themselves rather than from sequence: ``w_t`` is column ``t`` of EASE's
item-item matrix (Steck 2019, closed-form ridge regression of each TF's target vector on the other TFs',
zero diagonal, ridge ``ease_lambda``), so ``share(t, g)`` is the regression's prediction of ``y_tg`` from
the TFs that regulate ``g``. It needs the TF's own training targets, so it helps known TFs only; any
other query (an unseen TF, an uploaded protein) falls back to the identity weights above.

``smooth`` (0..1) denoises the targets the weights vote with: ``y`` becomes ``(1 - smooth) y + smooth
B^T y``, each training TF's targets blended with EASE's prediction of them from the TFs that share them.
A homolog's ChIP-seq or curated target list is a sample of what it regulates; the blend lets a query
inherit the targets its homolog's target-sharing partners have, too.

``lift`` replaces the share by ``ln(share / m + LIFT_FLOOR)``, ``m`` being the query's share averaged over
all training genes: how many times more the query's homologs regulate the gene than they regulate an
average gene, on a log scale. Why: the share's scale is that of the homologs' target counts, so pooled over
TFs (the paper protocol's pooled AUROC, a threshold a user reads across TFs) a target of a TF whose
homologs have few targets ranks below a non-target of a TF whose homologs have many. Each TF's validation
pairs hold one target per random non-target, so the ranking that is best across TFs is each pair's
likelihood ratio, P(gene | target of t) / P(gene | random gene), which for a share that estimates
P(t regulates gene) is the share over its mean over genes. The log keeps the term's range to about
[-4.6, 10] (ln 0.01 to ln of the gene count) where the ratio itself reaches thousands for a TF whose
homologs have a dozen targets, which would swamp the network's logit, the calibration and a panel mean.
It is monotone per query, so no TF's own ranking changes. The centred term has no ratio: ``lift`` needs
``centre`` False.

Why: on held-out TFs under degree-matched negatives the network's own ranking is gene popularity, while
the targets of a TF's homologs carry TF-specific signal (CIS-BP-style inference of motifs from DBD
identity rests on the same fact). Why the uncentred share is on offer: the centred term is negative for
every popular gene its nearest homologs do not regulate, so under the paper's random negatives it
ranks against popularity; the share needs no centring to be popularity-free under degree-matched
negatives, where positives and negatives have the same popularity.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from grenimja.errors import ModelFileError
from grenimja.model.kmers import PromoterKmers
from grenimja.model.motifs import DONOR_COUNTS, MOTIF_FACTORS, STATISTICS, MotifTransferPart
from grenimja.model.own_kmers import OWN_KMER_FACTORS, OWN_KMER_K, OWN_KMER_LENGTH, OwnTargetKmers

# a gene none of a query's homologs regulates would get ln 0; it gets ln 0.01, below every regulated gene
LIFT_FLOOR = 0.01


def _per_pair(matrix, rows: Sequence, cols: Sequence, row_idx: np.ndarray, col_idx: np.ndarray) -> np.ndarray:
    """``matrix(rows', cols')[i, j]`` for pairs (rows[row_idx[k]], cols[col_idx[k]]), (n_pairs,): the matrix
    is computed once over the distinct rows and columns the pairs use."""
    r_u, r_inv = np.unique(np.asarray(row_idx), return_inverse=True)
    c_u, c_inv = np.unique(np.asarray(col_idx), return_inverse=True)
    return matrix([rows[i] for i in r_u], [cols[i] for i in c_u])[r_inv, c_inv]


def ease_matrix(y: np.ndarray, lam: float) -> np.ndarray:
    """(n, n) EASE item-item matrix of target rows ``y`` (n_tfs, n_genes): column t weighs the other rows
    to predict row t's targets (closed-form ridge ``lam``, zero diagonal; Steck 2019)."""
    p = np.linalg.inv(y @ y.T + lam * np.eye(len(y)))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b


@dataclass
class HomologyTransfer:
    """Training targets of ``tfs`` over ``genes`` and the two settings of the term.

    ``pos_tf`` / ``pos_gene`` (int arrays of equal length) index ``tfs`` / ``genes``: one entry per
    training positive. ``proteins`` are the sequences a query is aligned to: the training TFs' full-length
    proteins (``identity="full"``) or their DNA-binding domains (``"dbd"``, full length where none is known).
    """

    tfs: list[str]
    proteins: list[str]
    genes: list[str]
    pos_tf: np.ndarray
    pos_gene: np.ndarray
    power: float = 4.0
    weight: float = 1.0
    centre: bool = True
    identity: str = "full"
    similarity: str = "identity"
    ease_lambda: float = 200.0
    smooth: float = 0.0
    lift: bool = False
    kmers: PromoterKmers | None = field(default=None, repr=False)
    kmer_weight: float = 0.0
    motifs: MotifTransferPart | None = field(default=None, repr=False)
    motif_weight: float = 0.0
    own: OwnTargetKmers | None = field(default=None, repr=False)
    own_weight: float = 0.0
    popularity_weight: float = 0.0
    _ident_cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        y = np.zeros((len(self.tfs), len(self.genes)), dtype=np.float32)
        y[self.pos_tf, self.pos_gene] = 1.0
        self._y = y
        self._degree = y.mean(axis=0)
        # the popularity part's scale: standardised over the training genes, so its weight is in sd units
        self._degree_mean, self._degree_sd = float(self._degree.mean()), float(self._degree.std()) or 1.0
        self._gene_col = {g: i for i, g in enumerate(self.genes)}
        if self.similarity not in ("identity", "targets"):
            raise ValueError(f"similarity must be 'identity' or 'targets', not {self.similarity!r}")
        if self.similarity == "targets" and self.identity != "full":
            # a query is recognised as a training TF by its full-length protein
            raise ValueError(
                "similarity 'targets' needs the training TFs' full-length proteins (identity 'full')"
            )
        if not 0.0 <= self.smooth <= 1.0:
            raise ValueError(f"smooth must lie in [0, 1], not {self.smooth}")
        if self.lift and self.centre:
            raise ValueError("lift is a ratio of the uncentred share: it needs centre False")
        # keyed by the settings they derive from: an attribute changed on a live term never serves a stale matrix
        self._ease: dict[float, np.ndarray] = {}
        self._smoothed: dict[tuple[float, float], np.ndarray] = {}
        self._rates: dict[tuple[float, float], np.ndarray] = {}

    def targets(self, smooth: float | None = None) -> np.ndarray:
        """(n_training_tfs, n_genes) training targets the weights vote with: 0/1, blended with EASE's
        prediction of them by ``smooth`` (the term's own unless given; cached per value and ridge)."""
        s = self.smooth if smooth is None else smooth
        if s == 0:
            return self._y
        key = (float(s), float(self.ease_lambda))
        if key not in self._smoothed:
            y = self._y.astype(np.float64)
            self._smoothed[key] = ((1 - s) * y + s * (self.ease_weights().T @ y)).astype(np.float32)
        return self._smoothed[key]

    def target_rates(self, smooth: float | None = None) -> np.ndarray:
        """(n_training_tfs,) each training TF's mean over all genes of :meth:`targets` (the share of genes
        it regulates), in float64; cached like the targets, as every lifted term divides by it."""
        s = self.smooth if smooth is None else smooth
        key = (float(s), float(self.ease_lambda) if s else 0.0)
        if key not in self._rates:
            self._rates[key] = self.targets(s).mean(axis=1, dtype=np.float64)
        return self._rates[key]

    def ease_weights(self) -> np.ndarray:
        """(n_training_tfs, n_training_tfs) EASE item-item matrix B; column t weighs the other TFs' targets
        to predict t's (zero diagonal). Computed once per ``ease_lambda`` from the training targets."""
        lam = float(self.ease_lambda)
        if lam not in self._ease:
            self._ease[lam] = ease_matrix(self._y.astype(np.float64), lam)
        return self._ease[lam]

    @classmethod
    def fit(
        cls,
        ds,
        split: str,
        power: float = 4.0,
        weight: float = 1.0,
        dbd: dict[str, str] | None = None,
        centre: bool = True,
        similarity: str = "identity",
        ease_lambda: float = 200.0,
    ) -> HomologyTransfer:
        """The training part's positives of ``split`` in dataset ``ds`` (a :class:`grenimja.dataset.Dataset`).

        ``dbd``: DNA-binding-domain sequence by TF symbol; given, queries are aligned to the training TFs'
        DBDs (``identity="dbd"``), to the full length of those without one. ``similarity``/``ease_lambda``:
        see the module docstring.
        """
        tr = ds.split(split, "train")
        tfs = ds.tfs[ds.tfs["tf"].isin(set(tr["tf"]))]
        row = {t: i for i, t in enumerate(tfs["tf"])}
        pos = tr[tr["label"] == 1]
        full = tfs["protein"].tolist()
        return cls(
            tfs=tfs["tf"].tolist(),
            proteins=full if dbd is None else [dbd.get(t) or p for t, p in zip(tfs["tf"], full, strict=True)],
            genes=ds.genes[
                "gene"
            ].tolist(),  # columns in the dataset's order, so a positive's column is gene_i
            pos_tf=pos["tf"].map(row).to_numpy(np.int64),
            pos_gene=pos["gene_i"].to_numpy(np.int64),
            power=power,
            weight=weight,
            centre=centre,
            identity="full" if dbd is None else "dbd",
            similarity=similarity,
            ease_lambda=ease_lambda,
        )

    def identities(self, proteins: Sequence[str]) -> np.ndarray:
        """(len(proteins), n_training_tfs) Smith-Waterman identities (cached per protein sequence)."""
        from grenimja.homology import identity_to

        for p in proteins:
            if p not in self._ident_cache:
                self._ident_cache[p] = identity_to(p, self.proteins)
        return (
            np.stack([self._ident_cache[p] for p in proteins]) if proteins else np.zeros((0, len(self.tfs)))
        )

    def remember_identities(
        self, proteins: Sequence[str], identities: np.ndarray, source: str = "model"
    ) -> None:
        """Take (len(proteins), n_training_tfs) identities computed earlier by :meth:`identities` (e.g. the
        gene reference panel's, stored in the model file) so these proteins are not aligned again."""
        identities = np.asarray(identities, dtype=np.float32)
        if identities.shape != (len(proteins), len(self.tfs)):
            raise ModelFileError(
                f"{source}: stored identities have shape {identities.shape}, expected "
                f"({len(proteins)}, {len(self.tfs)}) for this transfer term's training TFs"
            )
        for p, row in zip(proteins, identities, strict=True):
            self._ident_cache[p] = row

    def weights(self, proteins: Sequence[str], power: float | None = None) -> np.ndarray:
        """(len(proteins), n_training_tfs) weights of the training TFs' targets for each query: identity^power
        normalised to sum 1, or with ``similarity="targets"`` the EASE column of a query that is a training
        TF (identical full-length protein); only queries without one are aligned."""
        w = np.zeros((len(proteins), len(self.tfs)))
        rows = np.full(len(proteins), -1, dtype=np.int64)
        if self.similarity == "targets":
            rows = self.own_rows(proteins)
            if (rows >= 0).any():
                w[rows >= 0] = self.ease_weights()[:, rows[rows >= 0]].T
        other = np.flatnonzero(rows < 0)
        if len(other):
            ident = self.identities([proteins[i] for i in other]).astype(np.float64)
            ident **= self.power if power is None else power
            w[other] = ident / np.maximum(ident.sum(axis=1, keepdims=True), 1e-12)
        return w

    def own_rows(self, proteins: Sequence[str]) -> np.ndarray:
        """(len(proteins),) each query's row among the training TFs where it is one (the same full-length
        protein), else -1. Only a term aligned to full-length proteins (``identity`` full) can tell; with
        ``dbd`` every query gets -1."""
        if self.identity != "full":
            return np.full(len(proteins), -1, dtype=np.int64)
        row_of = {p: i for i, p in enumerate(self.proteins)}
        return np.array([row_of.get(p, -1) for p in proteins], dtype=np.int64)

    def own_interaction(self, proteins: Sequence[str], genes: Sequence[str | None]) -> np.ndarray:
        """(len(proteins), len(genes)) own-target k-mer part (:mod:`grenimja.model.own_kmers`): a query that
        is a training TF scores the genes' 300 bp windows with its own signature; 0 without the part."""
        if self.own is None:
            return np.zeros((len(proteins), len(genes)))
        return self.own.scores(self.own_rows(proteins), genes)

    def interaction(
        self,
        proteins: Sequence[str],
        genes: Sequence[str | None],
        power: float | None = None,
        centre: bool | None = None,
        smooth: float | None = None,
        lift: bool | None = None,
        floor: float = LIFT_FLOOR,
    ) -> np.ndarray:
        """(len(proteins), len(genes)) term (share, share minus popularity with ``centre``, or the log of
        the share over the query's mean share with ``lift``); 0 for a gene absent from the training genes or
        None (under ``lift``, what an average gene gets: no term either way). ``power``/``centre``/``smooth``/
        ``lift`` override the term's; ``floor`` is what the lift adds to the ratio before the log (model files
        use ``LIFT_FLOOR``; other values are for studying it)."""
        w = self.weights(proteins, power)
        y = self.targets(smooth)
        cols = np.array([self._gene_col.get(g, -1) if g is not None else -1 for g in genes], dtype=np.int64)
        known = cols >= 0
        out = np.zeros((len(proteins), len(genes)))
        if known.any():
            c = cols[known]
            centred = self.centre if centre is None else centre
            out[:, known] = w @ y[:, c] - (self._degree[c] if centred else 0.0)
            if self.lift if lift is None else lift:
                if centred:
                    raise ValueError("lift is a ratio of the uncentred share: it needs centre False")
                # mean over genes of w @ y is w @ (mean over genes of y): no query x all-genes product;
                # smoothed targets can dip below 0, a share is floored at 0 before the ratio
                mean_share = np.maximum(w @ self.target_rates(smooth), 1e-12)[:, None]
                out[:, known] = np.log(np.maximum(out[:, known], 0.0) / mean_share + floor)
        return out

    def pair_interaction(
        self,
        proteins: Sequence[str],
        genes: Sequence[str | None],
        tf_idx: np.ndarray,
        gene_idx: np.ndarray,
        power: float | None = None,
        centre: bool | None = None,
        smooth: float | None = None,
        lift: bool | None = None,
        floor: float = LIFT_FLOOR,
    ) -> np.ndarray:
        """:meth:`interaction` of pairs (proteins[tf_idx[k]], genes[gene_idx[k]]), shape (n_pairs,); each
        distinct TF and gene is computed once."""
        return _per_pair(
            lambda p, g: self.interaction(p, g, power, centre, smooth, lift, floor),
            proteins,
            genes,
            tf_idx,
            gene_idx,
        )

    def sequence_interaction(self, proteins: Sequence[str], promoters: Sequence[str]) -> np.ndarray:
        """(len(proteins), len(promoters)) promoter k-mer term (:mod:`grenimja.model.kmers`): each query's
        weighted training TFs' k-mer signatures against each promoter; 0 without a k-mer term."""
        if self.kmers is None:
            return np.zeros((len(proteins), len(promoters)))
        return self.kmers.scores(self.weights(proteins), promoters)

    def pair_sequence_interaction(
        self, proteins: Sequence[str], promoters: Sequence[str], tf_idx: np.ndarray, gene_idx: np.ndarray
    ) -> np.ndarray:
        """:meth:`sequence_interaction` of pairs (proteins[tf_idx[k]], promoters[gene_idx[k]]), (n_pairs,)."""
        return _per_pair(self.sequence_interaction, proteins, promoters, tf_idx, gene_idx)

    def pair_logits(
        self,
        proteins: Sequence[str],
        genes: Sequence[str | None],
        promoters: Sequence[str] | None,
        tf_idx: np.ndarray,
        gene_idx: np.ndarray,
    ) -> np.ndarray:
        """What the term adds to the logits of pairs k = (proteins[tf_idx[k]], genes[gene_idx[k]] with
        promoter promoters[gene_idx[k]]), (n_pairs,) float64: ``weight`` x :meth:`pair_interaction`, plus
        ``kmer_weight`` x :meth:`pair_sequence_interaction` where the term carries k-mer signatures and
        ``promoters`` are given, plus ``motif_weight`` x the motif-transfer part
        (:class:`grenimja.model.motifs.MotifTransferPart`, catalogue genes' 300 bp windows) where it carries
        one, plus ``own_weight`` x the own-target k-mer part (:meth:`own_interaction`) where it carries
        one, plus ``popularity_weight`` x :meth:`popularity`. A part whose weight is 0 is not computed, nor a
        gene-keyed part where no gene is named (it would be 0)."""
        z = np.zeros(len(tf_idx), dtype=np.float64)
        if len(tf_idx) == 0:
            return z
        if self.weight != 0 and not all(g is None for g in genes):
            z += self.weight * self.pair_interaction(proteins, genes, tf_idx, gene_idx)
        if promoters is not None and self.kmers is not None and self.kmer_weight != 0:
            z += self.kmer_weight * self.pair_sequence_interaction(proteins, promoters, tf_idx, gene_idx)
        if self.motifs is not None and self.motif_weight != 0 and not all(g is None for g in genes):
            z += self.motif_weight * _per_pair(self.motifs.scores, proteins, genes, tf_idx, gene_idx)
        if self.own is not None and self.own_weight != 0 and not all(g is None for g in genes):
            z += self.own_weight * _per_pair(self.own_interaction, proteins, genes, tf_idx, gene_idx)
        if self.popularity_weight != 0 and not all(g is None for g in genes):
            z += self.popularity_weight * self.popularity(genes)[np.asarray(gene_idx)]
        return z

    def popularity(self, genes: Sequence[str | None]) -> np.ndarray:
        """(len(genes),) the popularity part: each gene's share of training TFs regulating it, standardised
        over the training genes (mean 0, sd 1); 0, an average gene, for a gene absent from them or None.

        Why: under degree-matched negatives a TF's targets and non-targets are equally popular, so the
        popularity a score carries only blurs each TF's ranking, while under the paper's random negatives it
        ranks targets first. A negative ``popularity_weight``, chosen on validation by the criterion that
        weighs both protocols (:func:`choose_popularity_weight`), takes part of it out of every TF's ranking.
        The weight is a gene bias: a gene's TF-specificity (its logit less its mean over TFs) does not move.
        """
        d = self.gene_degree(genes)
        return np.where(np.isnan(d), 0.0, (d - self._degree_mean) / self._degree_sd)

    def gene_degree(self, genes: Sequence[str | None]) -> np.ndarray:
        """(len(genes),) share of the training TFs regulating each gene (the gene-degree prior); NaN for a
        gene absent from the training genes or None."""
        idx = np.array([self._gene_col.get(g, -1) if g is not None else -1 for g in genes], dtype=np.int64)
        return np.where(idx >= 0, self._degree[np.maximum(idx, 0)], np.nan)

    def logits(
        self, proteins: Sequence[str], genes: Sequence[str | None], promoters: Sequence[str] | None = None
    ) -> np.ndarray:
        """``weight`` x :meth:`interaction`, plus ``kmer_weight`` x :meth:`sequence_interaction` of
        ``promoters`` (the genes' promoter sequences, in their order) when given, plus ``motif_weight`` x
        the motif-transfer part and ``own_weight`` x the own-target k-mer part where the term carries them,
        plus ``popularity_weight`` x :meth:`popularity`: what the term adds to the network's logits,
        (len(proteins), len(genes))."""
        z = self.weight * self.interaction(proteins, genes)
        if promoters is not None and self.kmers is not None and self.kmer_weight:
            z = z + self.kmer_weight * self.sequence_interaction(proteins, promoters)
        if self.motifs is not None and self.motif_weight:
            z = z + self.motif_weight * self.motifs.scores(proteins, genes)
        if self.own is not None and self.own_weight:
            z = z + self.own_weight * self.own_interaction(proteins, genes)
        if self.popularity_weight:
            z = z + self.popularity_weight * self.popularity(genes)[None, :]
        return z

    def to_payload(self) -> dict:
        """A dict of strings, floats and tensors (loads with ``torch.load(weights_only=True)``)."""
        return {
            "tfs": list(self.tfs),
            "proteins": list(self.proteins),
            "genes": list(self.genes),
            "pos_tf": torch.from_numpy(np.array(self.pos_tf, dtype=np.int32)),
            "pos_gene": torch.from_numpy(np.array(self.pos_gene, dtype=np.int32)),
            "power": float(self.power),
            "weight": float(self.weight),
            "centre": bool(self.centre),
            "identity": str(self.identity),
            "similarity": str(self.similarity),
            "ease_lambda": float(self.ease_lambda),
            "smooth": float(self.smooth),
            "lift": bool(self.lift),
            "kmer_weight": float(self.kmer_weight),
            **({} if self.kmers is None else {"kmers": self.kmers.to_payload()}),
            "motif_weight": float(self.motif_weight),
            **({} if self.motifs is None else {"motifs": self.motifs.to_payload()}),
            "own_kmer_weight": float(self.own_weight),
            **({} if self.own is None else {"own_kmers": self.own.to_payload()}),
            "popularity_weight": float(self.popularity_weight),
        }

    @classmethod
    def from_payload(cls, d: dict, source: str = "model") -> HomologyTransfer:
        try:
            t = cls(
                tfs=list(d["tfs"]),
                proteins=list(d["proteins"]),
                genes=list(d["genes"]),
                pos_tf=d["pos_tf"].numpy().astype(np.int64),
                pos_gene=d["pos_gene"].numpy().astype(np.int64),
                power=float(d["power"]),
                weight=float(d["weight"]),
                centre=bool(d.get("centre", True)),  # files written before the option had the centred term
                identity=str(d.get("identity", "full")),
                similarity=str(d.get("similarity", "identity")),  # files before it: sequence identity
                ease_lambda=float(d.get("ease_lambda", 200.0)),
                smooth=float(d.get("smooth", 0.0)),
                lift=bool(d.get("lift", False)),  # files before it: the share's own scale
                kmer_weight=float(d.get("kmer_weight", 0.0)),  # files before it: no promoter k-mer term
            )
        except (KeyError, AttributeError, IndexError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{source}: its homology-transfer term is malformed ({exc!r})") from exc
        if len(t.proteins) != len(t.tfs):
            raise ModelFileError(
                f"{source}: homology-transfer term has {len(t.tfs)} TFs but {len(t.proteins)} proteins"
            )
        if "kmers" in d:
            t.kmers = PromoterKmers.from_payload(d["kmers"], len(t.tfs), source)
        t.motif_weight = float(d.get("motif_weight", 0.0))  # files before it: no motif-transfer part
        if "motifs" in d:
            t.motifs = MotifTransferPart.from_payload(d["motifs"], source)
        t.own_weight = float(d.get("own_kmer_weight", 0.0))  # files before it: no own-target k-mer part
        if "own_kmers" in d:
            t.own = OwnTargetKmers.from_payload(d["own_kmers"], len(t.tfs), source)
        t.popularity_weight = float(d.get("popularity_weight", 0.0))  # files before it: no popularity part
        return t


POWERS = (1.0, 2.0, 4.0, 8.0, 16.0)
WEIGHTS = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 1024.0, 4096.0)
CENTRES = (True, False)
EASE_LAMBDAS = (50.0, 200.0, 1000.0)
SMOOTHS = (0.0, 0.5)  # identity terms: raw targets, or half EASE's prediction of them (ridge 200)
LIFTS = (False, True)


def best_row(grid: pd.DataFrame) -> pd.Series:
    """The grid row :func:`choose_transfer` picks: the highest criterion, the first of equals (grid order)."""
    return grid.loc[grid["criterion"].round(10).idxmax()]


def choose_transfer(
    base: dict[str, pd.DataFrame],
    transfer: HomologyTransfer | Sequence[HomologyTransfer],
    proteins: Sequence[str],
    genes: Sequence[str],
    powers: Sequence[float] = POWERS,
    weights: Sequence[float] = WEIGHTS,
    centres: Sequence[bool] = CENTRES,
    smooths: Sequence[float] = (0.0,),
    lifts: Sequence[bool] = (False,),
) -> tuple[HomologyTransfer, pd.DataFrame]:
    """Grid-search candidate term (identity full / dbd, or similarity "targets" with its ridge) x centre x
    ``power`` x ``weight`` on validation pairs; returns the chosen term and the grid.

    Parameters
    ----------
    base
        ``{"paper": frame, "degree-matched": frame}``: validation pairs of the two protocols with columns
        tf, tf_i, gene_i, label and ``logit`` (the network's logit).
    transfer
        One term, or several fitted alike but weighing training TFs differently (``identity`` full / dbd,
        ``similarity`` "targets" with one ``ease_lambda`` each).
    proteins, genes
        Protein sequence per ``tf_i`` and gene symbol per ``gene_i`` (the dataset's tables).

    The criterion is the sum of the degree-matched per-TF AUROC (mean over the TFs with at least
    ``MIN_POSITIVES`` positives, as the test targets read it, where any TF has that many:
    :func:`grenimja.metrics.selection_min_positives`) and the paper protocol's pooled AUROC:
    a term that buys TF-specificity by giving up the popularity signal the paper protocol rewards (or the
    reverse) does not win. ``smooths``: values of ``smooth`` tried for identity terms; ``lifts``: values of
    ``lift`` tried for every term. Ties go to the first in grid order (smaller weight first).
    """
    from grenimja.metrics import auroc_summary

    candidates = [transfer] if isinstance(transfer, HomologyTransfer) else list(transfer)
    k_min = _valid_min_positives(base)
    rows = []
    for k, term in enumerate(candidates):
        for centre in centres:
            # a "targets" term weighs training TFs by EASE; its power only serves queries that are not
            # training TFs (none on a split's validation part), so it keeps the one it was made with
            for power, smooth, lift in itertools.product(
                powers if term.similarity == "identity" else (term.power,),
                smooths if term.similarity == "identity" else (0.0,),
                lifts,
            ):
                if lift and centre:  # a ratio of the uncentred share only
                    continue
                inter = {
                    name: term.pair_interaction(
                        proteins,
                        genes,
                        f["tf_i"].to_numpy(),
                        f["gene_i"].to_numpy(),
                        power,
                        centre,
                        smooth,
                        lift,
                    )
                    for name, f in base.items()
                }
                for weight in weights:
                    row = {"identity": term.identity, "similarity": term.similarity, "candidate": k}
                    row |= {"ease_lambda": term.ease_lambda if term.similarity == "targets" else np.nan}
                    row |= {
                        "smooth": smooth,
                        "lift": lift,
                        "centre": centre,
                        "power": power,
                        "weight": weight,
                    }
                    for name, f in base.items():
                        z = f["logit"].to_numpy() + weight * inter[name]
                        key = "dm" if name == "degree-matched" else name
                        row[f"{key}_auroc"], row[f"{key}_per_tf_auroc"] = auroc_summary(
                            f["tf"].to_numpy(), f["label"].to_numpy(), z, k_min
                        )
                    row["criterion"] = row["dm_per_tf_auroc"] + row["paper_auroc"]
                    rows.append(row)
    grid = pd.DataFrame(rows)
    best = best_row(grid)
    chosen = candidates[int(best["candidate"])]
    chosen.power, chosen.weight, chosen.centre, chosen.smooth, chosen.lift = (
        float(best["power"]),
        float(best["weight"]),
        bool(best["centre"]),
        float(best["smooth"]),
        bool(best["lift"]),
    )
    return chosen, grid.drop(columns="candidate")


KMER_WEIGHTS = (0.0, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8)  # x the transfer term's weight
KMER_K = 6


def _part_weight(
    base: dict[str, pd.DataFrame],
    with_term: dict[str, np.ndarray],
    part: dict[str, np.ndarray],
    scale: float,
    factors: Sequence[float],
    prefix: str,
) -> tuple[float, pd.DataFrame]:
    """Weight ``factor x scale`` of a part added to the chosen score ``with_term`` (both per protocol of
    ``base``), by :func:`choose_transfer`'s criterion on the validation pairs; the grid's columns are
    ``{prefix}_factor`` / ``{prefix}_weight`` and the metrics. Ties go to the smaller factor."""
    from grenimja.metrics import auroc_summary

    k_min = _valid_min_positives(base)
    rows = []
    for c in factors:
        row = {f"{prefix}_factor": c, f"{prefix}_weight": c * scale}
        for name, f in base.items():
            key = "dm" if name == "degree-matched" else name
            row[f"{key}_auroc"], row[f"{key}_per_tf_auroc"] = auroc_summary(
                f["tf"].to_numpy(), f["label"].to_numpy(), with_term[name] + c * scale * part[name], k_min
            )
        row["criterion"] = row["dm_per_tf_auroc"] + row["paper_auroc"]
        rows.append(row)
    grid = pd.DataFrame(rows)
    return float(best_row(grid)[f"{prefix}_weight"]), grid


def choose_kmer_weight(
    base: dict[str, pd.DataFrame],
    term: HomologyTransfer,
    proteins: Sequence[str],
    genes: Sequence[str],
    promoters: Sequence[str],
    factors: Sequence[float] = KMER_WEIGHTS,
) -> tuple[float, pd.DataFrame]:
    """Weight of ``term``'s promoter k-mer term (``term.kmers`` fitted, the rest of the term chosen), as
    ``factor x term.weight`` (a weight of its own where the term's is 0), on the validation pairs of
    ``base`` (as in :func:`choose_transfer`) by the same criterion; returns the weight and the grid.
    Ties go to the smaller factor, so a term that does not help is left at 0."""
    with_term, kmers = {}, {}
    for name, f in base.items():
        t, g = f["tf_i"].to_numpy(), f["gene_i"].to_numpy()
        with_term[name] = f["logit"].to_numpy() + term.weight * term.pair_interaction(proteins, genes, t, g)
        kmers[name] = term.pair_sequence_interaction(proteins, promoters, t, g)
    return _part_weight(base, with_term, kmers, term.weight or 1.0, factors, "kmer")


def _with_term(
    base: dict[str, pd.DataFrame],
    term: HomologyTransfer,
    proteins: Sequence[str],
    genes: Sequence[str],
    promoters: Sequence[str],
) -> dict[str, np.ndarray]:
    """Per protocol of ``base``: the network's logit plus everything ``term`` adds so far (n_pairs,)."""
    return {
        name: f["logit"].to_numpy()
        + term.pair_logits(proteins, genes, promoters, f["tf_i"].to_numpy(), f["gene_i"].to_numpy())
        for name, f in base.items()
    }


def _gene_part(
    base: dict[str, pd.DataFrame], scores, proteins: Sequence[str], genes: Sequence[str]
) -> dict[str, np.ndarray]:
    """Per protocol of ``base``: a gene-keyed part ``scores(proteins', genes')`` at each pair (n_pairs,)."""
    return {
        name: _per_pair(scores, proteins, genes, f["tf_i"].to_numpy(), f["gene_i"].to_numpy())
        for name, f in base.items()
    }


def choose_motif_weight(
    base: dict[str, pd.DataFrame],
    term: HomologyTransfer,
    proteins: Sequence[str],
    genes: Sequence[str],
    promoters: Sequence[str],
    factors: Sequence[float] = MOTIF_FACTORS,
    donor_counts: Sequence[int] = DONOR_COUNTS,
    statistics: Sequence[str] = STATISTICS,
) -> tuple[float, pd.DataFrame]:
    """Weight of ``term``'s motif-transfer part (``term.motifs`` set, the rest of the term chosen, k-mer part
    included) as ``factor x term.weight``, the window statistic (``statistics``) and how many donors vote
    (``donor_counts``), on the validation pairs of ``base`` by the criterion of :func:`choose_transfer`. Sets
    ``term.motifs`` to the chosen variant; returns the weight and the grid (``motif_statistic`` and
    ``motif_donors`` columns beside :func:`_part_weight`'s). Ties go to the earlier statistic, fewer donors,
    then the smaller factor."""
    with_term, grids = _with_term(base, term, proteins, genes, promoters), []
    for stat in statistics:
        for n in donor_counts:
            motif = _gene_part(base, term.motifs.variant(n, stat).scores, proteins, genes)
            _, grid = _part_weight(base, with_term, motif, term.weight or 1.0, factors, "motif")
            grids.append(grid.assign(motif_statistic=stat, motif_donors=n))
    grid = pd.concat(grids, ignore_index=True)
    best = best_row(grid)
    term.motifs = term.motifs.variant(int(best["motif_donors"]), str(best["motif_statistic"]))
    return float(best["motif_weight"]), grid


def choose_own_weight(
    base: dict[str, pd.DataFrame],
    term: HomologyTransfer,
    proteins: Sequence[str],
    genes: Sequence[str],
    promoters: Sequence[str],
    ks: Sequence[int] = OWN_KMER_K,
    factors: Sequence[float] = OWN_KMER_FACTORS,
    windows: dict[str, str] | None = None,
) -> tuple[float, pd.DataFrame]:
    """Weight of the own-target k-mer part (:mod:`grenimja.model.own_kmers`, fitted here for each k of
    ``ks`` on the term's training targets) as ``factor x term.weight``, after every other part is chosen,
    on the validation pairs of ``base`` by the criterion of :func:`choose_transfer`. Sets ``term.own`` to
    the chosen k's part (None where the weight is 0); returns the weight and the grid (``own_k`` beside
    :func:`_part_weight`'s columns). Ties go to the smaller k, then the smaller factor. ``windows``: gene
    -> 300 bp window (the catalogue's where None). An own part the term carried is dropped first: the
    rest of the term is what it is added to."""
    term.own, term.own_weight = None, 0.0
    with_term, grids, parts = _with_term(base, term, proteins, genes, promoters), [], {}
    for k in ks:
        term.own = parts[k] = OwnTargetKmers.fit(term._y, term.genes, k=k, windows=windows)
        own = _gene_part(base, term.own_interaction, proteins, genes)
        _, grid = _part_weight(base, with_term, own, term.weight or 1.0, factors, "own")
        grids.append(grid.assign(own_k=k))
    grid = pd.concat(grids, ignore_index=True)
    best = best_row(grid)
    weight = float(best["own_weight"])
    term.own = parts[int(best["own_k"])] if weight else None
    return weight, grid


# x the transfer term's weight, on the standardised gene degree; 0 first, so a tie keeps the score as it is
POPULARITY_FACTORS = (0.0, -0.0625, -0.125, -0.25, -0.375, -0.5, -1.0, 0.0625, 0.125, 0.25)


def choose_popularity_weight(
    base: dict[str, pd.DataFrame],
    term: HomologyTransfer,
    proteins: Sequence[str],
    genes: Sequence[str],
    promoters: Sequence[str],
    factors: Sequence[float] = POPULARITY_FACTORS,
) -> tuple[float, pd.DataFrame]:
    """Weight of the popularity part (:meth:`HomologyTransfer.popularity`) as ``factor x term.weight``, after
    every other part, on the validation pairs of ``base`` by the criterion of :func:`choose_transfer`;
    returns the weight and the grid (:func:`_part_weight`'s columns, prefix ``popularity``). Negative factors
    take popularity out of each TF's ranking, positive ones add more. A popularity part the term carried is
    dropped first: the rest of the term is what it is added to."""
    term.popularity_weight = 0.0
    with_term = _with_term(base, term, proteins, genes, promoters)
    pop = term.popularity(genes)
    part = {name: pop[f["gene_i"].to_numpy()] for name, f in base.items()}
    return _part_weight(base, with_term, part, term.weight or 1.0, factors, "popularity")


def _add_popularity(
    base: dict[str, pd.DataFrame],
    term: HomologyTransfer,
    proteins: Sequence[str],
    genes: Sequence[str],
    promoters: Sequence[str],
    without: pd.Series,
    grid_out: str | None,
) -> tuple[dict, pd.Series]:
    """Choose and set ``term.popularity_weight`` (:func:`choose_popularity_weight`); writes its grid beside
    ``grid_out`` (``_popularity.csv``); returns the part's record and the chosen grid row. ``without``: the
    grid row of the score before the part."""
    from pathlib import Path

    term.popularity_weight, pgrid = choose_popularity_weight(base, term, proteins, genes, promoters)
    if grid_out:
        Path(grid_out).parent.mkdir(parents=True, exist_ok=True)
        pgrid.round({c: 4 for c in (*METRIC_COLUMNS, "criterion")}).to_csv(
            Path(grid_out).with_name(Path(grid_out).stem + "_popularity.csv"), index=False
        )
    chosen = best_row(pgrid)
    record = {
        "factor": float(chosen["popularity_factor"]),
        "weight": term.popularity_weight,
        "degree_mean": round(term._degree_mean, 6),
        "degree_sd": round(term._degree_sd, 6),
        "valid_without": _before(without),
    }
    return record, chosen


def _before(row: pd.Series) -> dict[str, float]:
    """A grid row's two criterion metrics, as a part's record keeps them for the score before it."""
    return {c: round(float(row[c]), 4) for c in ("paper_auroc", "dm_per_tf_auroc")}


def add_transfer(
    model_path: str,
    emb_path: str,
    dataset: str,
    split: str,
    out: str,
    grid_out: str | None = None,
    dbd: dict[str, str] | None = None,
    kmers: bool = True,
    motifs: bool = False,
    own_kmers: bool = False,
    shape: str = "validation",
    popularity: bool = False,
) -> dict:
    """Fit the term on ``split``'s training part, choose it on the validation part, write the model to ``out``.

    ``dbd`` (DNA-binding domain by TF symbol, :func:`grenimja.data.sequences.read_tf_proteins`): given,
    alignment to the training TFs' DBDs competes with alignment to their full length. ``kmers``: also fit
    the promoter k-mer term (:mod:`grenimja.model.kmers`, on the promoters as the network reads them) and
    choose its weight, 0 included, after the rest of the term (:func:`choose_kmer_weight`). ``motifs``: then
    the motif-transfer part (:mod:`grenimja.model.motifs`; JASPAR via pyjaspar and the data directory's
    proteins) and its weight, 0 included (:func:`choose_motif_weight`). ``own_kmers``: last, the own-target
    k-mer part (:mod:`grenimja.model.own_kmers`) and its weight, 0 included (:func:`choose_own_weight`); it
    serves queries that are training TFs, so only the known split's validation can choose it.
    ``popularity``: after every other part, in any shape, the popularity part's weight, 0 included
    (:func:`choose_popularity_weight`): the standardised gene degree, whose negative weight takes popularity
    out of each TF's ranking.

    ``shape="loto"`` (unknown and homology splits): the term's shape (alignment kind, power, smoothing, the
    k-mer and motif parts' factors, the motif donors and statistic; lift on, no centring) is chosen on the
    training TFs, each left out in turn (:mod:`grenimja.model.loto`; ~260 pseudo-queries against the
    validation part's 14-16 TFs with >= 5 positives), and only the weight of the whole against the network's
    logit on the validation part, by the same criterion. Where ``model_path`` carries a term of a shape the
    grid holds, only shapes at least as good as it on both protocols there are eligible
    (:func:`grenimja.model.loto.best_shape`). ``grid_out``'s stem gets ``_loto.csv`` (the shapes)
    and ``_weight.csv`` (the weights) beside it.

    The model file at ``out`` is the one at ``model_path`` with ``payload["transfer"]`` and
    ``meta["transfer"]`` (power, weight, the validation metrics of the network alone and with the term).
    ``grid_out``: CSV of the whole grid (:func:`choose_transfer`), and beside it (``.json``) the record
    ``meta["transfer"]``, which is also returned.
    """
    from pathlib import Path

    from grenimja.dataset import load_dataset
    from grenimja.embedding import Embeddings
    from grenimja.evaluate import dataset_logits
    from grenimja.model.io import build_model, load_payload

    emb = Embeddings.load(emb_path)
    payload = load_payload(model_path)
    model = build_model(payload, emb, str(model_path))
    model.transfer = model.calibration = None  # the network alone: term and calibration are fitted afresh
    ds = load_dataset(dataset)
    proteins, genes = ds.tfs["protein"].tolist(), ds.genes["gene"].tolist()
    base = {}
    for name in ("paper", "degree-matched"):
        f = ds.evaluation_pairs(split, "valid", name).copy()
        f["logit"] = dataset_logits(model, emb, ds, f["tf_i"].to_numpy(), f["gene_i"].to_numpy())
        base[name] = f
    if shape == "keep":  # the carried term: no candidate is fitted
        return _add_transfer_keep(
            ds, split, model, emb, payload, base, out, grid_out, dataset, model_path, popularity
        )
    candidates = [HomologyTransfer.fit(ds, split)]
    if dbd is not None:
        candidates.append(HomologyTransfer.fit(ds, split, dbd=dbd))
    if shape == "loto":
        return _add_transfer_loto(
            ds,
            split,
            model,
            emb,
            payload,
            base,
            candidates,
            out,
            grid_out,
            kmers,
            motifs,
            dataset,
            popularity,
        )
    if shape != "validation":
        raise ValueError(f"shape must be 'validation', 'loto' or 'keep', not {shape!r}")
    if split == "known":  # only there are the validation TFs training TFs, with targets of their own
        candidates += [
            HomologyTransfer.fit(ds, split, similarity="targets", ease_lambda=lam) for lam in EASE_LAMBDAS
        ]
    term, grid = choose_transfer(base, candidates, proteins, genes, smooths=SMOOTHS, lifts=LIFTS)
    if grid_out:
        Path(grid_out).parent.mkdir(parents=True, exist_ok=True)
        grid.round(4).to_csv(grid_out, index=False)
    chosen = best_row(grid)
    alone = grid[grid["weight"] == 0].iloc[0]
    kmer_record = None
    promoters = ds.genes["promoter"].tolist()
    if kmers:
        term.kmers = PromoterKmers.fit(term._y, promoters, k=KMER_K, length=model.cfg.promoter_len)
        term.kmer_weight, kgrid = choose_kmer_weight(base, term, proteins, genes, promoters)
        if grid_out:
            kgrid.round(4).to_csv(Path(grid_out).with_name(Path(grid_out).stem + "_kmers.csv"), index=False)
        if term.kmer_weight == 0:
            term.kmers = None  # not chosen: the file does not carry it
        kbest = best_row(kgrid)
        kmer_record = {
            "k": KMER_K,
            "length": model.cfg.promoter_len,
            "weight": term.kmer_weight,
            "valid_without": _before(chosen),
        }
        chosen = kbest
    motif_record = None
    if motifs:
        term.motifs = MotifTransferPart.fit()
        without = chosen
        term.motif_weight, mgrid = choose_motif_weight(base, term, proteins, genes, promoters)
        if grid_out:
            mgrid.round(4).to_csv(Path(grid_out).with_name(Path(grid_out).stem + "_motifs.csv"), index=False)
        if term.motif_weight == 0:
            term.motifs = None  # not chosen: the file does not carry it
        chosen = best_row(mgrid)
        motif_record = {
            "length": MotifTransferPart.__dataclass_fields__["length"].default,
            "donors": 0 if term.motifs is None else len(term.motifs.donor_tfs),
            "donors_per_query": 0 if term.motifs is None else term.motifs.n_donors,
            "statistic": None if term.motifs is None else term.motifs.statistic,
            "weight": term.motif_weight,
            "valid_without": _before(without),
        }
    own_record = None
    if own_kmers:
        without = chosen
        term.own_weight, ogrid = choose_own_weight(base, term, proteins, genes, promoters)
        if grid_out:
            ogrid.round(4).to_csv(
                Path(grid_out).with_name(Path(grid_out).stem + "_own_kmers.csv"), index=False
            )
        chosen = best_row(ogrid)
        own_record = {
            "k": None if term.own is None else term.own.kmers.k,
            "length": OWN_KMER_LENGTH,
            "weight": term.own_weight,
            "valid_without": _before(without),
        }
    pop_record = None
    if popularity:
        pop_record, chosen = _add_popularity(base, term, proteins, genes, promoters, chosen, grid_out)
    k_min = _valid_min_positives(base)
    record = _term_record(
        term,
        dataset,
        split,
        k_min,
        alone,
        chosen,
        kmers=kmer_record,
        motifs=motif_record,
        own_kmers=own_record,
        popularity=pop_record,
    )
    model.transfer = term
    return _write_model(model, emb, payload, record, base, proteins, genes, promoters, grid_out, out)


def _add_transfer_loto(
    ds, split, model, emb, payload, base, candidates, out, grid_out, kmers, motifs, dataset, popularity=False
):
    """:func:`add_transfer` with ``shape="loto"``: the shape from the left-out training TFs, the weight from
    validation; writes the model and returns its ``meta["transfer"]`` record."""
    from pathlib import Path

    from grenimja.metrics import auroc_summary
    from grenimja.model.loto import HOMOLOGY_MAX_IDENTITY, choose_shape, shape_rows, term_shape

    if split == "known":
        raise ValueError(
            "shape 'loto' serves queries that are no training TF (unknown, homology); the known split's are"
        )
    proteins, genes = ds.tfs["protein"].tolist(), ds.genes["gene"].tolist()
    promoters = ds.genes["promoter"].tolist()
    first = candidates[0]
    if kmers:
        first.kmers = PromoterKmers.fit(first._y, promoters, k=KMER_K, length=model.cfg.promoter_len)
    if motifs:
        first.motifs = MotifTransferPart.fit()
    full_of = dict(zip(ds.tfs["tf"], ds.tfs["protein"], strict=True))
    max_identity = HOMOLOGY_MAX_IDENTITY if split == "homology" else None
    # the model's own term, where it has one the grid can hold, is the incumbent a new shape must not lose to
    incumbent = (
        term_shape(HomologyTransfer.from_payload(payload["transfer"], "model"))
        if "transfer" in payload
        else None
    )
    if incumbent is not None and incumbent["identity"] not in {c.identity for c in candidates}:
        incumbent = None
    train = ds.split(split, "train")
    negatives = train[train["label"] == 0]
    best, lgrid, _ = choose_shape(
        candidates,
        [full_of[t] for t in first.tfs],
        ds.negative_exclusions(split),
        promoters,
        max_identity,
        paper_negatives={t: g.to_numpy() for t, g in negatives.groupby("tf")["gene_i"]},
        incumbent=incumbent,
    )
    term = next(c for c in candidates if c.identity == best["identity"])
    term.kmers, term.motifs = first.kmers, first.motifs
    term.power, term.smooth, term.lift, term.centre = best["power"], best["smooth"], True, False
    if term.motifs is not None:
        term.motifs = term.motifs.variant(best["n_donors"], best["statistic"])
    # the whole term per unit weight, and its parts, at each validation pair
    term.weight, term.kmer_weight = 1.0, best["kmer_factor"]
    term.motif_weight = best["motif_factor"]
    weight, wgrid = _weigh_whole_term(base, term, proteins, genes, promoters, WEIGHTS)
    chosen, alone = best_row(wgrid), wgrid.iloc[0]

    k_min = _valid_min_positives(base)

    term.weight, term.kmer_weight, term.motif_weight = (
        weight,
        best["kmer_factor"] * weight,
        best["motif_factor"] * weight,
    )

    def without(part: str) -> dict[str, float]:
        """The criterion's two metrics of the chosen score with one part's weight set to 0."""
        saved = getattr(term, part)
        setattr(term, part, 0.0)
        z = _with_term(base, term, proteins, genes, promoters)
        setattr(term, part, saved)
        row = {}
        for n, f in base.items():
            pooled, per_tf = auroc_summary(f["tf"].to_numpy(), f["label"].to_numpy(), z[n], k_min)
            row |= {"paper_auroc": pooled} if n == "paper" else {"dm_per_tf_auroc": per_tf}
        return {c: round(float(v), 4) for c, v in row.items()}

    kmer_record = motif_record = None
    if term.kmers is not None:
        kmer_record = {
            "k": KMER_K,
            "length": model.cfg.promoter_len,
            "weight": term.kmer_weight,
            "valid_without": without("kmer_weight"),
        }
    if term.motifs is not None:
        motif_record = {
            "length": MotifTransferPart.__dataclass_fields__["length"].default,
            "donors": len(term.motifs.donor_tfs),
            "donors_per_query": term.motifs.n_donors,
            "statistic": term.motifs.statistic,
            "weight": term.motif_weight,
            "valid_without": without("motif_weight"),
        }
    if not term.kmer_weight:
        term.kmers = None  # not chosen: the file does not carry it
    if not term.motif_weight:
        term.motifs = None
    if grid_out:
        stem = Path(grid_out)
        stem.parent.mkdir(parents=True, exist_ok=True)
        lgrid.round(6).to_csv(stem.with_name(stem.stem + "_loto.csv"), index=False)
        wgrid.round(4).to_csv(stem.with_name(stem.stem + "_weight.csv"), index=False)
    top = lgrid[shape_rows(lgrid, best)].iloc[0]
    shape_record = {
        "chosen_on": "training TFs, each left out (grenimja.model.loto)",
        **best,
        "pseudo_queries": int(top["tfs"]),
        "loto_dm_per_tf_auroc": round(float(top["dm_per_tf_auroc"]), 4),
        "loto_paper_auroc": round(float(top["paper_auroc"]), 4),
        "incumbent": incumbent,
        "max_identity": max_identity,
    }
    pop_record = None
    if popularity:
        pop_record, chosen = _add_popularity(base, term, proteins, genes, promoters, chosen, grid_out)
    record = _term_record(
        term,
        dataset,
        split,
        k_min,
        alone,
        chosen,
        kmers=kmer_record,
        motifs=motif_record,
        shape=shape_record,
        popularity=pop_record,
    )
    model.transfer = term
    return _write_model(model, emb, payload, record, base, proteins, genes, promoters, grid_out, out)


# each part's key in a term record and the term's attribute that holds its weight
PART_WEIGHTS = {
    "kmers": "kmer_weight",
    "motifs": "motif_weight",
    "own_kmers": "own_weight",
    "popularity": "popularity_weight",
}

# x the weights of the term a model file carries (shape "keep"): the network may have changed scale
KEEP_FACTORS = (0.0, *(2.0**k for k in range(-10, 5)))  # 0, 1/1024 ... 16


def _add_transfer_keep(
    ds, split, model, emb, payload, base, out, grid_out, dataset, model_path, popularity=False
) -> dict:
    """:func:`add_transfer` with ``shape="keep"``: the term the model file carries, every part's weight
    times one factor (:data:`KEEP_FACTORS`) chosen on validation against the file's (new) network by the
    criterion, then with ``popularity`` the popularity part's weight chosen afresh; writes the model and
    returns its ``meta["transfer"]`` record."""
    from pathlib import Path

    if "transfer" not in payload:
        raise ValueError(
            f"{model_path}: shape 'keep' re-weighs the term a model file carries, and this one carries none; "
            "fit one with --shape validation or loto"
        )
    term = HomologyTransfer.from_payload(payload["transfer"], str(model_path))
    old = dict(payload.get("meta", {}).get("transfer", {}))
    if old.get("split", split) != split:
        raise ValueError(f"{model_path}: its term was fitted on the {old['split']} split, not {split}")
    proteins, genes = ds.tfs["protein"].tolist(), ds.genes["gene"].tolist()
    promoters = ds.genes["promoter"].tolist()
    factor, wgrid = _weigh_whole_term(base, term, proteins, genes, promoters, KEEP_FACTORS)
    chosen, alone = best_row(wgrid), wgrid.iloc[0]
    weights = {"weight": term.weight} | {attr: getattr(term, attr) for attr in PART_WEIGHTS.values()}
    for name, w in weights.items():
        setattr(term, name, w * factor)
    if grid_out:
        Path(grid_out).parent.mkdir(parents=True, exist_ok=True)
        # the factors are powers of 2 down to 1/1024: only the metrics are rounded
        wgrid.round({c: 4 for c in (*METRIC_COLUMNS, "criterion")}).to_csv(grid_out, index=False)
    k_min = _valid_min_positives(base)
    parts = {key: dict(old[key]) for key in PART_WEIGHTS if old.get(key)}
    for key, attr in PART_WEIGHTS.items():
        if key in parts:
            parts[key]["weight"] = getattr(term, attr)
            parts[key].pop("valid_without", None)  # measured against the old network
    parts["kmers"] = parts.get("kmers")
    if popularity:
        parts["popularity"], chosen = _add_popularity(
            base, term, proteins, genes, promoters, chosen, grid_out
        )
    keep_record = {"factor": factor, "weights_before": weights, "valid_before": old.get("valid_with_term")}
    if old.get("reweighed"):  # an earlier re-weighing of the same term: its record stays in the history
        keep_record["earlier"] = old["reweighed"]
    record = _term_record(term, dataset, split, k_min, alone, chosen, **parts, reweighed=keep_record)
    if "shape" in old:  # how the shape was once chosen still holds
        record["shape"] = old["shape"]
    model.transfer = term
    return _write_model(model, emb, payload, record, base, proteins, genes, promoters, grid_out, out)


def _weigh_whole_term(
    base: dict[str, pd.DataFrame],
    term: HomologyTransfer,
    proteins: Sequence[str],
    genes: Sequence[str],
    promoters: Sequence[str],
    factors: Sequence[float],
) -> tuple[float, pd.DataFrame]:
    """The factor on ``term`` as it stands (every part at its current weight) added to the network's logit,
    chosen on the validation pairs of ``base`` by the criterion (:func:`_part_weight`), and its grid."""
    whole = {
        n: term.pair_logits(proteins, genes, promoters, f["tf_i"].to_numpy(), f["gene_i"].to_numpy())
        for n, f in base.items()
    }
    logit = {n: f["logit"].to_numpy() for n, f in base.items()}
    return _part_weight(base, logit, whole, 1.0, factors, "term")


def _valid_min_positives(base: dict[str, pd.DataFrame]) -> int:
    """:func:`grenimja.metrics.selection_min_positives` of the degree-matched validation pairs of ``base``."""
    from grenimja.metrics import selection_min_positives

    dm = base["degree-matched"]
    return selection_min_positives(dm["tf"].to_numpy(), dm["label"].to_numpy())


METRIC_COLUMNS = ("paper_auroc", "paper_per_tf_auroc", "dm_auroc", "dm_per_tf_auroc")


def _term_record(
    term: HomologyTransfer,
    dataset: str,
    split: str,
    k_min: int,
    alone: pd.Series,
    chosen: pd.Series,
    **parts: dict | None,
) -> dict:
    """The ``meta["transfer"]`` record of a chosen term: its settings, the build, the validation metrics of
    the network alone (grid row ``alone``) and with the term (``chosen``), then ``parts`` (``kmers`` always,
    the others where not None)."""
    from pathlib import Path

    return {
        "power": term.power,
        "weight": term.weight,
        "centre": term.centre,
        "identity": term.identity,
        "similarity": term.similarity,
        "ease_lambda": term.ease_lambda if term.similarity == "targets" or term.smooth else None,
        "smooth": term.smooth,
        "lift": term.lift,
        "dataset": Path(dataset).name,
        "split": split,
        "training_tfs": len(term.tfs),
        "training_positives": int(len(term.pos_tf)),
        "criterion": "valid degree-matched per-TF AUROC + valid paper pooled AUROC",
        # the per-TF means of this record and its grids average TFs with at least this many positives
        "per_tf_min_positives": k_min,
        "valid_network_alone": {c: round(float(alone[c]), 4) for c in METRIC_COLUMNS},
        "valid_with_term": {c: round(float(chosen[c]), 4) for c in METRIC_COLUMNS},
        **{k: v for k, v in parts.items() if v is not None or k == "kmers"},
    }


def _write_model(
    model, emb, payload: dict, record: dict, base, proteins, genes, promoters, grid_out, out
) -> dict:
    """Calibrate network + ``model.transfer`` on the paper protocol's validation pairs, write the model file
    ``out`` with ``record`` as ``meta["transfer"]`` (and beside ``grid_out`` as JSON); returns the record."""
    import json
    from pathlib import Path

    from grenimja.model.io import _atomic_save, model_payload

    meta = dict(payload.get("meta", {}))
    meta["transfer"] = record
    term = model.transfer
    model.calibration, meta["calibration"] = _calibrate(base["paper"], term, proteins, genes, promoters)
    record["calibration"] = meta["calibration"]
    if grid_out:
        Path(grid_out).with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    _atomic_save(model_payload(model, emb, meta), Path(out))
    return record


def _calibrate(
    paper: pd.DataFrame,
    term: HomologyTransfer,
    proteins: Sequence[str],
    genes: Sequence[str],
    promoters: Sequence[str],
):
    """Platt scaling of network + term on the paper protocol's validation pairs, and its record."""
    from grenimja.model.calibration import expected_calibration_error, fit_platt
    from grenimja.predict import sigmoid

    z = paper["logit"].to_numpy() + term.pair_logits(
        proteins, genes, promoters, paper["tf_i"].to_numpy(), paper["gene_i"].to_numpy()
    )
    y = paper["label"].to_numpy()
    cal = fit_platt(z, y, "validation pairs of the paper protocol (one non-target per target)")
    called = sigmoid(cal.apply(z)) >= 0.5
    record = {
        "a": round(cal.a, 6),
        "b": round(cal.b, 4),
        "transform": cal.transform,
        "fitted_on": cal.fitted_on,
        "valid_ece_raw": round(expected_calibration_error(sigmoid(z), y), 4),
        "valid_ece_calibrated": round(expected_calibration_error(sigmoid(cal.apply(z)), y), 4),
        # what a user reads off a probability of 0.5 or more, on pairs the model was not trained on
        "valid_precision_at_0.5": round(float(y[called].mean()) if called.any() else float("nan"), 4),
        "valid_recall_at_0.5": round(float(called[y == 1].mean()), 4),
        "valid_pairs": int(len(y)),
    }
    return cal, record
