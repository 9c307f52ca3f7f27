"""``grenimja report``: regenerate every report table and figure from the measured outputs.

Nothing is recomputed from models or data here: the evaluations, benchmarks and analyses the CLI wrote
under the results folder are read back and turned into Markdown, CSV and PNG.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from grenimja.report.cards import model_card, results_readme
from grenimja.report.paper import METRIC_NAMES, paper_vs_here, paper_vs_here_markdown, pooled_side_by_side

MANIFEST = "report_files.txt"


def paper_vs_here_png(res: Path, path: Path) -> bool:
    """Bars of the paper's pooled test metrics (Tables 1 and 5) beside ours; False when ours are missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = pooled_side_by_side(res)
    if pairs.empty:
        return False
    tables = list(dict.fromkeys(pairs["table"]))
    fig, axes = plt.subplots(1, len(tables), figsize=(6 * len(tables), 4), squeeze=False)
    for ax, table in zip(axes[0], tables, strict=True):
        g = pairs[pairs["table"] == table].reset_index(drop=True)
        x = g.index.to_numpy()
        ax.bar(x - 0.2, g["paper"], width=0.4, label="paper", color="#9e9e9e")
        ax.bar(x + 0.2, g["here"], width=0.4, label="here", color="#1f77b4")
        ax.set_xticks(x, [METRIC_NAMES[k] for k in g["metric"]])
        ax.set_ylim(0, 1)
        ax.axhline(0.5, color="black", lw=0.6, ls=":")
        ax.set_title(f"{table}: {g['split'].iloc[0]} TFs (paper negatives, pooled)")
    axes[0, 0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def _figures(res: Path) -> list[Path]:
    """Figures whose data the CLI stored as tables: ROC / PR curves and the Figure 2 panels."""
    from grenimja.evaluate import plot_curves
    from grenimja.interpret.robustness import robustness_png

    out = []
    for f in sorted(res.glob("eval_*/curves.json")):
        png = f.with_name("curves.png")
        plot_curves({f"GReNIMJA {f.parent.name[5:]}": json.loads(f.read_text())}, png, title=f.parent.name)
        out.append(png)
    for f in sorted((res / "interpret").glob("robustness_*_binned.csv")):
        split = f.name[len("robustness_") : -len("_binned.csv")]
        png = f.with_name(f"robustness_{split}.png")
        robustness_png(
            pd.read_csv(f), png, f"{split} split test TFs: per-TF metrics by training pairs and length"
        )
        out.append(png)
    return out


def write_report(out: str | Path, models: str | Path, datasets: str | Path) -> list[Path]:
    """Regenerate the report files; returns their paths, also listed in ``out/report_files.txt``.

    Parameters
    ----------
    out : the results folder: read for measured outputs, written with the README, paper-vs-here table
        (CSV, Markdown, PNG) and regenerated figures.
    models : folder of the bundled models; ``MODEL_CARD.md`` is written there.
    datasets : folder of dataset builds the models name (their ``report.json``).
    """
    res, models, datasets = Path(out), Path(models), Path(datasets)
    res.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    table = paper_vs_here(res)
    table.to_csv(res / "paper_vs_here.csv", index=False)
    (res / "paper_vs_here.md").write_text(
        "# The paper beside this repository\n\n"
        "Written by `grenimja report` from the measured outputs in this folder; the paper's figures are the "
        "test-set numbers quoted in the design card.\n\n" + paper_vs_here_markdown(table)
    )
    written += [res / "paper_vs_here.csv", res / "paper_vs_here.md"]
    if paper_vs_here_png(res, res / "paper_vs_here.png"):
        written.append(res / "paper_vs_here.png")
    written += _figures(res)
    (res / "README.md").write_text(results_readme(res))
    written.append(res / "README.md")
    if any(models.glob("*.pt")):
        models.mkdir(parents=True, exist_ok=True)
        (models / "MODEL_CARD.md").write_text(model_card(models, datasets, res))
        written.append(models / "MODEL_CARD.md")
    (res / MANIFEST).write_text("".join(f"{p}\n" for p in written))
    return written
