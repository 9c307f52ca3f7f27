"""The model card and the results README, written from the measured outputs (no number typed by hand).

Inputs, all optional (a section whose outputs are missing is left out): ``MODELS/*.pt`` (meta: settings,
history, build), ``DATASETS/<build>/report.json``, ``RES/eval_<split>[_degree_matched]/metrics.json`` and
``specificity.json``, ``RES/validation/*.json``, ``RES/benchmark_<split>[_degree_matched].md`` and
``RES/v1/...`` (the bundled models' benchmarks), ``RES/bench_model.json`` (bench/bench_model.py),
``RES/gpu/*_history.json``, ``RES/interpret/robustness_*_binned.csv``,
``RES/paper_protocol_gap_*.csv`` (scripts/paper_protocol_gap.py), ``RES/selectivity_matched.csv``
(scripts/selectivity_matched.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from grenimja.metrics import MIN_POSITIVES
from grenimja.model.transfer import best_row
from grenimja.report.paper import PAPER_TABLE1, PAPER_TABLE5


def _metrics_line(name: str, m: dict) -> str:
    p, t = m["pooled"], m["per_tf_mean"]
    five = m.get("per_tf_mean_min_positives")  # absent from metrics written before the column
    last = f"{five['auroc']:.3f} ({m['n_tfs_min_positives']})" if five else ""
    return (
        f"| {name} | {p['n']:,} / {m['n_tfs']} | {p['accuracy']:.3f} | {p['auroc']:.3f} | {p['aupr']:.3f} | "
        f"{p['f1']:.3f} | {p['mcc']:.3f} | {t['accuracy']:.3f} | {t['auroc']:.3f} | {t['aupr']:.3f} | {last} |"
    )


def _paper_line(name: str, m: dict) -> str:
    cells = " | ".join(f"{m[k]:.3f}" if k in m else "" for k in ("accuracy", "auroc", "aupr", "f1", "mcc"))
    return f"| {name} | | {cells} | | | | |"


PROTOCOLS = {"paper": "", "degree-matched": "_degree_matched"}
BENCH_BUILD = "v2"
PROMOTERS = {
    "epd300": "300 bp, -249..+50 around the TSS",
    "core60": "60 bp, -49..+10",
}


def _model_meta(models: Path, name: str) -> tuple[dict, dict] | None:
    f = models / f"{name}.pt"
    if not f.is_file():
        return None
    ck = torch.load(f, weights_only=True)
    return ck["meta"], ck["config"]


TRANSFER_RUNS = {
    "unknown60": "bundled unknown.pt (60 bp, CPU widths), build v1",
    "known60": "bundled known.pt (60 bp, CPU widths), build v1",
    "gpu300_unknown": "paper widths, 300 bp, 10 GPU epochs (runs/gpu/unknown), build v2",
    "gpu300_known": "paper widths, 300 bp, 10 GPU epochs (runs/gpu/known), build v2",
    "homology60": "bundled homology.pt (60 bp, CPU widths, trained on the homology split), build v1",
}
# the model each build-v1 benchmark section scored, and whether it ships in models/
V1_MODELS = {
    "unknown": ("models/unknown.pt", True),
    "known": ("models/known.pt", True),
    "homology": ("models/homology.pt", True),
}
# the degree-matched per-TF AUROC goal for each split's held-out (or held-out-pair) TFs
V1_GOALS = {"unknown": 0.65, "homology": 0.62, "known": 0.75}


GPU = {
    "device": "one NVIDIA H200 (device tool, 2026-11-25), two runs side by side on it",
    "command": "grenimja train --dataset datasets/v2 --split SPLIT --paper-sizes --device cuda --batch-size 512 "
    "--pairs-per-epoch 300000 --epochs 30 --patience 4 (fp32 with TF32 matmuls; stopped by the device's time "
    "limit after 10 epochs)",
}


def _target_verdict(path: Path, goal: float = 0.65, scope: str = "") -> list[str]:
    """The issue's test target on degree-matched per-TF AUROC, read off a benchmark JSON: the mean over TFs
    with at least ``MIN_POSITIVES`` test positives, as the issue defines it (a table written before that
    column existed is read on its mean over every TF with both classes, and says so)."""
    from grenimja.metrics import target_per_tf_key

    if not path.is_file():
        return []
    rows = json.loads(path.read_text())
    ours = next(r for r in rows if r["model"] == "GReNIMJA (this repo)")
    key = target_per_tf_key(ours)
    base = [
        r for r in rows if not r["model"].startswith("GReNIMJA") and r.get(key) == r.get(key)
    ]  # baselines with a per-TF figure (NaN != NaN)
    best = max(base, key=lambda r: r[key])
    gap = ours[key] - best[key]
    # a lead smaller than this is no lead: TF-level bootstrap SDs of these means measured 0.012 (303 known-split
    # TFs) to 0.03 (44 held-out TFs)
    met = gap >= TIE_MARGIN
    tie = (
        f" The lead is {gap:.3f}, under {TIE_MARGIN:g}: a tie, not a win; on this protocol GReNIMJA ranks no "
        "better than that baseline."
        if 0 < gap < TIE_MARGIN
        else ""
    )
    verdict = "met" if met else ("tied" if gap > 0 else "not met")
    over = (
        f"mean over the {ours['tfs_min_positives']} test TFs with >= {MIN_POSITIVES} positives"
        if key != "per_tf_auroc"
        else "mean over every test TF with both classes; this table predates the >= "
        f"{MIN_POSITIVES}-positives mean the issue asks for"
    )
    return [
        f"**Target (degree-matched per-TF AUROC above every baseline{scope}): {verdict}.** "
        f"GReNIMJA {ours[key]:.3f}; best baseline {best['model']} {best[key]:.3f}; "
        f"goal {goal:.2f} {'reached' if ours[key] >= goal else 'not reached'} ({over}; over every TF with "
        f"both classes GReNIMJA {ours['per_tf_auroc']:.3f}).{tie}",
        "",
    ]


TIE_MARGIN = 0.01


KNOWN_SCOPE = " run on this build; the per-TF deep baselines and the SVM were not"


def _paper_protocol_verdict(path: Path, margin: float = 0.05) -> list[str]:
    """The issue's paper-protocol target: pooled AUROC above the gene-degree prior by ``margin``."""
    if not path.is_file():
        return []
    rows = {r["model"]: r for r in json.loads(path.read_text())}
    ours, prior = rows["GReNIMJA (this repo)"], rows["gene-degree prior"]
    met = ours["auroc"] >= prior["auroc"] + margin
    return [
        f"**Target (paper protocol: pooled AUROC >= gene-degree prior + {margin:.2f}): {'met' if met else 'not met'}.** "
        f"GReNIMJA {ours['auroc']:.3f}; prior {prior['auroc']:.3f}. Per-TF AUROC: GReNIMJA "
        f"{ours['per_tf_auroc']:.3f}, prior {prior['per_tf_auroc']:.3f}."
        + (
            ""
            if met
            else " Why: `results/README.md`, section \"Why the paper protocol's pooled target is missed on "
            'held-out TFs" (a few TFs with thousands of targets decide the pooled AUROC).'
        ),
        "",
    ]


def _v1_verdicts(res: Path, split: str) -> list[str]:
    """Both test targets of ``split``'s build-v1 model (degree-matched per-TF goal, paper-protocol margin),
    read off its benchmark JSONs in ``res/v1``; empty where they were not run."""
    v1 = res / "v1"
    return [
        *_target_verdict(
            v1 / f"benchmark_{split}_degree_matched.json",
            V1_GOALS[split],
            KNOWN_SCOPE if split == "known" else "",
        ),
        *_paper_protocol_verdict(v1 / f"benchmark_{split}.json"),
    ]


def _why_not_bundled(res: Path) -> str:
    crit, means = {}, {}
    for key in ("unknown60", "gpu300_unknown"):
        f = res / "validation" / f"transfer_{key}.json"
        if f.is_file():
            rec = json.loads(f.read_text())
            w = rec["valid_with_term"]
            crit[key] = (w["dm_per_tf_auroc"] + w["paper_auroc"], w["dm_per_tf_auroc"], w["paper_auroc"])
            means[key] = rec.get("per_tf_min_positives", 1)
    text = (
        "Why not bundled: on 2 CPU cores the paper-width network scores about 200 pairs/s per thread, so a "
        "genome scan of 16k promoters would take over 30 s instead of seconds"
    )
    if len(crit) == 2 and len(set(means.values())) > 1:
        # the two records average different validation TFs: their criteria are not comparable
        text += (
            "; its validation record averages per-TF AUROC over every validation TF with both classes and "
            f"the bundled file's over those with at least {MIN_POSITIVES} positives, so their criteria are not "
            "compared here"
        )
    elif len(crit) == 2:
        a, b = crit["gpu300_unknown"], crit["unknown60"]
        text += (
            f"; and with their transfer terms, on the unknown-split validation TFs, it reaches a selection "
            f"criterion of {a[0]:.3f} against the bundled 60 bp model's {b[0]:.3f} (degree-matched per-TF AUROC "
            f"{a[1]:.3f} vs {b[1]:.3f}; paper pooled AUROC {a[2]:.3f} vs {b[2]:.3f})"
        )
    return text + "."


def _fine_tune_lines(name: str, meta: dict) -> list[str]:
    """Where a bundled network was trained further with a ranking loss (``meta["fine_tune"]``, written by
    ``scripts/probe_pairwise.py export``) and its term re-weighed (``grenimja transfer --shape keep``): one
    paragraph saying how, from the model file's own records."""
    ft = meta.get("fine_tune")
    if not ft:
        return []
    rw = meta.get("transfer", {}).get("reweighed", {})
    scratch = ft["start"] == "scratch"
    text = (
        (
            "- **This network was then replaced** by one trained from scratch (the record above is the replaced "
            f"one's; `{ft['script']}`, {ft['device']}, {ft['minutes']:g} min): loss "
            if scratch
            else f"- Then trained further (`{ft['script']}`, {ft['device']}, {ft['minutes']:g} min): loss "
        )
        + f"{ft['loss']} (each training positive against a degree-matched negative of the same TF, which no "
        + "gene-popularity score can lower; the TF's validation and test negatives were never its training "
        + f"negatives), from {ft['start']}, Adam lr {ft['lr']:g}, batch {ft['batch']}, seed {ft['seed']}; "
        + f"{ft['triplets']:,} triplets over {ft['evaluations']} evaluations; kept evaluation "
        + f"{ft['kept_evaluation']} by the {ft['kept_on']} ({ft['valid_dm_per_tf_auroc_start']:.3f} -> "
        + f"{ft['valid_dm_per_tf_auroc']:.3f}; paper pooled AUROC of the network alone "
        + f"{ft['valid_paper_auroc']:.3f})."
    )
    pop = meta.get("transfer", {}).get("popularity")
    if rw.get("factor") == 1.0 and rw.get("earlier") and pop:
        # a later run (--shape keep --popularity) left the weights as they were: the re-weighing that followed
        # the new network is the earlier record, its "with" the later run's "before"
        rw = dict(rw["earlier"], after=rw["valid_before"])
    if rw:
        w = rw.get("after") or meta["transfer"]["valid_with_term"]
        before = rw.get("valid_before") or {}
        text += (
            f" Its term was kept and all its weights scaled by {rw['factor']:g} "
            f"(`grenimja transfer --shape keep`, chosen on validation by the criterion): validation "
            f"degree-matched per-TF AUROC {before.get('dm_per_tf_auroc', float('nan')):.3f} -> "
            f"{w['dm_per_tf_auroc']:.3f}, paper pooled {before.get('paper_auroc', float('nan')):.3f} -> "
            f"{w['paper_auroc']:.3f} (the network's evaluation and the factor were both picked on these "
            f"validation TFs, so the test figures are the ones to read)."
        )
    if pop and pop.get("weight"):
        w = meta["transfer"]["valid_with_term"]
        b = pop["valid_without"]
        text += (
            f" Last, the popularity part (`grenimja transfer --popularity`, factor {pop['factor']:g}: a gene bias "
            f"of {pop['weight']:g} per sd of the gene's training degree; section below): validation "
            f"degree-matched per-TF AUROC {b['dm_per_tf_auroc']:.3f} -> {w['dm_per_tf_auroc']:.3f}, paper "
            f"pooled {b['paper_auroc']:.3f} -> {w['paper_auroc']:.3f}."
        )
    return [text, ""]


