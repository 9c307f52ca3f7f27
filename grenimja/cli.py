"""Command line: ``grenimja <command>`` (also ``python -m grenimja``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from grenimja.errors import GrenimjaError

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models"


def _add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir", default=None, help="upstream data folder (default: $GRENIMJA_DATA, then ../shared/data)"
    )


def cmd_data_build(a) -> int:
    from grenimja.data.build import BuildConfig, build_dataset, format_report

    cfg = BuildConfig(
        sources=tuple(a.sources.split(",")),
        dorothea_levels=a.dorothea_levels,
        protein=a.protein,
        promoters=a.promoters,
        negatives=a.negatives,
        genome=a.genome,
        upstream=a.upstream,
        downstream=a.downstream,
        seed=a.seed,
        max_identity=a.max_identity,
        max_tfs=a.max_tfs,
    )
    report = build_dataset(a.out, cfg, a.data_dir)
    print(format_report(report))
    print(f"written to {a.out}")
    return 0


def cmd_data_catalogue(a) -> int:
    from grenimja.data.catalogue import build_catalogue

    sums = build_catalogue(a.out, a.data_dir)
    for name, h in sums.items():
        print(f"{h}  {Path(a.out) / name}")
    return 0


def cmd_data_fetch(a) -> int:
    from grenimja.data.fetch import fetch_all

    results = fetch_all(a.out)
    for r in results:
        print(f"{r.status:10s} {r.path}" + (f": {r.reason}" if r.reason else ""))
    failed = [r for r in results if r.status == "failed"]
    print(f"{len(results) - len(failed)} of {len(results)} files in {a.out}")
    if failed:
        raise GrenimjaError(f"{len(failed)} file(s) could not be had: " + ", ".join(r.path for r in failed))
    return 0


def cmd_embed_train(a) -> int:
    from grenimja.data.names import load_mapper
    from grenimja.data.sequences import read_promoters, read_tf_proteins
    from grenimja.embedding import train_embeddings

    mapper = load_mapper(a.data_dir)
    prot, _ = read_tf_proteins("full", mapper, a.data_dir)
    seqs = prot["protein"].tolist()
    if a.with_dbd:
        dbd, _ = read_tf_proteins("dbd", mapper, a.data_dir)
        seqs += dbd["protein"].tolist()
    prom, _ = read_promoters(mapper, a.data_dir, a.genome)
    emb = train_embeddings(
        seqs, prom["promoter"].tolist(), epochs=a.epochs, seed=a.seed, min_count=a.min_count
    )
    emb.save(a.out)
    print(
        f"{len(emb.protein_vocab) - 1:,} protein {emb.protein_vocab.k}-mers, {len(emb.dna_vocab) - 1:,} DNA "
        f"{emb.dna_vocab.k}-mers -> {a.out}"
    )
    return 0


def _model_config(ds, emb, paper_sizes: bool = False):
    """The paper's network (``paper_sizes``) or the CPU preset, fitted to the build's promoter length and
    the embeddings' k-mer sizes and widths."""
    from grenimja.model.network import ModelConfig, cpu_config

    dims = dict(
        promoter_len=int(ds.genes["promoter"].str.len().max()),
        protein_k=emb.protein_vocab.k,
        dna_k=emb.dna_vocab.k,
        protein_dim=emb.protein_vectors.shape[1],
        dna_dim=emb.dna_vectors.shape[1],
    )
    return ModelConfig(**dims) if paper_sizes else cpu_config(**dims)


def cmd_tune(a) -> int:
    import torch

    from grenimja.dataset import load_dataset
    from grenimja.embedding import Embeddings
    from grenimja.tune import run_tuning

    if a.threads:
        torch.set_num_threads(a.threads)
    ds = load_dataset(a.dataset)
    emb = Embeddings.load(a.embeddings)
    summary = run_tuning(
        ds,
        emb,
        _model_config(ds, emb),
        a.study,
        a.out,
        a.trials,
        a.split,
        a.epochs,
        a.pairs_per_epoch,
        a.valid_pairs,
        a.seed,
    )
    print(json.dumps(summary, indent=1))
    return 0


