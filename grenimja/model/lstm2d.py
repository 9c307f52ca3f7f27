"""2D LSTM over the (TF position i) x (gene position j) grid, with the paper's lambda gate.

Cell (i, j) sees x = [tf_i, gene_j], its left neighbour (i, j-1) and upper neighbour (i-1, j):

    i, f, o, l = sigmoid(.), g = tanh(.)
    c = f * (l * c_left + (1 - l) * c_up) + i * g
    h = o * tanh(c)

Two exact speed-ups: the input projection W [tf_i, gene_j] = W_tf tf_i + W_gene gene_j is computed once
per row and once per column, and the cells of one anti-diagonal (i + j = d) are independent, so the grid
takes Ta + Td - 1 steps instead of Ta x Td.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class LSTM2D(nn.Module):
    """2D LSTM; returns the hidden state of the last cell (Ta-1, Td-1).

    Parameters
    ----------
    tf_dim, gene_dim
        Feature widths of the TF rows and gene columns.
    hidden
        Hidden / cell state width H.
    """

    def __init__(self, tf_dim: int, gene_dim: int, hidden: int):
        super().__init__()
        self.hidden = hidden
        self.w_tf = nn.Linear(tf_dim, 5 * hidden)
        self.w_gene = nn.Linear(gene_dim, 5 * hidden, bias=False)
        self.u = nn.Linear(2 * hidden, 5 * hidden, bias=False)  # [h_left, h_up] -> gates

    def project_tf(self, tf: torch.Tensor) -> torch.Tensor:
        """(B, Ta, tf_dim) -> (B, Ta, 5H): the per-row part of the input projection."""
        return self.w_tf(tf)

    def project_gene(self, gene: torch.Tensor) -> torch.Tensor:
        """(B, Td, gene_dim) -> (B, Td, 5H): the per-column part of the input projection."""
        return self.w_gene(gene)

    def _cell(self, x: torch.Tensor, h_left, c_left, h_up, c_up):
        z = x + self.u(torch.cat([h_left, h_up], dim=-1))
        i, f, o, lam, g = z.chunk(5, dim=-1)
        i, f, o, lam = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o), torch.sigmoid(lam)
        c = f * (lam * c_left + (1 - lam) * c_up) + i * torch.tanh(g)
        return o * torch.tanh(c), c

    def mix(self, xt: torch.Tensor, xg: torch.Tensor) -> torch.Tensor:
        """Wavefront over anti-diagonals.

        Parameters
        ----------
        xt : (B, Ta, 5H) projected TF rows (B may be 1 and is then broadcast)
        xg : (B, Td, 5H) projected gene columns

        Returns
        -------
        (B, H) hidden state of the last cell.
        """
        b = max(xt.shape[0], xg.shape[0])
        ta, td, hdim = xt.shape[1], xg.shape[1], self.hidden
        xt = xt.expand(b, -1, -1)
        xg = xg.expand(b, -1, -1)
        # state of the previous diagonal, indexed by row i: cell (i, d-1-i)
        h_prev = xt.new_zeros(b, ta, hdim)
        c_prev = xt.new_zeros(b, ta, hdim)
        zero = xt.new_zeros(b, 1, hdim)
        for d in range(ta + td - 1):
            lo, hi = max(0, d - td + 1), min(d, ta - 1)
            rows = slice(lo, hi + 1)
            cols = torch.arange(d - lo, d - hi - 1, -1, device=xt.device)  # j = d - i for i in rows
            x = xt[:, rows] + xg[:, cols]
            # left (i, j-1) is row i of the previous diagonal; for j = 0 that row is a zero pad
            h_left, c_left = h_prev[:, rows], c_prev[:, rows]
            if lo == 0:
                h_up = torch.cat([zero, h_prev[:, :hi]], dim=1)
                c_up = torch.cat([zero, c_prev[:, :hi]], dim=1)
            else:
                h_up, c_up = h_prev[:, lo - 1 : hi], c_prev[:, lo - 1 : hi]
            h, c = self._cell(x, h_left, c_left, h_up, c_up)
            # back to full height (rows outside this diagonal are zero) for the next step's neighbours
            pad = (0, 0, lo, ta - 1 - hi)
            h_prev, c_prev = F.pad(h, pad), F.pad(c, pad)
        return h_prev[:, ta - 1]

    def forward(self, tf: torch.Tensor, gene: torch.Tensor) -> torch.Tensor:
        """(B, Ta, tf_dim), (B, Td, gene_dim) -> (B, H)."""
        return self.mix(self.project_tf(tf), self.project_gene(gene))

    def forward_cells(self, tf: torch.Tensor, gene: torch.Tensor) -> torch.Tensor:
        """Reference: plain cell-by-cell loop on the concatenated input (slow; for tests and benchmarks)."""
        b, ta, td, hdim = tf.shape[0], tf.shape[1], gene.shape[1], self.hidden
        w = torch.cat([self.w_tf.weight, self.w_gene.weight], dim=1)
        h = [[None] * td for _ in range(ta)]
        c = [[None] * td for _ in range(ta)]
        zero = tf.new_zeros(b, hdim)
        for i in range(ta):
            for j in range(td):
                x = torch.cat([tf[:, i], gene[:, j]], dim=-1) @ w.T + self.w_tf.bias
                hl, cl = (h[i][j - 1], c[i][j - 1]) if j > 0 else (zero, zero)
                hu, cu = (h[i - 1][j], c[i - 1][j]) if i > 0 else (zero, zero)
                h[i][j], c[i][j] = self._cell(x, hl, cl, hu, cu)
        return h[ta - 1][td - 1]
