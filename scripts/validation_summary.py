"""Compare candidate unknown-TF models on the validation TFs under both protocols (no test pairs).

Writes results/validation/<name>_<protocol>/ (evaluate outputs) and results/validation/summary.json, which
grenimja report turns into the model card's "which model was bundled" table.

    python scripts/validation_summary.py NAME=MODEL.pt@DATASET [...]

A NAME whose results/validation/NAME_<protocol>/metrics.json exists is read back, not evaluated again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grenimja.evaluate import evaluate_model

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "validation"


def main(args: list[str]) -> None:
    rows = []
    for arg in args:
        name, rest = arg.split("=", 1)
        model, dataset = rest.split("@", 1)
        row = {"model": name, "build": Path(dataset).name}
        for proto, key in (("paper", "paper"), ("degree-matched", "dm")):
            done = OUT / f"{name}_{key}" / "metrics.json"
            if done.is_file():  # evaluated before: its measured outputs are reused, not recomputed
                res = json.loads(done.read_text())
                row[f"{key}_auroc"] = res["pooled"]["auroc"]
                row[f"{key}_per_tf_auroc"] = res["per_tf_mean"]["auroc"]
                continue
            res = evaluate_model(
                model,
                ROOT / "models" / "embeddings.npz",
                dataset,
                "unknown",
                "valid",
                OUT / f"{name}_{key}",
                proto,
            )
            row[f"{key}_auroc"] = res["pooled"]["auroc"]
            row[f"{key}_per_tf_auroc"] = res["per_tf_mean"]["auroc"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