def cmd_train(a) -> int:
    import torch

    from grenimja.dataset import load_dataset
    from grenimja.embedding import Embeddings, onehot_embeddings
    from grenimja.train import TrainConfig, check_loss, train

    tcfg = TrainConfig(
        split=a.split,
        epochs=a.epochs,
        pairs_per_epoch=a.pairs_per_epoch,
        batch_size=a.batch_size,
        lr=a.lr,
        patience=a.patience,
        valid_pairs=a.valid_pairs,
        seed=a.seed,
        device=a.device,
        bf16=a.bf16,
        loss=a.loss,
    )
    try:
        check_loss(tcfg)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if a.threads:
        torch.set_num_threads(a.threads)
    ds = load_dataset(a.dataset)
    emb = onehot_embeddings() if a.onehot else Embeddings.load(a.embeddings)
    mcfg = _model_config(ds, emb, a.paper_sizes)
    res = train(ds, emb, mcfg, tcfg, a.out, resume=a.resume)
    if os.environ.get("RANK", "0") == "0":  # under torchrun, one summary rather than one per process
        print(json.dumps(res["history"][-1] if res["history"] else {}, indent=1))
    return 0


def cmd_transfer(a) -> int:
    from grenimja.model.transfer import add_transfer

    dbd = None
    if a.identity == "both":
        from grenimja.data.names import load_mapper
        from grenimja.data.sequences import read_tf_proteins

        frame, _ = read_tf_proteins("dbd", load_mapper(a.data_dir), a.data_dir)
        dbd = dict(zip(frame["tf"], frame["protein"], strict=True))
    res = add_transfer(
        a.model,
        a.embeddings,
        a.dataset,
        a.split,
        a.out,
        a.grid_out,
        dbd=dbd,
        motifs=a.motifs,
        own_kmers=a.own_kmers,
        shape=a.shape,
        popularity=a.popularity,
    )
    print(json.dumps(res, indent=1))
    return 0


def cmd_evaluate(a) -> int:
    from grenimja.evaluate import evaluate_model

    res = evaluate_model(
        a.model,
        a.embeddings,
        a.dataset,
        a.split,
        a.part,
        a.out,
        a.negatives,
        a.specificity,
        a.specificity_genes,
        a.device,
        a.bf16,
    )
    keep = ("pooled", "per_tf_mean", "specificity")
    print(json.dumps({k: res[k] for k in keep if k in res}, indent=1))
    return 0


def cmd_compare(a) -> int:
    from grenimja.compare import compare_models

    if a.part == "test":
        print(
            "note: comparing on the test part; choose between models on 'valid' and read test once",
            file=sys.stderr,
        )
    table = compare_models(
        a.model,
        a.against,
        a.embeddings,
        a.dataset,
        a.split,
        a.part,
        a.n_boot,
        a.seed,
        progress=lambda m: print(m, file=sys.stderr),
    )
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        table.round(5).to_csv(a.out, index=False)
    print(
        f"a = {a.model}, b = {a.against}, {a.split} split, {a.part} part; b - a with 95% intervals over TFs"
    )
    print(table.round(4).to_string(index=False))
    return 0


def _check_data_dir(data_dir) -> None:
    """A --data-dir that does not exist is reported before the model loads (seconds saved per mistake)."""
    if data_dir:
        from grenimja.data.datadir import resolve_data_dir

        resolve_data_dir(data_dir)


def _read_fasta_file(path: str, what: str) -> str:
    """The text of a FASTA file given on the command line, or an error naming it and what is wrong."""
    from grenimja.errors import SequenceError

    p = Path(path)
    if not p.is_file():
        raise SequenceError(f"{what} {path}: no such file")
    try:
        return p.read_text()
    except UnicodeDecodeError as exc:
        raise SequenceError(
            f"{what} {path}: not a text file (byte {exc.start} is not UTF-8); expected FASTA"
        ) from None


def cmd_predict(a) -> int:
    from grenimja.explorer import load_bundle, predict_fasta
    from grenimja.fasta import parse_fasta, validate_records

    tf_text = _read_fasta_file(a.tf, "TF FASTA")
    prom_text = _read_fasta_file(a.promoters, "promoter FASTA")
    # input errors before the model loads (seconds): a malformed file, or no usable TF at all
    parse_fasta(prom_text, f"promoter FASTA {a.promoters}")
    tfs, problems = validate_records(tf_text, "protein", f"TF FASTA {a.tf}")
    if not tfs:
        raise GrenimjaError("nothing scored: " + ("; ".join(problems) or "no valid TF record"))
    _check_data_dir(a.data_dir)
    bundle = load_bundle(a.model_dir, a.model, a.data_dir)
    table, problems, notes = predict_fasta(
        bundle,
        tf_text,
        prom_text,
        windows=a.windows,
        step=a.step,
        labels=(f"TF FASTA {a.tf}", f"promoter FASTA {a.promoters}"),
    )
    for p in problems:
        print(f"skipped: {p}", file=sys.stderr)
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    if table.empty:
        raise GrenimjaError(
            "nothing scored: " + ("; ".join(problems) if problems else "no valid TF or promoter record")
        )
    table = _with_known(table, a.data_dir)
    out = table.to_csv(sep="\t", index=False)
    if a.out:
        Path(a.out).write_text(out)
    else:
        print(out, end="")
    return 0


