"""Genome scan: one TF against every catalogue promoter."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import ui
from grenimja.errors import GrenimjaError
from grenimja.explorer import (
    KNOWN_HELP,
    POPULARITY_WARN,
    PRIOR_HELP,
    SPECIFICITY_HELP,
    add_known_interactions,
    model_notes,
    popularity_spearman,
    precision_at_k,
    scan_sequence,
)
from grenimja.fasta import validate_records

st.title("Genome scan")
b = ui.pick_model()
if b.catalogue is None:
    st.error(f"The genome scan needs the promoter catalogue: {b.catalogue_error}")
    st.stop()
st.caption(
    f"Scores one TF against all {len(b.catalogue.genes):,} EPDnew hg38 primary promoters "
    f"({b.model.cfg.promoter_len} bp, {b.promoter_window} around the TSS) with each promoter encoded once."
)

src = st.radio("TF", ["Pick from catalogue", "Upload / paste protein FASTA"], horizontal=True)
name, protein = None, None
if src == "Pick from catalogue":
    tfs = b.catalogue.tfs["tf"].tolist()
    name = st.selectbox("TF", tfs, index=tfs.index("MAX") if "MAX" in tfs else 0)
    protein = b.catalogue.tfs.set_index("tf").loc[name, "protein"]
else:
    text = ui.read_input("TF protein", "scan_tf", ui.ASSETS / "example_scan_tf.fa")
    if text.strip():
        try:
            recs, problems = validate_records(text, "protein", "TF FASTA")
            for p in problems:
                st.warning(f"Skipped: {p}")
            if recs:
                name, protein = recs[0].name, recs[0].seq
                if recs[0].note:
                    st.info(recs[0].note)
                if len(recs) > 1:
                    st.info(f"Scanning the first record '{name}' of {len(recs)}.")
        except GrenimjaError as exc:
            st.error(str(exc))

has_ref = b.reference is not None
by = st.radio(
    "Rank by",
    ["probability", "tf_specificity"] if has_ref else ["probability"],
    horizontal=True,
    format_func={"probability": "probability", "tf_specificity": "TF-specificity"}.get,
    help=SPECIFICITY_HELP,
)
if protein is not None and st.button("Scan all promoters", type="primary"):
    with ui.progress("Scoring promoters ...") as tick:
        res = scan_sequence(b, protein, progress=tick)
    ui.keep_result("scan", b.name, (name, res), inputs=protein)

# another TF or model picked now: the old ranking must not pass for this one's
last = ui.last_result(
    "scan",
    b.name,
    "scan",
    inputs=protein,
    changed=lambda kept: (
        f"The last scan was for {kept[0]}; press 'Scan all promoters' to scan {name or 'this TF'}."
    ),
)
if last is not None:
    name, res = last[0], last[1]
    res = res.sort_values(by, ascending=False, ignore_index=True).assign(rank=lambda d: range(1, len(d) + 1))
    db, db_error = ui.known_interactions()
    known = db.targets(str(name)) if db is not None else set()
    res = res.assign(known_target=res["gene"].isin(known))
    if db is not None:
        res = add_known_interactions(res.assign(tf=str(name)), db).drop(columns="tf")
    st.subheader(
        f"{name}: ranked targets (by {'TF-specificity' if by == 'tf_specificity' else 'probability'})"
    )
    if has_ref:
        rho = popularity_spearman(b, res)
        if rho > POPULARITY_WARN:
            st.warning(
                f"This ranking is mostly gene popularity: Spearman {rho:.2f} with the ranking the model gives any "
                "TF (its mean over the reference panel). Rank by TF-specificity to see what is particular to "
                f"{name}."
            )
        n_pop = int(res.head(100)["popular_gene"].sum())
        st.caption(
            f"{SPECIFICITY_HELP} **popular_gene** marks genes that {len(b.meta['gene_reference']['panel'])} "
            f"reference TFs nearly all (>= 90%) rank in their top 5%: {n_pop} of the top 100 here."
        )
    else:
        st.caption("This model file has no gene reference: run `grenimja reference` to add TF-specificity.")
    top = st.slider("Show top", 10, 1000, 100, step=10)
    st.dataframe(
        res.head(top),
        width="stretch",
        hide_index=True,
        column_config={
            "probability": st.column_config.ProgressColumn(
                "probability", min_value=0.0, max_value=1.0, format="%.3f"
            ),
            "tf_specificity": st.column_config.NumberColumn("TF-specificity", format="%+.2f"),
            "known_target": st.column_config.CheckboxColumn("DoRothEA A-D target"),
            "known_interaction": st.column_config.TextColumn("known interaction", help=KNOWN_HELP),
            "gene_degree_prior": st.column_config.NumberColumn(
                "gene-degree prior", format="percent", help=PRIOR_HELP
            ),
        },
    )
    st.caption(PRIOR_HELP)
    st.caption(KNOWN_HELP if db is not None else f"Known interactions unavailable: {db_error}")
    for note in model_notes(b):
        st.caption(note)
    ui.download(res, f"grenimja_scan_{name}.csv", "Download all scores (CSV)")
    # binned here: 50 bars travel to the browser instead of 16k raw scores (a faster redraw)
    edges = np.linspace(0.0, 1.0, 51)
    fig = go.Figure()
    groups = [("other genes", ~res.known_target, "#9e9e9e")]  # grey vs orange: two classes, two colours
    if known:
        groups.append(("DoRothEA A-D targets", res.known_target, "#e66100"))
    for label, mask, colour in groups:
        counts, _ = np.histogram(res.loc[mask, "probability"], bins=edges)
        density = counts / max(counts.sum(), 1) / np.diff(edges)
        fig.add_bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=density,
            width=np.diff(edges),
            name=label,
            marker_color=colour,
            opacity=0.6,
        )
    fig.update_layout(barmode="overlay", xaxis_title="P(regulates)", yaxis_title="density", height=350)
    st.plotly_chart(fig)
    if known:
        st.markdown(
            f"**{len(known & set(res.gene)):,}** DoRothEA A-D targets of {name} among the promoters. "
            "Precision of the top-k against them:"
        )
        pk = precision_at_k(res["gene"].tolist(), known)
        st.dataframe(pk, hide_index=True)
        ui.download(pk, f"grenimja_scan_{name}_precision.csv", "Download precision table")
    else:
        st.info(f"No DoRothEA A-D targets are recorded for '{name}', so top-k precision cannot be shown.")
