"""End to end: `streamlit run app.py` on a free localhost port, driven in headless Chromium by Playwright.

Set GRENIMJA_SCREENSHOTS=DIR to also save a PNG of each page there (how docs/ screenshots are made).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import REPO, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run installs it)"
    ),
    pytest.mark.skipif(not (REPO / "models" / "unknown.pt").is_file(), reason="no bundled model"),
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not become healthy in 120 s: " + proc.stdout.read().decode()[-2000:])
    yield url
    proc.terminate()
    proc.wait(10)


def _settle(page, timeout: int = 180_000) -> None:
    """Wait until Streamlit has finished its current run (the 'Running...' status widget is gone)."""
    page.wait_for_timeout(700)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=timeout)


def _upload_examples(page, server: str, timeout: int = 60_000) -> None:
    """Open Predict and upload the example TF and promoter FASTA files."""
    page.goto(f"{server}/predict", timeout=timeout)
    inputs = page.locator("input[type=file]")
    inputs.first.wait_for(state="attached", timeout=timeout)
    inputs.nth(0).set_input_files(str(REPO / "assets" / "example_tf.fa"))
    inputs.nth(1).set_input_files(str(REPO / "assets" / "example_promoters.fa"))


def _shot(page, name: str) -> None:
    out = os.environ.get("GRENIMJA_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(1500)  # let tables and plots draw
        page.screenshot(path=str(Path(out) / name), full_page=True)


def _report_times(times: dict[str, float]) -> None:
    """Print each page's seconds to answer (no timed assertions: figures go to bench/README.md), and write
    them as JSON where GRENIMJA_PAGE_TIMES names a file."""
    import json

    print("\npage seconds to answer: " + ", ".join(f"{k} {v:.1f}" for k, v in times.items()))
    if out := os.environ.get("GRENIMJA_PAGE_TIMES"):
        Path(out).write_text(json.dumps({k: round(v, 2) for k, v in times.items()}, indent=1) + "\n")


def test_upload_example_fasta_and_read_probabilities_in_chromium(server):
    from playwright.sync_api import sync_playwright

    times: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.time()
        page.goto(server, timeout=120_000)
        page.get_by_text("GReNIMJA answers from sequence alone").wait_for(timeout=120_000)
        page.get_by_text("Training TFs").first.wait_for(timeout=60_000)
        times["home (cold: model and catalogue load)"] = time.time() - t0
        assert page.get_by_text("Deploy", exact=True).count() == 0  # toolbarMode = "viewer"
        _shot(page, "home.png")

        _upload_examples(page, server)
        page.get_by_text("example_tf.fa").first.wait_for(timeout=60_000)
        page.get_by_text("example_promoters.fa").first.wait_for(timeout=60_000)
        _settle(page)
        t0 = time.time()
        page.get_by_role("button", name="Predict", exact=True).click()
        page.get_by_text("Scored 12 pair(s)").wait_for(timeout=180_000)
        times["predict 2 TFs x 6 promoters"] = time.time() - t0
        page.get_by_role("button", name="Download CSV").wait_for(timeout=180_000)
        body = page.inner_text("body")
        assert "MAX: novel TF" in body.replace("*", "")
        _shot(page, "predict.png")

        page.goto(f"{server}/scan", timeout=60_000)
        page.get_by_role("button", name="Scan all promoters").wait_for(timeout=120_000)
        # a deep link runs app.py's navigation (titled pages), not Streamlit's listing of a pages/ folder,
        # which named its files ("app", "scan", ...) and ran the page without app.py's settings
        links = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
        assert any("Genome scan" in t for t in links) and not any(t.strip() == "app" for t in links), links
        _settle(page)
        t0 = time.time()
        page.get_by_role("button", name="Scan all promoters").click()
        page.get_by_text("ranked targets").wait_for(timeout=180_000)
        page.get_by_text("Precision of the top-k").wait_for(timeout=60_000)
        times["genome scan, first (new browser tab; promoters encoded by the warm-up)"] = time.time() - t0
        _shot(page, "scan.png")
        # warm: another TF (nothing of MAX's result can be reused), the promoters already encoded
        picker = page.locator("[data-testid='stSelectbox']").filter(has_text="TF").last
        picker.click()
        page.keyboard.type("SOX2")
        page.keyboard.press("Enter")
        page.get_by_text("press 'Scan all promoters' to scan SOX2").wait_for(timeout=60_000)
        _settle(page)
        t0 = time.time()
        page.get_by_role("button", name="Scan all promoters").click()
        # timed from the click until SOX2's ranking is drawn and the run has ended (no fixed sleep inside)
        page.get_by_text("SOX2: ranked targets").wait_for(timeout=180_000)
        page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=180_000)
        times["genome scan, warm (another TF)"] = time.time() - t0
        # the CSV is written only when clicked (a deferred download): every promoter's row arrives
        with page.expect_download(timeout=120_000) as dl:
            page.get_by_role("button", name="Download all scores (CSV)").click()
        lines = Path(dl.value.path()).read_text().splitlines()
        assert lines[0].startswith("rank,gene,probability") and len(lines) == 1 + 16_444

        t0 = time.time()
        page.goto(f"{server}/analysis", timeout=60_000)
        page.get_by_text("AUC of CpG over other scores").wait_for(timeout=180_000)
        times["analyses (adjacency on open)"] = time.time() - t0
        _shot(page, "analysis.png")

        page.goto(f"{server}/motifs", timeout=60_000)
        page.get_by_role("button", name="Compare filters").wait_for(timeout=120_000)
        _settle(page)
        t0 = time.time()
        page.get_by_role("button", name="Compare filters").click()
        page.get_by_text("Best match of every compared filter").wait_for(timeout=300_000)
        times["motifs: compare filters"] = time.time() - t0
        _shot(page, "motifs.png")

        t0 = time.time()
        page.goto(f"{server}/paper", timeout=60_000)
        page.get_by_text("Where each number comes from").wait_for(timeout=120_000)
        page.get_by_text("Analyses: adjacency matrix of unknown TFs").first.wait_for(
            timeout=120_000
        )  # last row
        times["paper vs here"] = time.time() - t0
        _settle(page)
        assert "Table 5: unknown TFs" in page.inner_text("body")
        _shot(page, "paper.png")

        if any((REPO / "results" / "network").glob("*.parquet")):
            t0 = time.time()
            page.goto(f"{server}/network", timeout=60_000)
            page.get_by_text("A gene's regulators").wait_for(timeout=120_000)
            page.get_by_role("button", name="Download targets (CSV)").wait_for(timeout=120_000)
            times["predicted network (open a 44-TF network)"] = time.time() - t0
            _shot(page, "network.png")
        browser.close()
    _report_times(times)


def test_five_concurrent_sessions_all_answer_in_chromium(server):
    """Five browser tabs (five Streamlit sessions of one server, sharing its cached model) predict at once."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pages = [browser.new_page(viewport={"width": 1200, "height": 900}) for _ in range(5)]
        for page in pages:
            _upload_examples(page, server, timeout=120_000)
        for page in pages:
            page.get_by_text("example_promoters.fa").first.wait_for(timeout=60_000)
            _settle(page)
        for page in pages:  # all five runs in flight together
            page.get_by_role("button", name="Predict", exact=True).click()
        for page in pages:
            page.get_by_text("Scored 12 pair(s)").wait_for(timeout=180_000)
            page.get_by_role("button", name="Download CSV").wait_for(timeout=180_000)
            _settle(page)
            assert "MAX: novel TF" in page.inner_text("body").replace("*", "")
        browser.close()


def test_an_upload_over_the_limit_is_refused_with_a_message_in_chromium(server, tmp_path):
    """Streamlit itself refuses a file over server.maxUploadSize (5 MB, .streamlit/config.toml)."""
    from playwright.sync_api import sync_playwright

    big = tmp_path / "big.fa"
    big.write_text(">big\n" + "ACGT" * (6 * 2**20 // 4) + "\n")  # 6 MiB
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{server}/predict", timeout=120_000)
        inputs = page.locator("input[type=file]")
        inputs.first.wait_for(state="attached", timeout=120_000)
        inputs.nth(1).set_input_files(str(big))
        page.get_by_text("File must be 5.0MB or smaller", exact=False).wait_for(timeout=60_000)
        browser.close()
