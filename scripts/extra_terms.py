"""Terms tried beside each bundled model's homology-transfer term, on the validation pairs only.

For each bundled model (its split, build v1) the validation pairs of both protocols are scored by the
network + its chosen term, promoter k-mer, motif-transfer, own-target and popularity parts included where
the file carries them
(the bundled score),
then by that score plus one extra term at a few weights:

- gene bias: ``b x weight x ln(d + 0.001)``, ``d`` the gene's share of training TFs regulating it (the
  gene-degree prior as a per-gene bias beside the TF x gene term);
- the lift's floor (``LIFT_FLOOR``, 0.01 in the bundled term), the transfer weight re-chosen per floor;
- PWM hits: ``c x weight x -log10 p`` of the best JASPAR window on the promoter (PWMScan's empirical p),
  from the TF's own matrices or from those of its most identical other TF (motif transfer), on the
  build's 60 bp promoters and on the 300 bp windows of build v2 (a gene without one gets 0).

Writes ``results/validation/extra_terms.csv`` (one row per term and setting: pooled and per-TF AUROC of
both protocols and the transfer choice's criterion, degree-matched per-TF AUROC + paper pooled AUROC, and
the bundled score's k-mer and motif-transfer weights),
which ``grenimja report`` turns into the model card's "terms tried" table. Nothing here reads a test pair.

    python scripts/extra_terms.py [SPLIT ...]     # default: unknown homology known
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from grenimja.baselines.pwmscan import MotifTransfer, PWMScan
from grenimja.dataset import load_dataset
from grenimja.embedding import Embeddings
from grenimja.evaluate import dataset_logits
from grenimja.metrics import auroc_summary, paired_tf_bootstrap, per_tf_auroc, selection_min_positives
from grenimja.model.io import load_model
from grenimja.model.transfer import WEIGHTS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "validation" / "extra_terms.csv"
PROTOCOLS = ("paper", "degree-matched")
BIASES = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0)
FLOORS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
PWM_WEIGHTS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)


def _metrics(frames: dict[str, pd.DataFrame], scores: dict[str, np.ndarray], base: pd.Series | None = None):
    """Pooled and per-TF AUROC of both protocols and the criterion; with ``base`` (the bundled score's
    per-TF degree-matched AUROC) also the change of that mean and its 95% TF-bootstrap interval. Per-TF means
    count the TFs the transfer choice counts (:func:`grenimja.metrics.selection_min_positives`)."""
    dm = frames["degree-matched"]
    k_min = selection_min_positives(dm["tf"].to_numpy(), dm["label"].to_numpy())
    row = {}
    for name, f in frames.items():
        key = "dm" if name == "degree-matched" else name
        tfs, y = f["tf"].to_numpy(), f["label"].to_numpy()
        row[f"{key}_auroc"], row[f"{key}_per_tf_auroc"] = auroc_summary(tfs, y, scores[name], k_min)
    row["criterion"] = row["dm_per_tf_auroc"] + row["paper_auroc"]
    per = per_tf_auroc(dm["tf"].to_numpy(), dm["label"].to_numpy(), scores["degree-matched"], k_min)
    row["per_tf_min_positives"] = k_min
    if base is not None:
        row["dm_per_tf_change"], row["dm_per_tf_change_low"], row["dm_per_tf_change_high"] = (
            paired_tf_bootstrap(base, per)
        )
    return row, per


@cache
def _dataset(build: str):
    return load_dataset(ROOT / "datasets" / build)


@cache
def _scanner(build: str, cls):
    """``cls`` prepared on ``build`` once for all splits (matrices, promoters, each TF's background)."""
    return cls(n_background=1000).prepare(_dataset(build))


def _pwm_scores(frames, ds_model, build: str, cls) -> tuple[dict[str, np.ndarray], int]:
    """-log10 p of each validation pair on ``build``'s promoters (0 where the TF has no matrix or the
    gene no promoter there), and how many pairs got 0 for want of either."""
    ds, scan = _dataset(build), _scanner(build, cls)
    gene_i = {g: i for i, g in enumerate(ds.genes["gene"])}
    tf_i = {t: i for i, t in enumerate(ds.tfs["tf"])}
    out, missing = {}, 0
    for name, f in frames.items():
        g = pd.Series(ds_model.genes["gene"].to_numpy()[f["gene_i"].to_numpy()]).map(gene_i)
        pairs = pd.DataFrame({"tf_i": f["tf"].map(tf_i).to_numpy(), "gene_i": g.to_numpy()})
        s = np.full(len(f), np.nan)
        ok = pairs["gene_i"].notna().to_numpy()
        s[ok] = scan.neglogp(pairs[ok].astype({"gene_i": np.int64}))
        missing += int(np.isnan(s).sum())
        out[name] = np.nan_to_num(s, nan=0.0)
    return out, missing


def run_split(split: str) -> list[dict]:
    ds = _dataset("v1")
    emb = Embeddings.load(ROOT / "models" / "embeddings.npz")
    model, _ = load_model(ROOT / "models" / f"{split}.pt", emb)
    term, model.transfer, model.calibration = model.transfer, None, None
    proteins, genes = ds.tfs["protein"].tolist(), ds.genes["gene"].tolist()
    promoters = ds.genes["promoter"].tolist()
    frames, net, inter = {}, {}, {}
    for name in PROTOCOLS:
        f = frames[name] = ds.evaluation_pairs(split, "valid", name)
        t, g = f["tf_i"].to_numpy(), f["gene_i"].to_numpy()
        inter[name] = term.pair_interaction(proteins, genes, t, g)
        # the network's logit plus the term's promoter k-mer and motif-transfer parts, where the model file
        # carries them: the bundled score without its target-share part, which the rows below vary
        net[name] = (
            dataset_logits(model, emb, ds, t, g)
            + term.pair_logits(proteins, genes, promoters, t, g)
            - term.weight * inter[name]
        )
    w = term.weight
    base = {n: net[n] + w * inter[n] for n in PROTOCOLS}
    first, ref = _metrics(frames, base)
    rows = [{"split": split, "term": "bundled", "setting": f"transfer weight {w:g}"} | first]

    degree = np.nan_to_num(term.gene_degree(genes), nan=0.0)
    for b in BIASES:
        s = {n: base[n] + b * w * np.log(degree[frames[n]["gene_i"].to_numpy()] + 1e-3) for n in PROTOCOLS}
        rows.append(
            {"split": split, "term": "gene bias", "setting": f"{b:g} x weight"} | _metrics(frames, s, ref)[0]
        )

    if term.lift:
        for floor in FLOORS:
            lifted = {
                n: term.pair_interaction(
                    proteins, genes, frames[n]["tf_i"].to_numpy(), frames[n]["gene_i"].to_numpy(), floor=floor
                )
                for n in PROTOCOLS
            }
            best = None
            for tw in WEIGHTS[1:]:
                r = _metrics(frames, {n: net[n] + tw * lifted[n] for n in PROTOCOLS}, ref)[0]
                if best is None or r["criterion"] > best[1]["criterion"] + 1e-10:
                    best = (tw, r)
            rows.append(
                {"split": split, "term": "lift floor", "setting": f"{floor:g} (weight {best[0]:g})"} | best[1]
            )

    for build, length in (("v1", "60 bp"), ("v2", "300 bp")):
        for cls, label in ((PWMScan, "own JASPAR PWM"), (MotifTransfer, "motif transfer PWM")):
            pwm, missing = _pwm_scores(frames, ds, build, cls)
            for c in PWM_WEIGHTS:
                s = {n: base[n] + c * w * pwm[n] for n in PROTOCOLS}
                rows.append(
                    {
                        "split": split,
                        "term": f"{label}, {length}",
                        "setting": f"{c:g} x weight",
                        "pairs_without_score": missing,
                    }
                    | _metrics(frames, s, ref)[0]
                )
            print(f"{split}: {label}, {length} done", flush=True)
    # the weights of the bundled score's parts these rows were measured on (the report flags rows measured
    # before the model file carried a part, or with another weight of it)
    return [
        r
        | {
            "bundled_kmer_weight": float(term.kmer_weight),
            "bundled_motif_weight": float(term.motif_weight),
            "bundled_own_weight": float(term.own_weight),
            "bundled_popularity_weight": float(term.popularity_weight),
        }
        for r in rows
    ]


def main(splits: list[str]) -> None:
    rows = []
    for split in splits or ["unknown", "homology", "known"]:
        rows += run_split(split)
    df = pd.DataFrame(rows)
    if OUT.is_file() and splits:  # rerunning some splits keeps the others' measured rows
        old = pd.read_csv(OUT)
        df = pd.concat([old[~old["split"].isin(splits)], df], ignore_index=True)
    order = {s: i for i, s in enumerate(["unknown", "homology", "known"])}
    df = df.sort_values("split", key=lambda c: c.map(order), kind="stable", ignore_index=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    df.round(4).to_csv(OUT, index=False)
    print(df.round(4).to_string())


if __name__ == "__main__":
    main(sys.argv[1:])
