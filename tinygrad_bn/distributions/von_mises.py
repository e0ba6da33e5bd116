"""The von Mises distribution on the circle (PyTorch's `torch.distributions.VonMises`):

    log p(x) = kappa cos(x - loc) - log(2 pi I0(kappa))
    mean = mode = loc,   circular variance 1 - I1(kappa) / I0(kappa)

log I0 and I1 / I0 come from the exponentially scaled Bessel functions i0e and i1e
(exact to float64; PyTorch uses Abramowitz and Stegun's polynomial fits, good to ~1e-7
relative, so values differ from PyTorch's at that level). Draws by Best and Fisher's
(1979) rejection sampler in float64, wrapped to [-pi, pi); no rsample.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..creation import rand
from ..dtypes import float64
from ..modes import no_grad
from ..special import i0e, i1e
from ..tensor import Tensor
from . import constraints
from .continuous import _expand_params
from .distribution import Distribution, SymmetricAboutLoc, broadcast_all

__all__ = ["VonMises"]


def _log_i0(kappa: Tensor) -> Tensor:
    return i0e(kappa).log() + kappa


class VonMises(SymmetricAboutLoc):
    """The circular normal distribution of mean direction loc and concentration kappa."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_all("VonMises", loc, concentration)
        super().__init__(tuple(self.loc.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return _expand_params(self, ("loc", "concentration"), batch_shape, _instance)

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        return self.concentration * (value - self.loc).cos() - math.log(2 * math.pi) \
            - _log_i0(self.concentration)

    @property
    def variance(self) -> Tensor:
        return 1 - i1e(self.concentration) / i0e(self.concentration)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Best-Fisher: propose from a wrapped Cauchy envelope of parameter r, accept by
        the ratio test; repeated for the rejected entries only."""
        with no_grad():
            shape = tuple(self._extended_shape(sample_shape))
            loc = np.broadcast_to(self.loc.detach().numpy().astype(np.float64), shape)
            kappa = np.broadcast_to(self.concentration.detach().numpy().astype(np.float64),
                                    shape)
            with np.errstate(divide="ignore", invalid="ignore"):
                tau = 1 + np.sqrt(1 + 4 * kappa ** 2)
                rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
                r = np.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho ** 2) / (2 * rho))
            x = np.zeros(shape)
            done = np.zeros(shape, dtype=bool)
            while not done.all():
                u1, u2, u3 = rand((3, *shape), dtype=float64).numpy()
                z = np.cos(math.pi * u1)
                f = (1 + r * z) / (r + z)
                c = kappa * (r - f)
                with np.errstate(divide="ignore", invalid="ignore"):
                    accept = ((c * (2 - c) - u2) > 0) | (np.log(c / u2) + 1 - c >= 0)
                accept &= ~done
                x = np.where(accept, np.sign(u3 - 0.5) * np.arccos(np.clip(f, -1, 1)), x)
                done |= accept
            wrapped = np.mod(x + math.pi + loc, 2 * math.pi) - math.pi
            return Tensor(wrapped.astype(self.loc.dtype))
