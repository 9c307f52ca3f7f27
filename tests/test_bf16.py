"""The bfloat16 path: 2D LSTM under autocast (bf16 matmuls, fp32 states) against fp32."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grenimja.dataset import load_dataset
from grenimja.embedding import Embeddings
from grenimja.evaluate import score_split
from grenimja.metrics import binary_metrics
from grenimja.model.io import load_model
from grenimja.model.lstm2d import LSTM2D

# bf16 keeps 8 significant bits (relative rounding ~4e-3 per matmul); hidden states lie in (-1, 1), and
# with the states kept in fp32 the error does not grow along the 16 x 16 grid: 2.3e-3 measured at H = 64
BF16_ATOL = 1e-2


@pytest.mark.parametrize("ta,td", [(16, 5), (16, 16)])
def test_bf16_autocast_wavefront_is_within_tolerance_of_the_fp32_cell_loop(ta, td):
    torch.manual_seed(ta + td)
    m = LSTM2D(64, 64, 64)
    tf, gene = torch.randn(4, ta, 64), torch.randn(4, td, 64)
    with torch.no_grad():
        ref = m.forward_cells(tf, gene)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = m(tf, gene)
    assert out.dtype == torch.float32  # the state is returned in fp32
    err = (out - ref).abs().max().item()
    assert 0 < err < BF16_ATOL  # > 0: the matmuls did run in bf16


def test_bf16_scoring_keeps_the_fp32_validation_auroc(tiny_model_dir, small_dataset):
    emb = Embeddings.load(tiny_model_dir / "embeddings.npz")
    model, _ = load_model(tiny_model_dir / "unknown.pt", emb)
    ds = load_dataset(small_dataset)
    for negatives in ("paper", "degree-matched"):
        fp32 = score_split(model, emb, ds, "unknown", "valid", negatives)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            bf16 = score_split(model, emb, ds, "unknown", "valid", negatives)
        assert len(fp32) > 100 and fp32["label"].nunique() == 2
        a = binary_metrics(fp32["label"].to_numpy(), fp32["score"].to_numpy())["auroc"]
        b = binary_metrics(bf16["label"].to_numpy(), bf16["score"].to_numpy())["auroc"]
        assert abs(a - b) <= 0.005, (negatives, a, b)
        assert 0 < np.abs(fp32["score"].to_numpy() - bf16["score"].to_numpy()).max() < 0.02
