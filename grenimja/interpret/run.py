"""High-level analysis runs shared by the CLI (``grenimja interpret``) and the explorer pages."""

from __future__ import annotations

import numpy as np
import pandas as pd

from grenimja.interpret.blast import neighbour_homology, tf_latent
from grenimja.interpret.filters import DNA, dna_top2, filter_ppms, prosite_table, tomtom_matches
from grenimja.interpret.prosite import AA, read_prosite
from grenimja.predict import promoter_tokens, protein_tokens, score_cached, tokens_for


def protein_filter_motifs(
    bundle, top_filters: int | None = None, targets: pd.DataFrame | None = None
) -> dict:
    """PPMs of the protein filters over the model's training TFs and their best PROSITE (or ``targets``) match.

    ``top_filters`` keeps the most active filters only (Tomtom time grows with the number of queries).
    """
    cat, m = bundle.catalogue, bundle.model
    tr = cat.tfs[cat.tfs["tf"].isin(set(bundle.training_tfs))] if bundle.training_tfs else cat.tfs
    tok = protein_tokens(m, bundle.emb, tr["protein"].tolist())
    ppms, n = filter_ppms(
        m.tf_encoder, tok, tr["protein"].tolist(), m.cfg.protein_k, AA, "left", m.cfg.protein_len
    )
    if top_filters is not None:
        keep = np.argsort(-n, kind="stable")[:top_filters]
        n = np.where(np.isin(np.arange(len(n)), keep), n, 0)
    targets = read_prosite() if targets is None else targets
    matches = tomtom_matches(ppms, targets, n)
    return {"ppms": ppms, "n_active": n, "matches": matches, "table": prosite_table(matches)}


def dna_filter_motifs(bundle, n_genes: int = 4000, seed: int = 0) -> dict:
    """PPMs of the DNA filters over ``n_genes`` catalogue promoters and the top-2 base tally."""
    cat, m = bundle.catalogue, bundle.model
    g = cat.genes.sample(min(n_genes, len(cat.genes)), random_state=seed)
    tok = promoter_tokens(m, bundle.emb, g["promoter"].tolist())
    ppms, n = filter_ppms(
        m.gene_encoder, tok, g["promoter"].tolist(), m.cfg.dna_k, DNA, "right", m.cfg.promoter_len
    )
    return {"ppms": ppms, "n_active": n, "top2": dna_top2(ppms, n)}


def tf_latent_space(bundle, n_genes: int = 30, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Every catalogue TF's mean latent vector over a fixed random panel of ``n_genes`` promoters."""
    cat, m = bundle.catalogue, bundle.model
    genes = np.random.default_rng(seed).choice(len(cat.genes), n_genes, replace=False)
    # only the panel's promoters are tokenised: all 16,444 took longer than scoring the panel
    tf_tok, gene_tok = tokens_for(
        m, bundle.emb, cat.tfs["protein"].tolist(), cat.genes["promoter"].iloc[genes].tolist()
    )
    ti, gi = np.meshgrid(np.arange(len(cat.tfs)), np.arange(n_genes), indexing="ij")
    lat = score_cached(m, tf_tok, gene_tok, ti.ravel(), gi.ravel(), latent=True)
    _, vecs = tf_latent(lat, ti.ravel())
    return cat.tfs["tf"].tolist(), vecs


def homology_vs_training(bundle, k: int = 5, n_genes: int = 30, train_pairs: pd.Series | None = None) -> dict:
    """BLAST homology of each TF's k latent neighbours, and its fraction vs the TF's training datapoints.

    ``train_pairs``: training pairs per TF (index TF symbol); TFs absent count 0 (unseen TFs).
    """
    names, vecs = tf_latent_space(bundle, n_genes)
    seqs = bundle.catalogue.tfs["protein"].tolist()
    nb = neighbour_homology(names, seqs, vecs, k)
    frac = (
        nb.groupby("tf")
        .agg(homologous_fraction=("homologous", "mean"), background_fraction=("background", "first"))
        .reset_index()
    )
    counts = train_pairs if train_pairs is not None else pd.Series(dtype=float)
    frac["training_pairs"] = frac["tf"].map(counts).fillna(0).astype(int)
    frac["seen_in_training"] = frac["tf"].isin(set(bundle.training_tfs))
    return {"neighbours": nb, "per_tf": frac}


def adjacency_models(
    ds,
    split: str,
    bundle,
    emb,
    n_tfs: int = 40,
    n_genes: int = 200,
    seed: int = 0,
    baseline_pairs: int = 100_000,
) -> dict:
    """Adjacency matrices of held-out test TFs x genes for GReNIMJA and two baselines, on one dataset split.

    The baselines (gene-degree prior, XGBoost on TF-IDF word2vec features) are fitted on the split's
    training part, XGBoost on at most ``baseline_pairs`` seeded-random pairs of it. Returns model name ->
    :func:`grenimja.interpret.adjacency.adjacency` result.
    """
    from grenimja.baselines.features import FeatureBaseline
    from grenimja.baselines.simple import GeneDegreePrior
    from grenimja.interpret.adjacency import adjacency, pick_genes
    from grenimja.interpret.latent import pair_grid

    test_tfs = np.array(sorted(set(ds.split(split, "test")["tf_i"])))
    rng = np.random.default_rng(seed)
    tfs = np.sort(rng.choice(test_tfs, min(n_tfs, len(test_tfs)), replace=False))
    genes = pick_genes(ds.genes["cpg"].to_numpy(), n_genes, seed)
    ti, gi = pair_grid(tfs, genes)
    pairs = pd.DataFrame({"tf_i": ti, "gene_i": gi})
    tf_tok, gene_tok = tokens_for(
        bundle.model, emb, ds.tfs["protein"].tolist(), ds.genes["promoter"].tolist()
    )
    scores = {"GReNIMJA": score_cached(bundle.model, tf_tok, gene_tok, ti, gi)}
    for b in (GeneDegreePrior(), FeatureBaseline("xgb", emb, baseline_pairs, seed)):
        scores[b.name] = b.fit(ds, split).score(pairs)
    names = ds.tfs["tf"].to_numpy()[tfs].tolist()
    gnames = ds.genes["gene"].to_numpy()[genes].tolist()
    cpg = ds.genes["cpg"].to_numpy()[genes]
    return {k: adjacency(v.reshape(len(tfs), len(genes)), names, gnames, cpg) for k, v in scores.items()}


def specificity_check(
    model, emb, ds, split: str, part: str = "test", n_genes: int | None = None, seed: int = 0
) -> dict:
    """:func:`~grenimja.interpret.specificity.logit_decomposition` of ``model`` over the TFs of one split
    part (held-out TFs for the TF-disjoint splits) x all genes of the build (or ``n_genes`` seeded ones).
    """
    from grenimja.evaluate import dataset_logits
    from grenimja.interpret.specificity import logit_decomposition

    tfs = np.array(sorted(set(ds.split(split, part)["tf_i"])))
    genes = np.arange(len(ds.genes))
    if n_genes is not None and n_genes < len(genes):
        genes = np.sort(np.random.default_rng(seed).choice(genes, n_genes, replace=False))
    ti, gi = np.meshgrid(tfs, genes, indexing="ij")
    z = dataset_logits(model, emb, ds, ti.ravel(), gi.ravel()).reshape(ti.shape)
    return {"split": split, "part": part, **logit_decomposition(z)}
