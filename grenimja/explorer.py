"""What the app and the ``predict`` / ``scan`` commands do: load a bundled model, score user FASTA.

The catalogue of TFs and promoters comes from the upstream data directory (never from the repository);
without it, uploaded sequences can still be scored but genes cannot be picked by name.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from grenimja.data.sequences import PROMOTER_KINDS, PROMOTER_WINDOWS
from grenimja.embedding import Embeddings
from grenimja.errors import DataFileError, GrenimjaError, ModelFileError
from grenimja.fasta import Record, validate_records
from grenimja.homology import identity_to
from grenimja.metrics import MIN_POSITIVES
from grenimja.model.io import load_model
from grenimja.model.network import GReNIMJA
from grenimja.predict import (
    calibrated,
    compiled_head,
    encode_all,
    pair_logits,
    promoter_tokens,
    protein_tokens,
    scan_tf,
    sigmoid,
)
from grenimja.reference import POPULAR_SHARE

MODEL_DIR = Path(__file__).resolve().parents[1] / "models"


@dataclass
class Catalogue:
    """TF proteins and promoters by symbol, read from the data directory."""

    tfs: pd.DataFrame  # tf, protein
    genes: pd.DataFrame  # gene, promoter, chrom, tss, strand, cpg


@dataclass
class Bundle:
    """A loaded model with its embeddings, metadata and (optional) catalogue."""

    name: str
    model: GReNIMJA
    emb: Embeddings
    meta: dict
    catalogue: Catalogue | None
    catalogue_error: str | None = None
    _gene_cache: torch.Tensor | None = field(default=None, repr=False)
    # what the genome scan runs the 2D LSTM and head with; None = model.head (see compile_scan)
    scan_head: Callable | None = field(default=None, repr=False)
    # one bundle serves every session of the app: the first scan and warm_up must not encode twice
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def training_tfs(self) -> list[str]:
        return list(self.meta.get("training_tfs", []))

    @property
    def promoters(self) -> str:
        """Promoter kind the model was trained on (see :func:`promoter_kind`)."""
        return promoter_kind(self.meta, self.model.cfg.promoter_len)

    @property
    def promoter_window(self) -> str:
        """The model's promoter window around the TSS in words, e.g. ``"-249..+50"``."""
        up, down = PROMOTER_WINDOWS.get(self.promoters, (self.model.cfg.promoter_len, -1))
        return f"-{up}..{down:+d}"

    @property
    def min_promoter_bp(self) -> int:
        c = self.model.cfg
        return c.dna_k + c.dna_kernel - 1

    @property
    def reference(self) -> pd.DataFrame | None:
        """The model's stored gene reference (see :mod:`grenimja.reference`): index gene, columns
        ``mean_logit``, ``top_share``; None for a model file without one."""
        ref = self.meta.get("gene_reference")
        if not ref:
            return None
        return pd.DataFrame(
            {"mean_logit": ref["mean_logit"], "top_share": ref["top_share"]},
            index=pd.Index(ref["genes"], name="gene"),
        )

    def panel_proteins(self) -> dict[str, str]:
        """Reference panel TF -> protein (from the catalogue); empty without a reference or catalogue."""
        ref = self.meta.get("gene_reference")
        if not ref or self.catalogue is None:
            return {}
        seq = self.catalogue.tfs.set_index("tf")["protein"]
        return {t: seq[t] for t in ref["panel"] if t in seq.index}

    def gene_cache(self) -> torch.Tensor:
        """Encoded catalogue promoters (M, Td, 5H), computed once per bundle (a caller waits for another's)."""
        with self._lock:
            if self._gene_cache is None:
                tok = promoter_tokens(self.model, self.emb, self.catalogue.genes["promoter"].tolist())
                self._gene_cache = encode_all(self.model.encode_gene, tok, batch=2048)
            return self._gene_cache

    def warm_up(self) -> None:
        """Compute what the first genome scan would otherwise compute: the transfer term's (smoothed) training
        targets (~0.6 s) and the encoded promoters (~1.4 s on 2 cores). The app runs this in a background
        thread once a model is loaded, so a scan started later finds them ready."""
        if self.catalogue is None:
            return
        if self.model.transfer is not None:
            self.model.transfer.targets()
        self.gene_cache()

    def compile_scan(self) -> None:
        """Scan with a ``torch.compile``'d head from now on (:func:`grenimja.predict.compiled_head`): the first
        scan compiles (~30 s), later ones run ~1.4x faster. For long jobs (a whole network), not the app."""
        self.scan_head = compiled_head(self.model)


