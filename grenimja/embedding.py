"""Skip-gram word2vec embeddings of amino-acid 4-mers and DNA 5-mers (gensim), or one-hot residues."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grenimja.errors import ModelFileError
from grenimja.tokenize import Vocab, kmers


@dataclass
class Embeddings:
    """k-mer vocabularies and their vectors (row 0 of each matrix is the zero padding / unknown row).

    Shapes: ``protein_vectors`` (len(protein_vocab), protein_dim), ``dna_vectors`` likewise.
    """

    protein_vocab: Vocab
    protein_vectors: np.ndarray
    dna_vocab: Vocab
    dna_vectors: np.ndarray
    kind: str = "word2vec"

    def save(self, path: str | Path) -> None:
        np.savez_compressed(
            path,
            kind=np.array(self.kind),
            protein_k=np.array(self.protein_vocab.k),
            protein_tokens=np.array(self.protein_vocab.tokens),
            protein_vectors=self.protein_vectors.astype(np.float16),
            dna_k=np.array(self.dna_vocab.k),
            dna_tokens=np.array(self.dna_vocab.tokens),
            dna_vectors=self.dna_vectors.astype(np.float16),
        )

    @classmethod
    def load(cls, path: str | Path) -> Embeddings:
        try:
            z = np.load(path, allow_pickle=False)
            return cls(
                protein_vocab=Vocab(z["protein_tokens"].tolist(), int(z["protein_k"])),
                protein_vectors=z["protein_vectors"].astype(np.float32),
                dna_vocab=Vocab(z["dna_tokens"].tolist(), int(z["dna_k"])),
                dna_vectors=z["dna_vectors"].astype(np.float32),
                kind=str(z["kind"]),
            )
        except (OSError, KeyError, ValueError) as exc:
            raise ModelFileError(f"{path}: not a GReNIMJA embedding file ({exc})") from exc


def _word2vec(sentences: list[list[str]], dim: int, window: int, epochs: int, seed: int, min_count: int):
    from gensim.models import Word2Vec

    # workers=1: gensim is only deterministic with one worker thread
    model = Word2Vec(
        sentences,
        vector_size=dim,
        window=window,
        sg=1,
        epochs=epochs,
        seed=seed,
        min_count=min_count,
        workers=1,
    )
    tokens = sorted(model.wv.index_to_key)
    vecs = np.zeros((len(tokens) + 1, dim), dtype=np.float32)
    vecs[1:] = np.stack([model.wv[t] for t in tokens])
    return tokens, vecs


def train_embeddings(
    proteins: list[str],
    promoters: list[str],
    protein_k: int = 4,
    dna_k: int = 5,
    protein_dim: int = 100,
    dna_dim: int = 50,
    window: int = 10,
    epochs: int = 10,
    seed: int = 0,
    min_count: int = 1,
) -> Embeddings:
    """Train skip-gram word2vec on the k-mer "sentences" of all sequences (paper settings by default).

    Labels are never used, so training on every TF and promoter (test ones too) leaks nothing about
    the regulation task.
    """
    ptok, pvec = _word2vec(
        [kmers(s, protein_k) for s in proteins], protein_dim, window, epochs, seed, min_count
    )
    dtok, dvec = _word2vec([kmers(s, dna_k) for s in promoters], dna_dim, window, epochs, seed, min_count)
    return Embeddings(Vocab(ptok, protein_k), pvec, Vocab(dtok, dna_k), dvec)


def onehot_embeddings() -> Embeddings:
    """One-hot residues (k = 1) for the paper's ablation: 20-d amino acids, 4-d bases."""
    aa, nt = list("ACDEFGHIKLMNPQRSTVWY"), list("ACGT")
    pv = np.vstack([np.zeros((1, 20)), np.eye(20)]).astype(np.float32)
    dv = np.vstack([np.zeros((1, 4)), np.eye(4)]).astype(np.float32)
    return Embeddings(Vocab(aa, 1), pv, Vocab(nt, 1), dv, kind="onehot")
