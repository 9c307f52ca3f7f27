"""Probe: the training TFs' curated literature targets (CollecTRI, TRRUST) as extra votes of the transfer
term, against the TF-blind count of those same links, judged on the training TFs left out in turn.

The build's pairs are DoRothEA A-D and ENCODE; ``known_any_source.tsv`` also holds every TF's CollecTRI and
TRRUST links. For a held-out TF, its homologs' curated links are fair knowledge, so they could vote in the
transfer term beside the build's training targets. Here each training TF with >= 5 training positives is a
pseudo-query (:func:`grenimja.model.loto.pseudo_pairs`: its build positives against degree-matched
negatives and as many random non-targets), and three scores rank its pairs:

- ``build votes``: the lifted share over the build's training targets (DBD identity^8, smoothing 0 and 0.5),
  as :func:`grenimja.model.loto.loto_parts` computes it;
- ``+ curated votes``: the same with each voting TF's CollecTRI and TRRUST links added to its targets;
- ``curated count (TF-blind)``: how many voting TFs (the pseudo-query and, on the homology split, its
  close homologs left out) have a CollecTRI or TRRUST link to the gene: the test-time
  :class:`grenimja.baselines.simple.LiteratureDegreePrior`.

Degree-matched negatives are matched on the build's regulator count, not on the curated one, so a gene's
literature popularity can separate them from curated positives without any TF-specific signal. Writes
``results/validation/loto_literature_votes.csv``; nothing here reads a validation or test pair, nothing is
bundled.

    python scripts/probe_literature_votes.py unknown homology
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.baselines.simple import literature_links
from grenimja.data.names import load_mapper
from grenimja.data.sequences import read_tf_proteins
from grenimja.dataset import load_dataset
from grenimja.metrics import MIN_POSITIVES, auroc_summary, per_tf_auroc
from grenimja.model.loto import HOMOLOGY_MAX_IDENTITY, loto_parts, pseudo_pairs
from grenimja.model.transfer import HomologyTransfer

ROOT = Path(__file__).resolve().parents[1]


def link_matrix(term: HomologyTransfer, links: pd.DataFrame) -> np.ndarray:
    """(n_training_tfs, n_genes) 1 where ``links`` (tf, gene) link a training TF of ``term`` to a gene."""
    row = {t: i for i, t in enumerate(term.tfs)}
    col = {g: i for i, g in enumerate(term.genes)}
    y = np.zeros((len(term.tfs), len(term.genes)), dtype=np.float32)
    keep = links[links["tf"].isin(row) & links["gene"].isin(col)]
    y[keep["tf"].map(row).to_numpy(), keep["gene"].map(col).to_numpy()] = 1
    return y


def with_links(term: HomologyTransfer, links: pd.DataFrame) -> HomologyTransfer:
    """``term`` refitted with ``links`` (tf, gene) of its training TFs added to their targets."""
    pos_tf, pos_gene = np.nonzero(np.maximum(term._y, link_matrix(term, links)))
    return HomologyTransfer(
        tfs=term.tfs, proteins=term.proteins, genes=term.genes, pos_tf=pos_tf, pos_gene=pos_gene,
        identity=term.identity, centre=False, lift=True, ease_lambda=term.ease_lambda,
    )  # fmt: skip


def judged(split: str, name: str, pairs: pd.DataFrame, tf: np.ndarray, z: np.ndarray, added: int) -> dict:
    """One score's degree-matched per-TF AUROC (TFs with >= 5 positives) and paper pooled AUROC on the
    pseudo-pairs; ``tf``: each pair's pseudo-query."""
    label = pairs["label"].to_numpy()
    dm = (pairs["protocol"] == "degree-matched").to_numpy()
    a = per_tf_auroc(tf[dm], label[dm], z[dm], MIN_POSITIVES)
    paper, _ = auroc_summary(tf[~dm], label[~dm], z[~dm], MIN_POSITIVES)
    return {"split": split, "score": name, "links_added": added, "tfs": len(a)} | {
        "dm_per_tf_auroc": float(a.mean()), "paper_auroc": paper,
    }  # fmt: skip


def main(splits: list[str]) -> None:
    ds = load_dataset(ROOT / "datasets" / "v1")
    frame, _ = read_tf_proteins("dbd", load_mapper(None), None)
    dbd = dict(zip(frame["tf"], frame["protein"], strict=True))
    full_of = dict(zip(ds.tfs["tf"], ds.tfs["protein"], strict=True))
    curated = literature_links(ds)
    rows = []
    for split in splits:
        term = HomologyTransfer.fit(ds, split, dbd=dbd)
        full = HomologyTransfer.fit(ds, split)
        train = ds.split(split, "train")
        random = {t: g.to_numpy() for t, g in train[train["label"] == 0].groupby("tf")["gene_i"]}
        pairs = pseudo_pairs(term, ds.negative_exclusions(split), paper_negatives=random)
        queries = [full_of[t] for t in term.tfs]
        cap = HOMOLOGY_MAX_IDENTITY if split == "homology" else None
        tf = np.asarray(term.tfs)[pairs["row"].to_numpy()]

        # the homology cap reads full-length identity: the full-length term aligns the left-out TFs
        allowed = ~np.eye(len(term.tfs), dtype=bool)
        if cap is not None:
            allowed &= full.identities(queries) <= cap
        plus = with_links(term, curated)
        added = int(plus._y.sum() - term._y.sum())
        for name, t, n in (("build votes", term, 0), ("+ curated votes", plus, added)):
            # the full-length term rides along first where the homology cap needs its identities
            cands = [with_links(full, curated) if n else full, t] if cap is not None else [t]
            parts = loto_parts(cands, queries, pairs, None, cap, powers=(8.0,), smooths=(0.0, 0.5))
            for smooth in (0.0, 0.5):
                z = parts.term[("dbd", 8.0, smooth)]
                rows.append(judged(split, f"{name}, DBD identity^8, smooth {smooth:g}", pairs, tf, z, n))
        # TF-blind: the curated links of the TFs that may vote, per pseudo-query
        counted = link_matrix(term, curated).astype(np.float64)
        z = np.zeros(len(pairs))
        for r, at in pairs.groupby("row").indices.items():
            z[at] = counted[allowed[r]][:, pairs["gene_i"].to_numpy()[at]].sum(axis=0)
        rows.append(judged(split, "curated count (TF-blind)", pairs, tf, z, 0))
        for r in rows[-5:]:
            print(
                f"{split}: {r['score']}: degree-matched per-TF {r['dm_per_tf_auroc']:.4f}, "
                f"paper pooled {r['paper_auroc']:.4f} ({r['tfs']} TFs)",
                flush=True,
            )
    out = ROOT / "results" / "validation" / "loto_literature_votes.csv"
    pd.DataFrame(rows).to_csv(out, index=False, float_format="%.4f")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["unknown", "homology"])