def promoter_kind(meta: dict, promoter_len: int) -> str:
    """``"epd300"`` or ``"core60"``: from the model's training metadata, else from its promoter length."""
    kind = meta.get("promoters")
    if kind in PROMOTER_KINDS:
        return kind
    return "core60" if promoter_len <= 60 else "epd300"


def load_catalogue(data_dir=None, promoters: str = "epd300", packaged: bool = True) -> Catalogue:
    """Catalogue TFs (full-length proteins) and primary promoters of kind ``promoters`` with CpG flags.

    Without ``data_dir`` (and with ``packaged``) they come from the catalogue shipped in the package
    (:mod:`grenimja.data.catalogue`) where it is there, else from the data directory.
    """
    from grenimja.data.catalogue import PROMOTER_FILES, packaged_file, read_packaged

    if data_dir is None and packaged and packaged_file(PROMOTER_FILES[promoters]) is not None:
        return Catalogue(
            read_packaged("tfs.parquet")[["tf", "protein"]], read_packaged(PROMOTER_FILES[promoters])
        )
    from grenimja.data.build import BuildConfig, cpg_window
    from grenimja.data.cpg import cpg_flags, read_cpg_islands
    from grenimja.data.names import load_mapper
    from grenimja.data.sequences import read_promoters, read_tf_proteins

    mapper = load_mapper(data_dir)
    tfs, _ = read_tf_proteins("full", mapper, data_dir)
    genes, _ = read_promoters(mapper, data_dir, kind=promoters)
    up, down = cpg_window(BuildConfig(promoters=promoters))
    genes["cpg"] = cpg_flags(genes, read_cpg_islands(data_dir), up, down).astype(int)
    return Catalogue(tfs, genes)


def available_models(model_dir: str | Path = MODEL_DIR) -> list[str]:
    return sorted(p.stem for p in Path(model_dir).glob("*.pt"))


def load_bundle(
    model_dir: str | Path = MODEL_DIR, name: str = "unknown", data_dir=None, with_catalogue: bool = True
) -> Bundle:
    """Load ``MODEL_DIR/NAME.pt`` with ``MODEL_DIR/embeddings.npz`` and the catalogue (when readable)."""
    model_dir = Path(model_dir)
    emb = Embeddings.load(model_dir / "embeddings.npz")
    model, meta = load_model(model_dir / f"{name}.pt", emb)
    cat, err = None, None
    if with_catalogue:
        try:
            cat = load_catalogue(data_dir, promoter_kind(meta, model.cfg.promoter_len))
        except DataFileError as exc:
            err = str(exc)
    b = Bundle(name, model, emb, meta, cat, err)
    _remember_panel_identities(b, str(model_dir / f"{name}.pt"))
    return b


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _remember_panel_identities(bundle: Bundle, source: str) -> None:
    """Give the transfer term the reference panel's stored alignments (see :func:`add_gene_reference`),
    for each panel TF whose catalogue protein is the one they were computed for."""
    stored = (bundle.meta.get("gene_reference") or {}).get("panel_identity")
    term = bundle.model.transfer
    if not stored or term is None or bundle.catalogue is None:
        return
    ref = bundle.meta["gene_reference"]
    ident = np.asarray(stored["identity"], dtype=np.float32)
    if ident.ndim != 2 or not len(ident) == len(stored["sha256"]) == len(ref["panel"]):
        raise ModelFileError(
            f"{source}: the reference panel's identities do not match its {len(ref['panel'])} TFs"
        )
    seq = bundle.catalogue.tfs.set_index("tf")["protein"]
    keep = [
        k
        for k, (t, h) in enumerate(zip(ref["panel"], stored["sha256"], strict=True))
        if t in seq.index and _sha256(seq[t]) == h
    ]
    term.remember_identities([seq[ref["panel"][k]] for k in keep], ident[keep], source)


def nearest_training_tf(bundle: Bundle, protein: str) -> tuple[str | None, float]:
    """Most identical training TF (Smith-Waterman identity over the shorter length) and its identity."""
    if bundle.catalogue is None or not bundle.training_tfs:
        return None, float("nan")
    train = bundle.catalogue.tfs[bundle.catalogue.tfs["tf"].isin(set(bundle.training_tfs))]
    if train.empty:
        return None, float("nan")
    exact = train.index[train["protein"] == protein]
    if len(exact):
        return str(train.loc[exact[0], "tf"]), 1.0
    ident = identity_to(protein, train["protein"].tolist())
    k = int(np.argmax(ident))
    return str(train["tf"].iloc[k]), float(ident[k])


