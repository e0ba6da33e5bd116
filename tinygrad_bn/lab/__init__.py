"""Tools for studying autograd and batch norm from inside a model.

- `Monitor(model)`: per-layer activation and gradient statistics (saturated or dead units)
  and per-parameter update:data ratios at every training step, with the figures;
- `check_grad(name, manual, tensor)`: a hand-written gradient against autograd's, one
  printed table row; `retain(t)` and `retain_all()` keep the intermediates' gradients.
"""

from .check import GradCheck, check_grad, retain, retain_all
from .monitor import Monitor

__all__ = ["GradCheck", "Monitor", "check_grad", "retain", "retain_all"]
