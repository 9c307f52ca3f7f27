"""Streamlit-side helpers shared by the pages: cached loading, model picker, downloads.

Everything computed here is a call into ``grenimja``; this module only caches and draws.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from grenimja.errors import GrenimjaError
from grenimja.explorer import available_models, load_bundle

ROOT = Path(__file__).resolve().parent
ASSETS = ROOT / "assets"
MAX_TEXT = 5_000_000  # characters of pasted FASTA, same as the 5 MB upload limit


def model_dir() -> Path:
    return Path(os.environ.get("GRENIMJA_MODEL_DIR", ROOT / "models"))


@st.cache_resource(show_spinner="Loading model and promoter catalogue ...")
def bundle(name: str, mdir: str):
    b = load_bundle(mdir, name)
    # encode the promoters while the user reads the page: the first genome scan then only scores (~2 s less).
    # Not a daemon (a new thread inherits that from Streamlit's script thread): at exit the interpreter waits
    # the ~2 s for it, where a daemon thread killed inside torch aborts the process with exit status 134
    # ("terminate called without an active exception")
    threading.Thread(target=b.warm_up, name=f"warm-up {name}", daemon=False).start()
    return b


@st.cache_resource(show_spinner="Reading the regulatory databases ...")
def known_interactions():
    """The known TF -> gene interactions (grenimja.data.known), or the reason they are unavailable."""
    from grenimja.data.known import load_known_interactions

    try:
        return load_known_interactions(), None
    except GrenimjaError as exc:
        return None, str(exc)


def _copy_state(src: str, dst: str) -> None:
    st.session_state[dst] = st.session_state[src]


def _kept_key(widget_key: str) -> str:
    return f"{widget_key}__kept"


def set_kept(widget_key: str, value) -> None:
    """Set the value that the :func:`kept` widget ``widget_key`` starts from on this and later runs."""
    st.session_state[_kept_key(widget_key)] = value


def kept(widget_key: str, default, choices=None) -> dict:
    """Keyword arguments that make the keyed widget ``widget_key`` keep its value across pages.

    A widget belongs to the page that made it, and Streamlit resets it when another page runs. Its value is
    copied to a plain Session State key on every change, and each run starts the widget from that copy
    (``default`` the first time, and whenever the copy is no longer one of ``choices``).
    """
    copy = _kept_key(widget_key)
    if copy not in st.session_state or (choices is not None and st.session_state[copy] not in choices):
        st.session_state[copy] = default
    st.session_state[widget_key] = st.session_state[copy]
    return {"key": widget_key, "on_change": _copy_state, "args": (widget_key, copy)}


MODEL_KEY = "model"


def pick_model():
    """Sidebar model choice; returns the loaded bundle or stops the page with a clear message."""
    mdir = model_dir()
    names = available_models(mdir)
    if not names or not (mdir / "embeddings.npz").is_file():
        st.error(
            f"No bundled model found in `{mdir}` (expected `unknown.pt` / `known.pt` and `embeddings.npz`). "
            "Train one with `grenimja train` (see README)."
        )
        st.stop()
    default = "unknown" if "unknown" in names else names[0]
    name = st.sidebar.selectbox(
        "Model",
        names,
        **kept(MODEL_KEY, default, choices=names),  # choices: a model file removed since it was picked
        help="unknown: trained TF-disjoint (for new TFs); known: pair-level split; homology: trained "
        "TF-disjoint with every held-out TF at most 40% identical to a training TF (for TFs without a close "
        "homolog)",
    )
    try:
        b = bundle(name, str(mdir))
    except GrenimjaError as exc:
        st.error(str(exc))
        st.stop()
    if b.catalogue is None:
        st.sidebar.warning(f"Catalogue unavailable: {b.catalogue_error}")
    return b


def keep_result(key: str, model: str, value, inputs=None) -> None:
    """Store a page's computed result under ``key`` with the name of the model that computed it and the
    ``inputs`` it was computed for (anything comparable with ``==``, e.g. a protein sequence)."""
    st.session_state[key] = (model, value, inputs)


def last_result(key: str, model: str, what: str, inputs=None, changed: Callable[[Any], str] | None = None):
    """The result stored under ``key`` if ``model`` computed it for ``inputs``, else None; a result of
    another model or of other inputs is not shown as this one's, and the page says so: whose it was (the
    model choice holds across pages), or ``changed(result)`` when only the inputs differ."""
    got = st.session_state.get(key)
    if got is None:
        return None
    if got[0] != model:
        st.info(f"The last {what} was computed with model `{got[0]}`; run it again for `{model}`.")
        return None
    if got[2] != inputs:
        st.info(changed(got[1]) if changed else f"The last {what} was for other inputs; run it again.")
        return None
    return got[1]


def read_input(label: str, key: str, example: Path | None = None, height: int = 120) -> str:
    """Text of an uploaded file, else of the text area (which an example button can fill)."""
    up = st.file_uploader(
        f"{label}: upload FASTA", type=["fa", "fasta", "faa", "fna", "txt"], key=f"{key}_up"
    )
    if example is not None and st.button(f"Use example ({example.name})", key=f"{key}_ex"):
        set_kept(f"{key}_txt", example.read_text())
    # pasted text is kept when the user visits another page; an uploaded file is not (Streamlit cannot
    # put a file back into an uploader)
    text = st.text_area(f"{label}: or paste FASTA", height=height, **kept(f"{key}_txt", ""))
    if up is not None:
        text = up.getvalue().decode("utf-8", errors="replace")
    if len(text) > MAX_TEXT:
        st.error(f"{label}: {len(text):,} characters is over the limit of {MAX_TEXT:,}")
        return ""
    return text


def download(df: pd.DataFrame, name: str, label: str = "Download CSV") -> None:
    """A CSV download of ``df``, written only when clicked: a genome scan's 16k rows are 1.8 MB that would
    otherwise be encoded and sent to the browser on every rerun (Streamlit >= 1.52 takes a callable)."""
    st.download_button(
        label,
        lambda: df.to_csv(index=False).encode(),
        file_name=name,
        mime="text/csv",
        key=f"dl_{name}",
        on_click="ignore",
    )


def throttled(draw: Callable[[float], None], step: float = 0.1) -> Callable[[float], None]:
    """Wrap a progress callback so that it draws only when the fraction done has moved by ``step`` or reached 1.

    Every redraw is a message the browser renders while the scan shares the 2 cores with it: a genome scan's
    65 batches made 65 redraws, and redrawing every 10% instead made warm scans 0.2-0.9 s faster in paired
    Chromium runs (bench/README.md).
    """
    last = -1.0

    def tick(f: float) -> None:
        nonlocal last
        if f - last >= step or (f >= 1.0 > last):
            last = f
            draw(f)

    return tick


@contextmanager
def progress(text: str, step: float = 0.1) -> Iterator[Callable[[float], None]]:
    """A progress bar for the duration of the block; yields its (throttled) callback, which takes 0..1."""
    bar = st.progress(0.0, text=text)
    try:
        yield throttled(lambda f: bar.progress(f, text=f"{text} {f:.0%}"), step)
    finally:
        bar.empty()
