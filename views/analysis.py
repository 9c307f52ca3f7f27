"""Analyses: latent-space t-SNE and the CpG-stratified adjacency matrix for held-out TFs."""

import numpy as np
import plotly.express as px
import streamlit as st

import ui
from grenimja.explorer import format_p, robustness_results
from grenimja.interpret.adjacency import adjacency, pick_genes
from grenimja.interpret.latent import latent_tsne, pair_grid
from grenimja.predict import score_cached, tokens_for

st.title("Analyses")
b = ui.pick_model()
if b.catalogue is None:
    st.error(f"The analyses need the TF / promoter catalogue: {b.catalogue_error}")
    st.stop()
cat = b.catalogue
train = set(b.training_tfs)
novel = [t for t in cat.tfs["tf"] if t not in train]
st.caption(f"{len(novel)} catalogue TFs were not seen by model `{b.name}` in training.")


@st.cache_data(show_spinner="Tokenising ...")
def _tokens(name: str):
    return tokens_for(b.model, b.emb, cat.tfs["protein"].tolist(), cat.genes["promoter"].tolist())


tf_tok, gene_tok = _tokens(b.name)
tab1, tab2, tab3 = st.tabs(
    ["Adjacency matrix (CpG split)", "Latent space (t-SNE)", "Accuracy by training data and length (Fig. 2)"]
)
with tab1:
    c1, c2 = st.columns(2)
    n_tfs = c1.slider("Held-out TFs", 5, min(60, len(novel)), min(30, len(novel)))
    n_genes = c2.slider("Genes (half CpG-island promoters)", 20, 400, 200, step=20)
    rng = np.random.default_rng(0)
    tfs = sorted(rng.choice(len(novel), n_tfs, replace=False))
    tf_names = [novel[i] for i in tfs]
    tf_rows = cat.tfs.reset_index().set_index("tf").loc[tf_names, "index"].to_numpy()
    genes = pick_genes(cat.genes["cpg"].to_numpy(), n_genes)
    ti, gi = pair_grid(tf_rows, genes)
    s = score_cached(b.model, tf_tok, gene_tok, ti, gi).reshape(len(tf_rows), len(genes))
    res = adjacency(s, tf_names, cat.genes["gene"].iloc[genes].tolist(), cat.genes["cpg"].to_numpy()[genes])
    fig = px.imshow(
        res["matrix"],
        aspect="auto",
        color_continuous_scale="Viridis",
        zmin=0,
        zmax=1,
        labels={"x": "gene", "y": "TF (Ward-clustered)", "color": "P(regulates)"},
    )
    fig.add_vline(x=res["n_cpg"] - 0.5, line_color="white", line_width=3)
    fig.update_layout(
        height=520, title=f"left of the white line: {res['n_cpg']} CpG-island promoters; right: others"
    )
    st.plotly_chart(fig)
    c = res["contrast"]
    st.markdown(
        f"Mean score on CpG promoters **{c['mean_cpg']:.3f}** vs others **{c['mean_other']:.3f}**; AUC of CpG over "
        f"other scores **{c['auc_cpg_over_other']:.2f}** ({format_p(c['p_value'])}). Share of score variance explained "
        f"by the gene (column means): **{c['column_variance_share']:.0%}**; by the TF (row means): "
        f"**{c['row_variance_share']:.0%}**."
    )
    ui.download(res["matrix"].reset_index(names="tf"), "grenimja_adjacency.csv", "Download matrix (CSV)")
with tab2:
    # three held-out and three training TFs, so "tf_seen_in_training" shows both classes by default
    seen = sorted(t for t in cat.tfs["tf"] if t in train)
    default = tf_names[:3] + [
        seen[i] for i in sorted(np.random.default_rng(0).choice(len(seen), min(3, len(seen)), replace=False))
    ]
    pick = st.multiselect("TFs (up to 10)", cat.tfs["tf"].tolist(), default=default, max_selections=10)
    n_g = st.slider("Genes per TF", 20, 100, 60, step=10)
    if pick and st.button("Compute t-SNE", type="primary"):
        rows = cat.tfs.reset_index().set_index("tf").loc[pick, "index"].to_numpy()
        g = np.random.default_rng(1).choice(len(cat.genes), n_g, replace=False)
        ti, gi = pair_grid(rows, g)
        emb = latent_tsne(b.model, tf_tok, gene_tok, ti, gi)
        emb["tf"] = cat.tfs["tf"].to_numpy()[emb["tf_i"]]
        emb["gene"] = cat.genes["gene"].to_numpy()[emb["gene_i"]]
        emb["cpg_promoter"] = cat.genes["cpg"].to_numpy()[emb["gene_i"]].astype(bool)
        emb["tf_seen_in_training"] = emb["tf"].isin(train)
        ui.keep_result("tsne", b.name, emb)
    if (emb := ui.last_result("tsne", b.name, "t-SNE")) is not None:
        colour = st.radio(
            "Colour by", ["tf", "score", "cpg_promoter", "tf_seen_in_training"], horizontal=True
        )
        fig = px.scatter(
            emb,
            x="x",
            y="y",
            color=colour,
            hover_data=["tf", "gene", "score"],
            height=560,
            color_continuous_scale="Viridis" if colour == "score" else None,
        )
        st.plotly_chart(fig)
        ui.download(emb, "grenimja_tsne.csv", "Download t-SNE coordinates (CSV)")

with tab3:
    split = str(b.meta.get("split", "unknown"))
    fig2 = robustness_results(split)
    if fig2 is None:
        st.info(
            f"No robustness run for the {split} split yet: `grenimja interpret robustness --model {b.name} "
            f"--dataset datasets/v1 --split {split} --out results/interpret` writes it."
        )
    else:
        per_tf, bins = fig2
        st.caption(
            f"Test TFs of the {split} split (per-TF means per bin; {per_tf['tf'].nunique()} TFs). The paper's "
            "Figure 2: GReNIMJA against the TF's number of training pairs and protein length, beside a score "
            "that ignores the TF (gene-degree prior) and nearest-homolog transfer, under both protocols."
        )
        axis = st.radio("Against", ["training pairs", "protein length"], horizontal=True, key="fig2_axis")
        metric = st.radio(
            "Metric", ["auroc", "accuracy", "positive_call_share"], horizontal=True, key="fig2_metric"
        )
        sub = bins[bins["axis"] == axis]
        st.plotly_chart(
            px.line(
                sub,
                x="bin",
                y=metric,
                color="model",
                facet_col="negatives",
                markers=True,
                hover_data=["n_tfs"],
                labels={"bin": f"{axis} per TF"},
                height=420,
            )
        )
        ui.download(per_tf, f"grenimja_robustness_{split}.csv", "Download per-TF table (CSV)")
