"""Known TF -> gene interactions with their evidence (grenimja.data.known)."""

from __future__ import annotations

import pandas as pd

from grenimja.data.known import KnownInteractions
from grenimja.explorer import add_known_interactions


def _known() -> KnownInteractions:
    return KnownInteractions(
        pd.DataFrame(
            {
                "tf": ["SOX2", "SOX2", "SOX2", "SOX2", "MAX"],
                "gene": ["NANOG", "NANOG", "NANOG", "MYC", "MYC"],
                "source": ["trrust", "dorothea", "encode", "dorothea", "chea3"],
                "confidence": ["", "A", "", "E", ""],
            }
        )
    )


def test_evidence_lists_sources_in_a_fixed_order_with_dorothea_confidence():
    k = _known()
    assert k.evidence("sox2", ["NANOG", "MYC", "GAPDH", None]) == [
        "DoRothEA A; TRRUST; ENCODE ChIP-seq",
        "DoRothEA E",
        "",
        "",
    ]
    assert k.evidence("NOPE", ["MYC"]) == [""]


def test_targets_keep_dorothea_levels_a_to_d_only_by_default():
    k = _known()
    assert k.targets("SOX2") == {"NANOG"}  # MYC is level E
    assert k.targets("SOX2", levels="ABCDE") == {"NANOG", "MYC"}
    assert k.targets("MAX", sources=("chea3",)) == {"MYC"}


def test_add_known_interactions_matches_each_row_s_tf_and_gene():
    t = pd.DataFrame(
        {"tf": ["SOX2", "MAX", "SOX2"], "gene": ["myc", "MYC", "GAPDH"], "probability": [0.1, 0.2, 0.3]}
    )
    out = add_known_interactions(t, _known())
    assert out["known_interaction"].tolist() == ["DoRothEA E", "ChEA3 ChIP-seq", ""]
    assert out["probability"].tolist() == [0.1, 0.2, 0.3]


def test_the_real_databases_are_read_once_then_from_the_cache(monkeypatch, data_dir):
    import grenimja.data.known as known_mod
    from grenimja.data.sources import cache_dir

    first = known_mod.load_known_interactions(data_dir)  # reads the sources, or the cache of an earlier run
    assert list(cache_dir().glob("known_interactions_*.parquet"))

    def _no_reading(_):
        raise AssertionError("the sources were read again although the cache holds them")

    monkeypatch.setattr(known_mod, "_read_known", _no_reading)
    again = known_mod.load_known_interactions(data_dir)
    pd.testing.assert_frame_equal(first.pairs, again.pairs)
    assert first.evidence("SOX2", ["NANOG"])[0].startswith("DoRothEA A")
    assert set(first.pairs["source"]) == {"dorothea", "collectri", "trrust", "encode", "chea3"}
