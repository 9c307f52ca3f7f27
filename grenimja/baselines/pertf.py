"""Per-TF deep baselines on promoter one-hot (known-TF split only: they cannot score unseen TFs).

Small CPU versions of the paper's baselines, trained on a seeded random subset of TFs:

- DeepRAM-style: conv -> max-pool -> LSTM, one model per TF.
- TBiNet-style: conv -> attention over positions -> BiLSTM, one multi-task model with one output per TF.
- CacPred-style: cascaded convolutions on the forward and reverse-complement strand (shared weights), one
  model per TF.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from grenimja.baselines.pwmscan import onehot
from grenimja.dataset import Dataset


class DeepRAMNet(nn.Module):
    def __init__(self, n_out: int = 1):
        super().__init__()
        self.conv = nn.Conv1d(4, 64, 8)
        self.lstm = nn.LSTM(64, 32, batch_first=True)
        self.fc = nn.Linear(32, n_out)

    def forward(self, x):  # x (B, L, 4)
        h = torch.max_pool1d(torch.relu(self.conv(x.transpose(1, 2))), 2).transpose(1, 2)
        _, (hn, _) = self.lstm(h)
        return self.fc(hn[-1])


class TBiNetNet(nn.Module):
    def __init__(self, n_out: int):
        super().__init__()
        self.conv = nn.Conv1d(4, 64, 8)
        self.att = nn.Linear(64, 1)
        self.lstm = nn.LSTM(64, 32, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(64, n_out)

    def forward(self, x):
        h = torch.max_pool1d(torch.relu(self.conv(x.transpose(1, 2))), 2).transpose(1, 2)
        a = torch.softmax(self.att(h), dim=1)  # attention over positions
        out, _ = self.lstm(h * a)
        return self.fc(out.mean(dim=1))


class CacPredNet(nn.Module):
    def __init__(self, n_out: int = 1):
        super().__init__()
        self.c1 = nn.Conv1d(4, 64, 7, padding=3)
        self.c2 = nn.Conv1d(64, 64, 5, padding=2)
        self.c3 = nn.Conv1d(64, 64, 3, padding=1)
        self.fc = nn.Linear(64, n_out)

    def strand(self, x):
        h1 = torch.relu(self.c1(x))
        h2 = torch.relu(self.c2(h1)) + h1  # cascade: each stage sees the previous one's output and input
        h3 = torch.relu(self.c3(h2)) + h2
        return h3.amax(dim=2)

    def forward(self, x):
        f = x.transpose(1, 2)
        rc = f.flip(1).flip(2)  # A<->T, C<->G in ACGT order, reversed
        return self.fc(torch.maximum(self.strand(f), self.strand(rc)))


class PerTFDeep:
    """Train ``arch`` ("deepram", "tbinet", "cacpred") on ``n_tfs`` random TFs of the split's train part."""

    NAMES = {
        "deepram": "DeepRAM-style (per TF)",
        "tbinet": "TBiNet-style (multi-task)",
        "cacpred": "CacPred-style (per TF)",
    }

    def __init__(
        self, arch: str, n_tfs: int = 12, epochs: int = 10, seed: int = 0, max_pairs_per_tf: int = 3000
    ):
        self.arch, self.n_tfs, self.epochs, self.seed = arch, n_tfs, epochs, seed
        self.max_pairs_per_tf = max_pairs_per_tf
        self.name = self.NAMES[arch]

    def _fit_one(
        self, net: nn.Module, x: torch.Tensor, y: torch.Tensor, task: torch.Tensor | None
    ) -> nn.Module:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        g = torch.Generator().manual_seed(self.seed)
        net.train()
        for _ in range(self.epochs):
            perm = torch.randperm(len(x), generator=g)
            for s in range(0, len(x), 64):
                b = perm[s : s + 64]
                out = net(x[b])
                out = out.gather(1, task[b, None]).squeeze(1) if task is not None else out.squeeze(1)
                loss = nn.functional.binary_cross_entropy_with_logits(out, y[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
        return net.eval()

    def fit(self, ds: Dataset, split: str) -> PerTFDeep:
        torch.manual_seed(self.seed)
        tr = ds.split(split, "train")
        rng = np.random.default_rng(self.seed)
        all_tfs = np.array(sorted(set(tr["tf_i"])))
        self.tfs = [
            int(t) for t in np.sort(rng.choice(all_tfs, min(self.n_tfs, len(all_tfs)), replace=False))
        ]
        self.tf_names = ds.tfs["tf"].to_numpy()[self.tfs].tolist()
        length = int(ds.genes["promoter"].str.len().min())
        self.x = torch.as_tensor(onehot(ds.genes["promoter"].tolist(), length))
        sub = tr[tr["tf_i"].isin(self.tfs)]
        # CPU budget: at most max_pairs_per_tf training pairs per TF (seeded sample)
        sub = (
            sub.sample(frac=1.0, random_state=self.seed)
            .groupby("tf_i")
            .head(self.max_pairs_per_tf)
            .sort_index()
        )
        if self.arch == "tbinet":
            task_of = {t: k for k, t in enumerate(self.tfs)}
            self.nets = {
                "all": self._fit_one(
                    TBiNetNet(len(self.tfs)),
                    self.x[torch.tensor(sub["gene_i"].to_numpy())],
                    torch.tensor(sub["label"].to_numpy(), dtype=torch.float32),
                    torch.tensor(sub["tf_i"].map(task_of).to_numpy()),
                )
            }
            self.task_of = task_of
        else:
            cls = DeepRAMNet if self.arch == "deepram" else CacPredNet
            self.nets = {}
            for t in self.tfs:
                s = sub[sub["tf_i"] == t]
                self.nets[t] = self._fit_one(
                    cls(),
                    self.x[torch.tensor(s["gene_i"].to_numpy())],
                    torch.tensor(s["label"].to_numpy(), dtype=torch.float32),
                    None,
                )
        self.coverage_note = (
            f"trained on {len(self.tfs)} random TFs (seed {self.seed}): {', '.join(self.tf_names)}"
        )
        return self

    @torch.no_grad()
    def score(self, pairs: pd.DataFrame) -> np.ndarray:
        out = np.full(len(pairs), np.nan)
        for tf, idx in pairs.groupby("tf_i").indices.items():
            if tf not in self.tfs:
                continue
            x = self.x[torch.tensor(pairs["gene_i"].to_numpy()[idx])]
            if self.arch == "tbinet":
                logit = self.nets["all"](x)[:, self.task_of[tf]]
            else:
                logit = self.nets[tf](x).squeeze(1)
            out[idx] = torch.sigmoid(logit).numpy()
        return out
