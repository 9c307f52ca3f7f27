"""Filter motifs (DeepBind method) vs PROSITE, DNA filter base pairs, BLAST homology of latent neighbours."""

import tempfile

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

import ui
from grenimja.errors import GrenimjaError
from grenimja.interpret import run
from grenimja.interpret.blast import blast_identity, latent_neighbours
from grenimja.interpret.filters import DNA, logo_png
from grenimja.interpret.prosite import AA

st.title("Filter motifs and homology")
b = ui.pick_model()
if b.catalogue is None:
    st.error(f"These analyses need the TF / promoter catalogue: {b.catalogue_error}")
    st.stop()


@st.cache_data(show_spinner="Running filters over training TFs and Tomtom ...")
def _protein(name: str, top: int, meme: bytes | None):
    targets = None
    if meme:
        from grenimja.interpret.meme import read_meme_protein

        with tempfile.NamedTemporaryFile(suffix=".meme") as fh:
            fh.write(meme)
            fh.flush()
            targets = read_meme_protein(fh.name)
    return run.protein_filter_motifs(b, top, targets)


@st.cache_data(show_spinner="Running DNA filters over promoters ...")
def _dna(name: str):
    return run.dna_filter_motifs(b, n_genes=3000)


@st.cache_data(show_spinner="Computing every TF's latent vector ...")
def _latent(name: str):
    return run.tf_latent_space(b)


@st.cache_data(show_spinner=False)
def _logo(ppm: np.ndarray, alphabet: str, title: str) -> bytes:
    # drawn once per filter: every rerun of the page (any widget) would redraw it (~0.3 s)
    return logo_png(ppm, alphabet, title)


tab1, tab2, tab3 = st.tabs(["Protein filters vs PROSITE", "DNA filters", "Homology of latent neighbours"])
with tab1:
    st.caption(
        "Active windows: activation > 0.6 x max(centred activation) + mean, over the model's training TFs. "
        "Best match per filter by Tomtom (memelite); q-values are Benjamini-Hochberg over all comparisons."
    )
    top = st.slider("Most active filters to compare", 5, b.model.cfg.protein_channels, 20)
    meme = st.file_uploader("Optional: another protein motif database (MEME format)", type=["meme", "txt"])
    if st.button("Compare filters", type="primary", key="go_prot"):
        try:
            ui.keep_result("motifs", b.name, _protein(b.name, top, meme.getvalue() if meme else None))
        except GrenimjaError as exc:
            st.error(str(exc))
    if (res := ui.last_result("motifs", b.name, "filter comparison")) is not None:
        st.markdown(
            "**Motifs matched significantly (q < 0.05), by relative filter frequency** (paper Table 3)"
        )
        st.caption(
            "Read with care: matches to families unrelated to DNA binding mean the filters are weak motifs; "
            "a low q-value against 1,292 broad patterns is not evidence of a learned domain."
        )
        st.dataframe(res["table"], hide_index=True, width="stretch")
        ui.download(res["table"], "grenimja_protein_motif_table.csv", "Download motif table")
        st.markdown("**Best match of every compared filter**")
        st.dataframe(res["matches"], hide_index=True, width="stretch")
        ui.download(res["matches"], "grenimja_protein_filter_matches.csv", "Download filter matches")
        # one logo, of the filter picked: any compared filter's can be seen, and none is drawn unasked
        rows = {int(r.filter): r for r in res["matches"].itertuples()}
        pick = st.selectbox(
            "Sequence logo of filter",
            list(rows),
            format_func=lambda f: f"filter {f}: best match {rows[f].prosite_id} (q = {rows[f].q_value:.2g})",
            key="logo_filter",
            help="Filters in the order of the table above: the best-matching first.",
        )
        r = rows[pick]
        st.image(_logo(res["ppms"][r.filter], AA, f"filter {r.filter}: {r.prosite_id} (q = {r.q_value:.2g})"))
with tab2:
    if st.button("Analyse DNA filters", key="go_dna"):
        ui.keep_result("dna", b.name, _dna(b.name))
    if (res := ui.last_result("dna", b.name, "DNA filter analysis")) is not None:
        st.markdown("**Two most frequent bases per active DNA filter** (paper Table 4)")
        st.plotly_chart(px.bar(res["top2"], x="pair", y="frequency", height=300))
        ui.download(res["top2"], "grenimja_dna_top2.csv", "Download base-pair table")
        best = int(np.argmax(res["n_active"]))
        st.image(_logo(res["ppms"][best], DNA, f"most active DNA filter ({best})"))
with tab3:
    tfs = b.catalogue.tfs["tf"].tolist()
    tf = st.selectbox("TF", tfs, index=tfs.index("MAX") if "MAX" in tfs else 0)
    k = st.slider("Neighbours", 3, 20, 10)
    if st.button("Find latent neighbours", key="go_nb"):
        names, vecs = _latent(b.name)
        nb = latent_neighbours(vecs, k)[names.index(tf)]
        seqs = b.catalogue.tfs.set_index("tf")["protein"]
        try:
            hits = blast_identity({tf: seqs[tf]}, {names[j]: seqs[names[j]] for j in nb}, evalue=1e-5)
            ident = dict(zip(hits.get("subject", []), hits.get("pident", []), strict=True))
            table = pd.DataFrame(
                [
                    {
                        "rank": r + 1,
                        "neighbour": names[j],
                        "blast_identity_pct": ident.get(names[j], 0.0),
                        "homologous": names[j] in ident,
                        "seen_in_training": names[j] in set(b.training_tfs),
                    }
                    for r, j in enumerate(nb)
                ]
            )
            ui.keep_result("nb", b.name, (tf, k, table))
        except GrenimjaError as exc:
            st.error(str(exc))
    if (last := ui.last_result("nb", b.name, "neighbour search")) is not None:
        tf, k, table = last
        st.markdown(
            f"**{table['homologous'].mean():.0%}** of {tf}'s {k} nearest TFs in latent space are BLAST "
            "homologs (e-value < 1e-5)."
        )
        st.dataframe(table, hide_index=True, width="stretch")
        ui.download(table, f"grenimja_neighbours_{tf}.csv", "Download neighbours")
