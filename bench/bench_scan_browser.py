"""Genome scan page times in headless Chromium: one cold scan, then warm scans of other TFs.

    python bench/bench_scan_browser.py [--tfs SOX2 TP53 MYC CTCF GATA1] [--out results/bench_scan_browser.json]

Starts ``streamlit run app.py`` on a free port with the bundled ``unknown`` model, opens the Genome scan
page, scans MAX (the first scan encodes every promoter), then picks each TF of ``--tfs`` in turn and scans
it. A scan is timed from the click until its "<TF>: ranked targets" heading is drawn and Streamlit's
run-status widget is gone. Every warm scan is of a TF not scanned before, so no result can be reused. Needs
Debian ``chromium`` and Playwright (``requirements-dev.txt``). Prints the figures and writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, seconds: float = 180) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"streamlit did not answer at {url} in {seconds:.0f} s")


def _scan(page, tf: str | None) -> float:
    """Pick ``tf`` (None: keep the page's default), click Scan and return seconds to the drawn ranking."""
    status = page.locator("[data-testid='stStatusWidget']")
    if tf is not None:
        page.locator("[data-testid='stSelectbox']").filter(has_text="TF").last.click()
        page.keyboard.type(tf)
        page.keyboard.press("Enter")
        page.get_by_text(f"press 'Scan all promoters' to scan {tf}").wait_for(timeout=60_000)
    page.wait_for_timeout(700)
    status.wait_for(state="hidden", timeout=180_000)
    t0 = time.time()
    page.get_by_role("button", name="Scan all promoters").click()
    page.get_by_text(f"{tf or 'MAX'}: ranked targets").wait_for(timeout=180_000)
    status.wait_for(state="hidden", timeout=180_000)
    return time.time() - t0


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tfs", nargs="+", default=["SOX2", "TP53", "MYC", "CTCF", "GATA1"])
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--out", default=str(ROOT / "results" / "bench_scan_browser.json"))
    a = ap.parse_args()
    url = f"http://127.0.0.1:{(port := _free_port())}"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=a.chromium, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/scan", timeout=120_000)
            page.get_by_role("button", name="Scan all promoters").wait_for(timeout=120_000)
            first = _scan(page, None)
            print(f"first scan (MAX, encodes every promoter): {first:.2f} s", flush=True)
            warm = {}
            for tf in a.tfs:
                warm[tf] = _scan(page, tf)
                print(f"warm scan {tf}: {warm[tf]:.2f} s", flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    w = list(warm.values())
    res = {
        "cores": os.cpu_count(),
        "first_s": round(first, 2),
        "warm_s": {k: round(v, 2) for k, v in warm.items()},
        "warm_median_s": round(statistics.median(w), 2),
        "warm_max_s": round(max(w), 2),
        "warm_under_5s": f"{sum(v < 5 for v in w)} of {len(w)}",
    }
    print(
        f"warm: median {res['warm_median_s']} s, max {res['warm_max_s']} s, under 5 s in {res['warm_under_5s']}"
    )
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
