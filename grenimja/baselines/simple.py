"""Honest reference baselines: gene popularity and nearest-homolog transfer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from grenimja.dataset import Dataset


def regulator_share(positives: pd.DataFrame, n_tfs: int, n_genes: int) -> np.ndarray:
    """(n_genes,) share of ``n_tfs`` TFs that have a pair in ``positives`` (columns tf_i, gene_i) to each
    gene: the gene-degree prior when ``positives`` are a split's training positives and ``n_tfs`` its
    training TFs."""
    out = np.zeros(n_genes)
    counts = positives.groupby("gene_i")["tf_i"].nunique()
    out[counts.index.to_numpy()] = counts.to_numpy() / max(n_tfs, 1)
    return out


class _Calibrated:
    """Raw scores -> probabilities by a 1-D logistic fit on the validation pairs (monotone: AUROC unchanged).

    A raw score may be NaN where the baseline cannot score a pair; such pairs are left out of the fit and
    stay NaN.
    """

    def _calibrate(self, ds: Dataset, split: str) -> None:
        from sklearn.linear_model import LogisticRegression

        va = ds.split(split, "valid")
        r, y = self.raw(va), va["label"].to_numpy()
        ok = np.isfinite(r)
        self.cal = None
        if len(np.unique(y[ok])) == 2:
            self.cal = LogisticRegression().fit(r[ok, None], y[ok])

    def score(self, pairs: pd.DataFrame) -> np.ndarray:
        r = self.raw(pairs)
        if self.cal is None:
            return r
        out, ok = np.full(len(r), np.nan), np.isfinite(r)
        if ok.any():
            out[ok] = self.cal.predict_proba(r[ok, None])[:, 1]
        return out


class GeneDegreePrior(_Calibrated):
    """score(tf, gene) = fraction of training TFs with a positive training pair to the gene.

    Ignores the TF entirely: it measures how much of the task the negative sampling makes a matter of
    gene popularity.
    """

    name = "gene-degree prior"

    def fit(self, ds: Dataset, split: str) -> GeneDegreePrior:
        tr = ds.split(split, "train")
        self.prior = regulator_share(tr[tr["label"] == 1], tr["tf_i"].nunique(), len(ds.genes))
        self._calibrate(ds, split)
        return self

    def raw(self, pairs: pd.DataFrame) -> np.ndarray:
        return self.prior[pairs["gene_i"].to_numpy()]


class SelectiveRegulatorPrior(GeneDegreePrior):
    """score(tf, gene) = mean over training TFs ``s`` of ``[s regulates gene] / rate_s``, ``rate_s`` being the
    share of genes ``s`` regulates in the training part.

    Ignores the TF, like :class:`GeneDegreePrior` (whose per-gene look-up it shares), but counts each regulator by how selective it is: a gene
    regulated by TFs with a few dozen (curated) targets outscores one regulated by as many TFs with thousands
    of ChIP-seq targets. Degree-matched negatives match the plain count of regulators, not this one, so
    this TF-blind score is not held at 0.5 there; it measures how much of a degree-matched AUROC a score can
    take from *which kind* of TFs regulate a gene (a study-bias popularity) rather than from the TF at hand.
    """

    name = "selectivity-weighted prior"

    def fit(self, ds: Dataset, split: str) -> SelectiveRegulatorPrior:
        tr = ds.split(split, "train")
        pos = tr[tr["label"] == 1][["tf_i", "gene_i"]].drop_duplicates()
        rate = pos.groupby("tf_i")["gene_i"].size() / len(ds.genes)
        votes = (1.0 / rate.loc[pos["tf_i"]]).to_numpy()
        self.prior = np.bincount(pos["gene_i"].to_numpy(), weights=votes, minlength=len(ds.genes))
        self.prior /= max(tr["tf_i"].nunique(), 1)
        self._calibrate(ds, split)
        return self


LITERATURE_SOURCES = ("collectri", "trrust")  # curated from the literature, and not in the build's pairs


def literature_links(ds: Dataset) -> pd.DataFrame:
    """The build's links (``Dataset.known_links``) that CollecTRI or TRRUST hold, one row per (tf, gene)."""
    links = ds.known_links()
    curated = (
        links["sources"].astype(str).str.split("+").map(lambda xs: bool(set(xs) & set(LITERATURE_SOURCES)))
    )
    return links[curated].drop_duplicates(["tf", "gene"])


