"""Paper vs here: each of the paper's tables and figures beside what this repository measured."""

import plotly.express as px
import streamlit as st

import ui
from grenimja.explorer import RESULTS_DIR
from grenimja.report.paper import METRIC_NAMES, paper_vs_here, pooled_side_by_side

st.title("Paper vs here")
st.markdown(
    "Okubo et al. (2026) rest their claims on Tables 1-5 and Figures 2-5. Each row sets the paper's value "
    "(the test-set numbers quoted in the design card) or its finding beside what this repository measured, "
    "with a verdict. *Paper negatives* are random non-targets per TF, as in the paper; *degree-matched* "
    "negatives are non-targets of the same TF with the same number of regulators, where a score that ignores "
    "the TF gets 0.5. Our side is read from the measured outputs in `results/` (`grenimja report` writes the "
    "same table as `results/paper_vs_here.md`)."
)
table = paper_vs_here(RESULTS_DIR)
counts = table["verdict"].value_counts()
cols = st.columns(len(counts))
for c, (verdict, n) in zip(cols, counts.items(), strict=True):
    c.metric(verdict.capitalize(), int(n))

pairs = pooled_side_by_side(RESULTS_DIR)
if not pairs.empty:
    long = pairs.melt(id_vars=["table", "metric"], value_vars=["paper", "here"], var_name="source")
    long["metric"] = long["metric"].map(METRIC_NAMES)
    fig = px.bar(
        long,
        x="metric",
        y="value",
        color="source",
        barmode="group",
        facet_col="table",
        range_y=[0, 1],
        color_discrete_map={"paper": "#9e9e9e", "here": "#1f77b4"},
        title="Pooled test metrics, paper negatives",
    )
    fig.update_xaxes(matches=None)  # Table 5 quotes three metrics, Table 1 five
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
    fig.add_hline(y=0.5, line_dash="dot", line_color="black")
    st.plotly_chart(fig, width="stretch")

shown = st.multiselect("Verdicts shown", list(counts.index), default=list(counts.index))
view = table[table["verdict"].isin(shown)]
st.dataframe(
    view[["item", "paper", "here", "verdict", "why"]],
    hide_index=True,
    width="stretch",
    column_config={
        "item": st.column_config.TextColumn("Paper result", width="medium"),
        "paper": st.column_config.TextColumn("Paper", width="medium"),
        "here": st.column_config.TextColumn("Here", width="large"),
        "verdict": st.column_config.TextColumn("Verdict", width="small"),
        "why": st.column_config.TextColumn("Why", width="large"),
    },
)
ui.download(table, "grenimja_paper_vs_here.csv", "Download the comparison (CSV)")
st.subheader("Where each number comes from")
for r in view.itertuples():
    with st.expander(f"{r.item}: {r.verdict}"):
        st.markdown(f"**Paper:** {r.paper}\n\n**Here:** {r.here}\n\n**Why:** {r.why}")
        if r.code != "-":
            st.markdown(f"Code: `{r.code}` · made by `{r.command}`")
