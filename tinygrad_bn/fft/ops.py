"""The discrete Fourier transforms as autograd ops on ComplexTensor's real (..., 2) layout.

Each is linear in its input, so its jvp is itself applied to the tangent and its backward
is its adjoint, another op here (so double backward works: the adjoint's backward is the
op again). The adjoint is taken for the real inner product of the layouts,
<u, v> = Re sum conj(u) v, which is PyTorch's convention for complex gradients
(complex_tensors/tensor.py; docs/complex.md derives each):

- FFT (complex -> complex over `axes`): y = s F z with F the unnormalized DFT (sign -1) or
  its inverse without 1/n (sign +1); the adjoint is s F^H, the same op with the other sign.
- RFFT (real -> the one-sided half, length n // 2 + 1, along `axis`): y_k = s sum_j x_j
  e^{-2 pi i jk / n}; the adjoint of g is x_j = s Re sum_{k < m} g_k e^{+2 pi i jk / n},
  RFFTAdjoint (g zero-padded to n, an unnormalized inverse DFT, the real part).

irfft is RFFTAdjoint of the half spectrum weighted by (1, 2, ..., 2, 1 if n is even):
transforms.py composes it, so its gradient is RFFT's, weighted the same (as PyTorch's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd.primitive import Function

if TYPE_CHECKING:
    from ..tensor import Tensor


def _complex(ri: np.ndarray) -> np.ndarray:
    return ri[..., 0] + 1j * ri[..., 1]


def _layout(z: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return np.stack([z.real, z.imag], -1).astype(dtype, copy=False)


class FFT(Function):
    """z = scale F x over `axes` (F the DFT, or the inverse DFT without 1/n for `inverse`);  dx
    = scale F^H g (the same op, the other direction)

    tz = scale F tx."""

    axes: tuple[int, ...]
    inverse: bool
    scale: float

    def forward(self, ri: np.ndarray) -> np.ndarray:
        transform = np.fft.ifftn if self.inverse else np.fft.fftn
        norm = "forward" if self.inverse else "backward"  # both: no 1/n
        y = transform(_complex(ri), axes=self.axes, norm=norm)
        if self.scale != 1.0:
            y *= self.scale
        return _layout(y, ri.dtype)

    def backward(self, g: Tensor) -> Tensor:
        return FFT.apply(g, axes=self.axes, inverse=not self.inverse, scale=self.scale)

    def jvp(self, t: Tensor | None) -> Tensor | None:
        return None if t is None else FFT.apply(t, axes=self.axes, inverse=self.inverse,
                                                scale=self.scale)


class RFFT(Function):
    """z_k = scale sum_j x_j e^{-2 pi i jk/n}, k <= n // 2, along `axis` (x real);  dx =
    RFFTAdjoint(g)

    tz = RFFT(tx)."""

    axis: int
    scale: float

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = np.fft.rfft(x, axis=self.axis)
        if self.scale != 1.0:
            y *= self.scale
        return _layout(y, x.dtype)

    def backward(self, g: Tensor) -> Tensor:
        n = self.parents[0].shape[self.axis]
        return RFFTAdjoint.apply(g, axis=self.axis, n=n, scale=self.scale)

    def jvp(self, t: Tensor | None) -> Tensor | None:
        return None if t is None else RFFT.apply(t, axis=self.axis, scale=self.scale)


class RFFTAdjoint(Function):
    """z_j = scale Re sum_{k < m} x_k e^{+2 pi i jk/n} along `axis` (x complex, m <= n: a
    half spectrum zero-padded to n);  dx = RFFT(g)

    tz = RFFTAdjoint(tx)."""

    axis: int
    n: int
    scale: float

    def forward(self, ri: np.ndarray) -> np.ndarray:
        g = _complex(ri)
        widths = [(0, 0)] * g.ndim
        widths[self.axis] = (0, self.n - g.shape[self.axis])
        x = np.fft.ifft(np.pad(g, widths), axis=self.axis, norm="forward").real
        if self.scale != 1.0:
            x *= self.scale
        return x.astype(ri.dtype, copy=False)

    def backward(self, g: Tensor) -> Tensor:
        return RFFT.apply(g, axis=self.axis, scale=self.scale)

    def jvp(self, t: Tensor | None) -> Tensor | None:
        return None if t is None else RFFTAdjoint.apply(t, axis=self.axis, n=self.n,
                                                        scale=self.scale)