def _with_known(table, data_dir):
    """``table`` with the known_interaction column where the regulatory databases can be read."""
    from grenimja.data.known import load_known_interactions
    from grenimja.explorer import add_known_interactions

    try:
        return add_known_interactions(table, load_known_interactions(data_dir))
    except GrenimjaError as exc:
        print(f"note: no known_interaction column ({exc})", file=sys.stderr)
        return table


def cmd_scan(a) -> int:
    import pandas as pd

    from grenimja.explorer import load_bundle, scan_sequence
    from grenimja.fasta import validate_records

    records, problems = validate_records(_read_fasta_file(a.tf, "TF FASTA"), "protein", f"TF FASTA {a.tf}")
    for p in problems:
        print(f"skipped: {p}", file=sys.stderr)
    for r in records:
        if r.note:
            print(f"note: {r.note}", file=sys.stderr)
    if not records:
        raise GrenimjaError(f"nothing scored: no valid protein record in {a.tf}")
    _check_data_dir(a.data_dir)
    bundle = load_bundle(a.model_dir, a.model, a.data_dir)
    tables = []
    n = 0 if bundle.catalogue is None else len(bundle.catalogue.genes)
    for r in records:  # every record of a multi-record file is scanned, each under its own name
        print(f"scanning {r.name} ({len(r.seq)} aa) against {n:,} promoters", file=sys.stderr)
        t = scan_sequence(bundle, r.seq, by=a.by).head(a.top)
        t.insert(0, "tf", r.name)
        tables.append(t)
    _with_known(pd.concat(tables), a.data_dir).to_csv(a.out or sys.stdout, sep="\t", index=False)
    return 0


def cmd_reference(a) -> int:
    from grenimja.explorer import add_gene_reference, load_bundle

    bundle = load_bundle(a.model_dir, a.model, a.data_dir)
    ref = add_gene_reference(Path(a.model_dir) / f"{a.model}.pt", bundle, a.n_tfs, a.seed)
    n_pop = sum(x >= 0.9 for x in ref["top_share"])
    print(
        f"gene reference of {len(ref['genes']):,} promoters over {len(ref['panel'])} training TFs stored in "
        f"{a.model}.pt; {n_pop:,} popular genes (top 5% for >= 90% of the panel)"
    )
    return 0


def cmd_benchmark(a) -> int:
    from grenimja.benchmark import (
        baseline_suite,
        benchmark_stem,
        by_positive_type,
        last_scores,
        markdown_table,
        merged_with_written,
        protocol_note,
        run_benchmarks,
        write_benchmark,
    )
    from grenimja.dataset import load_dataset
    from grenimja.embedding import Embeddings

    ds = load_dataset(a.dataset)
    emb = Embeddings.load(a.embeddings)
    protocols = _protocols(a.negatives)
    scores = None
    if a.model:
        from grenimja.evaluate import score_split
        from grenimja.model.io import load_model

        model, _ = load_model(a.model, emb)
        scores = {p: score_split(model, emb, ds, a.split, "test", p)["score"].to_numpy() for p in protocols}
    only = tuple(a.baselines.split(",")) if a.baselines else None
    try:
        suite = baseline_suite(emb, split=a.split, quick=a.quick, only=only)
    except ValueError as exc:
        raise GrenimjaError(f"--baselines: {exc}") from exc
    for p, df in run_benchmarks(ds, a.split, emb, scores, suite, protocols).items():
        note = protocol_note(ds, a.split, p)
        test, model_scores = last_scores[p]
        typed = by_positive_type(test, model_scores)
        stem = Path(a.out) / f"{benchmark_stem(a.split, p)}_by_positive_type"
        if a.append:
            try:
                df, typed = merged_with_written(df, typed, a.out, a.split, p)
            except FileNotFoundError as exc:
                raise GrenimjaError(f"--append: {exc}; run the benchmark without it first") from exc
        write_benchmark(df, a.split, a.out, p, note if p != "paper" else "")
        typed.to_csv(f"{stem}.csv", index=False)
        stem.with_suffix(".md").write_text(markdown_table(typed) + "\n")
        print(f"\n{a.split} split, {note}")
        print(df.drop(columns="note").to_string(index=False, float_format="%.3f"))
    return 0


