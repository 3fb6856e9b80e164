"""Small torch helpers shared by the torch trainers (imported only by them)."""

from __future__ import annotations

import random

from corpus.errors import ConfigError


def check_torch() -> None:
    """Raise ConfigError when torch is not installed."""
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            "this recipe needs torch: pip install 'greenlens[replication]' (torch==2.13.0)"
        ) from exc


def resolve_device(device: str):
    """A torch.device, or ConfigError when CUDA is asked for but absent."""
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(
            f"--device {device}: torch sees no CUDA GPU "
            f"(torch {torch.__version__}); use --device cpu"
        )
    return torch.device(device)


def device_name(device) -> str:
    """The GPU's name for cuda devices, 'cpu' otherwise."""
    import torch

    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def synchronize(device) -> None:
    """Wait for queued GPU work so that timings and energy windows cover it."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def batches(n: int, batch_size: int, generator=None):
    """Index batches over range(n), shuffled when a torch generator is given."""
    import torch

    order = (
        torch.randperm(n, generator=generator).tolist() if generator is not None else list(range(n))
    )
    for i in range(0, n, batch_size):
        yield order[i : i + batch_size]