class LiteratureDegreePrior(_Calibrated):
    """score(tf, gene) = share of the training TFs other than ``tf`` that CollecTRI or TRRUST link to the gene.

    Ignores the TF, like :class:`GeneDegreePrior`, but counts a gene's regulators in the curated literature
    sources the build leaves out of its pairs (``Dataset.known_links``) instead of the training pairs. The
    pair's own TF is never counted: a known TF's curated links overlap its test positives. Degree-matched
    negatives match the count of training regulators, which ENCODE ChIP-seq dominates, not this one: a gene
    the literature studies often is more often *any* TF's curated target, so this TF-blind score is not held
    at 0.5 there. It measures how much of a degree-matched AUROC a score can take from a gene's literature
    popularity (a study bias) rather than from the TF at hand.
    """

    name = "literature-degree prior (CollecTRI + TRRUST)"

    def fit(self, ds: Dataset, split: str) -> LiteratureDegreePrior:
        tr = ds.split(split, "train")
        tf_i, gene_i = ds._tf_index, ds._gene_index
        lit = literature_links(ds)
        lit = lit[lit["tf"].isin(set(tr["tf"])) & lit["gene"].isin(gene_i)]
        genes = lit["gene"].map(gene_i).to_numpy(np.int64)
        self.n_genes = len(ds.genes)
        self.counts = np.bincount(genes, minlength=self.n_genes).astype(np.float64)
        # (tf_i, gene_i) of each counted link as one key, to leave a pair's own TF out of its gene's count
        self.own = np.sort(lit["tf"].map(tf_i).to_numpy(np.int64) * self.n_genes + genes)
        self.n_tfs = max(tr["tf_i"].nunique(), 1)
        self._calibrate(ds, split)
        return self

    def raw(self, pairs: pd.DataFrame) -> np.ndarray:
        gene = pairs["gene_i"].to_numpy(np.int64)
        own = np.isin(pairs["tf_i"].to_numpy(np.int64) * self.n_genes + gene, self.own)
        return (self.counts[gene] - own) / self.n_tfs


class NearestHomolog(_Calibrated):
    """CIS-BP-style transfer: a TF inherits the training targets of its most identical training TFs.

    score(tf, gene) = sum_k id_k [gene is a training target of t_k] / sum_k id_k over the ``k`` most
    identical training TFs t_k (identity from the dataset's Smith-Waterman matrix).
    """

    name = "nearest homolog"

    def __init__(self, k: int = 3):
        self.k = k

    def fit(self, ds: Dataset, split: str) -> NearestHomolog:
        tr = ds.split(split, "train")
        self.ident = ds.identity()
        self.train_tfs = np.array(sorted(set(tr["tf_i"])))
        pos = tr[tr["label"] == 1]
        self.targets = {t: set(g) for t, g in pos.groupby("tf_i")["gene_i"]}
        self._calibrate(ds, split)
        return self

    def raw(self, pairs: pd.DataFrame) -> np.ndarray:
        out = np.zeros(len(pairs))
        for tf, idx in pairs.groupby("tf_i").indices.items():
            sims = self.ident[tf, self.train_tfs]
            top = np.argsort(-sims, kind="stable")[: self.k]
            w = sims[top]
            genes = pairs["gene_i"].to_numpy()[idx]
            votes = sum(
                wk * np.isin(genes, list(self.targets.get(self.train_tfs[t], ())))
                for t, wk in zip(top, w, strict=True)
            )
            out[idx] = votes / max(w.sum(), 1e-9)
        return out


