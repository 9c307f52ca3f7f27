"""Every explorer page under streamlit.testing.v1.AppTest, on the bundled model, incl. bad input."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from .conftest import REPO, open_page

APP = str(REPO / "app.py")
pytestmark = pytest.mark.skipif(not (REPO / "models" / "unknown.pt").is_file(), reason="no bundled model")


def test_home_shows_model_card_and_citation():
    at = open_page()
    text = " ".join(m.value for m in at.markdown)
    assert "GReNIMJA answers from sequence alone" in text
    assert "Okubo et al." in text
    assert any(m.label == "Training TFs" and int(m.value) > 100 for m in at.metric)
    protocols = at.dataframe[0].value
    ours = protocols[protocols["model"] == "GReNIMJA (bundled)"]
    assert list(ours["negatives"]) == ["paper", "degree-matched"]
    assert protocols["AUROC"].between(0, 1).all()
    assert "degree-matched" in text and "TF-blind gene-degree prior gets 0.5" in text
    # the model's numbers come with the TF-blind prior beside them, blind (0.5) under degree-matched negatives
    prior = protocols[protocols["model"] == "gene-degree prior (ignores the TF)"].set_index("negatives")
    assert abs(prior.loc["degree-matched", "per-TF AUROC"] - 0.5) < 0.01
    assert any("TF-blind prior's pooled AUROC is" in c.value for c in at.caption)
    # developer wording stays in the developers' expander, out of the card a biologist reads
    card = next(e for e in at.expander if e.label.startswith("Model card"))
    speed = next(e for e in at.expander if e.label == "Speed figures (for developers)")
    assert not any("wavefront" in m.value for m in card.markdown)
    assert any("wavefront" in m.value for m in speed.markdown)


@pytest.mark.skipif(not (REPO / "models" / "homology.pt").is_file(), reason="no bundled homology model")
def test_the_homology_model_is_offered_with_its_own_split_s_metrics_and_scans():
    at = open_page()
    at.sidebar.selectbox[0].set_value("homology").run()
    assert not at.exception
    assert next(m for m in at.metric if m.label == "Split").value == "homology"
    assert at.subheader[0].value == "Bundled model: `homology`"
    pm = at.dataframe[0].value
    assert list(pm[pm["model"] == "GReNIMJA (bundled)"]["negatives"]) == ["paper", "degree-matched"]
    at.switch_page("views/scan.py").run()
    at.button[0].click().run()
    assert not at.exception and at.subheader[0].value.startswith("MAX: ranked targets")
    res = at.dataframe[0].value
    assert res["tf_specificity"].notna().all()  # the bundled file carries its gene reference


def test_the_model_picked_in_the_sidebar_holds_on_every_page_after():
    at = open_page()
    at.sidebar.selectbox[0].set_value("known").run()
    at.switch_page("views/paper.py").run()  # a page without the picker in between
    for page in ("views/predict.py", "views/scan.py", "views/home.py"):
        at.switch_page(page).run()
        assert not at.exception and at.sidebar.selectbox[0].value == "known", page
    assert at.subheader[0].value == "Bundled model: `known`"


def test_pasted_fasta_is_still_there_after_visiting_another_page():
    at = open_page("views/predict.py")
    at.button(key="tf_ex").click().run()  # the example button fills the TF box
    at.text_area(key="prom_txt").input(">p1\n" + "ACGT" * 15 + "\n").run()  # typed by hand
    tf_text = at.text_area(key="tf_txt").value
    assert tf_text.startswith(">")
    at.switch_page("views/paper.py").run()
    at.switch_page("views/predict.py").run()
    assert not at.exception
    assert at.text_area(key="tf_txt").value == tf_text
    assert at.text_area(key="prom_txt").value == ">p1\n" + "ACGT" * 15 + "\n"


def test_predict_page_shows_tf_specificity_beside_the_probability():
    at = open_page("views/predict.py")
    at.button(key="tf_ex").click().run()
    at.button(key="prom_ex").click().run()
    at.button(key="go_fasta").click().run()
    df = at.dataframe[0].value
    assert {"probability", "tf_specificity"} <= set(df.columns) and df["tf_specificity"].notna().all()
    assert any("TF-specificity = the pair's logit minus" in c.value for c in at.caption)


def test_scan_page_ranks_by_tf_specificity_and_marks_popular_genes():
    at = open_page("views/scan.py")
    at.radio[1].set_value("tf_specificity").run()
    at.button[0].click().run()
    assert not at.exception
    df = at.dataframe[0].value
    assert df["tf_specificity"].is_monotonic_decreasing and "popular_gene" in df.columns
    assert any("popular_gene" in c.value for c in at.caption)


def test_predict_page_scores_example_fasta():
    at = open_page("views/predict.py")
    at.button(key="tf_ex").click().run()
    at.button(key="prom_ex").click().run()
    at.button(key="go_fasta").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Scored 12 pair(s)")
    df = at.dataframe[0].value
    assert set(df["tf"]) == {"SOX2", "MAX"} and len(df) == 12
    notes = " ".join(m.value for m in at.markdown)
    assert "**MAX**: novel TF; nearest training TF" in notes  # MAX is a held-out TF of the unknown split
    assert "**SOX2**: known TF" in notes


def test_predict_page_slides_the_window_along_a_long_promoter():
    import numpy as np

    at = open_page("views/predict.py")
    at.button(key="tf_ex").click().run()
    rng = np.random.default_rng(0)
    at.text_area(key="prom_txt").input(">long\n" + "".join(rng.choice(list("ACGT"), 500)) + "\n").run()
    at.radio(key="windows").set_value("all").run()
    at.number_input(key="step").set_value(100).run()
    at.button(key="go_fasta").click().run()
    assert not at.exception
    df = at.dataframe[0].value
    n_win = len(range(0, 500 - 60 + 1, 100)) + 1  # the last window ends at base 500 (60 bp model)
    assert {"window_start", "window_end"} <= set(df.columns) and len(df) == 2 * n_win
    assert (df["window_end"] - df["window_start"] + 1 == 60).all() and df["window_end"].max() == 500
    assert any("windows of 60 bp, 100 bp apart" in i.value for i in at.info)


def test_predict_page_reports_bad_records_and_scores_the_rest():
    at = open_page("views/predict.py")
    at.text_area(key="tf_txt").input(
        ">sox2_dna\nACGTACGTACGTACGTACGTACGTAAAA\n>p53frag\nMEEPQSDPSVEPPLSQETFSDLWKLL\n"
    )
    at.text_area(key="prom_txt").input(
        ">g1\nACGTTGCAACGTTGCAACGTTGCAACGTTG\n>g2\nMEEPQSDPSVEPPLSQETFSDLWKLLPEN\n"
    )
    at.button(key="go_fasta").click().run()
    warnings = [w.value for w in at.warning]
    assert any("record 'sox2_dna': looks like DNA" in w for w in warnings)
    assert any("record 'g2': looks like a protein sequence" in w for w in warnings)
    assert at.success[0].value.startswith("Scored 1 pair(s); 2 record(s) skipped")
    assert any("pads to" in i.value for i in at.info)  # 30 bp promoter, model reads 60 bp


def test_predict_page_malformed_fasta_is_an_error_not_a_crash():
    at = open_page("views/predict.py")
    at.text_area(key="tf_txt").input("MKVLAAG no header")
    at.text_area(key="prom_txt").input(">g\nACGTACGTACGTACGTACGTACGTACGT")
    at.button(key="go_fasta").click().run()
    assert not at.exception
    assert "line 1 should start with '>'" in at.error[0].value


def test_predict_page_catalogue_pick():
    at = open_page("views/predict.py")
    at.radio[0].set_value("Pick from catalogue").run()
    at.button(key="go_cat").click().run()
    df = at.dataframe[0].value
    assert set(df["gene"]) == {"NANOG", "GAPDH"} and (df["tf"] == "SOX2").all()
    # SOX2 -> NANOG is curated (DoRothEA A); the column names the sources, GAPDH's row names its own or none
    ev = df.set_index("gene")["known_interaction"]
    assert ev["NANOG"].startswith("DoRothEA A") and "CollecTRI" in ev["NANOG"]
    assert "DoRothEA" not in ev["GAPDH"]
    # beside each score, what a TF-blind score gives the gene: the share of training TFs regulating it
    prior = df.set_index("gene")["gene_degree_prior"]
    assert prior.between(0, 1).all() and prior["GAPDH"] != prior["NANOG"]
    assert any(c.value.startswith("gene-degree prior: the share") for c in at.caption)
    assert any(c.value.startswith("known interaction: the regulatory databases") for c in at.caption)


def _plotly_array(v) -> np.ndarray:
    """A numeric array of a plotly figure's JSON (plain list, or base64 typed array)."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
    return np.asarray(v, dtype=float)