def tf_status(bundle: Bundle, name: str, protein: str) -> dict:
    """known (a training TF: same name or identical sequence) or novel, with the nearest training TF."""
    near, ident = nearest_training_tf(bundle, protein)
    known = name.upper() in set(bundle.training_tfs) or ident == 1.0
    return {
        "tf_status": "known TF" if known else "novel TF",
        "nearest_training_tf": near,
        "identity_to_nearest": round(ident, 3) if ident == ident else None,
    }


SPECIFICITY_HELP = (
    "TF-specificity = the pair's logit minus the promoter's mean logit over a fixed panel of the model's "
    "training TFs. Near 0: the model scores this gene alike for any TF (gene popularity); positive: this TF "
    "is predicted to regulate it more than a typical TF."
)

TRANSFER_HELP = (
    "Scores of catalogue genes include the model's homology-transfer term: the share of this protein's most "
    "identical training TFs that regulate the gene (identity-weighted). It is what makes the ranking depend on "
    "the TF."
)
NETWORK_ALONE_HELP = "An uploaded promoter that is not a catalogue gene is scored by the network alone."
SMOOTH_HELP = (
    "The training targets in that term are smoothed: each training TF's target list is blended with the genes "
    "regulated by the TFs that share its targets (EASE ridge regression), so for a TF the model was trained "
    "on, genes like its known targets rank high even where no source links them to it yet."
)
TARGETS_HELP = (
    "Scores of catalogue genes include the model's target-transfer term. For a TF this model was trained on "
    "(same protein), it predicts the gene from the training TFs whose targets overlap this TF's training "
    "targets (ridge regression over TFs, EASE); for any other protein, from its most identical training TFs. "
    "It is what makes the ranking depend on the TF."
)
MOTIFS_HELP = (
    "Catalogue genes also get the term's motif-transfer part: how strongly the gene's 300 bp promoter window "
    "matches the JASPAR motifs of the TFs most identical to this protein (never its own; the closer, the more "
    "they count), as -log10 p among random promoters. An uploaded promoter that is not a catalogue gene does "
    "not get this part."
)
KMERS_HELP = (
    "Every promoter, a catalogue gene's or an uploaded one, also gets the term's promoter k-mer part: how much "
    "its 6-mer make-up resembles that of the promoters of the targets of the training TFs the term draws on "
    "(the same TFs, with the same weights, as above), beyond what the promoters of popular genes share. An "
    "uploaded promoter that is not a catalogue gene gets this part and the network's score only."
)
OWN_KMERS_HELP = (
    "For a TF this model was trained on (same protein), catalogue genes also get the own-target k-mer part: "
    "how much the gene's 300 bp promoter window resembles, in its short-word (k-mer) make-up, the windows of "
    "this TF's own training targets, beyond what popular genes' windows share. Other proteins and uploaded "
    "promoters do not get it."
)

LIFT_HELP = (
    "The term is a lift: how many times more this protein's closest training TFs regulate the gene than they "
    "regulate an average gene (on a log scale), so TFs whose homologs have short target lists are on the same "
    "scale as TFs whose homologs have long ones."
)


def calibration_note(bundle: Bundle) -> str | None:
    """How to read a probability of this model, with its validation precision at 0.5; None without a
    calibration record."""
    cal = bundle.meta.get("calibration")
    if not cal or bundle.model.calibration is None:
        return None
    text = (
        "How to read the probability: it is calibrated (Platt scaling) on held-out validation pairs with one non-target "
        "gene per known target, so p = 0.7 means about 70% of such pairs were known interactions. Among all "
        "genes, where targets are far rarer, the same p means less: read it as a ranking."
    )
    prec, rec = cal.get("valid_precision_at_0.5"), cal.get("valid_recall_at_0.5")
    if prec is not None and rec is not None:
        text += (
            f" At p >= 0.5 the model's validation precision is {prec:.0%} and its recall {rec:.0%} "
            f"({cal.get('valid_pairs', 0):,} held-out validation pairs)."
        )
    return text


POPULARITY_WARN = 0.9


def popularity_spearman(bundle: Bundle, scan: pd.DataFrame) -> float:
    """Spearman correlation between a scan's logits and the genes' mean logit over the reference panel.

    The panel mean is the model's own popularity ranking (what it gives any TF); near 1 means this TF's
    ranking is mostly that ranking. NaN without a stored gene reference.
    """
    ref = bundle.reference
    if ref is None:
        return float("nan")
    mean = ref["mean_logit"].reindex(scan["gene"]).to_numpy()
    ok = ~np.isnan(mean)
    # Pearson of average ranks is Spearman; pandas' method="spearman" imports scipy.stats (1.5 s on the
    # app's first scan)
    a, b = pd.Series(scan["logit"].to_numpy()[ok]).rank(), pd.Series(mean[ok]).rank()
    return float(np.corrcoef(a.to_numpy(), b.to_numpy())[0, 1])