def _protocols(value: str) -> tuple[str, ...]:
    from grenimja.dataset import NEGATIVES

    out = tuple(NEGATIVES) if value == "both" else tuple(value.split(","))
    bad = [p for p in out if p not in NEGATIVES]
    if bad:
        raise GrenimjaError(
            f"--negatives: unknown protocol(s) {bad}; choose from {list(NEGATIVES)} or 'both'"
        )
    return out


def _add_negatives(p: argparse.ArgumentParser, allow_both: bool) -> None:
    p.add_argument(
        "--negatives",
        default="paper",
        choices=["paper", "degree-matched"] + (["both"] if allow_both else []),
        help="test negatives: the paper's random non-targets per TF, or per positive a non-target of the "
        "same TF whose gene has the nearest number of training regulators"
        + ("; 'both' fits each baseline once and writes both tables" if allow_both else ""),
    )


def cmd_network(a) -> int:
    from grenimja.explorer import load_bundle
    from grenimja.predicted_network import dask_runner, score_network

    bundle = load_bundle(a.model_dir, a.model, a.data_dir)
    if bundle.catalogue is None:
        raise GrenimjaError(f"whole-network scoring needs the catalogue: {bundle.catalogue_error}")
    names = bundle.catalogue.tfs["tf"].tolist()
    tfs = names if a.tfs == "all" else [t.strip() for t in a.tfs.split(",") if t.strip()]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    if a.compile and a.engine == "local":
        bundle.compile_scan()
    runner = (
        dask_runner(a.model_dir, a.model, a.data_dir, a.dask_scheduler, compile_scan=a.compile)
        if a.engine == "dask"
        else None
    )
    res = score_network(bundle, tfs, a.out, a.chunk_tfs, run_chunks=runner)
    print(json.dumps(res, indent=1))
    return 0


def cmd_report(a) -> int:
    from grenimja.report.write import MANIFEST, write_report

    written = write_report(a.out, a.models, a.datasets)
    for p in written:
        print(p)
    print(f"{len(written)} files written; listed in {Path(a.out) / MANIFEST}")
    return 0


def cmd_interpret(a) -> int:
    from grenimja.explorer import load_bundle
    from grenimja.interpret import run  # torch and memelite: imported by the commands that need them

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    if a.what == "robustness":
        from grenimja.dataset import load_dataset
        from grenimja.interpret.robustness import run_robustness

        if not a.dataset or not a.split:
            raise GrenimjaError("robustness needs --dataset (the build the model was trained on) and --split")
        m = load_bundle(a.model_dir, a.model, with_catalogue=False)
        for name, path in run_robustness(m.model, m.emb, load_dataset(a.dataset), a.split, out).items():
            print(f"{name}: {path}")
        return 0
    b = load_bundle(a.model_dir, a.model, a.data_dir)
    if b.catalogue is None:
        raise GrenimjaError(f"the analyses need the catalogue: {b.catalogue_error}")
    if a.what == "filters":
        from grenimja.interpret.filters import logo_png
        from grenimja.interpret.prosite import AA

        targets = None
        if a.motifs:
            from grenimja.interpret.meme import read_meme_protein

            targets = read_meme_protein(a.motifs)
        prot = run.protein_filter_motifs(b, a.top_filters, targets)
        prot["matches"].to_csv(out / "protein_filter_matches.csv", index=False)
        prot["table"].to_csv(out / "protein_motif_table.csv", index=False)
        dna = run.dna_filter_motifs(b)
        dna["top2"].to_csv(out / "dna_filter_top2.csv", index=False)
        for r in prot["matches"].head(5).itertuples():
            (out / f"logo_protein_filter{r.filter}.png").write_bytes(
                logo_png(prot["ppms"][r.filter], AA, f"filter {r.filter}: {r.prosite_id} (q={r.q_value:.2g})")
            )
        print(prot["table"].to_string(index=False))
        print(dna["top2"].to_string(index=False))
    elif a.what == "homology":
        counts = None
        if a.dataset:
            from grenimja.dataset import load_dataset

            ds = load_dataset(a.dataset)
            counts = ds.split(b.meta.get("split", "unknown"), "train").groupby("tf").size()
        res = run.homology_vs_training(b, a.k, train_pairs=counts)
        res["neighbours"].to_csv(out / "latent_neighbours_blast.csv", index=False)
        res["per_tf"].to_csv(out / "homologous_fraction_per_tf.csv", index=False)
        pt = res["per_tf"]
        for seen, g in pt.groupby("seen_in_training"):
            print(
                f"{'training' if seen else 'unseen'} TFs: {len(g)}, mean homologous fraction of {a.k} latent "
                f"neighbours {g['homologous_fraction'].mean():.3f} (random TFs: {g['background_fraction'].mean():.3f})"
            )
        if counts is not None and pt["seen_in_training"].sum() > 2:
            tr = pt[pt["seen_in_training"]]
            print(
                f"Spearman(training pairs, homologous fraction) = "
                f"{tr['training_pairs'].corr(tr['homologous_fraction'], method='spearman'):.3f}"
            )
    else:
        if not a.dataset:
            raise GrenimjaError("adjacency needs --dataset (baselines are fitted on its training part)")
        from grenimja.dataset import load_dataset

        ds = load_dataset(a.dataset)
        res = run.adjacency_models(
            ds, b.meta.get("split", "unknown"), b, b.emb, a.n_tfs, a.n_genes, baseline_pairs=a.baseline_pairs
        )
        rows = []
        for name, r in res.items():
            slug = name.lower().replace(" ", "_").replace("-", "_")
            r["matrix"].to_csv(out / f"adjacency_{slug}.csv")
            rows.append({"model": name, **r["contrast"]})
        import pandas as pd

        table = pd.DataFrame(rows)
        table.to_csv(out / "adjacency_contrast.csv", index=False)
        _adjacency_png(res, out / "adjacency.png")
        print(table.to_string(index=False, float_format="%.3f"))
    print(f"written to {out}")
    return 0


