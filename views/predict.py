"""Predict: probability for TF x promoter pairs from FASTA or the catalogue."""

import plotly.express as px
import streamlit as st

import ui
from grenimja.errors import GrenimjaError
from grenimja.explorer import (
    KNOWN_HELP,
    PRIOR_HELP,
    SPECIFICITY_HELP,
    add_known_interactions,
    catalogue_records,
    model_notes,
    predict_fasta,
    score_records,
)

st.title("Predict regulation")
b = ui.pick_model()
st.caption(
    f"Model `{b.name}` reads proteins up to {b.model.cfg.protein_len} aa and the last "
    f"{b.model.cfg.promoter_len} bp of each promoter, {b.promoter_window} around the TSS (EPDnew hg38 "
    f"windows; minimum {b.min_promoter_bp} bp). Paste promoters that end at the same place."
)

src = st.radio("Input", ["Upload / paste FASTA", "Pick from catalogue"], horizontal=True)
table, problems, notes = None, [], []
if src == "Upload / paste FASTA":
    c1, c2 = st.columns(2)
    with c1:
        tf_text = ui.read_input("TF protein", "tf", ui.ASSETS / "example_tf.fa")
    with c2:
        pr_text = ui.read_input("Promoter DNA", "prom", ui.ASSETS / "example_promoters.fa")
    L = b.model.cfg.promoter_len
    mode = st.radio(
        f"Promoters longer than {L} bp",
        ["end", "max", "all"],
        horizontal=True,
        key="windows",
        format_func={
            "end": f"read the last {L} bp (the model's window)",
            "max": f"slide a {L} bp window; best window per pair",
            "all": f"slide a {L} bp window; every window",
        }.get,
    )
    step = st.number_input("Window step (bp)", 1, 1000, max(1, L // 2), key="step") if mode != "end" else 50
    if st.button("Predict", type="primary", key="go_fasta"):
        try:
            with st.spinner("Scoring ..."):
                table, problems, notes = predict_fasta(b, tf_text, pr_text, windows=mode, step=int(step))
        except GrenimjaError as exc:
            st.error(str(exc))
else:
    if b.catalogue is None:
        st.error(f"The catalogue is not available: {b.catalogue_error}")
        st.stop()
    tfs = st.multiselect("TFs", b.catalogue.tfs["tf"].tolist(), default=["SOX2"], max_selections=20)
    genes = st.multiselect(
        "Genes", b.catalogue.genes["gene"].tolist(), default=["NANOG", "GAPDH"], max_selections=200
    )
    if st.button("Predict", type="primary", key="go_cat") and tfs and genes:
        t, g = catalogue_records(b, tfs, genes)
        table = score_records(b, t, g)

for p in problems:
    st.warning(f"Skipped: {p}")
for n in notes:
    st.info(n)
if table is not None:
    if table.empty:
        st.error("No pair could be scored: fix the records above.")
    else:
        st.success(
            f"Scored {len(table)} pair(s)" + (f"; {len(problems)} record(s) skipped" if problems else "")
        )
        known, known_error = ui.known_interactions()
        if known is not None:
            table = add_known_interactions(table, known)
        for tf, grp in table.groupby("tf", sort=False):
            s = grp.iloc[0]
            ident = "" if s["identity_to_nearest"] is None else f" (identity {s['identity_to_nearest']:.0%})"
            st.markdown(
                f"**{tf}**: {s['tf_status']}; nearest training TF **{s['nearest_training_tf']}**{ident}"
            )
        st.dataframe(
            table,
            width="stretch",
            hide_index=True,
            column_config={
                "probability": st.column_config.ProgressColumn(
                    "probability", min_value=0.0, max_value=1.0, format="%.3f"
                ),
                "tf_specificity": st.column_config.NumberColumn(
                    "TF-specificity", format="%+.2f", help=SPECIFICITY_HELP
                ),
                # the same percentage as the line above the table, not a bare fraction
                "identity_to_nearest": st.column_config.NumberColumn("identity to nearest", format="percent"),
                "known_interaction": st.column_config.TextColumn("known interaction", help=KNOWN_HELP),
                "gene_degree_prior": st.column_config.NumberColumn(
                    "gene-degree prior", format="percent", help=PRIOR_HELP
                ),
            },
        )
        st.caption(PRIOR_HELP)
        st.caption(KNOWN_HELP if known is not None else f"Known interactions unavailable: {known_error}")
        if table["tf_specificity"].isna().all():
            st.caption(
                "TF-specificity needs the model's gene reference (`grenimja reference`) and the catalogue."
            )
        else:
            st.caption(SPECIFICITY_HELP)
        for note in model_notes(b):
            st.caption(note)
        ui.download(table, "grenimja_predictions.csv")
        if table["tf"].nunique() > 1 and table["gene"].nunique() > 1:
            mat = table.pivot(index="tf", columns="gene", values="probability")
            st.plotly_chart(
                px.imshow(
                    mat,
                    zmin=0,
                    zmax=1,
                    color_continuous_scale="Viridis",
                    labels={"color": "P(regulates)"},
                    aspect="auto",
                )
            )