def format_p(p: float) -> str:
    """A p-value for people: "p = 3.2e-05", and "p < 1e-300" where it underflowed to 0 (never "p = 0")."""
    if p != p:
        return "p not computed"
    if p <= 0:
        return "p < 1e-300"
    return f"p = {p:.2g}" if p >= 1e-3 else f"p = {p:.1e}"


def model_notes(bundle: Bundle) -> list[str]:
    """One-sentence notes on how this model scores (shown under Predict and Genome scan results)."""
    term = bundle.model.transfer
    notes = [] if term is None else [TARGETS_HELP if term.similarity == "targets" else TRANSFER_HELP]
    if term is not None and term.smooth > 0:
        notes.append(SMOOTH_HELP)
    if term is not None and term.lift:
        notes.append(LIFT_HELP)
    if term is not None:
        notes.append(KMERS_HELP if term.kmers is not None and term.kmer_weight else NETWORK_ALONE_HELP)
    if term is not None and term.motifs is not None and term.motif_weight:
        notes.append(MOTIFS_HELP)
    if term is not None and term.own is not None and term.own_weight:
        notes.append(OWN_KMERS_HELP)
    cal = calibration_note(bundle)
    return notes + ([cal] if cal else [])


def catalogue_genes(bundle: Bundle, promoters: list[Record]) -> list[str | None]:
    """The catalogue gene of each promoter record: its name where the catalogue holds that gene with this
    very sequence, else None (an uploaded or edited promoter gets no gene-level term)."""
    if bundle.catalogue is None:
        return [None] * len(promoters)
    known = bundle.catalogue.genes.set_index("gene")["promoter"]
    return [r.name if r.name in known.index and known[r.name] == r.seq else None for r in promoters]


def score_records(bundle: Bundle, tfs: list[Record], promoters: list[Record]) -> pd.DataFrame:
    """Probability for every TF x promoter pair, with its TF-specificity and the TF's known / novel status.

    ``tf_specificity`` (see :data:`SPECIFICITY_HELP`) is NaN when the model file has no reference panel
    or the catalogue (the panel's proteins) is unavailable.
    """
    proteins, seqs = [r.seq for r in tfs], [r.seq for r in promoters]
    genes = catalogue_genes(bundle, promoters)
    ti, gi = np.meshgrid(np.arange(len(tfs)), np.arange(len(promoters)), indexing="ij")
    z = pair_logits(bundle.model, bundle.emb, proteins, seqs, genes, ti.ravel(), gi.ravel())
    p = sigmoid(z)
    panel = bundle.panel_proteins()
    if panel:
        from grenimja.reference import panel_logits

        # catalogue genes have their panel mean stored in the model file; only the others are scored
        ref = bundle.reference
        mean = (
            np.full(len(genes), np.nan)
            if ref is None
            else np.array(ref["mean_logit"].reindex(genes), dtype=np.float64)  # a copy: filled in below
        )
        todo = np.flatnonzero(np.isnan(mean)).tolist()
        if todo:
            z_panel = panel_logits(
                bundle.model,
                bundle.emb,
                list(panel.values()),
                [seqs[i] for i in todo],
                [genes[i] for i in todo],
            )
            mean[todo] = z_panel.mean(axis=0)
        spec = z - mean[gi.ravel()]
    else:
        spec = np.full(len(z), np.nan)
    status = {r.name: tf_status(bundle, r.name, r.seq) for r in tfs}
    prior = gene_degree_prior(bundle, genes)
    rows = []
    for k, (a, b) in enumerate(zip(ti.ravel(), gi.ravel(), strict=True)):
        t, g = tfs[a], promoters[b]
        rows.append(
            {
                "tf": t.name,
                "gene": g.name,
                "probability": float(p[k]),
                "tf_specificity": float(spec[k]),
                "gene_degree_prior": float(prior[b]),
                **status[t.name],
                "tf_length_aa": len(t.seq),
                "promoter_bp": len(g.seq),
            }
        )
    return pd.DataFrame(rows).sort_values("probability", ascending=False, ignore_index=True)


