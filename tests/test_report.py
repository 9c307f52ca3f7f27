"""`grenimja report` and the Paper vs here page: every listed file exists, every row has a verdict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grenimja.report.paper import PAPER_TABLE5, REPRODUCED_WITHIN, ROWS, VERDICTS, paper_vs_here
from tests.conftest import open_page, run_cli


@pytest.fixture(scope="module")
def tiny_results(
    tmp_path_factory, tiny_model_dir, small_dataset, small_embeddings, tiny_robustness_known
) -> Path:
    """A results folder measured on the tiny build: an evaluation and a benchmark of the unknown split, and
    Figure 2 of the known split."""
    from grenimja.baselines.simple import GeneDegreePrior
    from grenimja.benchmark import run_benchmarks, write_benchmark
    from grenimja.dataset import load_dataset
    from grenimja.evaluate import evaluate_model, score_split
    from grenimja.model.io import load_model

    res = tmp_path_factory.mktemp("results")
    model, emb = tiny_model_dir / "unknown.pt", tiny_model_dir / "embeddings.npz"
    evaluate_model(model, emb, small_dataset, "unknown", "test", res / "eval_unknown")
    ds = load_dataset(small_dataset)
    net, _ = load_model(model, small_embeddings)
    protocols = ("paper", "degree-matched")
    scores = {
        p: score_split(net, small_embeddings, ds, "unknown", "test", p)["score"].to_numpy() for p in protocols
    }
    tables = run_benchmarks(
        ds, "unknown", small_embeddings, scores, [GeneDegreePrior()], protocols, progress=False
    )
    for p, df in tables.items():
        write_benchmark(df, "unknown", res, p)
    shutil.copytree(tiny_robustness_known, res / "interpret")
    return res


def test_report_on_a_tiny_build_writes_every_file_it_lists(tiny_results, tiny_model_dir, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "unknown.pt").write_bytes((tiny_model_dir / "unknown.pt").read_bytes())
    r = run_cli("report", "--out", tiny_results, "--models", models, "--datasets", tmp_path)
    listed = [Path(p) for p in (tiny_results / "report_files.txt").read_text().split()]
    assert f"{len(listed)} files written" in r.stdout
    for p in listed:
        assert p.is_file() and p.stat().st_size > 0, p
    names = {p.name for p in listed}
    expected = {"paper_vs_here.csv", "paper_vs_here.md", "paper_vs_here.png", "README.md", "MODEL_CARD.md"}
    assert expected <= names
    assert {"robustness_known.png", "curves.png"} <= names
    table = pd.read_csv(tiny_results / "paper_vs_here.csv")
    assert len(table) == len(ROWS) and table["verdict"].isin(VERDICTS).all()
    assert table["item"].str.startswith("Table 1").sum() == 2 and (table["item"] == "Table 4").sum() == 1
    measured = table.set_index("item")
    # the rows whose outputs the tiny build has are measured, the others say which command makes them
    t5 = measured.loc["Table 5: unknown TFs, GReNIMJA pooled over test pairs"]
    ours = json.loads((tiny_results / "eval_unknown" / "metrics.json").read_text())["pooled"]
    assert t5["verdict"] != "not measured" and f"AUROC {ours['auroc']:.3f}" in t5["here"]
    assert "degree-matched negatives: per-TF AUROC" in t5["here"]
    assert measured.loc["Table 5: unknown TFs, GReNIMJA above the baselines (pooled AUROC)", "verdict"] in (
        "reproduced",
        "not reproduced",
    )
    assert (
        measured.loc["Figure 2: per-TF accuracy by training pairs (known TFs)", "verdict"] != "not measured"
    )
    t1 = measured.loc["Table 1: known TFs, GReNIMJA pooled over test pairs"]
    assert t1["verdict"] == "not measured" and "grenimja evaluate --split known" in t1["why"]
    md = (tiny_results / "paper_vs_here.md").read_text()
    assert md.count("\n| ") == len(ROWS) + 1  # header + one line per row


def test_every_row_without_outputs_says_which_command_makes_them(tmp_path):
    table = paper_vs_here(tmp_path)
    assert set(table["verdict"]) <= {"not measured", "not compared"}
    missing = table[table["verdict"] == "not measured"]
    assert len(missing) >= 8
    assert missing["why"].str.startswith("run `grenimja ").all()


@pytest.mark.parametrize(
    "gap, verdict", [(0.0, "reproduced"), (REPRODUCED_WITHIN / 2, "reproduced"), (-0.1, "not reproduced")]
)
def test_pooled_verdict_follows_the_gap_to_the_paper_auroc(tmp_path, gap, verdict):
    paper = PAPER_TABLE5["GReNIMJA"]
    pooled = {"accuracy": 0.6, "auroc": paper["auroc"] + gap, "aupr": 0.6, "n": 100}
    (tmp_path / "eval_unknown").mkdir()
    (tmp_path / "eval_unknown" / "metrics.json").write_text(json.dumps({"pooled": pooled, "n_tfs": 3}))
    row = (
        paper_vs_here(tmp_path).set_index("item").loc["Table 5: unknown TFs, GReNIMJA pooled over test pairs"]
    )
    assert row["verdict"] == verdict
    assert f"AUROC {pooled['auroc']:.3f}" in row["here"]


def test_paper_vs_here_page_gives_every_row_a_verdict():
    at = open_page("views/paper.py")
    table = at.dataframe[0].value
    assert len(table) == len(ROWS)
    assert table["verdict"].isin(VERDICTS).all() and table["why"].str.len().gt(0).all()
    assert sum(int(m.value) for m in at.metric) == len(ROWS)
    assert len(at.expander) == len(ROWS)
    # narrowing the verdicts narrows the table
    at.multiselect[0].set_value(["reproduced"]).run()
    shown = at.dataframe[0].value
    assert (shown["verdict"] == "reproduced").all() and len(shown) < len(ROWS)


def test_the_card_names_the_kept_epoch_of_the_homology_model(tmp_path):
    import json

    from grenimja.report.cards import _homology_model_section

    assert _homology_model_section(tmp_path) == []  # nothing trained: no section
    (tmp_path / "validation").mkdir()
    hist = [
        {"epoch": e, "train_loss": 0.7 - 0.01 * e, "valid_loss": v, "valid_auroc": 0.6 + 0.01 * e}
        for e, v in ((1, 0.66), (2, 0.63), (3, 0.64))
    ]
    (tmp_path / "validation" / "homology60_history.json").write_text(json.dumps(hist))
    text = "\n".join(_homology_model_section(tmp_path))
    assert "after 3 epochs for time, 1 of them without a better validation loss; kept epoch 2" in text
    assert "| 2 | 0.6800 | 0.6300 | 0.620 |" in text


def test_the_target_verdict_reads_the_mean_over_tfs_with_five_positives_where_the_table_has_it(tmp_path):
    from grenimja.report.cards import _target_verdict

    rows = [
        {"model": "GReNIMJA (this repo)", "per_tf_auroc": 0.679, "per_tf_auroc_min_positives": 0.598}
        | {"tfs_min_positives": 30},
        {"model": "nearest homolog", "per_tf_auroc": 0.573, "per_tf_auroc_min_positives": 0.55}
        | {"tfs_min_positives": 30},
    ]
    f = tmp_path / "b.json"
    f.write_text(json.dumps(rows))
    text = _target_verdict(f, 0.65)[0]
    assert "): met.**" in text and "GReNIMJA 0.598; best baseline nearest homolog 0.550" in text
    assert "goal 0.65 not reached (mean over the 30 test TFs with >= 5 positives" in text
    assert "over every TF with both classes GReNIMJA 0.679" in text
    # a table written before the column: read on the old mean, and it says so
    f.write_text(
        json.dumps([{k: v for k, v in r.items() if k == "model" or k == "per_tf_auroc"} for r in rows])
    )
    old = _target_verdict(f, 0.65)[0]
    assert "goal 0.65 reached (mean over every test TF with both classes; this table predates" in old


def test_a_lead_within_noise_is_called_a_tie(tmp_path):
    import json

    from grenimja.report.cards import _target_verdict

    rows = [
        {"model": "GReNIMJA (this repo)", "per_tf_auroc": 0.712},
        {"model": "EASE (shared training targets)", "per_tf_auroc": 0.711},
        {"model": "gene-degree prior", "per_tf_auroc": 0.5},
    ]
    f = tmp_path / "b.json"
    f.write_text(json.dumps(rows))
    text = _target_verdict(f, 0.75)[0]
    assert "): tied.**" in text and "a tie, not a win" in text and "goal 0.75 not reached" in text
    rows[1]["per_tf_auroc"] = 0.6
    f.write_text(json.dumps(rows))
    assert "): met.**" in _target_verdict(f, 0.75)[0] and "tie" not in _target_verdict(f, 0.75)[0]
    rows[1]["per_tf_auroc"] = 0.72
    f.write_text(json.dumps(rows))
    assert "): not met.**" in _target_verdict(f, 0.75)[0]


def test_the_card_shows_each_tried_term_s_best_setting_against_the_bundled_score(tmp_path):
    from grenimja.report.cards import _extra_terms_section

    assert _extra_terms_section(tmp_path) == []  # scripts/extra_terms.py not run: no section
    (tmp_path / "validation").mkdir()
    cols = ["paper_auroc", "paper_per_tf_auroc", "dm_auroc", "dm_per_tf_auroc"]
    rows = [
        ("unknown", "bundled", "transfer weight 1024", (0.677, 0.707, 0.574, 0.674)),
        ("unknown", "gene bias", "0.5 x weight", (0.687, 0.718, 0.565, 0.660)),
        ("unknown", "gene bias", "2 x weight", (0.695, 0.642, 0.545, 0.638)),
        ("unknown", "own JASPAR PWM, 60 bp", "0.2 x weight", (0.678, 0.709, 0.577, 0.672)),
    ]
    df = pd.DataFrame(
        [{"split": s, "term": t, "setting": k} | dict(zip(cols, m, strict=True)) for s, t, k, m in rows]
    )
    df["criterion"] = df["dm_per_tf_auroc"] + df["paper_auroc"]
    change = [
        (np.nan, np.nan, np.nan),
        (-0.014, -0.020, -0.008),
        (-0.036, -0.05, -0.02),
        (-0.002, -0.010, 0.004),
    ]
    df[["dm_per_tf_change", "dm_per_tf_change_low", "dm_per_tf_change_high"]] = change
    df["pairs_without_score"] = [np.nan, np.nan, np.nan, 0]
    df.to_csv(tmp_path / "validation" / "extra_terms.csv", index=False)
    text = "\n".join(_extra_terms_section(tmp_path))
    assert "| unknown | bundled | transfer weight 1024 | 0.677 | 0.707 | 0.574 | 0.674 | 1.351 |  |" in text
    # 0.687 + 0.660 = 1.347 beats 0.695 + 0.638 = 1.333: the best gene bias, 0.004 below the bundled score
    assert (
        "| unknown | gene bias | 0.5 x weight | 0.687 | 0.718 | 0.565 | 0.660 | 1.347 (-0.004) | -0.014 (-0.020 to -0.008) |"
        in text
    )
    assert "| 2 x weight |" not in text
    assert (
        "| own JASPAR PWM, 60 bp | 0.2 x weight |" in text
        and "| 1.350 (-0.001) | -0.002 (-0.010 to +0.004) |" in text
    )
    assert "interval above 0 at three decimals: none." in text
    df.loc[3, ["dm_per_tf_change", "dm_per_tf_change_low", "dm_per_tf_change_high"]] = [0.01, 0.002, 0.02]
    df.loc[3, "pairs_without_score"] = 1234  # pairs a PWM could not score are counted where they are
    df.to_csv(tmp_path / "validation" / "extra_terms.csv", index=False)
    assert "| 0.2 x weight; 1,234 pairs without a PWM score (0) |" in "\n".join(
        _extra_terms_section(tmp_path)
    )
    assert "interval above 0 at three decimals: own JASPAR PWM, 60 bp on unknown (+0.010)." in "\n".join(
        _extra_terms_section(tmp_path)
    )
    # a gain whose interval is above 0 only past the third decimal (it shows as +0.000) is not listed
    df.loc[3, ["dm_per_tf_change", "dm_per_tf_change_low", "dm_per_tf_change_high"]] = [
        0.0003,
        0.0002,
        0.0004,
    ]
    df.to_csv(tmp_path / "validation" / "extra_terms.csv", index=False)
    assert "interval above 0 at three decimals: none." in "\n".join(_extra_terms_section(tmp_path))


def test_the_card_shows_the_k_mer_weight_and_which_tried_terms_predate_it(tmp_path):
    import json

    from grenimja.report.cards import _extra_terms_section, _transfer_section

    (tmp_path / "validation").mkdir()
    metrics = {"paper_auroc": 0.8, "paper_per_tf_auroc": 0.84, "dm_auroc": 0.67, "dm_per_tf_auroc": 0.724}
    rec = {
        "split": "known",
        "power": 8.0,
        "weight": 4096.0,
        "smooth": 0.5,
        "lift": True,
        "centre": False,
        "valid_network_alone": metrics | {"dm_per_tf_auroc": 0.466},
        "valid_with_term": metrics,
    }
    (tmp_path / "validation" / "transfer_unknown60.json").write_text(json.dumps(rec | {"split": "unknown"}))
    kmers = {
        "k": 6,
        "length": 60,
        "weight": 204.8,
        "valid_without": {"paper_auroc": 0.815, "dm_per_tf_auroc": 0.712},
    }
    (tmp_path / "validation" / "transfer_known60.json").write_text(json.dumps(rec | {"kmers": kmers}))
    text = "\n".join(_transfer_section(tmp_path))
    assert "| unknown | identity full | 0.5 | True | False | 8 | 4096 | - | 0.800 -> **0.800** |" in text
    assert "| known | identity full | 0.5 | True | False | 8 | 4096 | 204.8 | 0.800 -> **0.800** |" in text
    assert "weight 204.8; paper AUROC 0.8150 -> 0.8000, degree-matched per-TF AUROC 0.7120 -> 0.7240." in text
    pd.DataFrame(
        [
            {
                "split": "known",
                "term": "bundled",
                "setting": "w",
                "paper_auroc": 0.8,
                "paper_per_tf_auroc": 0.8,
            }
            | {"dm_auroc": 0.6, "dm_per_tf_auroc": 0.7, "criterion": 1.5}
        ]
    ).to_csv(tmp_path / "validation" / "extra_terms.csv", index=False)
    tried = "\n".join(_extra_terms_section(tmp_path))
    assert "The known rows were measured before the promoter k-mer part" in tried
    assert "unknown rows" not in tried and "The unknown, known rows" not in tried
    # rows that record the bundled score's k-mer weight, and it is the file's: nothing predates the part
    extra = pd.read_csv(tmp_path / "validation" / "extra_terms.csv")
    extra.assign(bundled_kmer_weight=204.8).to_csv(tmp_path / "validation" / "extra_terms.csv", index=False)
    assert "measured before the promoter k-mer part" not in "\n".join(_extra_terms_section(tmp_path))
    # rows measured on another k-mer weight (or none, 0) still predate the file's part
    extra.assign(bundled_kmer_weight=0.0).to_csv(tmp_path / "validation" / "extra_terms.csv", index=False)
    assert "The known rows were measured before" in "\n".join(_extra_terms_section(tmp_path))
    # a model file with a motif-transfer part: rows without its weight predate it, rows with it do not
    motifs = {"weight": 51.2, "donors": 605, "valid_without": kmers["valid_without"]}
    (tmp_path / "validation" / "transfer_known60.json").write_text(
        json.dumps(rec | {"kmers": kmers, "motifs": motifs})
    )
    extra.assign(bundled_kmer_weight=204.8).to_csv(tmp_path / "validation" / "extra_terms.csv", index=False)
    assert "The known rows were measured before the motif-transfer part" in "\n".join(
        _extra_terms_section(tmp_path)
    )
    extra.assign(bundled_kmer_weight=204.8, bundled_motif_weight=51.2).to_csv(
        tmp_path / "validation" / "extra_terms.csv", index=False
    )
    assert "measured before" not in "\n".join(_extra_terms_section(tmp_path))
    # the bundled model file's own record, where at hand, decides: its parts re-weighed since (and a popularity
    # part) make rows measured on the first record's weights stale
    import torch

    models = tmp_path / "models"
    models.mkdir()
    later = rec | {
        "kmers": dict(kmers, weight=1.6),
        "motifs": dict(motifs, weight=0.4),
        "popularity": {"weight": -8.0},
    }
    torch.save({"meta": {"transfer": later}, "config": {}}, models / "known.pt")
    text = "\n".join(_extra_terms_section(tmp_path, models))
    assert "The known rows were measured before the promoter k-mer part" in text
    assert "The known rows were measured before the popularity part" in text
    extra.assign(bundled_kmer_weight=1.6, bundled_motif_weight=0.4, bundled_popularity_weight=-8.0).to_csv(
        tmp_path / "validation" / "extra_terms.csv", index=False
    )
    assert "measured before" not in "\n".join(_extra_terms_section(tmp_path, models))
    # an own-target part chosen after the motif part: each part's line reads its own before -> after
    own = {
        "k": 7,
        "length": 300,
        "weight": 409.6,
        "valid_without": {"paper_auroc": 0.81, "dm_per_tf_auroc": 0.72},
    }
    (tmp_path / "validation" / "transfer_known60.json").write_text(
        json.dumps(rec | {"kmers": kmers, "motifs": motifs, "own_kmers": own})
    )
    text = "\n".join(_transfer_section(tmp_path))
    assert "degree-matched per-TF AUROC 0.7120 -> 0.7200." in text  # the motif part: up to the own part
    assert (
        "7-mers, weight 409.6; paper AUROC 0.8100 -> 0.8000, degree-matched per-TF AUROC 0.7200 -> 0.7240."
        in text
    )
    assert "The known rows were measured before the own-target k-mer part" in "\n".join(
        _extra_terms_section(tmp_path)
    )
    extra.assign(bundled_kmer_weight=204.8, bundled_motif_weight=51.2, bundled_own_weight=409.6).to_csv(
        tmp_path / "validation" / "extra_terms.csv", index=False
    )
    assert "measured before" not in "\n".join(_extra_terms_section(tmp_path))


def test_the_paper_gap_section_reads_its_figures_and_claims_from_the_script_outputs(tmp_path):
    from grenimja.report.cards import _paper_gap_section

    assert _paper_gap_section(tmp_path) == []  # scripts/paper_protocol_gap.py not run: no section
    ours, prior = "GReNIMJA (bundled)", "gene-degree prior"
    common = {"split": "unknown", "part": "test", "pairs": 1000, "tfs": 44, "largest_share": 0.65}
    pd.DataFrame(
        [
            common
            | {"score": ours, "pooled_auroc": 0.696, "per_tf_auroc": 0.763}
            | {"pair_weighted_per_tf_auroc": 0.728},
            common
            | {"score": prior, "pooled_auroc": 0.78, "per_tf_auroc": 0.672}
            | {"pair_weighted_per_tf_auroc": 0.788},
        ]
    ).to_csv(tmp_path / "paper_protocol_gap_summary.csv", index=False)
    big = [
        ("TCF7L2", 0.964, 0.582, 0.793, 0.803, 0.534),  # ChIP-seq TF, 0.21 behind the prior
        ("MITF", 0.0, 0.595, 0.682, 0.567, 0.741),  # curated TF, 0.087 behind: not listed
        ("MAX", 0.971, 0.876, 0.836, 0.760, 0.518),  # ChIP-seq count 0.076 below the prior
    ]
    pd.DataFrame(
        [
            {"split": "unknown", "part": "test", "tf": tf, "pairs": 500, "chip_seq_positive_share": c}
            | {ours: o, prior: p, "ChIP-seq-derived degree": ch, "curated-only degree": cu}
            for tf, c, o, p, ch, cu in big
        ]
    ).to_csv(tmp_path / "paper_protocol_gap_largest.csv", index=False)
    text = "\n".join(_paper_gap_section(tmp_path))
    assert "the five largest hold 65% of the pairs; pair-weighted per-TF AUROC 0.728 (prior 0.788)" in text
    assert "trails the prior by 0.1 or more: TCF7L2 (unknown; 500 pairs, 96% of its positives" in text
    assert "MITF (" not in text
    assert "within 0.01 of the prior or above it in 1 of 2;" in text
    assert "the curated count in 1 of 1." in text


def test_evidence_degree_counts_only_training_positives_of_its_kind():
    import importlib.util
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location(
        "paper_protocol_gap", Path(__file__).resolve().parents[1] / "scripts" / "paper_protocol_gap.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    train = pd.DataFrame(
        {
            "tf_i": [0, 1, 2, 3, 3],
            "gene_i": [0, 0, 1, 1, 2],
            "label": [1, 1, 1, 1, 0],
            "sources": ["encode", "dorothea", "dorothea+encode", "dorothea", "negative"],
        }
    )
    ds = SimpleNamespace(split=lambda split, part: train, genes=pd.DataFrame({"gene": ["a", "b", "c"]}))
    # four training TFs: gene a has one ChIP-seq and one curated regulator, b one "both" and one curated
    np.testing.assert_allclose(mod.evidence_degree(ds, "unknown", "ChIP-seq"), [0.25, 0.25, 0.0])
    np.testing.assert_allclose(mod.evidence_degree(ds, "unknown", "curated only"), [0.25, 0.25, 0.0])


def test_home_metrics_put_the_prior_and_the_best_full_coverage_baseline_beside_the_model(tmp_path):
    from grenimja.explorer import PRIOR_ROW, protocol_metrics, protocol_summary

    assert protocol_metrics("unknown", tmp_path).empty  # nothing evaluated: no table
    for proto, suffix, auroc, per_tf in (("paper", "", 0.70, 0.76), ("dm", "_degree_matched", 0.55, 0.68)):
        d = tmp_path / f"eval_unknown{suffix}"
        d.mkdir()
        pooled = {"n": 1000, "auroc": auroc, "aupr": 0.6}
        (d / "metrics.json").write_text(
            json.dumps({"pooled": pooled, "n_tfs": 44, "per_tf_mean": {"auroc": per_tf}})
        )
        (tmp_path / "v1").mkdir(exist_ok=True)
        row = {"pairs": 1000, "tfs": 44, "aupr": 0.5}
        prior_auroc = 0.78 if proto == "paper" else 0.5
        (tmp_path / "v1" / f"benchmark_unknown{suffix}.json").write_text(
            json.dumps(
                [
                    row | {"model": "GReNIMJA (this repo)", "auroc": auroc, "per_tf_auroc": per_tf},
                    row | {"model": "gene-degree prior", "auroc": prior_auroc, "per_tf_auroc": 0.5},
                    row | {"model": "nearest homolog", "auroc": 0.55, "per_tf_auroc": 0.57},
                    row | {"model": "XGBoost", "auroc": 0.6, "per_tf_auroc": 0.55},
                    # a subset of the pairs (TFs with a JASPAR matrix): not comparable, left out
                    row | {"pairs": 900, "model": "PWMScan (JASPAR)", "auroc": 0.9, "per_tf_auroc": 0.9},
                    row
                    | {"pairs": 900, "model": "GReNIMJA on the same TFs", "auroc": 0.7, "per_tf_auroc": 0.9},
                ]
            )
        )
    pm = protocol_metrics("unknown", tmp_path)
    assert list(pm["model"]) == ["GReNIMJA (bundled)", PRIOR_ROW, "best other baseline: nearest homolog"] * 2
    assert list(pm["negatives"]) == ["paper"] * 3 + ["degree-matched"] * 3
    text = protocol_summary(pm)
    assert "prior's pooled AUROC is 0.780, above the model's 0.700" in text
    assert "per-TF AUROC of 0.680, against 0.570 for the best other baseline (nearest homolog)" in text
    assert protocol_summary(pm[pm["model"] == "GReNIMJA (bundled)"]) == ""  # no baseline rows: no sentence
    assert "ignores the TF" not in text
    # a TF-blind best baseline is named as such
    blind = pm.replace(
        "best other baseline: nearest homolog", "best other baseline: selectivity-weighted prior"
    )
    assert "That baseline ignores the TF: it counts which kind of TFs regulate a gene" in protocol_summary(
        blind
    )
    literature = pm.replace(
        "best other baseline: nearest homolog",
        "best other baseline: literature-degree prior (CollecTRI + TRRUST)",
    )
    assert "ignores the TF: it counts how many other TFs the literature" in protocol_summary(literature)


def test_why_not_bundled_compares_criteria_only_on_the_same_per_tf_mean(tmp_path):
    from grenimja.report.cards import _why_not_bundled

    (tmp_path / "validation").mkdir()
    w = {"valid_with_term": {"dm_per_tf_auroc": 0.6, "paper_auroc": 0.7}}
    (tmp_path / "validation" / "transfer_gpu300_unknown.json").write_text(json.dumps(w))
    (tmp_path / "validation" / "transfer_unknown60.json").write_text(
        json.dumps(w | {"per_tf_min_positives": 5})
    )
    text = _why_not_bundled(tmp_path)
    assert "criteria are not compared here" in text and "selection criterion of" not in text
    (tmp_path / "validation" / "transfer_unknown60.json").write_text(json.dumps(w))
    assert "selection criterion of 1.300 against the bundled 60 bp model's 1.300" in _why_not_bundled(
        tmp_path
    )


def test_selectivity_section_reads_the_stricter_check_beside_the_degree_matched_figure(tmp_path):
    from grenimja.report.cards import _selectivity_section

    assert _selectivity_section(tmp_path) == []  # scripts/selectivity_matched.py not run: no section
    pd.DataFrame(
        {
            "split": ["unknown"] * 3,
            "model": ["GReNIMJA (bundled)", "selectivity-weighted prior", "nearest homolog"],
            "pairs": [100] * 3,
            "tfs_min_positives": [30] * 3,
            "pooled_auroc": [0.55, 0.47, 0.51],
            "per_tf_auroc_min_positives": [0.589, 0.502, 0.548],
        }
    ).to_csv(tmp_path / "selectivity_matched.csv", index=False)
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "benchmark_unknown_degree_matched.json").write_text(
        json.dumps([{"model": "GReNIMJA (this repo)", "per_tf_auroc_min_positives": 0.616}])
    )
    text = "\n".join(_selectivity_section(tmp_path))
    assert "## Degree-matched negatives matched on selectivity too" in text
    assert (
        "- unknown: GReNIMJA 0.589 (degree-matched only: 0.616); best baseline nearest homolog 0.548." in text
    )


def test_the_card_says_how_a_bundled_network_was_trained_further_and_its_term_re_weighed():
    from grenimja.report.cards import _fine_tune_lines

    assert _fine_tune_lines("homology", {"transfer": {}}) == []  # not trained further: nothing to say
    ft = dict(
        script="scripts/probe_pairwise.py train", loss="pairwise within TF + within gene",
        start="the bundled network", lr=3e-4, batch=512, minutes=7.5, seed=0, device="one NVIDIA H200",
        evaluations=60, triplets=6_093_786, kept_evaluation=54,
        kept_on="validation degree-matched per-TF AUROC of the network alone", valid_dm_per_tf_auroc=0.6323,
        valid_paper_auroc=0.5862, valid_dm_per_tf_auroc_start=0.4557,
    )  # fmt: skip
    transfer = {
        "valid_with_term": {"dm_per_tf_auroc": 0.6423, "paper_auroc": 0.7369},
        "reweighed": {"factor": 0.0078125, "valid_before": {"dm_per_tf_auroc": 0.6074, "paper_auroc": 0.748}},
    }
    text = "\n".join(_fine_tune_lines("homology", {"fine_tune": ft, "transfer": transfer}))
    assert "6,093,786 triplets over 60 evaluations; kept evaluation 54" in text
    assert "(0.456 -> 0.632; paper pooled AUROC of the network alone 0.586)" in text
    assert (
        "scaled by 0.0078125" in text and "per-TF AUROC 0.607 -> 0.642, paper pooled 0.748 -> 0.737" in text
    )
    assert text.startswith("- Then trained further")
    # a network trained from scratch replaced the one whose training record the section shows
    text = "\n".join(
        _fine_tune_lines("known", {"fine_tune": dict(ft, start="scratch"), "transfer": transfer})
    )
    assert text.startswith("- **This network was then replaced** by one trained from scratch")
    # a later keep run that added the popularity part (factor 1): the earlier re-weighing is the one told,
    # then the popularity part with its own before -> after
    later = {
        "valid_with_term": {"dm_per_tf_auroc": 0.7605, "paper_auroc": 0.8019},
        "reweighed": {"factor": 1.0, "valid_before": transfer["valid_with_term"], "earlier": transfer["reweighed"]},
        "popularity": {"factor": -0.25, "weight": -8.0, "valid_without": transfer["valid_with_term"]},
    }  # fmt: skip
    text = "\n".join(_fine_tune_lines("known", {"fine_tune": ft, "transfer": later}))
    assert (
        "scaled by 0.0078125" in text and "per-TF AUROC 0.607 -> 0.642, paper pooled 0.748 -> 0.737" in text
    )
    assert (
        "Last, the popularity part (`grenimja transfer --popularity`, factor -0.25: a gene bias of -8 per sd of "
        "the gene's training degree; section below): validation degree-matched per-TF AUROC 0.642 -> 0.760, "
        "paper pooled 0.737 -> 0.802."
    ) in text


def test_the_card_reads_the_fine_tuned_homology_model_s_test_figures_beside_the_bundled_ones(tmp_path):
    import json

    import pandas as pd

    from grenimja.report.cards import _finetune_test_lines

    assert _finetune_test_lines(tmp_path) == []  # no fine-tuned model evaluated: nothing to say

    def metrics(pooled: float, per_tf: float) -> str:
        return json.dumps({"pooled": {"auroc": pooled}, "per_tf_mean_min_positives": {"auroc": per_tf}})

    for folder, pooled, per_tf in (
        ("eval_homology", 0.7154, 0.746),
        ("eval_homology_degree_matched", 0.5614, 0.6133),
        ("finetune_homology/paper", 0.6128, 0.7219),
        ("finetune_homology/degree_matched", 0.5273, 0.6176),
    ):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "metrics.json").write_text(metrics(pooled, per_tf))
    text = "\n".join(_finetune_test_lines(tmp_path))
    assert "degree-matched per-TF AUROC 0.613 -> 0.618" in text
    assert "paper pooled AUROC 0.715 -> 0.613 (per-TF 0.746 -> 0.722)" in text
    assert "Spearman" not in text and "Centring" not in text  # no specificity files, no centring table
    (tmp_path / "validation").mkdir()
    pd.DataFrame(
        [
            dict(model="m.pt", network="fine-tuned", part="valid", protocol="paper", score="as bundled",
                 pooled_auroc=0.7369, per_tf_auroc_min5=0.7464),
            dict(model="m.pt", network="fine-tuned", part="valid", protocol="paper", score="TF-centred",
                 pooled_auroc=0.6962, per_tf_auroc_min5=0.7464),
        ]
    ).to_csv(tmp_path / "validation" / "tf_centring.csv", index=False)  # fmt: skip
    text = "\n".join(_finetune_test_lines(tmp_path))
    assert "validation paper pooled AUROC 0.737 -> 0.696" in text and "The network alone" not in text
    alone = [
        dict(model="m.pt", network=n, part=part, protocol="degree-matched", score="network alone",
             pooled_auroc=0.5, per_tf_auroc_min5=v)
        for n, part, v in (("as trained", "valid", 0.4557), ("fine-tuned", "valid", 0.6323),
                           ("as trained", "test", 0.4641), ("fine-tuned", "test", 0.5518))
    ]  # fmt: skip
    c = pd.read_csv(tmp_path / "validation" / "tf_centring.csv")
    pd.concat([c, pd.DataFrame(alone)]).to_csv(tmp_path / "validation" / "tf_centring.csv", index=False)
    text = "\n".join(_finetune_test_lines(tmp_path))
    assert "validation 0.456 -> 0.632, test 0.464 -> 0.552" in text
    assert "validation paper pooled AUROC 0.737 -> 0.696" in text and "could not tell" not in text
    pd.DataFrame(
        {
            "metric": ["degree-matched per-TF AUROC", "criterion"],
            "difference": [0.0349, 0.0238], "ci_low": [-0.0044, -0.0918], "ci_high": [0.0798, 0.1244],
        }
    ).to_csv(tmp_path / "validation" / "compare_homology_finetuned.csv", index=False)  # fmt: skip
    text = "\n".join(_finetune_test_lines(tmp_path))
    assert (
        "+0.035 [-0.004, 0.080] and the criterion's +0.024 [-0.092, 0.124]: validation could not tell" in text
    )


def test_the_card_shows_the_ranking_loss_probe_with_its_leak_check(tmp_path):
    import pandas as pd

    from grenimja.report.cards import _pairwise_probe_section

    assert _pairwise_probe_section(tmp_path) == []  # scripts/probe_pairwise.py not run: no section
    (tmp_path / "validation").mkdir()
    row = dict(gene_loss=False, init="scratch", minutes=6.0, triplets=3_808_776, alone_start=0.432)
    pd.DataFrame(
        [
            dict(row, split="unknown", run="pair", valid_tfs=16, alone_last=0.534, alone_last10=0.538,
                 scale=0.05, with_term=0.6557, bundled=0.6603, difference=-0.0046, ci_low=-0.016, ci_high=0.0049,
                 seen_negatives=0, negatives=8823, bundled_unseen=0.6603, with_term_unseen=0.6557),
            dict(row, split="known", run="pair", valid_tfs=236, alone_last=0.640, alone_last10=0.587, scale=0.8,
                 with_term=0.751, bundled=0.732, difference=0.019, ci_low=0.0119, ci_high=0.0267,
                 seen_negatives=71477, negatives=86108, bundled_unseen=0.8456, with_term_unseen=0.8427),
        ]
    ).to_csv(tmp_path / "validation" / "pairwise_probe.csv", index=False)  # fmt: skip
    text = "\n".join(_pairwise_probe_section(tmp_path))
    assert "## Ranking losses for the network" in text and "grenimja train --loss pairwise" in text
    assert (
        "| unknown | pair | no | scratch | 6 | 3,808,776 | 0.432 -> 0.534 | 0.656 (0.05) | 0.660 | -0.005"
        in text
    )
    # the known row shows the overlap that makes its gain a leak, and the figures without it
    assert "| 71,477 of 86,108 | 0.846 -> 0.843 |" in text


def test_the_loto_section_adopts_a_refit_only_where_its_validation_criterion_is_not_lower(tmp_path):
    from grenimja.report.cards import _loto_section

    assert _loto_section(tmp_path) == []  # no left-out-TF grid: no section
    (tmp_path / "validation").mkdir()
    cols = dict(identity="dbd", smooth=0.5, kmer_factor=0.8, n_donors=5, statistic="best", tfs=250)
    grid = pd.DataFrame(
        [
            cols | dict(power=8.0, motif_factor=0.8, dm_per_tf_auroc=0.62, paper_auroc=0.72),  # bundled
            cols | dict(power=4.0, motif_factor=0.8, dm_per_tf_auroc=0.63, paper_auroc=0.74),  # chosen
            cols | dict(power=2.0, motif_factor=0.0, dm_per_tf_auroc=0.60, paper_auroc=0.80),  # best sum
        ]
    )
    grid["criterion"] = grid["dm_per_tf_auroc"] + grid["paper_auroc"]
    grid.to_csv(tmp_path / "validation" / "loto_unknown.csv", index=False)
    shape = {k: cols[k] for k in ("identity", "smooth", "kmer_factor", "n_donors", "statistic")}
    fit = {
        "weight": 64.0,
        "shape": shape
        | {"power": 4.0, "motif_factor": 0.8, "incumbent": shape | {"power": 8.0, "motif_factor": 0.8}},
        "valid_with_term": {"dm_per_tf_auroc": 0.66, "paper_auroc": 0.70},
    }
    (tmp_path / "validation" / "loto_unknown_fit.json").write_text(json.dumps(fit))
    bundled = {"valid_with_term": {"dm_per_tf_auroc": 0.65, "paper_auroc": 0.70}}
    (tmp_path / "validation" / "transfer_unknown60.json").write_text(json.dumps(bundled))
    text = "\n".join(_loto_section(tmp_path))
    assert "| unknown | bundled | dbd, 8, 0.5, 0.8, 0.8, 5, best | 250 | 0.6200 | 0.7200 |" in text
    assert "| unknown | best criterion | dbd, 2, 0.5, 0.8, 0, -, - | 250 | 0.6000 | 0.8000 |" in text
    assert "| unknown | chosen (no worse on either) | dbd, 4," in text
    assert "(criterion 1.3500 -> 1.3600): kept." in text
    bundled["valid_with_term"]["paper_auroc"] = 0.72
    (tmp_path / "validation" / "transfer_unknown60.json").write_text(json.dumps(bundled))
    assert "not adopted; the bundled term stays." in "\n".join(_loto_section(tmp_path))


def test_the_popularity_section_adopts_a_factor_only_where_its_compare_interval_is_above_zero(tmp_path):
    import pandas as pd

    from grenimja.report.cards import _popularity_section

    assert _popularity_section(tmp_path) == []  # grenimja transfer --popularity not run: no section
    v = tmp_path / "validation"
    v.mkdir()
    cols = ["popularity_factor", "paper_auroc", "dm_per_tf_auroc", "criterion"]
    pd.DataFrame(
        [[0.0, 0.8183, 0.7330, 1.5512], [-0.25, 0.8019, 0.7605, 1.5624], [0.25, 0.8216, 0.7020, 1.5236]],
        columns=cols,
    ).to_csv(v / "transfer_known_popularity.csv", index=False)
    pd.DataFrame(
        [[0.0, 0.6899, 0.6603, 1.3502], [-0.5, 0.6447, 0.6626, 1.3073], [0.25, 0.7000, 0.6400, 1.3400]],
        columns=cols,
    ).to_csv(v / "transfer_unknown_popularity.csv", index=False)
    pd.DataFrame(
        {
            "metric": ["degree-matched per-TF AUROC", "criterion"], "difference": [0.0275, 0.0112],
            "ci_low": [0.0252, 0.0078], "ci_high": [0.0299, 0.0144], "tfs": [236, 359],
        }
    ).to_csv(v / "compare_known_popularity.csv", index=False)  # fmt: skip
    text = "\n".join(_popularity_section(tmp_path))
    assert "| known | -0.25 | 0.8183 -> 0.8019 | 0.7330 -> 0.7605 | 1.5512 -> 1.5624 |" in text
    assert "| unknown | 0 | 0.6899 -> 0.6899 |" in text
    assert "unknown: no factor beats 0" in text and "(-0.5) gives 0.6626 at a paper AUROC of 0.6447" in text
    assert "criterion +0.0112 [+0.0078, +0.0144]. The interval is above 0, so `known.pt` carries it" in text
    # the same grid with an interval that holds 0 is not adopted
    pd.DataFrame(
        {
            "metric": ["degree-matched per-TF AUROC", "criterion"], "difference": [0.01, 0.002],
            "ci_low": [-0.001, -0.003], "ci_high": [0.02, 0.007], "tfs": [236, 359],
        }
    ).to_csv(v / "compare_known_popularity.csv", index=False)  # fmt: skip
    assert "The interval holds 0: not adopted." in "\n".join(_popularity_section(tmp_path))
    # the baselines given the same part: validation's choice, and test read as an evaluation
    rows = [
        ("EASE over genes", 200.0, part, fac, paper, dm, fac == -0.125)
        for part, grid in {
            "valid": [(0.0, 0.83, 0.7097), (-0.125, 0.8204, 0.7294), (-0.25, 0.7875, 0.7384)],
            "test": [(0.0, 0.8286, 0.7168), (-0.125, 0.8195, 0.7339), (-0.25, 0.79, 0.7451)],
        }.items()
        for fac, paper, dm in grid
    ]
    cols = ["baseline", "ridge", "part", "factor", "paper_auroc", "dm_per_tf_auroc", "chosen"]
    pd.DataFrame(rows, columns=cols).to_csv(v / "popularity_baselines.csv", index=False)
    text = "\n".join(_popularity_section(tmp_path))
    assert (
        "- EASE over genes (ridge 200): factor -0.125; validation 0.7097 -> 0.7294 (paper pooled 0.8300 -> "
        "0.8204); test 0.7168 -> 0.7339 (paper pooled 0.8286 -> 0.8195); at its best factor read on test 0.7451."
    ) in text


def test_the_tf_weights_section_compares_motif_weights_with_identity_and_reads_the_breadth_grid(tmp_path):
    from grenimja.report.cards import _tf_weights_section

    assert _tf_weights_section(tmp_path) == []  # scripts/probe_tf_weights.py not run: no section
    v = tmp_path / "validation"
    v.mkdir()
    cols = ["split", "weights", "best_dm", "dm_at_paper", "paper", "tfs"]
    pd.DataFrame(
        [
            ["unknown", "bundled shape", 0.6210, 0.6210, 0.7263, 252],
            ["unknown", "dbd", 0.6291, 0.6234, 0.7415, 252],
            ["unknown", "motif", 0.6179, 0.6095, 0.7276, 252],
            ["unknown", "motif+dbd", 0.6257, None, None, 252],
        ],
        columns=cols,
    ).to_csv(v / "loto_tf_weights.csv", index=False)
    pd.DataFrame(
        [
            ["constant", 0.0, 0.6210, 0.7263, 1.3473],
            ["constant", 0.25, 0.6068, 0.7440, 1.3508],
            ["broad only (b > 1.5)", 0.0, 0.6210, 0.7263, 1.3473],
            ["broad only (b > 1.5)", 0.5, 0.6143, 0.7355, 1.3498],
        ],
        columns=["form", "factor", "dm_per_tf_auroc", "paper_auroc", "criterion"],
    ).to_csv(v / "loto_breadth_popularity_unknown.csv", index=False)
    text = "\n".join(_tf_weights_section(tmp_path))
    assert "| unknown | motif | 252 | 0.6179 | 0.6095 (0.7276) |" in text
    assert "| unknown | motif+dbd | 252 | 0.6257 | - |" in text  # no shape as good on the paper protocol
    assert "reaches 0.6095, against 0.6234 for identity (-0.0139): no gain; not pursued." in text
    assert "broad only (b > 1.5) best at c = 0.5 (degree-matched 0.6143" in text
    assert "Every factor above 0 lowers the degree-matched mean" in text


def test_the_literature_section_sets_the_tf_blind_literature_prior_beside_the_model_by_positive_type(
    tmp_path,
):
    from grenimja.report.cards import _literature_section

    assert _literature_section(tmp_path) == []  # no benchmark tables: no section
    v1 = tmp_path / "v1"
    v1.mkdir()
    lit = "literature-degree prior (CollecTRI + TRRUST)"
    rows = [
        {"model": "GReNIMJA (this repo)", "per_tf_auroc_min_positives": 0.616},
        {"model": lit, "per_tf_auroc_min_positives": 0.612},
    ]
    (v1 / "benchmark_unknown_degree_matched.json").write_text(json.dumps(rows))
    pd.DataFrame(
        [
            ["GReNIMJA (this repo)", "curated only", 0.630],
            [lit, "curated only", 0.628],
            ["GReNIMJA (this repo)", "ChIP-seq only", 0.567],
            [lit, "ChIP-seq only", 0.469],
        ],
        columns=["model", "positive_type", "per_tf_auroc"],
    ).to_csv(v1 / "benchmark_unknown_degree_matched_by_positive_type.csv", index=False)
    text = "\n".join(_literature_section(tmp_path))
    assert "| unknown | 0.616 | 0.612 | 0.630 | 0.628 | 0.567 | 0.469 |" in text
    assert "unknown +0.002 (within 0.01, a tie)" in text
    (tmp_path / "validation").mkdir()
    pd.DataFrame(
        {
            "split": ["unknown"] * 3,
            "score": ["build votes, DBD identity^8, smooth 0.5", "+ curated votes, DBD identity^8, smooth 0.5",
                      "curated count (TF-blind)"],
            "dm_per_tf_auroc": [0.6068, 0.6322, 0.6200], "paper_auroc": [0.7357, 0.7343, 0.5600],
        }
    ).to_csv(tmp_path / "validation" / "loto_literature_votes.csv", index=False)  # fmt: skip
    text = "\n".join(_literature_section(tmp_path))
    assert "unknown 0.6068 -> 0.6322, while the TF-blind count of the same links alone reaches 0.6200" in text
    pd.DataFrame(
        {
            "split": ["unknown"] * 4,
            "model": ["GReNIMJA (bundled)", "gene-degree prior", lit, "nearest homolog"],
            "per_tf_auroc_min_positives": [0.610, 0.500, 0.517, 0.553],
        }
    ).to_csv(tmp_path / "literature_matched.csv", index=False)
    text = "\n".join(_literature_section(tmp_path))
    assert (
        "unknown: GReNIMJA 0.616 -> 0.610, the literature prior 0.612 -> 0.517, best TF-blind prior 0.517"
        in text
    )