class LogisticMF:
    """Logistic matrix factorisation of the training pairs: logit = b + b_tf + b_gene + <u_tf, v_gene>.

    The strongest thing a model without sequences can do for known TFs: it learns which genes a TF
    shares with TFs of similar target sets. It cannot score a TF (or gene) absent from the training
    part: such pairs get NaN (TF) or the gene-free part of the logit (gene). Full-batch Adam with L2;
    the number of steps is chosen by the validation loss (early stopping), never by test pairs.
    """

    name = "logistic matrix factorisation"
    coverage_note = "TF not in the training part"

    def __init__(
        self, rank: int = 16, l2: float = 1e-4, lr: float = 0.05, max_steps: int = 400, seed: int = 0
    ):
        self.rank, self.l2, self.lr, self.max_steps, self.seed = rank, l2, lr, max_steps, seed

    def _logits(self, tf, gene):

        return self.b + self.bt[tf] + self.bg[gene] + (self.u[tf] * self.v[gene]).sum(-1)

    def fit(self, ds: Dataset, split: str) -> LogisticMF:
        import torch

        torch.manual_seed(self.seed)
        tr, va = ds.split(split, "train"), ds.split(split, "valid")
        n_tf, n_gene = len(ds.tfs), len(ds.genes)
        self.b = torch.zeros((), requires_grad=True)
        self.bt = torch.zeros(n_tf, requires_grad=True)
        self.bg = torch.zeros(n_gene, requires_grad=True)
        self.u = (0.1 * torch.randn(n_tf, self.rank)).requires_grad_()
        self.v = (0.1 * torch.randn(n_gene, self.rank)).requires_grad_()
        params = [self.b, self.bt, self.bg, self.u, self.v]
        opt = torch.optim.Adam(params, lr=self.lr)
        t, g = torch.as_tensor(tr["tf_i"].to_numpy()), torch.as_tensor(tr["gene_i"].to_numpy())
        y = torch.as_tensor(tr["label"].to_numpy(), dtype=torch.float32)
        vt, vg = torch.as_tensor(va["tf_i"].to_numpy()), torch.as_tensor(va["gene_i"].to_numpy())
        vy = torch.as_tensor(va["label"].to_numpy(), dtype=torch.float32)
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        best, best_state, bad = float("inf"), None, 0
        for step in range(self.max_steps):
            opt.zero_grad()
            loss = bce(self._logits(t, g), y) + self.l2 * (self.u.pow(2).sum() + self.v.pow(2).sum())
            loss.backward()
            opt.step()
            if step % 10 == 9 and len(va):
                with torch.no_grad():
                    vloss = float(bce(self._logits(vt, vg), vy))
                if vloss < best:
                    best, best_state, bad = vloss, [p.detach().clone() for p in params], 0
                else:
                    bad += 1
                    if bad >= 3:
                        break
        if best_state is not None:
            with torch.no_grad():
                for p, s in zip(params, best_state, strict=True):
                    p.copy_(s)
        self.valid_loss = best
        self.train_tfs = set(tr["tf_i"].tolist())
        return self

    def score(self, pairs: pd.DataFrame) -> np.ndarray:
        import torch

        tf = pairs["tf_i"].to_numpy()
        with torch.no_grad():
            p = torch.sigmoid(self._logits(torch.as_tensor(tf), torch.as_tensor(pairs["gene_i"].to_numpy())))
        out = p.numpy().astype(float)
        out[~np.isin(tf, list(self.train_tfs))] = np.nan
        return out


class SharedTargetsEASE(_Calibrated):
    """Collaborative filtering over TFs, no sequences: EASE (Steck 2019) on the training targets.

    score(tf, gene) = sum_s B[s, tf] y[s, gene], B the TF x TF ridge regression of each TF's training target
    vector on the other TFs' (zero diagonal). It is the "targets" transfer term of
    :mod:`grenimja.model.transfer` alone, without the network; the ridge is chosen from
    :data:`~grenimja.model.transfer.EASE_LAMBDAS` on the validation part by the term's own criterion
    (degree-matched per-TF AUROC + paper pooled AUROC). A TF absent from the training part gets NaN.
    """

    name = "EASE (shared training targets)"
    coverage_note = "TF not in the training part"

    def fit(self, ds: Dataset, split: str) -> SharedTargetsEASE:
        from grenimja.metrics import auroc_summary
        from grenimja.model.transfer import EASE_LAMBDAS, HomologyTransfer

        self.proteins, self.genes = ds.tfs["protein"].tolist(), ds.genes["gene"].tolist()
        valid = {neg: ds.evaluation_pairs(split, "valid", neg) for neg in ("paper", "degree-matched")}
        best = -np.inf
        for lam in EASE_LAMBDAS:
            self.term = HomologyTransfer.fit(ds, split, centre=False, similarity="targets", ease_lambda=lam)
            crit = 0.0
            for n, k in (("paper", 0), ("degree-matched", 1)):  # pooled paper + per-TF degree-matched
                r, f = self.raw(valid[n]), valid[n]
                ok = np.isfinite(r)  # a validation TF with no training pair has no score
                crit += auroc_summary(f["tf"].to_numpy()[ok], f["label"].to_numpy()[ok], r[ok])[k]
            if crit > best:
                best, chosen = crit, self.term
        self.term, self.ease_lambda = chosen, chosen.ease_lambda
        self._calibrate(ds, split)
        return self

    def raw(self, pairs: pd.DataFrame) -> np.ndarray:
        tf, gene = pairs["tf_i"].to_numpy(), pairs["gene_i"].to_numpy()
        seen = set(self.term.proteins)
        trained = np.array([p in seen for p in self.proteins], dtype=bool)[tf]
        out = np.full(len(pairs), np.nan)
        if trained.any():
            out[trained] = self.term.pair_interaction(self.proteins, self.genes, tf[trained], gene[trained])
        return out


