"""PyTorch's `torch.signal`: its window functions, `tg.signal.windows` (windows.py)."""

from . import windows

__all__ = ["windows"]