def test_scan_page_ranks_all_promoters_with_known_targets():
    at = open_page("views/scan.py")
    at.button[0].click().run()
    assert not at.exception
    ranked = at.dataframe[0].value
    assert len(ranked) == 100 and ranked["probability"].is_monotonic_decreasing
    # every DoRothEA A-D target has a DoRothEA entry in its evidence, and no other gene does at A-D
    assert ranked["gene_degree_prior"].between(0, 1).all()
    doro = ranked["known_interaction"].str.contains(r"DoRothEA [A-D]")
    assert (doro == ranked["known_target"]).all()
    prec = at.dataframe[1].value
    assert prec["k"].tolist()[:3] == [10, 50, 100]
    assert (prec["background_rate"] > 0).all()
    assert any(d.label == "Download all scores (CSV)" for d in at.get("download_button"))
    import json

    hist = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    bars = [t for f in hist for t in f["data"] if t["type"] == "bar"]
    assert len(bars) == 2 and len({t["marker"]["color"] for t in bars}) == 2  # the two classes told apart
    for t in bars:  # pre-binned densities over [0, 1]: 50 bars whose areas sum to 1
        y, w = _plotly_array(t["y"]), _plotly_array(t["width"])
        assert len(y) == 50 and abs((y * w).sum() - 1) < 1e-6


