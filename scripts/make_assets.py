"""Regenerate the example FASTA files in assets/ from the data directory (provenance of the examples).

SOX2 is a training TF of the bundled unknown-TF model, MAX a held-out (novel) one; the promoters are
EPDnew hg38 primary promoters (300 bp, -249..+50: the window of the bundled models).
"""

from pathlib import Path

from grenimja.data.names import load_mapper
from grenimja.data.sequences import read_promoters, read_tf_proteins

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def main() -> None:
    m = load_mapper()
    tfs = read_tf_proteins("full", m)[0].set_index("tf")["protein"]
    genes = read_promoters(m)[0].set_index("gene")["promoter"]
    (ASSETS / "example_tf.fa").write_text("".join(f">{t}\n{tfs[t]}\n" for t in ("SOX2", "MAX")))
    (ASSETS / "example_scan_tf.fa").write_text(f">MAX\n{tfs['MAX']}\n")
    names = ("GAPDH", "ACTB", "MYC", "CDKN1A", "ALB", "NANOG")
    (ASSETS / "example_promoters.fa").write_text("".join(f">{g}\n{genes[g]}\n" for g in names))


if __name__ == "__main__":
    main()
