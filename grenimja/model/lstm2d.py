"""2D LSTM over the (TF position i) x (gene position j) grid, with the paper's lambda gate.

Cell (i, j) sees x = [tf_i, gene_j], its left neighbour (i, j-1) and upper neighbour (i-1, j):

    i, f, o, l = sigmoid(.), g = tanh(.)
    c = f * (l * c_left + (1 - l) * c_up) + i * g
    h = o * tanh(c)

Exact speed-ups: the input projection W [tf_i, gene_j] = W_tf tf_i + W_gene gene_j is computed once
per row and once per column; the cells of one anti-diagonal (i + j = d) are independent, so the grid
takes Ta + Td - 1 steps instead of Ta x Td; and each step is one matmul and one sigmoid (:meth:`LSTM2D.mix`).
"""

from __future__ import annotations

import torch
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
        """Wavefront over anti-diagonals, one fused gate step per diagonal.

        Parameters
        ----------
        xt : (B, Ta, 5H) projected TF rows (B may be 1 and is then broadcast)
        xg : (B, Td, 5H) projected gene columns

        Returns
        -------
        (B, H) hidden state of the last cell.

        Notes
        -----
        Equal to :meth:`forward_cells` up to float rounding (tests: 1e-5). Per diagonal: one ``addmm`` adds
        ``[h_left, h_up] U^T`` to the inputs, and one sigmoid covers all five gate blocks, with
        tanh(a) = 2 sigmoid(2a) - 1 (the g block's weights and inputs are doubled once, up front): on this
        2-core CPU, torch's tanh costs ~3x a sigmoid per element and the elementwise work, not the matmul,
        was most of the step. States are kept for the cells of the current diagonal only, with a zero
        neighbour added at the grid's edges, so nothing is padded to full height. Under ``torch.autocast``
        (bfloat16) the matmuls run in bf16 and the gates and the recurrent states stay in fp32.
        """
        b = max(xt.shape[0], xg.shape[0])
        ta, td, hdim = xt.shape[1], xg.shape[1], self.hidden
        scale = xt.new_ones(5 * hdim)
        scale[4 * hdim :] = 2.0
        xt = xt * scale
        # gene columns reversed: the columns j = d - i of diagonal d, for ascending rows i, are then a slice
        xg_rev = xg.flip(1) * scale
        ut = self.u.weight.t() * scale
        h_prev = c_prev = xt.new_zeros(0)
        for d in range(ta + td - 1):
            lo, hi = max(0, d - td + 1), min(d, ta - 1)
            n = hi - lo + 1
            x = xt[:, lo : hi + 1] + xg_rev[:, td - 1 - d + lo : td - d + hi]
            x = x.expand(b, n, 5 * hdim).reshape(b * n, 5 * hdim)
            if d == 0:
                i, f, o, lam, g = torch.sigmoid(x.float()).split(hdim, dim=-1)
                c = i * (2 * g - 1)
            else:
                # the previous diagonal holds rows lo_p..d-1; left of (i, j) is its row i, up is row i-1
                lo_p = max(0, d - td)
                h_left, c_left = h_prev[:, lo - lo_p : lo - lo_p + n], c_prev[:, lo - lo_p : lo - lo_p + n]
                if hi == d:  # cell (d, 0) has no left neighbour
                    zero = h_prev.new_zeros(b, 1, hdim)
                    h_left, c_left = torch.cat([h_left, zero], 1), torch.cat([c_left, zero], 1)
                if lo == 0:  # cell (0, d) has no upper neighbour
                    zero = h_prev.new_zeros(b, 1, hdim)
                    h_up, c_up = (
                        torch.cat([zero, h_prev[:, : n - 1]], 1),
                        torch.cat([zero, c_prev[:, : n - 1]], 1),
                    )
                else:
                    h_up, c_up = (
                        h_prev[:, lo - 1 - lo_p : lo - 1 - lo_p + n],
                        c_prev[:, lo - 1 - lo_p : lo - 1 - lo_p + n],
                    )
                hh = torch.cat([h_left, h_up], dim=-1).reshape(b * n, 2 * hdim)
                # .float(): under bf16 autocast the matmul runs in bf16, while gates and states stay fp32
                z = torch.addmm(x, hh, ut).float()
                i, f, o, lam, g = torch.sigmoid(z).split(hdim, dim=-1)
                c_left, c_up = c_left.reshape(b * n, hdim), c_up.reshape(b * n, hdim)
                # f (lam c_left + (1 - lam) c_up) + i g
                c = f * torch.addcmul(c_up, lam, c_left - c_up) + i * (2 * g - 1)
            h = o * (2 * torch.sigmoid(2 * c) - 1)
            h_prev, c_prev = h.view(b, n, hdim), c.view(b, n, hdim)
        return h_prev[:, -1]

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
