"""Two more terms tried beside ``known.pt``'s score, on the known split's validation pairs only.

- ``residual``: the own-target 7-mer part (:mod:`grenimja.model.own_kmers`) fitted on each TF's training
  targets less ``alpha`` x EASE's prediction of them from the other training TFs (the TF x TF column the
  term already votes with), so the signature would carry only what co-regulation does not; it *replaces*
  the bundled own part.
- ``oracle``: each TF's best weight for the bundled own part, picked on that TF's own validation pairs (an
  upper bound on what choosing the weight per TF could give, not a method).
- ``two-hop``: feed-forward loops from the TF's own training links to other training TFs: the share of
  the TFs it regulates (``down``: t -> u -> g), of the TFs regulating it (``up``: s -> t and s -> g), or of
  both, that regulate the gene, less the gene's degree; *added* to the bundled score.

Each is scaled by its sd over the validation pairs of both protocols and weighed ``part_factor`` x the
term's weight, in the grid ``grenimja transfer`` weighs its parts with
(:func:`grenimja.model.transfer._part_weight`): pooled and per-TF AUROC of both protocols (per-TF over TFs
with >= the selection minimum of positives) and the criterion (degree-matched per-TF + paper pooled).
Writes ``results/validation/known_terms_probe.csv``; the bundled score of the validation pairs is cached
under ``runs/`` (~10 min to compute on 2 cores). Nothing here reads a test pair.

    python scripts/probe_known_terms.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.dataset import load_dataset
from grenimja.embedding import Embeddings
from grenimja.evaluate import dataset_logits
from grenimja.metrics import per_tf_auroc, selection_min_positives
from grenimja.model.io import load_model
from grenimja.model.own_kmers import OwnTargetKmers
from grenimja.model.transfer import _part_weight, _per_pair

ROOT = Path(__file__).resolve().parents[1]
PROTOCOLS = ("paper", "degree-matched")


def bundled_scores(ds, model, emb) -> dict[str, pd.DataFrame]:
    """The bundled score of the validation pairs before its Platt calibration (monotone: the same AUROCs),
    in the units the term's weight is in."""
    model.calibration = None
    out = {}
    for n in PROTOCOLS:
        cache = ROOT / "runs" / f"cache_known_bundled_valid_{n}.parquet"
        if cache.is_file():
            out[n] = pd.read_parquet(cache)
            continue
        f = ds.evaluation_pairs("known", "valid", n).copy()
        f["logit"] = dataset_logits(model, emb, ds, f["tf_i"].to_numpy(), f["gene_i"].to_numpy())
        cache.parent.mkdir(exist_ok=True)
        f.to_parquet(cache)
        out[n] = f
    return out


def main() -> None:
    emb = Embeddings.load(ROOT / "models" / "embeddings.npz")
    model, _ = load_model(ROOT / "models" / "known.pt", emb)
    term = model.transfer
    ds = load_dataset(ROOT / "datasets" / "v1")
    proteins, genes = ds.tfs["protein"].tolist(), ds.genes["gene"].tolist()
    frames = bundled_scores(ds, model, emb)
    dm = frames["degree-matched"]
    k_min = selection_min_positives(dm["tf"].to_numpy(), dm["label"].to_numpy())
    y = term._y.astype(np.float64)  # training TFs x genes, 0/1
    col = {g: i for i, g in enumerate(term.genes)}
    row = {t: i for i, t in enumerate(term.tfs)}

    def pair_part(fn) -> dict[str, np.ndarray]:
        return {
            n: _per_pair(fn, proteins, genes, f["tf_i"].to_numpy(), f["gene_i"].to_numpy())
            for n, f in frames.items()
        }

    def matrix_part(m: np.ndarray) -> dict[str, np.ndarray]:
        out = {}
        for n, f in frames.items():
            r = f["tf"].map(row).fillna(-1).astype(int).to_numpy()
            c = f["gene"].map(col).fillna(-1).astype(int).to_numpy()
            ok = (r >= 0) & (c >= 0)
            v = np.zeros(len(f))
            v[ok] = m[r[ok], c[ok]]
            out[n] = v
        return out

    grids = []

    def grid(name: str, part: dict[str, np.ndarray], factors, base: dict[str, np.ndarray]) -> None:
        # the transfer choice's own grid over a part's weight: the same criterion, the same rows
        sd = np.concatenate(list(part.values())).std()
        g = _part_weight(frames, base, part, term.weight / sd, factors, "part")[1]
        grids.append(g.assign(term=name))
        print(g.round(4).assign(term=name).to_string(index=False), flush=True)

    bundled = {n: f["logit"].to_numpy() for n, f in frames.items()}
    own = pair_part(term.own_interaction)
    without_own = {n: bundled[n] - term.own_weight * own[n] for n in PROTOCOLS}
    grid("bundled own-target 7-mer part", own, (0.0, 0.1, 0.2, 0.3, 0.5), without_own)
    # an upper bound, not a method: each TF's own best factor for the bundled part, picked on its own pairs
    factors = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0)
    sd = np.concatenate(list(own.values())).std()
    f = frames["degree-matched"]
    per_tf = pd.DataFrame(
        {
            c: per_tf_auroc(
                f["tf"].to_numpy(),
                f["label"].to_numpy(),
                without_own["degree-matched"] + c * term.weight * own["degree-matched"] / sd,
                k_min,
            )
            for c in factors
        }
    )
    best = per_tf.max(axis=1).mean()
    oracle = "bundled own-target part, each TF's best factor (oracle)"
    grids.append(pd.DataFrame([{"term": oracle, "dm_per_tf_auroc": best}]))
    print(f"oracle per-TF factor: degree-matched per-TF AUROC {best:.4f}", flush=True)
    pred = term.ease_weights().T @ y
    for alpha in (0.5, 1.0):
        o = OwnTargetKmers.fit((y - alpha * pred).astype(np.float32), term.genes, k=7)
        part = pair_part(lambda p, g, o=o: o.scores(term.own_rows(p), g))
        grid(f"own-target part on targets - {alpha} x EASE", part, (0.1, 0.2, 0.3, 0.5), without_own)
    tf_col = np.array([col.get(t, -1) for t in term.tfs])
    a = np.zeros((len(term.tfs), len(term.tfs)))
    a[:, tf_col >= 0] = y[:, tf_col[tf_col >= 0]]  # a[t, u] = 1: t regulates training TF u
    np.fill_diagonal(a, 0)
    degree = y.mean(axis=0)
    for name, w in (("down", a), ("up", a.T), ("down + up", a + a.T)):
        n_w = w.sum(axis=1, keepdims=True)
        share = np.where(n_w > 0, (w @ y) / np.maximum(n_w, 1) - degree[None, :], 0.0)
        grid(f"two-hop {name}", matrix_part(share), (0.025, 0.05, 0.1, 0.2), bundled)
    out = ROOT / "results" / "validation" / "known_terms_probe.csv"
    table = pd.concat(grids, ignore_index=True)
    table = table[["term", *[c for c in table.columns if c != "term"]]]
    table.to_csv(out, index=False, float_format="%.4f")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
