"""The 2D LSTM's fused gate step against an earlier implementation, measured in one run.

    python bench/bench_lstm2d.py [--old 5970a3c] [--repeats 3]

Loads ``grenimja/model/lstm2d.py`` as it was at commit ``--old`` (``git show``; the step before the fused
one: per diagonal a concatenation, one matmul, four sigmoids and two tanh, states padded to full height)
beside the current one, with the same weights, and prints, best of ``--repeats``:

- seconds to scan one TF against every catalogue promoter with the bundled model (promoters encoded
  once), for the old step, the current step and the current step under ``torch.compile``;
- forward and forward + backward seconds of a batch of 64 pairs on the paper's 16 x 16 grid, width 190.

Writes the figures to results/bench_lstm2d.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from grenimja.explorer import load_bundle
from grenimja.model.lstm2d import LSTM2D
from grenimja.predict import compiled_head, protein_tokens, scan_tf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_model import timed as best  # noqa: E402  (best of n runs, seconds)

ROOT = Path(__file__).resolve().parents[1]


def old_lstm2d(commit: str):
    """The LSTM2D class of ``grenimja/model/lstm2d.py`` at ``commit``."""
    src = subprocess.run(
        ["git", "show", f"{commit}:grenimja/model/lstm2d.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "lstm2d_old.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("lstm2d_old", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["lstm2d_old"] = mod
    spec.loader.exec_module(mod)
    return mod.LSTM2D


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--old", default="5970a3c", help="commit whose lstm2d.py is the baseline")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    Old = old_lstm2d(a.old)
    out: dict = {"threads": a.threads, "old_commit": a.old}

    b = load_bundle(ROOT / "models", "unknown")
    model, cache = b.model, b.gene_cache()
    tok = protein_tokens(model, b.emb, [b.catalogue.tfs["protein"].iloc[0]])
    new_lstm = model.lstm
    old = Old(model.cfg.common, model.cfg.common, model.cfg.hidden)
    old.load_state_dict(new_lstm.state_dict())
    ref = scan_tf(model, tok, cache)
    model.lstm = old
    out["scan_s_old_step"] = best(lambda: scan_tf(model, tok, cache), a.repeats)
    assert abs(scan_tf(model, tok, cache) - ref).max() < 1e-5
    model.lstm = new_lstm
    out["scan_s_fused_step"] = best(lambda: scan_tf(model, tok, cache), a.repeats)
    head = compiled_head(model)
    t = time.perf_counter()
    scan_tf(model, tok, cache, head=head)
    out["compile_and_first_scan_s"] = time.perf_counter() - t
    out["scan_s_fused_step_compiled"] = best(lambda: scan_tf(model, tok, cache, head=head), a.repeats)
    out["scan_promoters"] = len(cache)
    out["scan_speedup_fused"] = out["scan_s_old_step"] / out["scan_s_fused_step"]
    out["scan_speedup_fused_compiled"] = out["scan_s_old_step"] / out["scan_s_fused_step_compiled"]

    torch.manual_seed(0)
    h = 190
    new = LSTM2D(h, h, h)
    old = Old(h, h, h)
    old.load_state_dict(new.state_dict())
    xt = torch.randn(64, 16, 5 * h, requires_grad=True)
    xg = torch.randn(64, 16, 5 * h, requires_grad=True)
    for name, m in (("old_step", old), ("fused_step", new)):
        with torch.no_grad():
            out[f"paper_grid_forward_s_{name}"] = best(lambda m=m: m.mix(xt, xg), a.repeats)
        out[f"paper_grid_train_step_s_{name}"] = best(lambda m=m: m.mix(xt, xg).sum().backward(), a.repeats)
    width = max(len(k) for k in out)
    for k, v in out.items():
        print(f"{k:<{width}}  {v:.3f}" if isinstance(v, float) else f"{k:<{width}}  {v}")
    (ROOT / "results" / "bench_lstm2d.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