def _popularity_section(res: Path) -> list[str]:
    """The popularity part (``grenimja transfer --popularity``): each split's validation grid, what was
    chosen, and where a model file took it, the paired interval of ``grenimja compare``."""
    import pandas as pd

    grids = {
        split: pd.read_csv(f)
        for split in ("unknown", "homology", "known")
        if (f := res / "validation" / f"transfer_{split}_popularity.csv").is_file()
    }
    if not grids:
        return []
    out = [
        "## Popularity taken out of each TF's ranking (validation only)",
        "",
        "`grenimja transfer --popularity` adds, after every other part, `factor x weight x z(d)`: `d` the gene's "
        "share of training TFs regulating it, standardised over the training genes (a promoter of no catalogue "
        "gene gets 0), `weight` the term's. Under degree-matched negatives a TF's targets and non-targets are "
        "equally popular, so the popularity a score carries only blurs each TF's ranking; under the paper's "
        "random negatives it ranks targets first. A negative factor takes part of it out of every TF's ranking, "
        "a positive one adds more; the factor (0 first, so a tie changes nothing) is chosen by the same "
        "criterion (degree-matched per-TF AUROC + paper pooled AUROC). It is a gene bias: a gene's "
        "TF-specificity (logit less its mean over the panel TFs) does not move. Grid in "
        "`results/validation/transfer_*_popularity.csv`; validation, without -> with the chosen factor:",
        "",
        "| split | factor | paper AUROC | degree-matched per-TF AUROC | criterion |",
        "|---|---|---|---|---|",
    ]
    bests = {split: best_row(g) for split, g in grids.items()}
    for split, g in grids.items():
        base, best = g.iloc[0], bests[split]
        out.append(
            f"| {split} | {best['popularity_factor']:g} | {base['paper_auroc']:.4f} -> {best['paper_auroc']:.4f} | "
            f"{base['dm_per_tf_auroc']:.4f} -> {best['dm_per_tf_auroc']:.4f} | {base['criterion']:.4f} -> "
            f"{best['criterion']:.4f} |"
        )
    out.append("")
    for split, g in grids.items():
        best = bests[split]
        keep = res / "validation" / f"transfer_{split}_popularity_keep.json"
        factor = json.loads(keep.read_text())["reweighed"]["factor"] if keep.is_file() else 1.0
        if factor != 1.0:  # the run re-weighs the carried term first (--shape keep): say so
            out.append(
                f"- {split}: the score without the part is the bundled term re-weighed by {factor:g} "
                f"(`grenimja transfer --shape keep`, chosen first in the same run; "
                f"`results/validation/transfer_{split}_popularity_keep.*`), not the bundled score itself."
            )
        if best["popularity_factor"] == 0:
            neg = g[g["popularity_factor"] < 0].sort_values("dm_per_tf_auroc").iloc[-1]
            out.append(
                f"- {split}: no factor beats 0 on the criterion; the best degree-matched one "
                f"({neg['popularity_factor']:g}) gives {neg['dm_per_tf_auroc']:.4f} at a paper AUROC of "
                f"{neg['paper_auroc']:.4f}. `{split}.pt` is unchanged."
            )
            continue
        cmp = res / "validation" / f"compare_{split}_popularity.csv"
        text = f"- {split}: factor {best['popularity_factor']:g} chosen"
        if cmp.is_file():
            r = pd.read_csv(cmp).set_index("metric")
            c, d = r.loc["criterion"], r.loc["degree-matched per-TF AUROC"]
            text += (
                f"; against the model without it (`grenimja compare`, 95% intervals from resampling the "
                f"{int(d['tfs'])} validation TFs, `{cmp.relative_to(res.parent)}`): degree-matched per-TF AUROC "
                f"{d['difference']:+.4f} [{d['ci_low']:+.4f}, {d['ci_high']:+.4f}], criterion "
                f"{c['difference']:+.4f} [{c['ci_low']:+.4f}, {c['ci_high']:+.4f}]"
            )
            if c["ci_low"] > 0:
                text += f". The interval is above 0, so `{split}.pt` carries it (test figures above)."
            else:
                text += ". The interval holds 0: not adopted."
        out.append(text)
    f = res / "validation" / "popularity_baselines.csv"
    if f.is_file():
        b = pd.read_csv(f)
        out += [
            "",
            "The same part given to the collaborative-filtering baselines (`python scripts/popularity_baselines.py`: "
            "each EASE baseline's raw score over its validation sd plus `factor x z(d)`, the factor chosen on "
            "validation by the same criterion, then scored on test as an evaluation); degree-matched per-TF AUROC, "
            "TFs with >= 5 positives, without -> with it:",
            "",
        ]
        for name, g in b.groupby("baseline", sort=False):
            v, t = g[g["part"] == "valid"], g[g["part"] == "test"]
            cv, ct = v[v["chosen"]].iloc[0], t[t["chosen"]].iloc[0]
            v0, t0 = v[v["factor"] == 0].iloc[0], t[t["factor"] == 0].iloc[0]
            out.append(
                f"- {name} (ridge {cv['ridge']:g}): factor {cv['factor']:g}; validation "
                f"{v0['dm_per_tf_auroc']:.4f} -> {cv['dm_per_tf_auroc']:.4f} (paper pooled {v0['paper_auroc']:.4f} "
                f"-> {cv['paper_auroc']:.4f}); test {t0['dm_per_tf_auroc']:.4f} -> {ct['dm_per_tf_auroc']:.4f} "
                f"(paper pooled {t0['paper_auroc']:.4f} -> {ct['paper_auroc']:.4f}); at its best factor read on "
                f"test {t['dm_per_tf_auroc'].max():.4f}."
            )
    return [*out, ""]


def _homology_model_section(res: Path, models: Path | None = None) -> list[str]:
    """Training record of the homology-split network (bundled as homology.pt) that the homology rows score."""
    f = res / "validation" / "homology60_history.json"
    if not f.is_file():
        return []
    mm = _model_meta(models, "homology") if models is not None else None
    hist = json.loads(f.read_text())
    best = min(hist, key=lambda h: h["valid_loss"])
    return [
        "## Homology-split network (bundled as `homology.pt`)",
        "",
        "`grenimja train --dataset datasets/v1 --split homology --out runs/homology60 --epochs 12 --patience 3` "
        "(the bundled models' CPU recipe: Adam lr 0.001, batch 64, 150,000 pairs per epoch, seed 0, 1 thread), "
        "then `grenimja transfer` and `grenimja reference` as for the other bundled models, and copied to "
        f"`models/homology.pt`. Stopped by hand after {len(hist)} epochs for time, "
        f"{len(hist) - best['epoch']} of them without a better validation loss; kept epoch {best['epoch']}. Its "
        "training TFs exclude every TF above 40% identity to a held-out one, so the unknown model, trained on "
        "another TF partition, cannot score this split fairly.",
        "",
        "| epoch | train loss | valid loss | valid AUROC |",
        "|---|---|---|---|",
        *(
            f"| {h['epoch']} | {h['train_loss']:.4f} | {h['valid_loss']:.4f} | {h['valid_auroc']:.3f} |"
            for h in hist
        ),
        "",
        *(_fine_tune_lines("homology", mm[0]) if mm else []),
    ]


def _gpu_section(res: Path) -> list[str]:
    """Paper-width models trained on a lent GPU: speed, memory, validation curve (results/gpu/)."""
    runs = [
        (s, json.loads(f.read_text()))
        for s in ("unknown", "known")
        if (f := res / "gpu" / f"{s}_history.json").is_file()
    ]
    if not runs:
        return []
    out = [
        "## Paper-width models trained on a GPU (not bundled)",
        "",
        f"{GPU['device']}: `{GPU['command']}`. The network is the paper's widths (ModelConfig defaults) on the "
        "300 bp build.",
        "",
        "| split | epochs | pairs/s (mean) | s per epoch (300k pairs) | peak GPU memory (GiB) | best valid loss | "
        "valid AUROC at best |",
        "|---|---|---|---|---|---|---|",
    ]
    for split, h in runs:
        best = min(h, key=lambda r: r["valid_loss"])
        out.append(
            f"| {split} | {len(h)} | {sum(r['pairs_per_s'] for r in h) / len(h):,.0f} | "
            f"{sum(r['seconds'] for r in h) / len(h):.0f} | {max(r.get('peak_gpu_memory_gib', 0) for r in h):.2f} | "
            f"{best['valid_loss']:.4f} (epoch {best['epoch']}) | {best['valid_auroc']:.3f} |"
        )
    out += [
        "",
        _why_not_bundled(res),
        "",
    ]
    return out


def _similarity_label(t: dict) -> str:
    """How a fitted term weighs training TFs, for the card: identity full / dbd, or targets (EASE, lambda)."""
    if t.get("similarity", "identity") == "targets":
        return f"targets (EASE, lambda {t['ease_lambda']:g})"
    return f"identity {t.get('identity', 'full')}"


def _before_after(b: dict, w: dict) -> str:
    """A part's validation record as the card reads it: both criterion metrics, without -> with it."""
    return (
        f"paper AUROC {b['paper_auroc']:.4f} -> {w['paper_auroc']:.4f}, degree-matched per-TF AUROC "
        f"{b['dm_per_tf_auroc']:.4f} -> {w['dm_per_tf_auroc']:.4f}."
    )


