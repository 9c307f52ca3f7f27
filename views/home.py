"""Home: what the tool does, the bundled model's card, how to cite."""

import json

import streamlit as st

import ui
from grenimja.explorer import MIN_POSITIVES_COLUMN, protocol_metrics, protocol_summary

st.title("GReNIMJA explorer")
st.markdown(
    "Does a **transcription factor** regulate a **gene**? GReNIMJA answers from sequence alone: the TF's "
    "amino-acid sequence and the gene's promoter DNA. It embeds protein 4-mers and DNA 5-mers (word2vec), "
    "encodes each side with a convolution, mixes every TF position with every promoter position in a "
    "2D LSTM and returns a probability, also for TFs never seen in training.\n\n"
    "- **Predict**: upload or paste TF and promoter FASTA (or pick from the catalogue) and read a probability "
    "per pair.\n"
    "- **Genome scan**: one TF against every promoter, ranked, with known targets highlighted.\n"
    "- **Analyses** and **Motifs & homology**: the paper's latent space, CpG-split adjacency matrix, "
    "conv-filter motifs vs PROSITE and BLAST homology of latent neighbours.\n"
    "- **Paper vs here**: each of the paper's tables and figures beside what this repository measured, with a "
    "verdict."
)
b = ui.pick_model()
st.subheader(f"Bundled model: `{b.name}`")
meta = b.meta
hist = meta.get("history", [])
c1, c2, c3 = st.columns(3)
c1.metric("Split", meta.get("split", "?"))
c2.metric("Training TFs", len(b.training_tfs))
c3.metric("Epoch kept (best validation loss)", len(hist))
pm = protocol_metrics(meta.get("split", "unknown"))
if not pm.empty:
    st.markdown(
        "**Test metrics under both protocols.** *paper*: random non-targets per TF as negatives (gene "
        "popularity alone scores well here); *degree-matched*: each target of a TF against a non-target of the "
        "same TF with as many known regulators (the TF-blind gene-degree prior gets 0.5)."
    )
    st.dataframe(
        pm,
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(format="%.3f")
            for c in ("AUROC", "AUPR", "per-TF AUROC", MIN_POSITIVES_COLUMN)
        },
    )
    if summary := protocol_summary(pm):
        st.caption(summary + " Every baseline: `results/README.md`.")
card = ui.model_dir() / "MODEL_CARD.md"
if card.is_file():
    # the card's speed section speaks to developers (kernels, wavefronts): it gets its own, closed expander
    text = card.read_text()
    main, _, speed = text.partition("\n## Speed")
    with st.expander("Model card (data, settings, test metrics vs the paper)", expanded=True):
        st.markdown(main)
    if speed:
        with st.expander("Speed figures (for developers)"):
            st.markdown("## Speed" + speed)
with st.expander("Network settings"):
    st.code(json.dumps(b.model.cfg.to_dict(), indent=1), language="json")
st.subheader("How to cite")
st.markdown(
    "Okubo et al., *Mixing features of transcription factors and genes enable accurate prediction of gene "
    "regulation relationships for unknown transcription factors*, NAR Genomics and Bioinformatics (2026). "
    "Data: DoRothEA (Garcia-Alonso et al. 2019), ENCODE via Enrichr, EPDnew, UCSC CpG islands."
)
