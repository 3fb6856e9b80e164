"""Kim (2014) CNN for sentence classification, trained from scratch (random embeddings).

Embeddings -> parallel 1-D convolutions (one per filter width) -> ReLU -> max over time ->
dropout -> linear. FLOPs are counted with FlopCounterMode once per padded batch shape.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from replication.datasets import TextData, tokenize
from replication.flop_count import FLOPS_SOURCE, ShapeFlops
from replication.models import TrialContext, TrialOutcome
from replication.models.torch_util import (
    batches,
    check_torch,
    device_name,
    resolve_device,
    seed_everything,
    synchronize,
)

PAD, UNK = 0, 1


def check_available() -> None:
    """torch is needed."""
    check_torch()


def prepare() -> None:
    """Import torch and its FLOP counter outside the metered windows."""
    import torch.utils.flop_counter  # noqa: F401


def build_vocab(texts: list[str], min_freq: int = 1) -> dict[str, int]:
    """Token -> id (0 = padding, 1 = unknown), ordered by frequency then token."""
    counts = Counter(tok for t in texts for tok in tokenize(t))
    kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
    return {tok: i + 2 for i, tok in enumerate(kept)}


def encode(texts: list[str], vocab: dict[str, int], max_len: int) -> list[list[int]]:
    """Token ids per text, truncated to max_len (at least one token)."""
    return [[vocab.get(tok, UNK) for tok in tokenize(t)][:max_len] or [UNK] for t in texts]


def make_model(
    vocab_size: int,
    emb_dim: int,
    num_filters: int,
    widths: list[int],
    dropout: float,
    num_classes: int,
):
    """The Kim CNN as a torch module."""
    import torch
    from torch import nn

    class KimCNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD)
            self.convs = nn.ModuleList(nn.Conv1d(emb_dim, num_filters, w) for w in widths)
            self.drop = nn.Dropout(dropout)
            self.out = nn.Linear(num_filters * len(widths), num_classes)

        def forward(self, ids):
            x = self.embed(ids).transpose(1, 2)
            pooled = [torch.relu(conv(x)).amax(dim=2) for conv in self.convs]
            return self.out(self.drop(torch.cat(pooled, dim=1)))

    return KimCNN()


def _pad(seqs: list[list[int]], min_len: int, device):
    import torch

    length = max(min_len, max(len(s) for s in seqs))
    out = torch.full((len(seqs), length), PAD, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return out.to(device)


def train_eval(data: TextData, params: dict[str, Any], ctx: TrialContext) -> TrialOutcome:
    """Train the CNN on train for the trial's epochs; report dev accuracy and FLOPs."""
    import torch
    import torch.nn.functional as F

    device = resolve_device(ctx.device)
    seed_everything(ctx.seed)
    max_len = int(ctx.model.get("max_len", 64))
    widths = [int(w) for w in str(params["filter_sizes"]).split(",")]
    vocab = build_vocab(data.train.texts, int(ctx.model.get("min_freq", 1)))
    train_ids = encode(data.train.texts, vocab, max_len)
    dev_ids = encode(data.dev.texts, vocab, max_len)
    train_y = torch.tensor(data.train.labels, device=device)
    model = make_model(
        len(vocab) + 2,
        int(params["emb_dim"]),
        int(params["num_filters"]),
        widths,
        float(params["dropout"]),
        data.num_classes,
    ).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=float(params["lr"]))
    epochs = ctx.epochs(params["epochs"])
    bs = int(params["batch_size"])
    gen = torch.Generator().manual_seed(ctx.seed)
    train_flops = ShapeFlops(device.type)

    synchronize(device)
    t0 = time.perf_counter()
    model.train()
    for _ in range(epochs):
        for idx in batches(len(train_ids), bs, gen):
            x = _pad([train_ids[i] for i in idx], max(widths), device)
            y = train_y[idx]

            def step():
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                return loss

            opt.zero_grad(set_to_none=True)
            train_flops.run(tuple(x.shape), step)
            opt.step()
    synchronize(device)
    train_s = time.perf_counter() - t0

    model.eval()
    infer_flops = ShapeFlops(device.type)
    correct = 0
    with torch.no_grad():
        for idx in batches(len(dev_ids), 256):
            x = _pad([dev_ids[i] for i in idx], max(widths), device)
            pred = infer_flops.run(tuple(x.shape), lambda: model(x)).argmax(dim=1)
            correct += int((pred.cpu() == torch.tensor([data.dev.labels[i] for i in idx])).sum())
    return TrialOutcome(
        val_metric=correct / len(dev_ids),
        train_flops=float(train_flops.total),
        inference_flops=float(infer_flops.total),
        flops_source=f"{FLOPS_SOURCE}, counted once per batch shape",
        train_s=train_s,
        dtype="fp32",
        device_name=device_name(device),
        params_used={**params, "epochs": epochs, "vocabulary": len(vocab)},
    )