def _adjacency_png(res: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(res), figsize=(5 * len(res), 4.5))
    for ax, (name, r) in zip(axes, res.items(), strict=True):
        im = ax.imshow(r["matrix"].to_numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.axvline(r["n_cpg"] - 0.5, color="white", lw=2)
        c = r["contrast"]
        ax.set_title(f"{name}\nAUC CpG>other {c['auc_cpg_over_other']:.2f}", fontsize=9)
        ax.set_xlabel("genes: CpG-island promoters | others")
        ax.set_ylabel("held-out TFs (Ward)")
        ax.set_yticks([])
        ax.set_xticks([])
    fig.colorbar(im, ax=axes, shrink=0.8, label="P(regulates)")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="grenimja", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)

    data = sub.add_parser("data", help="dataset commands").add_subparsers(dest="sub", required=True)
    b = data.add_parser("build", help="build the dataset folder from the upstream files")
    _add_data_dir(b)
    b.add_argument("--out", required=True)
    b.add_argument(
        "--sources", default="dorothea,encode", help="comma list of dorothea,encode,collectri,trrust,chea3"
    )
    b.add_argument("--dorothea-levels", default="ABCD")
    b.add_argument("--protein", choices=["full", "dbd"], default="full")
    b.add_argument(
        "--promoters",
        choices=["epd300", "core60"],
        default="epd300",
        help="EPDnew promoters: 300 bp windows -249..+50 (default) or the 60 bp cores -49..+10",
    )
    b.add_argument(
        "--genome",
        default=None,
        help="genome FASTA to cut promoter windows from (hg38); overrides --promoters",
    )
    b.add_argument(
        "--negatives",
        choices=["paper", "degree-matched"],
        default="paper",
        help="training negatives: the paper's random non-targets per TF (default), or per positive a "
        "non-target of the same TF whose gene has the nearest number of regulators in the build",
    )
    b.add_argument("--upstream", type=int, default=1000)
    b.add_argument("--downstream", type=int, default=-1)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--max-identity", type=float, default=0.4)
    b.add_argument("--max-tfs", type=int, default=None)
    b.set_defaults(func=cmd_data_build)

    cat = data.add_parser(
        "catalogue",
        help="the compact catalogue the explorer reads without a data directory (TFs, promoters, known "
        "interactions, PROSITE), with SHA256SUMS and CATALOGUE.md",
    )
    _add_data_dir(cat)
    cat.add_argument("--out", default=str(Path(__file__).resolve().parent / "catalogue"))
    cat.set_defaults(func=cmd_data_catalogue)

    fe = data.add_parser(
        "fetch",
        help="download every upstream file of grenimja/data/manifest.tsv from its public repository "
        "(sha256-checked, resumable)",
    )
    fe.add_argument("--out", required=True, help="the data directory to fill (then pass it as --data-dir)")
    fe.set_defaults(func=cmd_data_fetch)

    emb = sub.add_parser("embed", help="k-mer embeddings").add_subparsers(dest="sub", required=True)
    e = emb.add_parser("train", help="train word2vec on all TF proteins and promoters")
    _add_data_dir(e)
    e.add_argument("--out", required=True)
    e.add_argument("--genome", default=None)
    e.add_argument("--epochs", type=int, default=10)
    e.add_argument("--min-count", type=int, default=1)
    e.add_argument("--with-dbd", action="store_true", help="also train on the DNA-binding-domain sequences")
    e.add_argument("--seed", type=int, default=0)
    e.set_defaults(func=cmd_embed_train)

    tu = sub.add_parser(
        "tune", help="Optuna TPE over network sizes and learning rate; study in SQLite, MDI importance"
    )
    tu.add_argument("--dataset", required=True)
    tu.add_argument("--embeddings", default=str(DEFAULT_MODEL_DIR / "embeddings.npz"))
    tu.add_argument("--split", choices=["known", "unknown", "homology"], default="unknown")
    tu.add_argument(
        "--study", default="results/tuning/study.db", help="SQLite file; an existing study continues"
    )
    tu.add_argument("--out", default="results/tuning", help="trials.csv, importance.*, summary.json")
    tu.add_argument("--trials", type=int, default=20, help="trials to run in this call")
    tu.add_argument("--epochs", type=int, default=1)
    tu.add_argument("--pairs-per-epoch", type=int, default=3000)
    tu.add_argument("--valid-pairs", type=int, default=2000)
    tu.add_argument("--seed", type=int, default=0)
    tu.add_argument("--threads", type=int, default=0)
    tu.set_defaults(func=cmd_tune)
    t = sub.add_parser("train", help="train GReNIMJA on one split")
    t.add_argument("--dataset", required=True)
    t.add_argument("--embeddings", default=str(DEFAULT_MODEL_DIR / "embeddings.npz"))
    t.add_argument("--onehot", action="store_true", help="one-hot residues instead of word2vec (ablation)")
    t.add_argument("--split", choices=["known", "unknown", "homology"], default="unknown")
    t.add_argument("--out", required=True)
    t.add_argument("--epochs", type=int, default=10)
    t.add_argument("--pairs-per-epoch", type=int, default=150_000)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--patience", type=int, default=3)
    t.add_argument("--valid-pairs", type=int, default=20_000, help="validation pairs scored after each epoch")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default="cpu", help="cpu or cuda; several processes: start it with torchrun")
    t.add_argument(
        "--bf16", action="store_true", help="bfloat16 autocast of the forward pass (GPU; slower on most CPUs)"
    )
    t.add_argument("--threads", type=int, default=0)
    t.add_argument(
        "--paper-sizes", action="store_true", help="paper's channel widths (GPU) instead of the CPU preset"
    )
    t.add_argument(
        "--loss",
        choices=["bce", "pairwise"],
        default="bce",
        help="bce: the paper's, on the build's labelled pairs; pairwise: each training positive against a "
        "degree-matched negative of the same TF, drawn every epoch, so gene popularity cannot lower it "
        "(never one of the TF's validation or test negatives, so also fair on the known split; "
        "results/validation/pairwise_probe.md)",
    )
    t.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    t.set_defaults(func=cmd_train)

    tr = sub.add_parser(
        "transfer",
        help="add the transfer term (targets of similar training TFs) to a model, chosen on validation; "
        "similar by sequence identity, and on the known split also by shared training targets (EASE)",
    )
    tr.add_argument("--model", required=True)
    tr.add_argument("--embeddings", default=str(DEFAULT_MODEL_DIR / "embeddings.npz"))
    tr.add_argument("--dataset", required=True, help="the build the model was trained on")
    tr.add_argument("--split", choices=["known", "unknown", "homology"], required=True)
    tr.add_argument("--out", required=True, help="model file to write (may be --model itself)")
    tr.add_argument(
        "--grid-out",
        default=None,
        help="CSV of the validation grid (candidate term x centre x power x weight)",
    )
    tr.add_argument(
        "--identity",
        choices=["both", "full"],
        default="both",
        help="align queries to the training TFs' full length only, or let alignment to their DNA-binding "
        "domains (proteins/Homo_DBD_1120.fa in the data directory) compete on validation (default)",
    )
    tr.add_argument(
        "--motifs",
        action="store_true",
        help="also the motif-transfer part: PWM hits on each gene's 300 bp window of the query's most "
        "identical other TF with a JASPAR matrix, its weight (0 included) chosen on validation",
    )
    tr.add_argument(
        "--shape",
        choices=["validation", "loto", "keep"],
        default="validation",
        help="choose the term's shape (alignment, power, smoothing, k-mer and motif factors) on the validation "
        "part with its weight (default), or on the training TFs each left out in turn, only the weight on "
        "validation ('loto'; unknown and homology splits, where validation holds 14-16 TFs with 5 positives), "
        "or keep the term the model file carries and choose on validation only one factor on all its weights "
        "('keep': after the network was retrained)",
    )
    tr.add_argument(
        "--own-kmers",
        action="store_true",
        help="last, the own-target k-mer part: a query that is a training TF scores each gene's 300 bp window "
        "with the k-mers of its own training targets' windows; k and weight (0 included) chosen on validation "
        "(only the known split's validation TFs are training TFs)",
    )
    tr.add_argument(
        "--popularity",
        action="store_true",
        help="last, in any shape, a gene bias on the standardised gene degree, its weight (0 included; negative "
        "takes popularity out of each TF's ranking) chosen on validation by the same criterion",
    )
    _add_data_dir(tr)
    tr.set_defaults(func=cmd_transfer)

    cp = sub.add_parser(
        "compare",
        help="two model files on one split part, both protocols, each difference with a 95%% interval from "
        "resampling TFs (the criterion included): how sure an adoption is",
    )
    cp.add_argument("--model", required=True, help="the incumbent (a)")
    cp.add_argument("--against", required=True, help="the candidate (b)")
    cp.add_argument("--embeddings", default=str(DEFAULT_MODEL_DIR / "embeddings.npz"))
    cp.add_argument("--dataset", required=True)
    cp.add_argument("--split", choices=["known", "unknown", "homology"], required=True)
    cp.add_argument("--part", default="valid", choices=["valid", "test"])
    cp.add_argument("--n-boot", type=int, default=1000)
    cp.add_argument("--seed", type=int, default=0)
    cp.add_argument("--out", help="CSV of the table")
    cp.set_defaults(func=cmd_compare)

    ev = sub.add_parser("evaluate", help="metrics, ROC/PR curves on a split part")
    ev.add_argument("--model", required=True)
    ev.add_argument("--embeddings", default=str(DEFAULT_MODEL_DIR / "embeddings.npz"))
    ev.add_argument("--dataset", required=True)
    ev.add_argument("--split", choices=["known", "unknown", "homology"], required=True)
    ev.add_argument("--part", default="test")
    ev.add_argument("--out", required=True)
    _add_negatives(ev, allow_both=False)
    ev.add_argument(
        "--specificity",
        action="store_true",
        help="also the TF / gene / interaction shares of the logits over the part's TFs x all genes",
    )
    ev.add_argument(
        "--specificity-genes",
        type=int,
        default=None,
        help="with --specificity: that many seeded random genes instead of all (many test TFs x all genes is slow)",
    )
    ev.add_argument("--device", default="cpu", help="where the network runs: cpu or cuda")
    ev.add_argument(
        "--bf16", action="store_true", help="bfloat16 autocast (GPU; far slower on CPUs without bf16 units)"
    )
    ev.set_defaults(func=cmd_evaluate)

    pr = sub.add_parser("predict", help="probability for every TF x promoter pair of two FASTA files")
    pr.add_argument("--tf", required=True, help="protein FASTA")
    pr.add_argument("--promoters", required=True, help="promoter DNA FASTA")
    pr.add_argument("--model", default="unknown", help="bundled model name (known/unknown)")
    pr.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR))
    pr.add_argument("--out", default=None)
    pr.add_argument(
        "--windows",
        choices=["end", "max", "all"],
        default="end",
        help="a promoter longer than the model's window: read its last bases (end), or slide the window along "
        "it and keep the best window per pair (max) or every window (all)",
    )
    pr.add_argument("--step", type=int, default=50, help="bp between slid windows")
    _add_data_dir(pr)
    pr.set_defaults(func=cmd_predict)

    sc = sub.add_parser("scan", help="one TF against every bundled promoter, ranked")
    sc.add_argument("--tf", required=True, help="protein FASTA with one record")
    sc.add_argument("--model", default="unknown")
    sc.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR))
    sc.add_argument("--top", type=int, default=100)
    sc.add_argument(
        "--by",
        choices=["probability", "tf_specificity"],
        default="probability",
        help="rank by the probability or by the TF-specificity (logit minus the gene's mean over a panel of "
        "training TFs; needs 'grenimja reference')",
    )
    sc.add_argument("--out", default=None)
    _add_data_dir(sc)
    sc.set_defaults(func=cmd_scan)
    rf = sub.add_parser(
        "reference",
        help="store a model's gene reference (mean logit per catalogue promoter over training TFs) for "
        "the TF-specificity column, with the panel TFs' alignments to the training TFs (so an uploaded "
        "promoter's panel scores need no alignment)",
    )
    _add_data_dir(rf)
    rf.add_argument("--model", default="unknown")
    rf.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR))
    rf.add_argument("--n-tfs", type=int, default=40, help="training TFs in the reference panel")
    rf.add_argument("--seed", type=int, default=0)
    rf.set_defaults(func=cmd_reference)
    bm = sub.add_parser(
        "benchmark", help="GReNIMJA and every baseline on a split's test set -> results tables"
    )
    bm.add_argument("--dataset", required=True)
    bm.add_argument("--split", choices=["known", "unknown", "homology"], required=True)
    bm.add_argument("--model", default=None, help="GReNIMJA model file for its row (optional)")
    bm.add_argument("--embeddings", default=str(DEFAULT_MODEL_DIR / "embeddings.npz"))
    bm.add_argument("--out", default="results")
    bm.add_argument(
        "--quick", action="store_true", help="smaller baseline training sets (tests, a first look)"
    )
    bm.add_argument(
        "--baselines",
        default=None,
        help="comma list of baselines to run (default all that can score the split): "
        "prior,selective-prior,literature-prior,homolog,lr,svm,xgb,pwmscan,motif-transfer,lmf,ease,ease-genes,"
        "deepram,tbinet,cacpred",
    )
    bm.add_argument(
        "--append",
        action="store_true",
        help="merge this run's rows into the tables already in --out (a model's old rows are replaced) "
        "instead of writing new ones: add a baseline without rerunning the others",
    )
    _add_negatives(bm, allow_both=True)
    bm.set_defaults(func=cmd_benchmark)
    it = sub.add_parser("interpret", help="the paper's analyses: filter motifs, adjacency, homology")
    it.add_argument("what", choices=["filters", "adjacency", "homology", "robustness"])
    _add_data_dir(it)
    it.add_argument("--model", default="unknown")
    it.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR))
    it.add_argument("--out", default="results/interpret")
    it.add_argument("--top-filters", type=int, default=None, help="filters: only the N most active filters")
    it.add_argument(
        "--motifs", default=None, help="filters: a MEME-format protein motif file instead of PROSITE"
    )
    it.add_argument(
        "--dataset", default=None, help="homology / robustness: dataset folder, for training pairs per TF"
    )
    it.add_argument(
        "--split", choices=["known", "unknown", "homology"], default=None, help="robustness: whose test TFs"
    )
    it.add_argument("--k", type=int, default=5, help="homology: latent neighbours per TF")
    it.add_argument("--n-tfs", type=int, default=40, help="adjacency: held-out TFs")
    it.add_argument("--n-genes", type=int, default=200, help="adjacency: genes, half CpG promoters")
    it.add_argument(
        "--baseline-pairs",
        type=int,
        default=100_000,
        help="adjacency: XGBoost is fitted on at most this many seeded-random training pairs",
    )
    it.set_defaults(func=cmd_interpret)
    nw = sub.add_parser(
        "network", help="score TFs x every catalogue promoter into one Parquet file (chunked, resumable)"
    )
    nw.add_argument("--tfs", default="all", help="'all' catalogue TFs or a comma list of TF symbols")
    nw.add_argument("--out", required=True, help="Parquet file; OUT.parts/ holds the chunks until all exist")
    nw.add_argument("--chunk-tfs", type=int, default=16, help="TFs per part file")
    nw.add_argument("--model", default="unknown")
    nw.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR))
    _add_data_dir(nw)
    nw.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="local: this process; dask: each chunk a Dask task (pip install 'grenimja[dask]')",
    )
    nw.add_argument("--dask-scheduler", default=None, help="address of a dask.distributed scheduler")
    nw.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the 2D LSTM and head first (~30 s per process, needs a C compiler; ~1.4x faster "
        "per TF on 2 cores)",
    )
    nw.set_defaults(func=cmd_network)
    rp = sub.add_parser(
        "report",
        help="regenerate the model card, results README, paper-vs-here table and figures from measured outputs",
    )
    rp.add_argument("--out", default="results", help="results folder: read, and written to")
    rp.add_argument("--models", default=str(DEFAULT_MODEL_DIR), help="model folder; MODEL_CARD.md goes here")
    rp.add_argument("--datasets", default="datasets", help="folder of the dataset builds the models name")
    rp.set_defaults(func=cmd_report)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GrenimjaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
