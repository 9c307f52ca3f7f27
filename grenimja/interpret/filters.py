"""First-layer conv filters as motifs (DeepBind method, paper Tables 3 and 4).

For filter f the activations v over all training sequences and positions give the cut
Z = 0.6 * max(v - u) + u with u = mean(v); the input windows of positions with v > Z are stacked and
counted into a position probability matrix (PPM). Protein PPMs are compared with PROSITE by Tomtom;
for DNA filters the two most frequent bases per filter are tallied (AT, GC, ...).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import torch

from grenimja.interpret.prosite import AA

DNA = "ACGT"


@torch.no_grad()
def filter_ppms(
    encoder,
    tokens: torch.Tensor,
    seqs: list[str],
    k: int,
    alphabet: str,
    align: str = "left",
    length: int | None = None,
    batch: int = 256,
) -> tuple[list[np.ndarray], np.ndarray]:
    """PPM per first-layer filter from the windows where it is active.

    Parameters
    ----------
    encoder
        A :class:`grenimja.model.network.SeqEncoder`.
    tokens
        (N, T) token indices of ``seqs`` as the model sees them.
    seqs
        The sequences (upper case), to read residues of active windows.
    k
        k-mer size of the tokens; a window of ``kernel`` tokens spans ``kernel + k - 1`` residues.
    align, length
        How sequences were padded / cut into ``tokens`` (see :meth:`grenimja.tokenize.Vocab.encode`).

    Returns
    -------
    ppms : list of (len(alphabet), kernel + k - 1) arrays (all-zero when a filter is never active)
    n_active : (n_filters,) number of active windows per filter
    """
    acts = torch.cat([encoder.first_layer(tokens[i : i + batch]) for i in range(0, len(tokens), batch)])
    acts = acts.numpy()  # (N, F, P)
    kernel = encoder.conv.kernel_size[0]
    stride = encoder.conv.stride[0]
    width = kernel + k - 1
    n_tok = tokens.shape[1]
    u = acts.mean(axis=(0, 2))
    z = 0.6 * (acts.max(axis=(0, 2)) - u) + u
    index = {c: i for i, c in enumerate(alphabet)}
    counts = np.zeros((acts.shape[1], len(alphabet), width))
    n_active = np.zeros(acts.shape[1], dtype=np.int64)
    for n, s in enumerate(seqs):
        total = length if length is not None else len(s)
        s = s[:total] if align == "left" else s[-total:]
        offset = 0 if align == "left" else (n_tok + k - 1) - len(s)  # residues of padding on the left
        f_idx, p_idx = np.nonzero(acts[n] > z[:, None])
        for f, p in zip(f_idx, p_idx, strict=True):
            start = p * stride - offset
            win = s[max(start, 0) : start + width]
            if len(win) < width:
                continue  # window overlaps padding
            n_active[f] += 1
            for j, ch in enumerate(win):
                if ch in index:
                    counts[f, index[ch], j] += 1
    ppms = [c / c.sum(axis=0, keepdims=True) if c.sum() else c for c in counts]
    return ppms, n_active


def trim(ppm: np.ndarray, min_ic: float = 0.3) -> np.ndarray:
    """Cut low-information flanks (bits below ``min_ic``) off a PPM."""
    a = ppm.shape[0]
    p = np.clip(ppm, 1e-9, 1)
    ic = np.log2(a) + (p * np.log2(p)).sum(axis=0)
    keep = np.flatnonzero(ic >= min_ic)
    return ppm[:, keep[0] : keep[-1] + 1] if len(keep) else ppm


def tomtom_matches(
    ppms: list[np.ndarray], targets: pd.DataFrame, n_active: np.ndarray, q_cut: float = 0.05
) -> pd.DataFrame:
    """Best PROSITE match per active protein filter (Tomtom p-value, BH q-value over all comparisons).

    ``targets`` needs columns id, accession, description, ppm. Returns one row per filter with any
    activity: filter, n_active, relative_frequency, best id / description, p_value, q_value, significant.
    """
    from memelite import tomtom

    active = [i for i, c in enumerate(n_active) if c > 0]
    if not active:
        return pd.DataFrame()
    qs = [trim(ppms[i]).astype(np.float64) for i in active]
    ts = [m.astype(np.float64) for m in targets["ppm"]]
    p = tomtom(qs, ts, reverse_complement=False, n_target_bins=None, n_jobs=1)[0]
    q = _bh(p.ravel()).reshape(p.shape)
    best = p.argmin(axis=1)
    total = n_active[active].sum()
    rows = []
    for r, f in enumerate(active):
        t = best[r]
        rows.append(
            {
                "filter": f,
                "n_active": int(n_active[f]),
                "relative_frequency": n_active[f] / total,
                "prosite_id": targets["id"].iloc[t],
                "accession": targets["accession"].iloc[t],
                "description": targets["description"].iloc[t],
                "p_value": float(p[r, t]),
                "q_value": float(q[r, t]),
                "significant": bool(q[r, t] < q_cut),
            }
        )
    return pd.DataFrame(rows).sort_values("p_value", ignore_index=True)


def _bh(p: np.ndarray) -> np.ndarray:
    n = len(p)
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1)
    return out


def prosite_table(matches: pd.DataFrame) -> pd.DataFrame:
    """Table 3 style: per PROSITE motif matched significantly, its filters and their relative frequency."""
    sig = matches[matches["significant"]] if len(matches) else matches
    if sig.empty:
        return pd.DataFrame(
            columns=["prosite_id", "description", "filters", "relative_frequency", "best_q_value"]
        )
    return (
        sig.groupby(["prosite_id", "description"])
        .agg(
            filters=("filter", "count"),
            relative_frequency=("relative_frequency", "sum"),
            best_q_value=("q_value", "min"),
        )
        .reset_index()
        .sort_values("relative_frequency", ascending=False, ignore_index=True)
    )


def dna_top2(ppms: list[np.ndarray], n_active: np.ndarray) -> pd.DataFrame:
    """Table 4 style: the two most frequent bases of each active DNA filter, tallied (AT, GC, ...)."""
    pairs = Counter()
    for ppm, n in zip(ppms, n_active, strict=True):
        if n == 0:
            continue
        top = np.argsort(-ppm.sum(axis=1), kind="stable")[:2]
        pairs["".join(sorted(DNA[i] for i in top))] += 1
    total = sum(pairs.values())
    return pd.DataFrame([{"pair": k, "filters": v, "frequency": v / total} for k, v in pairs.most_common()])


def _letter_paths(alphabet: str, widest: str = "E") -> tuple[dict[str, tuple], float]:
    """Per letter: its path at size 1 in logomaker's default glyph font (sans, bold) and its extents; and
    the width of ``widest`` (logomaker's ``dont_stretch_more_than``: no letter is stretched wider than it)."""
    from matplotlib import font_manager
    from matplotlib.textpath import TextPath

    font = font_manager.FontProperties(family="sans", weight="bold")
    paths = {c: TextPath((0, 0), c, size=1, prop=font) for c in alphabet}
    wide = TextPath((0, 0), widest, size=1, prop=font).get_extents().width
    return {c: (p, p.get_extents()) for c, p in paths.items()}, wide


def logo_stacks(ppm: np.ndarray, alphabet: str) -> list[tuple[int, str, float, float]]:
    """The letters of an information-content logo as (position, letter, floor, ceiling) in bits.

    ``ppm``: (len(alphabet), width) letter probabilities per position. Heights are logomaker's
    ``transform_matrix`` to information; at each position the letters are stacked from 0 up, largest on
    top, as ``logomaker.Logo`` stacks them. Letters of height 0 are left out.
    """
    import logomaker

    df = pd.DataFrame(ppm.T, columns=list(alphabet))
    info = logomaker.transform_matrix(df, from_type="probability", to_type="information").to_numpy()
    out = []
    for pos, heights in enumerate(info):
        floor = 0.0
        for a in np.argsort(heights):
            h = float(heights[a])
            if h > 0:
                out.append((pos, alphabet[a], floor, floor + h))
            floor += h
    return out


def logo_png(ppm: np.ndarray, alphabet: str, title: str = "") -> bytes:
    """Information-content sequence logo (:func:`logo_stacks`) as PNG bytes, 100 dpi, 1.8 in high.

    Colours are logomaker's schemes ("chemistry" for protein, "classic" for DNA) and each letter is shaped
    as ``logomaker.Glyph`` shapes it (width 0.95, narrow letters stretched no wider than "E"). The glyphs
    are drawn here rather than by ``logomaker.Logo``, which makes a new text path for each of the 660
    letters of a 33-position protein filter and adds them to the axes one by one (~3.5 s a logo); here
    each letter's path is made once and all glyphs go in one collection (0.2-0.5 s).
    """
    import io

    import matplotlib
    from logomaker.src.colors import get_color_dict
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.transforms import Affine2D

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = get_color_dict("chemistry" if alphabet == AA else "classic", list(alphabet))
    letters, widest = _letter_paths(alphabet)
    glyph_width = 0.95
    patches, top = [], 1e-9
    for pos, c, floor, ceiling in logo_stacks(ppm, alphabet):
        path, ext = letters[c]
        sx = glyph_width / max(ext.width, widest)
        shift = (glyph_width - sx * ext.width) / 2
        to_box = (
            Affine2D()
            .translate(-ext.xmin, -ext.ymin)
            .scale(sx, (ceiling - floor) / ext.height)
            .translate(pos - glyph_width / 2 + shift, floor)
        )
        patches.append(PathPatch(to_box.transform_path(path), facecolor=colors[c], linewidth=0))
        top = max(top, ceiling)
    width = max(4, ppm.shape[1] * 0.3)
    fig, ax = plt.subplots(figsize=(width, 1.8))
    ax.add_collection(PatchCollection(patches, match_original=True, zorder=0))
    ax.axhline(0, color="black", linewidth=0.5, zorder=-1)  # Logo's baseline
    ax.set_xlim(-0.5, ppm.shape[1] - 0.5)
    ax.set_ylim(0, top)
    ax.set_title(title, fontsize=9)
    ax.set_ylabel("bits")
    buf = io.BytesIO()
    # fixed margins: tight_layout would measure every glyph's extent again
    fig.subplots_adjust(left=0.6 / width, right=1 - 0.1 / width, bottom=0.17, top=0.85)
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()
