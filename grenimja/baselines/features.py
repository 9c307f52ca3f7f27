"""SVM / logistic regression / XGBoost on TF-IDF-weighted averages of k-mer word2vec vectors (paper)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from threadpoolctl import threadpool_limits

from grenimja.dataset import Dataset
from grenimja.embedding import Embeddings
from grenimja.tokenize import Vocab, kmers


def tfidf_embedding(seqs: list[str], vocab: Vocab, vectors: np.ndarray) -> np.ndarray:
    """(n, dim) TF-IDF-weighted mean of the k-mer vectors of each sequence (k-mers without a vector skipped)."""
    vec = TfidfVectorizer(analyzer=lambda s: kmers(s, vocab.k), lowercase=False, norm=None)
    w = vec.fit_transform(seqs)
    rows = np.array([vocab.index.get(t, 0) for t in vec.get_feature_names_out()])
    emb = vectors[rows]  # row 0 (unknown k-mer) is the zero vector
    num = w @ emb
    den = np.asarray((w[:, rows > 0]).sum(axis=1)).ravel()
    return (num / np.maximum(den, 1e-9)[:, None]).astype(np.float32)


class FeatureBaseline:
    """A scikit-learn / xgboost classifier on [TF features, promoter features]."""

    def __init__(self, kind: str, emb: Embeddings, max_train: int = 200_000, seed: int = 0):
        self.kind, self.emb, self.max_train, self.seed = kind, emb, max_train, seed
        self.name = {"lr": "logistic regression", "svm": "linear SVM", "xgb": "XGBoost"}[kind]

    def _model(self):
        if self.kind == "lr":
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        if self.kind == "svm":
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler
            from sklearn.svm import LinearSVC

            return make_pipeline(StandardScaler(), LinearSVC(C=0.1, random_state=self.seed))
        from xgboost import XGBClassifier

        return XGBClassifier(
            n_estimators=400,
            max_depth=8,
            learning_rate=0.1,
            subsample=0.8,
            colsample_bytree=0.8,
            tree_method="hist",
            n_jobs=2,
            random_state=self.seed,
        )

    def _x(self, pairs: pd.DataFrame) -> np.ndarray:
        return np.hstack([self.tf_feat[pairs["tf_i"].to_numpy()], self.gene_feat[pairs["gene_i"].to_numpy()]])

    def fit(self, ds: Dataset, split: str) -> FeatureBaseline:
        self.tf_feat = tfidf_embedding(
            ds.tfs["protein"].tolist(), self.emb.protein_vocab, self.emb.protein_vectors
        )
        self.gene_feat = tfidf_embedding(
            ds.genes["promoter"].tolist(), self.emb.dna_vocab, self.emb.dna_vectors
        )
        tr = ds.split(split, "train")
        if len(tr) > self.max_train:
            tr = tr.sample(n=self.max_train, random_state=self.seed)
        # lbfgs stops at a tolerance, and BLAS sums in a thread-count-dependent order: the same fit on 1
        # and 2 threads ended 15 iterations apart (unknown split, test AUROC 0.5876 vs 0.5862), so the
        # fit runs on one BLAS thread and gives the same model whatever the machine
        with threadpool_limits(limits=1, user_api="blas"):
            self.model = self._model().fit(self._x(tr), tr["label"].to_numpy())
        return self

    def score(self, pairs: pd.DataFrame) -> np.ndarray:
        x = self._x(pairs)
        if self.kind == "svm":
            d = self.model.decision_function(x)
            return 1 / (1 + np.exp(-d))  # monotone squashing to [0, 1]; threshold 0.5 = margin 0
        return self.model.predict_proba(x)[:, 1]