class GeneEASE(_Calibrated):
    """Collaborative filtering over genes, no sequences: EASE (Steck 2019) with genes as the items.

    score(tf, gene) = sum_h y[tf, h] B[h, gene], ``y`` the (TF x gene) training targets and ``B`` the gene x
    gene ridge regression of each gene's regulator vector on the other genes' (zero diagonal): genes that
    are regulated by the same TFs as the TF's own training targets. Where :class:`SharedTargetsEASE` asks
    "which TFs share targets with this one", this asks "which genes go with its targets". ``B`` is never
    formed: with ``X = y`` and ``K = X X^T + lambda I`` (TF x TF), Woodbury gives ``X P = K^-1 X`` and
    ``diag P = (1 - diag(X^T K^-1 X)) / lambda`` for ``P = (X^T X + lambda I)^-1``, so the scores
    ``X - X P / diag P`` cost a TF x TF solve instead of a gene x gene inverse. The ridge is chosen from
    :attr:`LAMBDAS` on the validation part by the transfer term's criterion (degree-matched per-TF AUROC +
    paper pooled AUROC). A TF absent from the training part gets NaN.
    """

    name = "EASE over genes (co-regulated with training targets)"
    coverage_note = "TF not in the training part"
    LAMBDAS = (10.0, 50.0, 200.0, 1000.0)

    def fit(self, ds: Dataset, split: str) -> GeneEASE:
        from grenimja.metrics import auroc_summary, selection_min_positives

        tr = ds.split(split, "train")
        pos = tr[tr["label"] == 1]
        self.trained = np.zeros(len(ds.tfs), dtype=bool)
        self.trained[tr["tf_i"].unique()] = True
        x = np.zeros((len(ds.tfs), len(ds.genes)))
        x[pos["tf_i"].to_numpy(), pos["gene_i"].to_numpy()] = 1.0
        gram = x @ x.T
        valid = {neg: ds.evaluation_pairs(split, "valid", neg) for neg in ("paper", "degree-matched")}
        dm = valid["degree-matched"]
        k_min = selection_min_positives(dm["tf"].to_numpy(), dm["label"].to_numpy())
        best = -np.inf
        for lam in self.LAMBDAS:
            m = np.linalg.solve(gram + lam * np.eye(len(gram)), x)
            diag = (1.0 - np.einsum("tg,tg->g", x, m)) / lam
            self.scores = x - m / diag[None, :]
            crit = 0.0
            for n, k in (("paper", 0), ("degree-matched", 1)):
                r, f = self.raw(valid[n]), valid[n]
                ok = np.isfinite(r)
                crit += auroc_summary(f["tf"].to_numpy()[ok], f["label"].to_numpy()[ok], r[ok], k_min)[k]
            if crit > best:
                best, chosen, self.ease_lambda = crit, self.scores, lam
        self.scores = chosen
        self._calibrate(ds, split)
        return self

    def raw(self, pairs: pd.DataFrame) -> np.ndarray:
        tf, gene = pairs["tf_i"].to_numpy(), pairs["gene_i"].to_numpy()
        out = np.full(len(pairs), np.nan)
        ok = self.trained[tf]
        out[ok] = self.scores[tf[ok], gene[ok]]
        return out