def length_notes(bundle: Bundle, tfs: list[Record], promoters: list[Record]) -> list[str]:
    """Notes on sequences the model pads or cuts (it sees a fixed window)."""
    cfg = bundle.model.cfg
    notes = []
    for r in tfs:
        if len(r.seq) > cfg.protein_len:
            notes.append(f"TF '{r.name}': {len(r.seq)} aa, the model reads the first {cfg.protein_len} aa")
    for r in promoters:
        if len(r.seq) != cfg.promoter_len:
            how = "reads the last" if len(r.seq) > cfg.promoter_len else "pads to"
            notes.append(
                f"promoter '{r.name}': {len(r.seq)} bp, the model {how} {cfg.promoter_len} bp "
                f"(its window is {bundle.promoter_window} around the TSS; the last bases are kept)"
            )
    return notes


WINDOW_MODES = ("end", "max", "all")


def promoter_windows(promoters: list[Record], length: int, step: int) -> tuple[list[Record], pd.DataFrame]:
    """Windows of ``length`` bp every ``step`` bp along each promoter longer than ``length``; the last
    window always ends at the sequence's end (the model's own window), so no base is left unread.

    Returns the window records (named as their promoter) and a frame (record, window_start, window_end:
    1-based, inclusive positions in the promoter as given) aligned with them. A promoter no longer than
    ``length`` is one window, itself.
    """
    if step < 1:
        raise ValueError(f"window step must be >= 1 bp, got {step}")
    recs, rows = [], []
    for i, r in enumerate(promoters):
        n = len(r.seq)
        starts = [0] if n <= length else sorted(set(range(0, n - length + 1, step)) | {n - length})
        for s0 in starts:
            end = min(s0 + length, n)
            recs.append(Record(r.name, r.seq[s0:end], r.note))
            rows.append({"record": i, "window_start": s0 + 1, "window_end": end})
    return recs, pd.DataFrame(rows)