def test_scan_page_hides_the_last_ranking_once_another_tf_is_picked():
    at = open_page("views/scan.py")
    at.button[0].click().run()
    assert at.subheader[0].value.startswith("MAX: ranked targets")
    next(s for s in at.selectbox if s.label == "TF").set_value("SOX2").run()
    assert not at.exception and not at.subheader and not at.dataframe
    assert any("last scan was for MAX" in i.value and "to scan SOX2" in i.value for i in at.info)
    next(s for s in at.selectbox if s.label == "TF").set_value("MAX").run()
    assert at.subheader[0].value.startswith("MAX: ranked targets")  # its own ranking, not scanned again
    if (REPO / "models" / "homology.pt").is_file():
        at.sidebar.selectbox[0].set_value("homology").run()
        assert not at.subheader and any("computed with model `unknown`" in i.value for i in at.info)


def test_a_scan_s_progress_bar_redraws_about_ten_times_not_once_per_batch():
    import sys

    sys.path.insert(0, str(REPO))
    import ui

    drawn: list[float] = []
    tick = ui.throttled(drawn.append, step=0.1)
    for i in range(1, 66):  # a genome scan's 65 batches of 256 promoters
        tick(i / 65)
    assert drawn[0] == 1 / 65 and drawn[-1] == 1.0
    assert 10 <= len(drawn) <= 11
    assert all(b - a >= 0.1 for a, b in zip(drawn[:-2], drawn[1:-1], strict=True))


def test_scan_page_upload_with_bad_record():
    at = open_page("views/scan.py")
    at.radio[0].set_value("Upload / paste protein FASTA").run()
    at.text_area(key="scan_tf_txt").input(
        ">bad\nMKV1LL\n>MAX\nMSDNDDIEVESDEEQPRFQSAADKRAHHNALERKRRDHIKDSFHSLRDSV\n"
    ).run()
    assert "'1' at position 4" in at.warning[0].value and "not an amino-acid letter" in at.warning[0].value
    at.button[-1].click().run()
    assert not at.exception
    assert at.subheader[0].value == "MAX: ranked targets (by probability)"


def test_missing_model_gives_a_clear_page(tmp_path, monkeypatch):
    monkeypatch.setenv("GRENIMJA_MODEL_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert "No bundled model found" in at.error[0].value


def test_a_process_that_opens_the_app_and_exits_at_once_exits_cleanly():
    """The model's warm-up thread (encoding the promoters) is still running when this process ends: the
    interpreter must wait for it, not kill it inside torch, which aborted pytest with status 134 after
    every test had passed (when it ended inside torch: so the thread must not be a daemon)."""
    import subprocess
    import sys

    code = (
        "import threading\n"
        "from tests.conftest import open_page\n"
        "open_page('views/paper.py')\n"
        "warm = [t for t in threading.enumerate() if t.name.startswith('warm-up')]\n"
        "assert warm and not any(t.daemon for t in warm), [(t.name, t.daemon) for t in warm]\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "terminate called" not in r.stderr