def _transfer_section(res: Path) -> list[str]:
    """The homology-transfer term's validation record for every model it was fitted to."""
    rows = [
        (label, json.loads(f.read_text()))
        for key, label in TRANSFER_RUNS.items()
        if (f := res / "validation" / f"transfer_{key}.json").is_file()
    ]
    if not rows:
        return []
    out = [
        "## The TF-specific term (homology transfer)",
        "",
        "`grenimja transfer` adds to the network's logit `weight x term`. The term is the identity-weighted share "
        "(Smith-Waterman identity^power, normalised) of training TFs that regulate the gene (`centre` False), or "
        "that share minus the share of all training TFs regulating it (`centre` True, the earlier form). A query "
        "is aligned to the training TFs' full-length proteins or to their DNA-binding domains (`identity` dbd, "
        "from `proteins/Homo_DBD_1120.fa`). On the known split a third kind competes (`similarity` targets): "
        "for a query that is a training TF, the weights are its column of EASE's TF x TF ridge regression of "
        "training targets (Steck 2019; ridge `lambda`), so training TFs that share its targets vote, whatever "
        "their sequence; other queries fall back to identity. `smooth` 0.5 blends each training TF's 0/1 "
        "targets half and half with EASE's prediction of them (ridge 200) before they vote, so a query inherits "
        "genes its homologs' target-sharing partners regulate; for a known TF, whose own row carries identity 1, "
        "that is EASE's prediction of its unseen targets. With `lift` True the term is the log of the share over "
        "the query's share averaged over all genes (how many times more its homologs regulate the gene than an "
        "average gene, floored at 0.01), monotone per TF, so each TF's ranking is the share's, while TFs whose "
        "homologs have few targets are put on the scale of those whose homologs have many. Kind, smoothing, "
        "lift, centre, power and weight are chosen together on the validation part (grid in `results/validation/transfer_*.csv`; criterion: degree-matched per-TF AUROC + "
        f"paper pooled AUROC; per-TF means over the TFs with at least {MIN_POSITIVES} positives in files written since "
        "2026-11-27, marked *, over every TF with both classes before). Then the promoter k-mer part (`grenimja/model/kmers.py`; files written since "
        "2026-11-26): each training TF's signature over canonical 6-mers of its training targets' promoters "
        "as the network reads them, the gene's popularity taken out within 50 degree strata, scaled to unit "
        "sd over the training genes; a query scores a promoter with its weights over the training TFs as "
        "above, so a promoter of no catalogue gene gets this part too. Its weight (0, or 0.025 to 0.8 x the "
        "term's) is chosen after the rest of the term by the same criterion (grid in "
        "`results/validation/transfer_*_kmers.csv`); `k-mer weight` - means the file predates the part. "
        "Then the final logit is Platt-scaled on the paper protocol's validation pairs "
        "(monotone: no AUROC changes). Validation metrics, network alone -> with the term:",
        "",
        "| model | split | similarity | smooth | lift | centre | power | weight | k-mer weight | paper AUROC | "
        "paper per-TF AUROC | degree-matched AUROC | degree-matched per-TF AUROC |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, t in rows:
        a, w = t["valid_network_alone"], t["valid_with_term"]
        cells = " | ".join(
            f"{a[c]:.3f} -> **{w[c]:.3f}**"
            for c in ("paper_auroc", "paper_per_tf_auroc", "dm_auroc", "dm_per_tf_auroc")
        )
        km = t.get("kmers")
        star = " *" if t.get("per_tf_min_positives") else ""
        out.append(
            f"| {label}{star} | {t['split']} | {_similarity_label(t)} | {t.get('smooth', 0.0):g} | "
            f"{t.get('lift', False)} | {t.get('centre', True)} | {t['power']:g} | {t['weight']:g} | "
            f"{'-' if km is None else format(km['weight'], 'g')} | {cells} |"
        )
    shapes = [(label, t) for label, t in rows if t.get("shape")]
    if shapes:
        out += [
            "",
            "Where a row's shape was chosen on the training TFs (`grenimja transfer --shape loto`, "
            "`grenimja/model/loto.py`; files written since 2026-11-27, night): each training TF with >= 5 training "
            "positives is left out of the term in turn (and, on the homology split, every training TF above 40% "
            "identity to it) and its training targets (at most 200) are ranked by the term without it against "
            "degree-matched negatives and against as many of its random non-targets (the build's training "
            "negatives); the alignment kind, power, smoothing, the k-mer and motif parts' factors (x the term's "
            "weight) and the motif donors and statistic with the best criterion (degree-matched per-TF AUROC + "
            "paper pooled AUROC, as on validation) are kept (grid in "
            "`results/validation/transfer_*_loto.csv`), and only the weight of the whole is chosen on validation "
            "(`results/validation/transfer_*_weight.csv`). Why: the validation part holds 14-16 TFs with >= 5 "
            "positives on these splits, the training part ~260.",
            "",
        ]
        for label, t in shapes:
            sh = t["shape"]
            cap = f", homologs above {sh['max_identity']:.0%} left out" if sh.get("max_identity") else ""
            out.append(
                f"- {label}: identity {sh['identity']}, power {sh['power']:g}, smooth {sh['smooth']:g}, k-mer "
                f"factor {sh['kmer_factor']:g}, motif factor {sh['motif_factor']:g} ({sh['n_donors']} donors, "
                f"{sh['statistic']}); over {sh['pseudo_queries']} left-out training TFs{cap}: degree-matched "
                f"per-TF AUROC {sh['loto_dm_per_tf_auroc']:.4f}, paper pooled AUROC {sh['loto_paper_auroc']:.4f}."
            )
    kms = [(label, t) for label, t in rows if t.get("kmers")]
    if kms:
        out += [
            "",
            "The promoter k-mer part alone, on validation (the rest of the term as chosen -> with it):",
            "",
        ]
        for label, t in kms:
            b, w = t["kmers"]["valid_without"], t["valid_with_term"]
            out.append(f"- {label}: weight {t['kmers']['weight']:g}; {_before_after(b, w)}")
    mots = [(label, t) for label, t in rows if t.get("motifs")]
    if mots:
        out += [
            "",
            "The motif-transfer part (`grenimja/model/motifs.py`; files written since 2026-11-27): `-log10 p` "
            "of the best hit (or of all windows' summed odds, the `occupancy` statistic), on the gene's 300 bp "
            "window (-249..+50, the catalogue's), of the JASPAR matrices of the query's most identical other "
            "TFs that have one (1, 3 or 5 of them, each weighed by identity^8); p among 1,000 random "
            "background promoters. Its weight (0, or 0.2 to 3.2 x the term's), the statistic and the number "
            "of donors are chosen last by the same criterion (grid in "
            "`results/validation/transfer_*_motifs.csv`); on validation, the rest of the term as chosen -> "
            "with it:",
            "",
        ]
        for label, t in mots:
            # where the own-target part came after it, the motif part's "with" is the own part's "without"
            b = t["motifs"]["valid_without"]
            w = t["own_kmers"]["valid_without"] if t.get("own_kmers") else t["valid_with_term"]
            out.append(
                f"- {label}: weight {t['motifs']['weight']:g} ({t['motifs']['donors']} donor TFs, "
                f"{t['motifs'].get('donors_per_query', 1)} voting per query, "
                f"{t['motifs'].get('statistic', 'best')} window statistic); {_before_after(b, w)}"
            )
    owns = [(label, t) for label, t in rows if t.get("own_kmers")]
    if owns:
        out += [
            "",
            "The own-target k-mer part (`grenimja/model/own_kmers.py`; files written since 2026-11-27, known "
            "split only): a query that is a training TF scores the gene's 300 bp window with the canonical "
            "k-mer signature of its own training targets' windows (popularity taken out within degree strata, "
            "unit sd over the training genes); the term's EASE weights and the k-mer part that rides on them "
            "give a known TF's own targets no vote. k (6 or 7) and weight (0, or 0.05 to 0.8 x the term's) "
            "are chosen last by the same criterion (grid in `results/validation/transfer_*_own_kmers.csv`); "
            "on validation, the rest of the term as chosen -> with it:",
            "",
        ]
        for label, t in owns:
            o, b, w = t["own_kmers"], t["own_kmers"]["valid_without"], t["valid_with_term"]
            kind = "not chosen" if not o["weight"] else f"{o['k']}-mers, weight {o['weight']:g}"
            out.append(f"- {label}: {kind}; {_before_after(b, w)}")
    cals = [(label, t["calibration"]) for label, t in rows if "calibration" in t]
    if cals:
        out += [
            "",
            "Calibration (validation pairs of the paper protocol; ECE = expected calibration error over 10 bins):",
            "",
            "| model | form | ECE raw -> calibrated | precision at p >= 0.5 | recall at p >= 0.5 |",
            "|---|---|---|---|---|",
        ]
        for label, c in cals:
            form = "a asinh(z) + b" if c.get("transform") == "asinh" else "a z + b"
            out.append(
                f"| {label} | {form} | {c['valid_ece_raw']:.3f} -> {c['valid_ece_calibrated']:.3f} | "
                f"{c.get('valid_precision_at_0.5', float('nan')):.3f} | {c.get('valid_recall_at_0.5', float('nan')):.3f} |"
            )
    out.append("")
    return out


def _loto_section(res: Path) -> list[str]:
    """The held-out models' term shapes on the training TFs left out in turn (``grenimja transfer --shape
    loto``), and the refit whose validation decided whether it replaced the bundled term."""
    import pandas as pd

    from grenimja.model.loto import shape_rows

    splits = [s for s in ("unknown", "homology") if (res / "validation" / f"loto_{s}.csv").is_file()]
    if not splits:
        return []
    out = [
        "## Term shapes judged on left-out training TFs (validation only)",
        "",
        "`grenimja transfer --shape loto` (`grenimja/model/loto.py`) scores every shape of the held-out models' "
        "term (alignment kind, power, smoothing, the k-mer and motif parts' factors, the motif donors and "
        "statistic) on the training TFs instead of the 14-16 validation TFs with >= 5 positives: each training "
        "TF with >= 5 training positives is left out of the term in turn (on the homology split with every "
        "training TF above 40% identity to it) and its training targets (at most 200) are ranked against "
        "degree-matched negatives and against as many random non-targets (the paper protocol). The network takes "
        "no part. Where the model file carries a term, only shapes at least as good as it on both protocols "
        "are eligible, the best of them on the degree-matched mean (the issue's goal metric); the weight is "
        "then chosen on validation. "
        "Grid: `results/validation/loto_*.csv`; the refit's record: `results/validation/loto_*_fit.json`. The "
        "refit replaces the bundled term only where its validation criterion is not lower.",
        "",
        "| split | shape | identity, power, smooth, k-mer x, motif x, donors, statistic | left-out TFs | "
        "degree-matched per-TF AUROC | paper pooled AUROC |",
        "|---|---|---|---|---|---|",
    ]
    verdicts = []
    for split in splits:
        grid = pd.read_csv(res / "validation" / f"loto_{split}.csv")
        fit_file = res / "validation" / f"loto_{split}_fit.json"
        fit = json.loads(fit_file.read_text()) if fit_file.is_file() else None
        picks = [
            ("best degree-matched", grid.loc[grid["dm_per_tf_auroc"].idxmax()]),
            ("best criterion", grid.loc[grid["criterion"].idxmax()]),
        ]
        if fit is not None:
            sh = fit["shape"]
            if sh.get("incumbent"):
                picks.insert(0, ("bundled", grid[shape_rows(grid, sh["incumbent"])].iloc[0]))
            picks.append(("chosen (no worse on either)", grid[shape_rows(grid, sh)].iloc[0]))
        for name, r in picks:
            desc = (
                f"{r['identity']}, {r['power']:g}, {r['smooth']:g}, {r['kmer_factor']:g}, {r['motif_factor']:g}, "
                + (f"{int(r['n_donors'])}, {r['statistic']}" if r["motif_factor"] else "-, -")
            )
            out.append(
                f"| {split} | {name} | {desc} | {int(r['tfs'])} | {r['dm_per_tf_auroc']:.4f} | "
                f"{r['paper_auroc']:.4f} |"
            )
        bundled_file = res / "validation" / f"transfer_{split}60.json"
        if fit is not None and bundled_file.is_file():
            old, new = json.loads(bundled_file.read_text())["valid_with_term"], fit["valid_with_term"]
            c_old = old["dm_per_tf_auroc"] + old["paper_auroc"]
            c_new = new["dm_per_tf_auroc"] + new["paper_auroc"]
            same = fit["shape"].get("incumbent") and shape_rows(grid, fit["shape"]).equals(
                shape_rows(grid, fit["shape"]["incumbent"])
            )
            verdicts.append(
                f"- {split}: the refit (weight {fit['weight']:g}) on validation: degree-matched per-TF AUROC "
                f"{old['dm_per_tf_auroc']:.4f} -> {new['dm_per_tf_auroc']:.4f}, paper pooled "
                f"{old['paper_auroc']:.4f} -> {new['paper_auroc']:.4f} (criterion {c_old:.4f} -> {c_new:.4f}): "
                + ("the bundled shape itself; " if same else "")
                + ("kept." if c_new >= c_old and not same else "not adopted; the bundled term stays.")
            )
    out += ["", *verdicts, ""]
    return out


def _tf_weights_section(res: Path) -> list[str]:
    """``scripts/probe_tf_weights.py``: training TFs weighed by motif similarity, and a popularity part
    weighted by the query's predicted breadth, judged on the training TFs left out in turn."""
    import pandas as pd

    v = res / "validation"
    if not (v / "loto_tf_weights.csv").is_file():
        return []
    summary = pd.read_csv(v / "loto_tf_weights.csv")
    out = [
        "## Motif similarity and breadth-weighted popularity (left-out training TFs)",
        "",
        "`python scripts/probe_tf_weights.py` judges two ideas for the held-out models on the training TFs "
        "left out in turn, as in the section above; no validation or test pair is read and nothing is bundled. "
        "(1) Training TFs weighed by how similar their JASPAR motifs are to the query's: the best Tomtom "
        "`-log10 p` over their human CORE matrices, to the power 4 (a query without a matrix or a similar one "
        "falls back to DBD identity^8). It is tried alone (`motif`) and half and half with DBD identity^8 "
        "(`motif+dbd`), in the same shape grid as identity (powers 2, 4, 8; the bundled k-mer and "
        "motif-transfer parts scored with each kind's weights). (2) The popularity part `c x g(b) x z(d)` added "
        "to the bundled shape's score: `b` is the query's predicted breadth (its homologs' mean share of genes "
        "over the average training TF's) and `g` is 1, `b` or `[b > 1.5]`. A broad TF's targets are popular "
        "genes, so popularity might serve broad TFs without blurring the others' rankings. Grids: "
        "`results/validation/loto_tf_weights_*.csv`, `results/validation/loto_breadth_popularity_*.csv`.",
        "",
        "| split | weights | left-out TFs | best degree-matched per-TF AUROC | best at no lower paper pooled "
        "AUROC than the bundled shape (its paper pooled AUROC) |",
        "|---|---|---|---|---|",
    ]
    verdicts = []
    for split, g in summary.groupby("split", sort=False):
        own = g[g["weights"] == "bundled shape"].iloc[0]
        for r in g.itertuples():
            at = "-" if pd.isna(r.dm_at_paper) else f"{r.dm_at_paper:.4f} ({r.paper:.4f})"
            out.append(f"| {split} | {r.weights} | {r.tfs} | {r.best_dm:.4f} | {at} |")
        motif = g[g["weights"].str.startswith("motif")]
        ident = g[g["weights"].isin(["full", "dbd"])]
        gain = motif["dm_at_paper"].max() - max(ident["dm_at_paper"].max(), own["dm_at_paper"])
        verdicts.append(
            f"- {split}: the best motif-weighted shape at no lower paper AUROC reaches "
            f"{motif['dm_at_paper'].max():.4f}, against {ident['dm_at_paper'].max():.4f} for identity "
            f"({gain:+.4f}): "
            + ("a gain worth a validation run." if gain > 0.005 else "no gain; not pursued.")
        )
        bfile = v / f"loto_breadth_popularity_{split}.csv"
        if bfile.is_file():
            b = pd.read_csv(bfile)
            zero = b[b["factor"] == 0].iloc[0]
            parts = []
            for form, fg in b.groupby("form", sort=False):
                best = fg.loc[fg["criterion"].round(10).idxmax()]
                parts.append(
                    f"{form} best at c = {best['factor']:g} (degree-matched {best['dm_per_tf_auroc']:.4f}, "
                    f"paper {best['paper_auroc']:.4f}, criterion {best['criterion']:.4f})"
                )
            lower = (b.loc[b["factor"] > 0, "dm_per_tf_auroc"] < zero["dm_per_tf_auroc"]).all()
            verdicts.append(
                f"- {split}, breadth-weighted popularity: without it degree-matched {zero['dm_per_tf_auroc']:.4f}, "
                f"paper {zero['paper_auroc']:.4f} (criterion {zero['criterion']:.4f}); "
                + "; ".join(parts)
                + ". "
                + (
                    "Every factor above 0 lowers the degree-matched mean, whatever the form: "
                    "weighting by breadth only trades less of it for less paper AUROC."
                    if lower
                    else "Some setting raises the degree-matched mean."
                )
            )
    return [*out, "", *verdicts, ""]


def _pairwise_probe_section(res: Path) -> list[str]:
    """The GPU probe of ranking losses for the network (scripts/probe_pairwise.py), validation only."""
    import pandas as pd

    f = res / "validation" / "pairwise_probe.csv"
    if not f.is_file():
        return []
    df = pd.read_csv(f)
    out = [
        "## Ranking losses for the network (GPU probes, validation only)",
        "",
        "`scripts/probe_pairwise.py` trained the network (CPU widths, build v1) on a lent H200 with losses that "
        "a gene-popularity score cannot lower: each training positive against a degree-matched negative of the "
        "same TF (`grenimja train --loss pairwise` since), and with `gene loss` also against a training TF "
        "that does not regulate the gene, drawn by its number of targets; from scratch or from the bundled "
        "network. Degree-matched per-TF AUROC on the validation TFs with >= 5 positives: the network alone "
        "at its first and last evaluation, and its last evaluation (standardised, at the best of five scales "
        "of the term's sd) added to the bundled model's term, against the bundled model, with a 95% interval "
        "from resampling the validation TFs. The last columns drop the validation negatives that had been the "
        "same TF's training negatives: on the known split, whose TFs are shared, that overlap is a leak. "
        "Runs `lf*` and `long*` (a later call) drew every TF's training negatives outside its validation and "
        "test degree-matched negatives, so none was seen in training. "
        "Details in `results/validation/pairwise_probe.md`.",
        "",
        "| split | run | gene loss | start | minutes | triplets | network alone | with the term (scale) | bundled "
        "| difference [95% interval] | validation negatives seen in training | without them: bundled -> with the term |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in df.itertuples():
        out.append(
            f"| {r.split} | {r.run} | {'yes' if r.gene_loss else 'no'} | {r.init} | {r.minutes:g} | "
            f"{r.triplets:,} | {r.alone_start:.3f} -> {r.alone_last:.3f} | {r.with_term:.3f} ({r.scale:g}) | "
            f"{r.bundled:.3f} | {r.difference:+.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}] | "
            f"{r.seen_negatives:,} of {r.negatives:,} | {r.bundled_unseen:.3f} -> {r.with_term_unseen:.3f} |"
        )
    out.append("")
    return out + _finetune_test_lines(res)


def _finetune_test_lines(res: Path) -> list[str]:
    """The homology model with the fine-tuned network, read once on test against the bundled one
    (``results/finetune_homology/`` beside ``results/eval_homology*``), where both were written."""
    import pandas as pd

    pairs = {}
    for proto, suffix in PROTOCOLS.items():
        new, old = (
            res / "finetune_homology" / proto.replace("-", "_") / "metrics.json",
            res / f"eval_homology{suffix}" / "metrics.json",
        )
        if not (new.is_file() and old.is_file()):
            return []
        pairs[proto] = (json.loads(old.read_text()), json.loads(new.read_text()))
    (po, pn), (do, dn) = pairs["paper"], pairs["degree-matched"]

    def per_tf(m: dict) -> float:
        return m["per_tf_mean_min_positives"]["auroc"]

    text = (
        "The `longftgene` network, exported into the homology model with its term re-weighed on validation "
        "(`grenimja transfer --shape keep`: validation criterion above the bundled model's), was read once on "
        f"the test part (`results/finetune_homology/`): degree-matched per-TF AUROC {per_tf(do):.3f} -> "
        f"{per_tf(dn):.3f} (TFs with >= {MIN_POSITIVES} positives), but paper pooled AUROC "
        f"{po['pooled']['auroc']:.3f} -> {pn['pooled']['auroc']:.3f} (per-TF {per_tf(po):.3f} -> "
        f"{per_tf(pn):.3f})"
    )
    spec = [res / "eval_homology_degree_matched" / "specificity.json"]
    spec.append(res / "finetune_homology" / "degree_matched" / "specificity.json")
    if all(f.is_file() for f in spec):
        so, sn = (json.loads(f.read_text()) for f in spec)
        text += (
            f"; mean Spearman between two test TFs' rankings of all genes {so['mean_spearman']:.3f} -> "
            f"{sn['mean_spearman']:.3f}, the TF's share of the logits' variance {so['tf_share']:.3f} -> "
            f"{sn['tf_share']:.3f}"
        )
    keep = res / "validation" / "transfer_homology_keep.json"
    if keep.is_file():
        k = json.loads(keep.read_text())
        gain = k["valid_with_term"]["dm_per_tf_auroc"] - k["reweighed"]["valid_before"]["dm_per_tf_auroc"]
        text += (
            f". On the target protocol the test gain is {per_tf(dn) - per_tf(do):+.3f} against {gain:+.3f} on the "
            f"validation TFs that chose the network's evaluation and the factor "
            f"({k['reweighed']['factor']:g} x the term's weights; `results/validation/transfer_homology_keep.*`)"
        )
    cmp = res / "validation" / "compare_homology_finetuned.csv"
    if cmp.is_file():
        r = pd.read_csv(cmp).set_index("metric")
        c, d = r.loc["criterion"], r.loc["degree-matched per-TF AUROC"]
        text += (
            f". With 95% intervals from resampling the validation TFs (`grenimja compare`, "
            f"`results/validation/compare_homology_finetuned.csv`), that validation gain was "
            f"{d['difference']:+.3f} [{d['ci_low']:.3f}, {d['ci_high']:.3f}] and the criterion's "
            f"{c['difference']:+.3f} [{c['ci_low']:.3f}, {c['ci_high']:.3f}]: validation could not tell"
        )
    text += (
        ". The paper protocol loses more than the degree-matched one gains, so the bundled `homology.pt` keeps its "
        "network (this choice read the test part; the bundled model's test figures are the earlier ones)."
    )
    f = res / "validation" / "tf_centring.csv"
    if f.is_file():
        c = pd.read_csv(f)
        alone = c[(c["score"] == "network alone") & (c["protocol"] == "degree-matched")]
        alone = alone.set_index(["network", "part"])["per_tf_auroc_min5"].to_dict()
        if len(alone) == 4:
            text += (
                " The network alone, on degree-matched pairs (per-TF AUROC, >= "
                f"{MIN_POSITIVES} positives): validation {alone[('as trained', 'valid')]:.3f} -> "
                f"{alone[('fine-tuned', 'valid')]:.3f}, test {alone[('as trained', 'test')]:.3f} -> "
                f"{alone[('fine-tuned', 'test')]:.3f}: it learned to rank within a TF, less than validation said."
            )
        c = c[(c["part"] == "valid") & (c["protocol"] == "paper") & (c["network"] == "fine-tuned")]
        c = c[c["score"].isin(["as bundled", "TF-centred"])]
        if len(c) == 2:
            a = c.set_index("score")["pooled_auroc"]
            text += (
                " Centring the network's logit per TF over a fixed promoter panel "
                "(`scripts/probe_tf_centring.py`, `results/validation/tf_centring.csv`) moves the validation "
                f"paper pooled AUROC {a['as bundled']:.3f} -> {a['TF-centred']:.3f}, so the TF-wide offsets the "
                "within-TF loss leaves free are not the whole cost."
            )
    return [text, ""]


def _extra_terms_section(res: Path, models: Path | None = None) -> list[str]:
    """Terms tried beside each bundled model's transfer term on validation (scripts/extra_terms.py): the
    best setting of each against the bundled score, by the transfer choice's criterion."""
    import pandas as pd

    f = res / "validation" / "extra_terms.csv"
    if not f.is_file():
        return []
    df = pd.read_csv(f)
    out = [
        "## Terms tried beside the transfer term (validation only)",
        "",
        "`python scripts/extra_terms.py` adds one more term to each bundled model's validation score "
        "(network + chosen transfer term, with the k-mer, motif-transfer, own-target and popularity parts the "
        "model file carries) at a "
        "few weights: the gene-degree prior as a per-gene bias "
        "(`b x weight x ln(degree + 0.001)`), other floors of the lift (transfer weight re-chosen per floor), "
        "and PWM hits (`c x weight x -log10 p` of the best JASPAR window: the TF's own matrices, or its most "
        "identical other TF's) on the 60 bp promoters the network reads and on the 300 bp windows of build "
        "v2 (a pair whose TF has no matrix, or whose gene no 300 bp window, gets 0; the setting cell counts "
        "them). Best setting of each by the same criterion (degree-matched per-TF AUROC + paper pooled AUROC); "
        "every setting in `results/validation/extra_terms.csv`. The last column is the change of the "
        "degree-matched per-TF AUROC against the bundled score with its 95% interval from resampling the "
        "validation TFs (paired): an interval that holds 0 is no gain, and one above 0 is still the best of "
        "several settings, so optimistic. The motif-transfer part of the bundled models grew out of the "
        "300 bp motif-transfer rows; where a model carries it, those rows measure a second helping of it. The "
        "other terms are in no bundled model. Every figure here is a validation figure.",
    ]
    parts = (  # the part's key in the transfer record, the rows' column of its weight, and when it came
        (
            "kmers",
            "bundled_kmer_weight",
            "the promoter k-mer part (previous section) entered that model file (or with another weight of it)",
        ),
        (
            "motifs",
            "bundled_motif_weight",
            "the motif-transfer part entered that model file (or with another weight of it)",
        ),
        (
            "own_kmers",
            "bundled_own_weight",
            "the own-target k-mer part entered that model file (or with another weight of it)",
        ),
        (
            "popularity",
            "bundled_popularity_weight",
            "the popularity part entered that model file (or with another weight of it)",
        ),
    )
    # each bundled model's term record: the model file's own where it is at hand (it holds the weights as
    # re-weighed since), else the record its term was first chosen with
    records = {}
    for split in ("unknown", "known", "homology"):
        mm = _model_meta(models, split) if models is not None else None
        rec = res / "validation" / f"transfer_{split}60.json"
        if mm is not None and mm[0].get("transfer"):
            records[split] = mm[0]["transfer"]
        elif rec.is_file():
            records[split] = json.loads(rec.read_text())
    for part, column, when in parts:
        measured = df.get(column, pd.Series(float("nan"), index=df.index))
        predate = []
        for split in ("unknown", "known", "homology"):
            weight = (records.get(split, {}).get(part) or {}).get("weight")
            rows = measured[df["split"] == split]
            # a model file with the part, and rows measured on a score without it (or of unknown weight)
            if weight and len(rows) and not ((rows.astype(float) - weight).abs() < 1e-6).all():
                predate.append(split)
        if predate:
            out[-1] += (
                f" The {', '.join(predate)} rows were measured before {when}: their bundled score is the "
                "term without it."
            )
    if "per_tf_min_positives" in df:
        five = sorted(set(df.loc[df["per_tf_min_positives"].fillna(1) >= MIN_POSITIVES, "split"]))
        if five:
            out[-1] += (
                f" Per-TF means of the {', '.join(five)} rows average the validation TFs with at least "
                f"{MIN_POSITIVES} positives, as that model's choice did; the others every TF with both classes."
            )
    out += [
        "",
        "| split | term | best setting | paper AUROC | paper per-TF AUROC | degree-matched AUROC | "
        "degree-matched per-TF AUROC | criterion (vs bundled) | degree-matched per-TF change (95% interval) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    gains = []
    for split, g in df.groupby("split", sort=False):
        bundled = g[g["term"] == "bundled"].iloc[0]
        for term, h in g.groupby("term", sort=False):
            r = best_row(h)
            delta, change, setting = "", "", str(r["setting"])
            if pd.notna(r.get("pairs_without_score")) and r["pairs_without_score"] > 0:
                setting += f"; {int(r['pairs_without_score']):,} pairs without a PWM score (0)"
            if term != "bundled":
                delta = f" ({r['criterion'] - bundled['criterion']:+.3f})"
                if "dm_per_tf_change" in r and pd.notna(r["dm_per_tf_change"]):
                    change = (
                        f"{r['dm_per_tf_change']:+.3f} ({r['dm_per_tf_change_low']:+.3f} to "
                        f"{r['dm_per_tf_change_high']:+.3f})"
                    )
                    if round(r["dm_per_tf_change_low"], 3) > 0:  # above 0 as the table shows it
                        gains.append(f"{term} on {split} ({r['dm_per_tf_change']:+.3f})")
            out.append(
                f"| {split} | {term} | {setting} | {r['paper_auroc']:.3f} | {r['paper_per_tf_auroc']:.3f} | "
                f"{r['dm_auroc']:.3f} | {r['dm_per_tf_auroc']:.3f} | {r['criterion']:.3f}{delta} | {change} |"
            )
    if "dm_per_tf_change_low" in df:
        out += [
            "",
            "Best settings whose degree-matched per-TF gain has an interval above 0 at three decimals: "
            + ("; ".join(gains) if gains else "none")
            + ".",
        ]
    out.append("")
    return out


def _selectivity_section(res: Path) -> list[str]:
    """The degree-matched check redone with negatives matched on the selectivity-weighted prior too
    (``scripts/selectivity_matched.py``): how much of each model's lead is study-bias popularity."""
    import pandas as pd

    from grenimja.benchmark import markdown_table

    f = res / "selectivity_matched.csv"
    if not f.is_file():
        return []
    t = pd.read_csv(f)
    out = [
        "## Degree-matched negatives matched on selectivity too",
        "",
        "`python scripts/selectivity_matched.py` (bundled models, build v1, test pairs). Degree-matched negatives "
        "match how many training TFs regulate a gene, not which: the TF-blind selectivity-weighted prior (each "
        "regulator counted by 1 / the share of genes it regulates) scores above 0.5 under them. Here each "
        "positive's negative is, within the same nearest-degree bucket, the gene of nearest selectivity-weighted "
        "score, so both TF-blind priors sit near 0.5 and what remains above it depends on the TF. An "
        "evaluation only: no choice was made on it.",
        "",
        markdown_table(t),
        "",
    ]
    dm = {}
    for split in t["split"].unique():
        path = res / "v1" / f"benchmark_{split}_degree_matched.json"
        if path.is_file():
            rows = {r["model"]: r for r in json.loads(path.read_text())}
            if "GReNIMJA (this repo)" in rows:
                dm[split] = rows["GReNIMJA (this repo)"].get("per_tf_auroc_min_positives")
    notes = []
    for split, g in t.groupby("split", sort=False):
        r = g.set_index("model")["per_tf_auroc_min_positives"]
        if "GReNIMJA (bundled)" not in r.index:
            continue
        before = f" (degree-matched only: {dm[split]:.3f})" if dm.get(split) is not None else ""
        others = r.drop("GReNIMJA (bundled)")
        notes.append(
            f"- {split}: GReNIMJA {r['GReNIMJA (bundled)']:.3f}{before}; best baseline "
            f"{others.idxmax()} {others.max():.3f}."
        )
    return out + notes + [""]


def _literature_section(res: Path) -> list[str]:
    """The TF-blind literature-degree prior against the bundled models on the degree-matched test pairs
    (overall and by positive type, ``res/v1``), the same check with negatives matched on it too
    (``res/literature_matched.csv``), and the left-out-TF probe of curated votes
    (``res/validation/loto_literature_votes.csv``)."""
    import pandas as pd

    name = "literature-degree prior (CollecTRI + TRRUST)"
    rows, curated_gap, tables = [], {}, {}
    for split in ("unknown", "homology", "known"):
        path = res / "v1" / f"benchmark_{split}_degree_matched.json"
        typed = res / "v1" / f"benchmark_{split}_degree_matched_by_positive_type.csv"
        if not (path.is_file() and typed.is_file()):
            continue
        table = {r["model"]: r for r in json.loads(path.read_text())}
        if name not in table or "GReNIMJA (this repo)" not in table:
            continue
        tables[split] = table
        t = pd.read_csv(typed).set_index(["model", "positive_type"])["per_tf_auroc"]
        cells = [f"{table[m]['per_tf_auroc_min_positives']:.3f}" for m in ("GReNIMJA (this repo)", name)]
        for kind in ("curated only", "ChIP-seq only"):
            cells += [f"{t.get((m, kind), float('nan')):.3f}" for m in ("GReNIMJA (this repo)", name)]
        rows.append(f"| {split} | " + " | ".join(cells) + " |")
        curated_gap[split] = t.get(("GReNIMJA (this repo)", "curated only"), float("nan")) - t.get(
            (name, "curated only"), float("nan")
        )
    if not rows:
        return []
    out = [
        "## A TF-blind literature prior under degree-matched negatives",
        "",
        "Degree-matched negatives match how many training TFs regulate a gene in the build's pairs (DoRothEA "
        "A-D and ENCODE, which ChIP-seq dominates). They do not match how often the literature links the gene "
        "to any TF: the baseline `literature-degree prior (CollecTRI + TRRUST)` "
        "(`grenimja/baselines/simple.py`, `grenimja benchmark --baselines literature-prior`) counts the "
        "training TFs other than the pair's own that CollecTRI or TRRUST, sources the build leaves out of its "
        "pairs, link to the gene. It ignores the TF. Test pairs, degree-matched per-TF AUROC over TFs with >= "
        "5 positives (of the type, by positive type):",
        "",
        "| split | GReNIMJA | literature prior | GReNIMJA, curated-only positives | literature prior, curated-only "
        "| GReNIMJA, ChIP-seq-only positives | literature prior, ChIP-seq-only |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Lead of GReNIMJA over the literature prior on curated-only positives: "
        + "; ".join(
            f"{split} {gap:+.3f} ({'within' if abs(gap) < TIE_MARGIN else 'beyond'} {TIE_MARGIN:g}, "
            f"{'a tie' if abs(gap) < TIE_MARGIN else ('a lead' if gap > 0 else 'behind')})"
            for split, gap in curated_gap.items()
        )
        + ". Where it is a tie the model ranks those targets no better than a count of literature links that "
        "ignores the TF.",
    ]
    matched = res / "literature_matched.csv"
    if matched.is_file():
        m = pd.read_csv(matched)
        kept = []
        for split, g in m.groupby("split", sort=False):
            r = g.set_index("model")["per_tf_auroc_min_positives"]
            if "GReNIMJA (bundled)" not in r.index or name not in r.index or split not in tables:
                continue
            dm = tables[split]
            before = dm["GReNIMJA (this repo)"]["per_tf_auroc_min_positives"]
            blind = r.drop(["GReNIMJA (bundled)", "nearest homolog"], errors="ignore")
            kept.append(
                f"{split}: GReNIMJA {before:.3f} -> {r['GReNIMJA (bundled)']:.3f}, the literature prior "
                f"{dm[name]['per_tf_auroc_min_positives']:.3f} -> {r[name]:.3f}, best TF-blind prior "
                f"{blind.max():.3f} ({blind.idxmax()})"
            )
        out += [
            "",
            "The same test positives with negatives matched on the literature count too, within the nearest-degree "
            "bucket (`python scripts/selectivity_matched.py --match literature`, held-out splits; an evaluation "
            "only), per-TF AUROC over TFs with >= 5 positives: "
            + "; ".join(
                f"{split}: "
                + ", ".join(f"{r.model} {r.per_tf_auroc_min_positives:.3f}" for r in g.itertuples())
                for split, g in m.groupby("split", sort=False)
            )
            + ".",
        ]
        if kept:
            out += [
                "",
                "Degree-matched -> matched on the literature count too: "
                + "; ".join(kept)
                + ". What the model keeps there is not literature popularity: the tie above is two different "
                "rankings with equal means, not the model copying the count.",
            ]
    votes = res / "validation" / "loto_literature_votes.csv"
    if votes.is_file():
        v = pd.read_csv(votes)
        parts = []
        for split, g in v.groupby("split", sort=False):
            r = g.set_index("score")
            build = r[r.index.str.startswith("build")]["dm_per_tf_auroc"].max()
            plus = r[r.index.str.startswith("+ curated")]["dm_per_tf_auroc"].max()
            blind = r.loc["curated count (TF-blind)"]
            parts.append(
                f"{split} {build:.4f} -> {plus:.4f}, while the TF-blind count of the same links alone reaches "
                f"{blind['dm_per_tf_auroc']:.4f} (paper pooled {blind['paper_auroc']:.4f})"
            )
        out += [
            "",
            "The training TFs' CollecTRI and TRRUST links as extra votes of the transfer term "
            "(`python scripts/probe_literature_votes.py`, training TFs left out in turn, "
            "`results/validation/loto_literature_votes.csv`) raise the term's degree-matched per-TF AUROC: "
            + "; ".join(parts)
            + ". The gain is that literature popularity, not TF-specific signal, so the votes were not adopted.",
        ]
    return [*out, ""]


def _paper_gap_section(res: Path) -> list[str]:
    """Why the paper protocol's pooled target is missed (``scripts/paper_protocol_gap.py``): pooled AUROC
    against the pair-weighted per-TF AUROC, and the five largest TFs of each part."""
    import pandas as pd

    from grenimja.benchmark import markdown_table

    fs, fl = res / "paper_protocol_gap_summary.csv", res / "paper_protocol_gap_largest.csv"
    if not (fs.is_file() and fl.is_file()):
        return []
    s, big = pd.read_csv(fs), pd.read_csv(fl)
    ours, prior = "GReNIMJA (bundled)", "gene-degree prior"
    out = [
        "## Why the paper protocol's pooled target is missed on held-out TFs",
        "",
        "`python scripts/paper_protocol_gap.py` (bundled models, build v1, paper negatives; the logit before "
        "its monotone calibration). Each TF's pairs hold one random non-target per target, so for a score on "
        "one scale across TFs the pooled AUROC is close to the mean of the per-TF AUROCs weighted by each "
        "TF's pairs: a handful of TFs with thousands of targets decide it. `largest_share` is the share of "
        "pairs on the part's five largest TFs. These figures explain the verdicts above and were used for no "
        "choice.",
        "",
        markdown_table(s),
        "",
    ]
    notes = []
    for split in ("unknown", "homology"):
        for part in ("valid", "test"):
            r = s[(s["split"] == split) & (s["part"] == part)].set_index("score")
            if not {ours, prior} <= set(r.index):
                continue
            notes.append(
                f"- {split}, {part}: {int(r.loc[ours, 'tfs'])} TFs, the five largest hold "
                f"{r.loc[ours, 'largest_share']:.0%} of the pairs; pair-weighted per-TF AUROC "
                f"{r.loc[ours, 'pair_weighted_per_tf_auroc']:.3f} (prior "
                f"{r.loc[prior, 'pair_weighted_per_tf_auroc']:.3f}) against a mean per-TF AUROC of "
                f"{r.loc[ours, 'per_tf_auroc']:.3f} (prior {r.loc[prior, 'per_tf_auroc']:.3f})."
            )
    behind = big[(big["part"] == "test") & (big[prior] - big[ours] >= 0.1)]
    if len(behind):
        notes.append(
            "- Largest test TFs where the bundled model trails the prior by 0.1 or more: "
            + "; ".join(
                f"{r.tf} ({r.split}; {r.pairs:,} pairs, {r.chip_seq_positive_share:.0%} of its positives "
                f"ChIP-seq-derived): {r[ours]:.3f} vs {r[prior]:.3f}"
                for _, r in behind.iterrows()
            )
            + "."
        )
    chip_tfs = big[big["chip_seq_positive_share"] >= 0.85]
    curated_tfs = big[big["chip_seq_positive_share"] <= 0.15]
    chip_ok = int((chip_tfs["ChIP-seq-derived degree"] >= chip_tfs[prior] - 0.01).sum())
    curated_ok = int((curated_tfs["curated-only degree"] >= curated_tfs[prior] - 0.01).sum())
    out += notes + [
        "",
        "The five largest TFs of each part. The last two columns are TF-blind like the prior, but count only "
        "one kind of training evidence per gene (regulators from ChIP-seq sets, or from curated sources only). "
        f"Of the rows whose positives are at least 85% ChIP-seq-derived, the ChIP-seq count is within 0.01 of "
        f"the prior or above it in {chip_ok} of {len(chip_tfs)}; of those at most 15% ChIP-seq-derived, the "
        f"curated count in {curated_ok} of {len(curated_tfs)}. Under the paper's negatives, then, much of what "
        "separates a TF's targets from random genes is which kind of source lists the TF and how often that "
        "kind lists the gene, not sequence; and a homology term brings the evidence kind of a TF's homologs "
        "along with their targets.",
        "",
        markdown_table(big),
        "",
    ]
    return out


def _robustness_section(res: Path) -> list[str]:
    """The paper's Figure 2 on our splits (grenimja interpret robustness): per-TF AUROC by training pairs."""
    import pandas as pd

    out = []
    for split in ("known", "unknown", "homology"):
        f = res / "interpret" / f"robustness_{split}_binned.csv"
        if not f.is_file():
            continue
        b = pd.read_csv(f)
        axis = "training pairs" if split == "known" else "protein length"
        sub = b[b["axis"] == axis]
        if sub.empty:
            continue
        if not out:
            out += [
                "## Figure 2: per-TF AUROC by training pairs and protein length",
                "",
                "`grenimja interpret robustness` (bundled models, build v1 test TFs; figures and per-TF tables in "
                "`results/interpret/robustness_*`). Mean per-TF AUROC per bin (n/a: no TF of the bin has both classes).",
                "",
            ]
        out += [
            f"**{split} split, by {axis}**",
            "",
            "| negatives | bin | TFs | " + " | ".join(dict.fromkeys(sub["model"])) + " |",
            "|---|---|---|" + "---|" * sub["model"].nunique(),
        ]
        for (neg, bin_), g in sub.groupby(["negatives", "bin"], sort=False):
            vals = " | ".join(
                f"{v:.3f}" for v in g.set_index("model")["auroc"].reindex(dict.fromkeys(sub["model"]))
            )
            out.append(f"| {neg} | {bin_} | {int(g['n_tfs'].iloc[0])} | {vals} |")
        out.append("")
    return out


def _build_report(datasets: Path, build: str) -> dict | None:
    """The dataset build's report.json, by folder name under ``datasets`` or as a path."""
    for d in (datasets / build, Path(build)):
        if (d / "report.json").is_file():
            return json.loads((d / "report.json").read_text())
    return None


def model_card(models: Path, datasets: Path, res: Path) -> str:
    """``models/MODEL_CARD.md`` as text: the bundled models' data, training, test metrics, targets, speed.

    Parameters
    ----------
    models : folder with ``unknown.pt`` / ``known.pt``.
    datasets : folder holding the dataset builds the models name (``<build>/report.json``).
    res : the results folder (evaluations, benchmarks, validation records).
    """
    meta = _model_meta(models, "unknown") or _model_meta(models, "known")
    build = meta[0].get("dataset", "v1") if meta else "v1"
    kind = meta[0].get("promoters", "core60") if meta else "core60"
    rep = _build_report(datasets, build)
    lines = ["# Bundled models", ""]
    if rep is not None:
        c = rep["counts"]
        lines += [
            f"GReNIMJA models trained on CPU (2 cores) on dataset build `datasets/{build}` "
            f"(`grenimja data build --out datasets/{build}`, seed {rep['config']['seed']}; rebuild it to reproduce: "
            "the build is deterministic).",
            "",
            f"- Data: DoRothEA A-D + ENCODE ChIP-seq 2015 (hg19 sets): {c['positives']:,} positive and "
            f"{c['negatives']:,} negative pairs, {c['tfs']} TFs with full-length proteins, "
            f"{c['genes_in_pairs']:,} genes with an EPDnew hg38 primary promoter ({PROMOTERS[kind]}; no genome FASTA "
            "was available offline for the paper's 1000 bp windows).",
            "- Embeddings: `embeddings.npz`, skip-gram word2vec (gensim) of protein 4-mers (100-d) and DNA 5-mers "
            "(50-d), window 10, 10 epochs, on all 656 human TF proteins and the 16,444 60 bp EPDnew cores; frozen "
            "in the models (the 300 bp models read the same 5-mer vectors).",
            "- `unknown.pt`: trained on the TF-disjoint `unknown` split (use it for TFs not in its training set); "
            "`known.pt`: trained on the pair-level `known` split; `homology.pt`: trained on the TF-disjoint "
            "`homology` split, whose held-out TFs are at most 40% identical to any training TF (its figures are "
            "those to expect for a TF without a close homolog; training record in its own section below).",
            "",
        ]
    for name in ("unknown", "known"):
        mm = _model_meta(models, name)
        if mm is None:
            continue
        meta, cfg = mm
        hist = meta["history"]
        tr = meta["train"]
        best = min(hist, key=lambda h: h["valid_loss"])
        secs = sum(h["seconds"] for h in hist)
        lines += [
            f"## `{name}.pt`",
            "",
            f"- Training: Adam lr {tr['lr']}, batch {tr['batch_size']} ({tr['tfs_per_batch']} TFs per batch), "
            f"{tr['pairs_per_epoch']:,} random training pairs per epoch (seeded), early stopping on validation "
            f"loss (patience {tr['patience']}); {len(hist)} epochs run, {secs / 60:.0f} min on 1 CPU thread; "
            f"kept epoch {best['epoch']} (valid loss {best['valid_loss']:.4f}, valid AUROC "
            f"{best['valid_auroc']:.3f}). The paper used lr 1e-5 for 100 epochs on a GPU; on CPU lr 1e-3 "
            "converges in a few epochs.",
            f"- Network: protein conv {cfg['protein_kernel']}x{cfg['protein_dim']} -> {cfg['protein_channels']} "
            f"channels stride {cfg['protein_stride']}; DNA conv {cfg['dna_kernel']}x{cfg['dna_dim']} -> "
            f"{cfg['dna_channels']} channels stride {cfg['dna_stride']}; max-pool {cfg['pool']} (adapted to "
            f"short promoters); common width {cfg['common']}; 2D LSTM hidden {cfg['hidden']}; FC "
            f"{cfg['hidden']} -> {cfg['fc_hidden']} -> 1 (paper: 300 / 260 channels, width 190).",
            f"- Build `datasets/{meta.get('dataset', '?')}`, promoters "
            f"{PROMOTERS.get(meta.get('promoters', 'core60'), '?')}; training TFs: {len(meta['training_tfs'])}"
            + (
                f"; gene reference panel of {len(meta['gene_reference']['panel'])} training TFs "
                "(TF-specificity column)."
                if meta.get("gene_reference")
                else "."
            ),
            "",
            "| epoch | train loss | valid loss | valid AUROC |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {h['epoch']} | {h['train_loss']:.4f} | {h['valid_loss']:.4f} | {h['valid_auroc']:.3f} |"
            for h in hist
        ]
        lines.append("")
        lines += _fine_tune_lines(name, meta)
    lines += [
        "## Test metrics",
        "",
        "| model / split | pairs / TFs | Acc | AUROC | AUPR | F1 | MCC | per-TF Acc | per-TF AUROC | per-TF AUPR "
        f"| per-TF AUROC, TFs with >= {MIN_POSITIVES} positives (TFs) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("known", "unknown", "homology"):
        for proto, suffix in PROTOCOLS.items():
            f = res / f"eval_{name}{suffix}" / "metrics.json"
            if f.is_file():
                lines.append(
                    _metrics_line(f"GReNIMJA, {name} TFs, {proto} negatives", json.loads(f.read_text()))
                )
    lines += [
        _paper_line("GReNIMJA, known TFs (paper Table 1)", PAPER_TABLE1["GReNIMJA"]),
        _paper_line("GReNIMJA, unknown TFs (paper Table 5)", PAPER_TABLE5["GReNIMJA"]),
        "",
        "The bundled models carry the transfer term (section below), and these rows include it; the homology "
        "rows are the bundled `homology.pt`, a network trained on the homology split's training TFs with its own "
        "term. Per-TF columns average over every test TF with both classes, as the paper's Table 2; the last "
        f"column only over TFs with at least {MIN_POSITIVES} test positives, the mean the issue's targets are read on (a TF "
        "with one or two positives scores 0, 0.5 or 1 by chance). "
        "Baselines on the same splits and both protocols: `results/README.md`. Degree-matched negatives: per "
        "test positive, a gene of the same TF with the nearest number of training regulators, linked to the TF in "
        "no source; the gene-degree prior scores 0.5 there by construction.",
        "",
        "Against the baselines refitted on the same build (`results/v1`), unknown split:",
        "",
        *_v1_verdicts(res, "unknown"),
    ]
    for split, heading in (
        ("known", "Known split:"),
        ("homology", "Homology split (`homology.pt`, a network trained on its training TFs):"),
    ):
        if (res / "v1" / f"benchmark_{split}_degree_matched.json").is_file():
            lines += [heading, "", *_v1_verdicts(res, split)]
    spec_files = {
        "unknown.pt (bundled), unknown-split test TFs": "eval_unknown_degree_matched",
        "known.pt (bundled), known-split test TFs": "eval_known_degree_matched",
        "homology.pt (bundled), homology-split test TFs": "eval_homology_degree_matched",
        "runs/unknown300 (300 bp, not bundled), unknown-split test TFs (datasets/v2)": "eval_unknown300_degree_matched",
    }
    spec = [
        (name, json.loads(f.read_text()))
        for name, d in spec_files.items()
        if (f := res / d / "specificity.json").is_file()
    ]
    if spec:
        lines += [
            "## Does the ranking change with the TF?",
            "",
            "Two-way decomposition of the logits of every test TF against every gene of the build "
            "(`grenimja evaluate --specificity`): share of the variance explained by the gene alone, the TF "
            "alone and their interaction, and the mean Spearman correlation between two TFs' rankings of all "
            "genes (1.0: every TF gets the same ranking).",
            "",
            "| model | TFs x genes | gene share | TF share | interaction share | mean Spearman |",
            "|---|---|---|---|---|---|",
        ]
        for name, d in spec:
            lines.append(
                f"| {name} | {d['n_tfs']} x {d['n_genes']:,} | {d['gene_share']:.3f} | {d['tf_share']:.3f} | "
                f"{d['interaction_share']:.3f} | {d['mean_spearman']:.3f} |"
            )
        lines.append("")
    val = res / "validation" / "summary.json"
    if val.is_file():
        lines += [
            "## Which model was bundled (validation only)",
            "",
            "Unknown-TF models compared on the validation TFs, both protocols (pooled AUROC / mean per-TF "
            "AUROC); the test parts were not used for any choice.",
            "",
            "| model | build | paper AUROC | paper per-TF AUROC | degree-matched AUROC | degree-matched per-TF AUROC |",
            "|---|---|---|---|---|---|",
        ]
        for r in json.loads(val.read_text()):
            lines.append(
                f"| {r['model']} | {r['build']} | {r['paper_auroc']:.3f} | {r['paper_per_tf_auroc']:.3f} | "
                f"{r['dm_auroc']:.3f} | {r['dm_per_tf_auroc']:.3f} |"
            )
        lines.append("")
    lines += _transfer_section(res)
    lines += _selectivity_section(res)
    lines += _literature_section(res)
    lines += _extra_terms_section(res, models)
    lines += _loto_section(res)
    lines += _tf_weights_section(res)
    lines += _pairwise_probe_section(res)
    lines += _popularity_section(res)
    lines += _homology_model_section(res, models)
    lines += _gpu_section(res)
    bench = res / "bench_model.json"
    if bench.is_file():
        b = json.loads(bench.read_text())
        g = f"grid{b['grid'][0]}x{b['grid'][1]}"
        lines += [
            "## Speed (bench/bench_model.py, one run, 2 CPU cores)",
            "",
            f"- Training: {b['train_pairs_per_s_tf_grouped']:,.0f} pairs/s with TF-grouped batches vs "
            f"{b['train_pairs_per_s_random']:,.0f} with random batches.",
            f"- Inference: cached encoders {b['infer_pairs_per_s_cached']:,.0f} pairs/s vs per-pair "
            f"{b['infer_pairs_per_s_per_pair']:,.0f} pairs/s: **{b['cached_speedup']:.1f}x** (target 5x).",
            f"- One TF against all {b['scan_promoters']:,} promoters: **{b['scan_seconds_cached_promoters']:.1f} s**"
            f" with promoters encoded, {b['scan_seconds_incl_promoter_encoding']:.1f} s including encoding them "
            "(target < 20 s).",
            f"- 2D LSTM wavefront vs cell-by-cell loop on the model's {b['grid'][0]}x{b['grid'][1]} grid: "
            f"{b['lstm_wavefront_speedup_' + g + '_batch1']:.1f}x at batch 1, "
            f"{b['lstm_wavefront_speedup_' + g + '_batch64']:.1f}x at batch 64; on the "
            f"16x16 grid of a 1000 bp model {b['lstm_wavefront_speedup_grid16x16_batch1']:.1f}x / "
            f"{b['lstm_wavefront_speedup_grid16x16_batch64']:.1f}x (target 10x). The wavefront's step count "
            f"caps the gain at cells / diagonals = {b['lstm_cells_per_step_' + g + '_batch1']:.1f}"
            f" for the 60 bp model and {b['lstm_cells_per_step_grid16x16_batch1']:.1f} for 16x16, before "
            "per-step overhead, so 10x is out of reach for these grids.",
            "",
        ]
    lines += _speed_extra_section(res)
    return "\n".join(lines)


def _speed_extra_section(res: Path) -> list[str]:
    """The fused 2D LSTM step, bf16 and the paper-size network on CPU (bench/bench_lstm2d.py,
    bench/bench_bf16.py, bench/bench_model.py --paper-size), each from the JSON its run wrote."""
    out: list[str] = []
    if (f := res / "bench_lstm2d.json").is_file():
        b = json.loads(f.read_text())
        out += [
            "- 2D LSTM step (bench/bench_lstm2d.py, one run): one TF against all "
            f"{b['scan_promoters']:,} promoters {b['scan_s_old_step']:.2f} s with the earlier step, "
            f"{b['scan_s_fused_step']:.2f} s with the fused one ({b['scan_speedup_fused']:.1f}x), "
            f"{b['scan_s_fused_step_compiled']:.2f} s with it under torch.compile "
            f"({b['scan_speedup_fused_compiled']:.1f}x; `grenimja network --compile`).",
        ]
    runs = [
        (dev, json.loads(f.read_text()))
        for dev, f in (
            ("2 CPU cores", res / "bf16" / "validation_cpu.json"),
            ("one H200", res / "bf16" / "validation_cuda_h200.json"),
        )
        if f.is_file()
    ]
    for dev, b in runs:
        rows = [v for v in b.values() if isinstance(v, dict)]
        worst = max(abs(r["auroc_diff"]) for r in rows)
        t32, t16 = sum(r["seconds_fp32"] for r in rows), sum(r["seconds_bf16"] for r in rows)
        out.append(
            f"- bf16 autocast on {dev} (bench/bench_bf16.py): validation AUROC of the bundled networks within "
            f"{worst:.1e} of fp32 on both protocols (target 0.005); {t16:.1f} s vs {t32:.1f} s in fp32."
        )
    if (f := res / "bench_paper_size.json").is_file():
        b = json.loads(f.read_text())
        out += [
            "",
            "### The paper-size network on 2 CPU cores (bench/bench_model.py --paper-size, one run)",
            "",
            "ModelConfig defaults (1024 aa x 1000 bp, widths 190, 16 x 16 grid), random weights, random 1 kb "
            "promoters.",
            "",
            "| figure | measured | target |",
            "|---|---|---|",
            f"| training, TF-grouped batches of 64, fp32 | {b['train_pairs_per_s_fp32']:,.0f} pairs/s | >= 300 |",
            f"| training, bf16 autocast | {b['train_pairs_per_s_bf16']:,.1f} pairs/s | |",
            f"| inference per pair / cached encoders | {b['infer_pairs_per_s_per_pair']:,.0f} / "
            f"{b['infer_pairs_per_s_cached']:,.0f} pairs/s | |",
            f"| scan one TF, 5,000 / 10,000 / 20,000 promoters encoded once | {b['scan_s_5000']:.1f} / "
            f"{b['scan_s_10000']:.1f} / {b['scan_s_20000']:.1f} s | 20,000 < 5 s |",
            f"| encoding 20,000 promoters once | {b['encode_promoters_s_20000']:.1f} s | |",
            f"| peak RSS | {b['peak_rss_gib']:.1f} GiB | |",
            "",
            "Both targets are missed: this machine's CPU (AMD EPYC, AVX2, no AVX-512 or bf16 units) runs the "
            "16 x 16 grid's matmuls near its fp32 rate, and bf16 is emulated and slower; see bench/README.md.",
            "",
        ]
    return out


def results_readme(res: Path) -> str:
    """``results/README.md`` as text: every benchmark table under both protocols, with the targets' verdicts."""
    out = [
        "# Results",
        "",
        f"All numbers below were measured here on dataset build `datasets/{BENCH_BUILD}` (300 bp EPDnew "
        "promoters, -249..+50; `grenimja data build --out datasets/v2`), test parts only; no tuning on the test "
        "sets. Tables are written by `grenimja benchmark --negatives both` (Markdown, CSV and JSON beside this "
        "file, and `*_by_positive_type.*`: AUROC on ChIP-seq-only, curated-only and both-source positives); "
        "paper rows are quoted from the paper (their data: 697 TFs, 1 kb promoters, GPU training).",
        "",
        "The **GReNIMJA (this repo)** rows are the models trained on this build with the paper's recipe "
        "(`grenimja train --dataset datasets/v2`: `runs/unknown300`, 4 of 7 epochs kept; `runs/known300`, 3 "
        "CPU epochs). Neither is bundled: on the validation TFs neither the 300 bp model nor one trained on "
        "degree-matched negatives beat the bundled 60 bp model (`models/MODEL_CARD.md`). The homology split "
        "has no GReNIMJA row this time (no 300 bp homology-split model was trained). These rows are the network "
        "alone; the bundled models (60 bp network + homology-transfer term) are compared with every baseline on "
        "their own build in the last section.",
        "",
        "These 300 bp tables were measured before two later changes, and are not rerun here: rerunning them needs "
        "the two 300 bp networks above, which would have to be retrained. (1) Their per-TF means are over every "
        "test TF with both classes; issue #12's targets are read on the mean over TFs with at least 5 positives, "
        "which the 60 bp tables of the last section give. (2) Their PWMScan and motif-transfer rows come from "
        "the scan before window scores were rounded to 1e-9 (which moved ~12% of empirical p-values; "
        "`grenimja/baselines/pwmscan.py`); the last section's rows use the current scan.",
        "",
        "Columns: pooled metrics over all test pairs, then the mean over test TFs of per-TF metrics (paper "
        "Table 2). Threshold 0.5 on each model's probability (the gene prior and homolog baselines are calibrated "
        "on the validation pairs; PWMScan's p-value cut is tuned on validation with Optuna).",
        "",
    ]
    titles = {
        "known": "Known TFs (pair-level split; paper Table 1 / 2)",
        "unknown": "Unknown TFs (TF-disjoint split; paper Table 5)",
        "homology": "Homology-aware split (no held-out TF above 40% identity to a training TF; beyond the paper)",
    }
    out += [
        "Each split is shown under two protocols. **Paper negatives**: per TF, random genes that are not its "
        "targets; targets are popular genes and random genes are not, so this protocol mostly measures whether a "
        "gene is regulated at all, and the TF-blind gene-degree prior does well on it. **Degree-matched "
        "negatives**: per test positive, a gene of the same TF with the nearest number of training-split "
        "regulators that no source links to the TF; the gene-degree prior is blind here (0.5) and a model must "
        "rank this TF's targets above other genes of equal popularity, which is the question a biologist asks of "
        "an uncharacterised TF. The first line of each degree-matched table gives the remaining degree gap.",
        "",
    ]
    for split, title in titles.items():
        parts = []
        for proto, suffix in PROTOCOLS.items():
            f = res / f"benchmark_{split}{suffix}.md"
            if f.is_file():
                parts += [f"### {proto} negatives", "", f.read_text()]
        if parts:
            out += [f"## {title}", ""] + parts
    for split in ("unknown", "homology", "known"):
        model_path, shipped = V1_MODELS[split]
        bundled = []
        for proto, suffix in PROTOCOLS.items():
            f = res / "v1" / f"benchmark_{split}{suffix}.md"
            if f.is_file():
                bundled += [f"### {proto} negatives", "", f.read_text()]
                typed = res / "v1" / f"benchmark_{split}{suffix}_by_positive_type.md"
                if typed.is_file():
                    bundled += [
                        f"By positive type ({proto} negatives, per-TF AUROC over TFs with >= {MIN_POSITIVES} "
                        "positives of the "
                        "type):",
                        "",
                        typed.read_text(),
                    ]
        if bundled:
            out += [
                f"## {split.capitalize()} TFs, {'bundled ' if shipped else ''}model with its transfer term "
                "(build v1, 60 bp promoters)",
                "",
                f"`grenimja benchmark --dataset datasets/v1 --split {split} --model {model_path} "
                "--negatives both --out results/v1"
                + (
                    " --baselines prior,homolog,lr,xgb,pwmscan,motif-transfer,lmf,ease,ease-genes"
                    if split == "known"
                    else ""
                )
                + "`"
                + (
                    f": the bundled `{split}.pt`"
                    if shipped
                    else f": a network trained on the {split} split's training TFs (`grenimja train --split "
                    f"{split}`, same recipe as the bundled ones; not bundled, `{model_path}`)"
                )
                + " (60 bp network + transfer term, chosen on the validation "
                "part; `models/MODEL_CARD.md`) and the baselines refitted on the build that model was trained on"
                + (
                    " (the per-TF deep baselines and the SVM are left out here for time: see the 300 bp tables "
                    "above)"
                    if split == "known"
                    else ""
                )
                + ". Its test pairs differ from the 300 bp build's above only through the promoter set.",
                "",
                *_v1_verdicts(res, split),
            ] + bundled
    out += _robustness_section(res)
    out += _selectivity_section(res)
    out += _paper_gap_section(res)
    out += [
        "## Reading these tables",
        "",
        "- The **gene-degree prior** ignores the TF: it scores a gene by how many training TFs regulate it. "
        "The paper's negative sampling (random non-targets per TF) makes gene popularity a strong shortcut, so "
        "any model's pooled AUROC should be read against this row; per-TF AUROC removes most of it.",
        "- The **selectivity-weighted prior** ignores the TF too, but counts each of a gene's training regulators "
        "by 1 / the share of genes that regulator regulates, so a gene regulated by TFs with a few dozen (mostly "
        "curated) targets outscores one regulated by as many TFs with thousands of ChIP-seq targets. "
        "Degree-matched negatives match the plain count of regulators, not this weighted one, so the protocol "
        "does not hold this row at 0.5: what it scores above 0.5 there is a study-bias popularity (genes the "
        "literature studies), not knowledge of the TF, and a model's degree-matched lead should be read against "
        "it as well as against the TF-aware baselines. It was added on 2026-11-27 after a rescaling of the "
        "transfer term's votes by the same 1 / rate (each homolog voting with its likelihood ratio) raised the "
        "unknown split's validation degree-matched per-TF AUROC from 0.660 to 0.758, and this TF-blind score "
        "alone reached 0.700 there (0.736 with the term's target smoothing): the gain was mostly this "
        "popularity, so the rescaling was not adopted.",
        "- PWMScan only covers TFs with a human JASPAR CORE matrix; GReNIMJA is also shown on that subset. "
        "Motif transfer scores every TF with the matrices of its most identical other TF that has one (the TF's "
        "own matrices excluded): what a biologist does for a TF with no known motif.",
        "- Logistic matrix factorisation (known split only) learns TF and gene factors from the training pairs "
        "alone, no sequence. EASE (shared training targets; known split only) regresses each TF's training "
        "targets on the other TFs' (ridge, closed form), no sequence and no network: the regression whose "
        "columns weigh the training TFs in the bundled known model's term for a TF it was trained on. Where GReNIMJA is not above it, the network "
        "adds nothing to what target sharing already says about known TFs. EASE over genes (known split only) "
        "turns the regression around: each gene's regulators regressed on the other genes', so a TF's score "
        "for a gene is how strongly that gene goes with the TF's own training targets (the item-item "
        "recommender's form), again without sequence.",
        "- Per-TF deep baselines (DeepRAM / TBiNet / CacPred-style) are small CPU versions on promoter one-hot, "
        "trained on 12 random known-split TFs (at most 3,000 training pairs each; 9 of them have test pairs); "
        "GReNIMJA on the same TFs follows each. They cannot score unseen TFs, so they appear in the known split only.",
        "",
    ]
    return "\n".join(out)
