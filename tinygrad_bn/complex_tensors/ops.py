"""The two complex ops whose gradient is not a composite's: |z| and arg z, on the
(..., 2) real layout of a ComplexTensor (tg.view_as_real's: [..., 0] the real part,
[..., 1] the imaginary part).

Gradients are PyTorch's convention for complex autograd: for a real loss L of z = x + iy,
z's gradient is dL/dx + i dL/dy (twice the conjugate Wirtinger derivative dL/dz*), which on
the real layout is the plain gradient of L in (x, y). At z = 0, where neither function is
differentiable, both give 0, as PyTorch's (abs: sgn(0) = 0; angle: its where(z == 0)).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd.primitive import Function

if TYPE_CHECKING:
    from ..tensor import Tensor


def _safe(r: Tensor) -> Tensor:
    """r where r > 0, else 1: a denominator that is never 0 (the numerators there are 0)."""
    return r.where(r > 0, 1.0)


class ComplexAbs(Function):
    """z = |x| = sqrt(re^2 + im^2) (x the (..., 2) layout);  dx = g x / |x| (0 at x = 0)

    tz = <x, tx> / |x| (0 at x = 0)."""

    uses_output = True
    saves_inputs = (0,)

    def forward(self, ri: np.ndarray) -> np.ndarray:
        return np.hypot(ri[..., 0], ri[..., 1])

    def backward(self, g: Tensor) -> Tensor:
        (ri,) = self.parents
        r = self.output
        return ri * (g * (r > 0) / _safe(r)).unsqueeze(-1)

    def jvp(self, t: Tensor | None) -> Tensor | None:
        if t is None:
            return None
        (ri,) = self.parents
        r = self.output
        return (ri * t).sum(-1) * (r > 0) / _safe(r)


class ComplexAngle(Function):
    """z = arg x = atan2(im, re);  dx = g (-im, re) / |x|^2 (0 at x = 0)

    tz = (re t_im - im t_re) / |x|^2 (0 at x = 0)."""

    saves_inputs = (0,)

    def forward(self, ri: np.ndarray) -> np.ndarray:
        return np.arctan2(ri[..., 1], ri[..., 0])

    def _per_unit(self) -> tuple[Tensor, Tensor]:
        """(-y, x) / |z|^2 as one (..., 2) Tensor, and the mask z != 0."""
        (ri,) = self.parents
        r2 = (ri * ri).sum(-1)
        rotated = ri.flip(-1) * ri.new_tensor([-1.0, 1.0])
        return rotated / _safe(r2).unsqueeze(-1), r2 > 0

    def backward(self, g: Tensor) -> Tensor:
        per_unit, nonzero = self._per_unit()
        return per_unit * (g * nonzero).unsqueeze(-1)

    def jvp(self, t: Tensor | None) -> Tensor | None:
        if t is None:
            return None
        per_unit, nonzero = self._per_unit()
        return (per_unit * t).sum(-1) * nonzero