def predict_fasta(
    bundle: Bundle,
    tf_text: str,
    promoter_text: str,
    windows: str = "end",
    step: int = 50,
    labels: tuple[str, str] = ("TF FASTA", "promoter FASTA"),
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Score FASTA texts; returns (table, problems, notes). Bad records are reported and skipped.

    ``windows`` says how a promoter longer than the model's window is read: ``"end"`` its last
    ``promoter_len`` bp (the model's window ends there, as the EPDnew windows do); ``"all"`` every window
    of that length, ``step`` bp apart, one row each; ``"max"`` the same windows, keeping per TF and
    promoter the one with the highest probability. Both add window_start / window_end columns.
    ``labels`` name the two inputs in problems (e.g. their file names).
    """
    if windows not in WINDOW_MODES:
        raise ValueError(f"windows must be one of {WINDOW_MODES}, not {windows!r}")
    tfs, p1 = validate_records(tf_text, "protein", labels[0])
    proms, p2 = validate_records(promoter_text, "dna", labels[1], min_len=bundle.min_promoter_bp)
    problems = p1 + p2
    notes = [r.note for r in tfs + proms if r.note]
    if windows == "end":
        notes += length_notes(bundle, tfs, proms)
    if not tfs or not proms:
        return pd.DataFrame(), problems, notes
    if windows == "end":
        return score_records(bundle, tfs, proms), problems, notes
    length = bundle.model.cfg.promoter_len
    wins, pos = promoter_windows(proms, length, step)
    notes += length_notes(bundle, tfs, [])
    n_long = sum(len(r.seq) > length for r in proms)
    if n_long:
        notes.append(
            f"{n_long} promoter(s) longer than the model's {length} bp window are read as {len(wins) - len(proms) + n_long} "
            f"windows of {length} bp, {step} bp apart (the last one ends at the sequence's end); "
            + (
                "every window is a row"
                if windows == "all"
                else "each row shows the window with the highest probability"
            )
        )
    # each window gets a unique name to find its row again; a promoter read whole keeps its own name, so a
    # catalogue promoter keeps its gene-level term
    whole = {i for i, r in enumerate(proms) if len(r.seq) <= length}
    counts = pd.Series([r.name for r in proms]).value_counts()
    names = [
        wins[k].name
        if pos["record"].iat[k] in whole and counts[wins[k].name] == 1
        else f"{wins[k].name}\t{k}"
        for k in range(len(wins))
    ]
    row_of = {n: k for k, n in enumerate(names)}
    table = score_records(bundle, tfs, [Record(n, w.seq, w.note) for n, w in zip(names, wins, strict=True)])
    k = table["gene"].map(row_of).to_numpy()
    table["gene"] = [wins[i].name for i in k]
    table["window_start"] = pos["window_start"].to_numpy()[k]
    table["window_end"] = pos["window_end"].to_numpy()[k]
    table["promoter_bp"] = [len(proms[i].seq) for i in pos["record"].to_numpy()[k]]
    if windows == "max":
        table = table.assign(_rec=pos["record"].to_numpy()[k])
        best = table.groupby(["tf", "_rec"], sort=False)["probability"].idxmax()
        table = table.loc[best].drop(columns="_rec")
    return table.sort_values("probability", ascending=False, ignore_index=True), problems, notes


def catalogue_records(
    bundle: Bundle, tfs: list[str] = (), genes: list[str] = ()
) -> tuple[list[Record], list[Record]]:
    """Records of catalogue TFs / genes picked by symbol."""
    if bundle.catalogue is None:
        raise GrenimjaError(f"the TF / promoter catalogue is not available: {bundle.catalogue_error}")
    c = bundle.catalogue
    t = c.tfs.set_index("tf")["protein"]
    g = c.genes.set_index("gene")["promoter"]
    return [Record(n, t[n]) for n in tfs], [Record(n, g[n]) for n in genes]


def scan_sequence(bundle: Bundle, protein: str, progress=None, by: str = "probability") -> pd.DataFrame:
    """One protein against every catalogue promoter, ranked by ``by`` ("probability" or "tf_specificity").

    Columns: rank, gene, probability, logit, tf_specificity (NaN without a stored gene reference),
    popular_gene (ranked in the top 5% by >= 90% of the reference panel's TFs), cpg_promoter.
    """
    if by not in ("probability", "tf_specificity"):
        raise ValueError(f"rank by 'probability' or 'tf_specificity', not {by!r}")
    if bundle.catalogue is None:
        raise GrenimjaError(f"genome scan needs the promoter catalogue: {bundle.catalogue_error}")
    tok = protein_tokens(bundle.model, bundle.emb, [protein])
    cache = bundle.gene_cache()
    z = scan_tf(bundle.model, tok, cache, progress=progress, logits=True, head=bundle.scan_head).astype(
        np.float64
    )
    g = bundle.catalogue.genes
    if bundle.model.transfer is not None:
        z = z + bundle.model.transfer.logits([protein], g["gene"].tolist(), g["promoter"].tolist())[0]
    z = calibrated(bundle.model, z).astype(np.float64)
    out = pd.DataFrame({"gene": g["gene"], "probability": sigmoid(z), "logit": z})
    out["gene_degree_prior"] = gene_degree_prior(bundle, g["gene"].tolist())
    ref = bundle.reference
    if ref is not None:
        r = ref.reindex(g["gene"])
        out["tf_specificity"] = z - r["mean_logit"].to_numpy()
        out["popular_gene"] = (r["top_share"] >= POPULAR_SHARE).to_numpy()
    else:
        out["tf_specificity"] = np.nan
        out["popular_gene"] = False
    out["cpg_promoter"] = g["cpg"].astype(bool).to_numpy()
    out = out.sort_values(by, ascending=False, ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def scan_protein(bundle: Bundle, fasta_text: str, progress=None, by: str = "probability") -> pd.DataFrame:
    """Scan the first valid record of a protein FASTA (see :func:`scan_sequence`)."""
    recs, problems = validate_records(fasta_text, "protein", "TF FASTA")
    if not recs:
        raise GrenimjaError("; ".join(problems) or "no valid protein record")
    return scan_sequence(bundle, recs[0].seq, progress, by)


def add_gene_reference(model_path: str | Path, bundle: Bundle, n_tfs: int = 40, seed: int = 0) -> dict:
    """Compute the gene reference of ``bundle`` over its catalogue and store it in the model file.

    The panel is ``n_tfs`` seeded training TFs of the model (see :mod:`grenimja.reference`); the file is
    rewritten atomically with ``meta["gene_reference"]`` added. Returns the reference.
    """
    from tqdm.auto import tqdm

    from grenimja.model.io import _atomic_save, load_payload
    from grenimja.reference import gene_reference, pick_panel

    if bundle.catalogue is None:
        raise GrenimjaError(f"the gene reference needs the catalogue: {bundle.catalogue_error}")
    tfs = bundle.catalogue.tfs.set_index("tf")["protein"]
    panel = pick_panel(bundle.training_tfs, set(tfs.index), n_tfs, seed)
    if len(panel) < 2:
        raise GrenimjaError(f"{model_path}: fewer than 2 training TFs with a protein in the catalogue")
    genes = bundle.catalogue.genes.set_index("gene")["promoter"]
    with tqdm(total=1.0, desc=f"reference panel of {len(panel)} TFs", unit_scale=True) as bar:

        def step(f: float) -> None:
            bar.update(f - bar.n)

        ref = gene_reference(bundle.model, bundle.emb, {t: tfs[t] for t in panel}, genes.to_dict(), step)
    term = bundle.model.transfer
    if term is not None:
        # the panel's alignments to the training TFs, which every uploaded promoter's panel scoring needs
        # (~2.5 s for 40 TFs): computed once here instead of on each server's first Predict
        seqs = [tfs[t] for t in panel]
        ref["panel_identity"] = {
            "sha256": [_sha256(s) for s in seqs],
            "identity": term.identities(seqs).tolist(),
        }
    payload = load_payload(model_path)
    payload["meta"]["gene_reference"] = ref
    _atomic_save(payload, Path(model_path))
    bundle.meta["gene_reference"] = ref
    return ref


def precision_at_k(ranked_genes: list[str], known: set[str], ks=(10, 50, 100, 500, 1000)) -> pd.DataFrame:
    """Fraction of the top-k ranked genes that are known targets, and the background rate."""
    hits = np.array([g in known for g in ranked_genes])
    base = hits.mean() if len(hits) else float("nan")
    rows = [
        {
            "k": k,
            "known_targets_in_top_k": int(hits[:k].sum()),
            "precision": float(hits[:k].mean()),
            "background_rate": float(base),
        }
        for k in ks
        if k <= len(hits)
    ]
    return pd.DataFrame(rows)


PRIOR_HELP = (
    "gene-degree prior: the share of the model's training TFs that regulate the gene, what a score that ignores "
    "the TF gives it. A probability that merely follows it says the gene is popular, not that this TF "
    "regulates it."
)


def gene_degree_prior(bundle: Bundle, genes: list[str | None]) -> np.ndarray:
    """Share (0..1) of the model's training TFs regulating each gene, from the training targets the model
    file carries (its homology-transfer term); NaN for a gene it does not hold, or without the term."""
    term = bundle.model.transfer
    return np.full(len(genes), np.nan) if term is None else term.gene_degree(genes)


KNOWN_HELP = (
    "known interaction: the regulatory databases that link this TF to this gene (DoRothEA with its confidence "
    "level A-E, CollecTRI, TRRUST, ENCODE and ChEA3 ChIP-seq target sets); empty = none of them does. A high "
    "probability on an empty row is a prediction, not a known fact."
)


def add_known_interactions(table: pd.DataFrame, known) -> pd.DataFrame:
    """``table`` (columns tf, gene) with a ``known_interaction`` column from a
    :class:`grenimja.data.known.KnownInteractions` (names matched as symbols, case-insensitive)."""
    ev = pd.Series("", index=table.index, dtype=object)
    for tf, idx in table.groupby("tf", sort=False).groups.items():
        ev.loc[idx] = known.evidence(str(tf), [str(g).upper() for g in table.loc[idx, "gene"]])
    return table.assign(known_interaction=ev)


RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"


def robustness_results(
    split: str, results_dir: str | Path = RESULTS_DIR
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(per-TF table, binned table) of ``grenimja interpret robustness`` for ``split`` under
    ``results_dir/interpret``, or None where it was not run."""
    d = Path(results_dir) / "interpret"
    per_tf, bins = d / f"robustness_{split}.csv", d / f"robustness_{split}_binned.csv"
    if not (per_tf.is_file() and bins.is_file()):
        return None
    return pd.read_csv(per_tf), pd.read_csv(bins)


# protocol_metrics' column of the per-TF mean that the issue's targets read
MIN_POSITIVES_COLUMN = f"per-TF AUROC, TFs with >= {MIN_POSITIVES} positives"
PRIOR_ROW = "gene-degree prior (ignores the TF)"


def protocol_metrics(split: str, results_dir: str | Path = RESULTS_DIR) -> pd.DataFrame:
    """Test metrics of the bundled ``split`` model under both protocols, beside the baselines that put them
    in context.

    Per protocol found (paper / degree-matched): the model's row from ``results/eval_<split>*`` and, where
    ``results/v1/benchmark_<split>*.json`` holds them (the same test pairs), the gene-degree prior and the
    best other baseline by mean per-TF AUROC (subset rows such as "on the same TFs" left out). Columns:
    negatives, model, pairs, TFs, pooled AUROC / AUPR, mean per-TF AUROC over every TF with both classes
    and over those with at least ``MIN_POSITIVES`` positives (NaN in outputs written before that column). Empty when no
    evaluation was written.
    """
    import json

    rows = []
    for proto, suffix in (("paper", ""), ("degree-matched", "_degree_matched")):
        f = Path(results_dir) / f"eval_{split}{suffix}" / "metrics.json"
        if not f.is_file():
            continue
        m = json.loads(f.read_text())
        rows.append(
            {
                "negatives": proto,
                "model": "GReNIMJA (bundled)",
                "pairs": m["pooled"]["n"],
                "TFs": m["n_tfs"],
                "AUROC": m["pooled"]["auroc"],
                "AUPR": m["pooled"]["aupr"],
                "per-TF AUROC": m["per_tf_mean"]["auroc"],
                MIN_POSITIVES_COLUMN: m.get("per_tf_mean_min_positives", {}).get("auroc", float("nan")),
            }
        )
        bench = Path(results_dir) / "v1" / f"benchmark_{split}{suffix}.json"
        if not bench.is_file():
            continue
        others = [
            r
            for r in json.loads(bench.read_text())
            if not r["model"].startswith("GReNIMJA") and r.get("pairs") == m["pooled"]["n"]
        ]
        named = [(PRIOR_ROW, r) for r in others if r["model"] == "gene-degree prior"]
        rest = [r for r in others if r["model"] != "gene-degree prior"]
        if rest:
            from grenimja.metrics import target_per_tf_key

            key = target_per_tf_key(rest[0])
            best = max(rest, key=lambda r: r[key])
            named.append((f"best other baseline: {best['model']}", best))
        for name, r in named:
            rows.append(
                {
                    "negatives": proto,
                    "model": name,
                    "pairs": r["pairs"],
                    "TFs": r["tfs"],
                    "AUROC": r["auroc"],
                    "AUPR": r["aupr"],
                    "per-TF AUROC": r["per_tf_auroc"],
                    MIN_POSITIVES_COLUMN: r.get("per_tf_auroc_min_positives", float("nan")),
                }
            )
    return pd.DataFrame(rows)


def protocol_summary(pm: pd.DataFrame) -> str:
    """One or two sentences reading :func:`protocol_metrics` for a biologist: how the model compares with the
    TF-blind prior on the paper protocol's pooled AUROC, and with the best baseline on the degree-matched
    per-TF AUROC. Empty where the baseline rows are missing."""
    ours = "GReNIMJA (bundled)"
    out = []
    paper = pm[pm["negatives"] == "paper"].set_index("model")
    if {ours, PRIOR_ROW} <= set(paper.index):
        o, p = paper.loc[ours, "AUROC"], paper.loc[PRIOR_ROW, "AUROC"]
        out.append(
            f"With paper negatives the TF-blind prior's pooled AUROC is {p:.3f}, "
            + ("above" if p > o else "below")
            + f" the model's {o:.3f}: random non-targets are mostly unpopular genes, so popularity alone "
            "scores well there."
        )
    dm = pm[pm["negatives"] == "degree-matched"].set_index("model")
    best = [m for m in dm.index if m.startswith("best other baseline: ")]
    if ours in dm.index and best:
        col = MIN_POSITIVES_COLUMN
        five = col in dm.columns and pd.notna(dm.loc[ours, col]) and pd.notna(dm.loc[best[0], col])
        col = col if five else "per-TF AUROC"
        o, b = dm.loc[ours, col], dm.loc[best[0], col]
        out.append(
            f"With degree-matched negatives (a gene's count of regulators is no help) the model ranks a TF's "
            f"targets at a mean "
            f"per-TF AUROC of {o:.3f}{f' over TFs with at least {MIN_POSITIVES} positives' if five else ''}, "
            f"against {b:.3f} "
            f"for the best other baseline ({best[0].removeprefix('best other baseline: ')})."
        )
        from grenimja.baselines.simple import LiteratureDegreePrior, SelectiveRegulatorPrior

        why = {
            SelectiveRegulatorPrior.name: "it counts which kind of TFs regulate a gene (selective, mostly curated "
            "ones weigh more), which degree-matched negatives do not match; the model card's selectivity-matched "
            "check takes it out.",
            LiteratureDegreePrior.name: "it counts how many other TFs the literature (CollecTRI, TRRUST) links to "
            "a gene, which degree-matched negatives do not match; the model card's literature-matched check "
            "takes it out.",
        }
        for name, text in why.items():
            if best[0].endswith(name):
                out.append(f"That baseline ignores the TF: {text}")
    return " ".join(out)
