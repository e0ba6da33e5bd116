"""`tg.backends.cudnn`: PyTorch's flags with PyTorch's defaults, stored and unused (no
cuDNN here; NumPy's CPU kernels are deterministic already)."""

from __future__ import annotations

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: no cuDNN."""
    return False


def version() -> None:
    """None: no cuDNN."""
    return None
