"""More in-place twins, as PyTorch names them: of the special functions (digamma_,
lgamma_, i0_, sinc_, polygamma_, mvlgamma_, nextafter_), of the products addbmm_ and
addr_, and conj_physical_ (nothing to do for a real tensor).

Each is `x.name_(...)` = write `x.name(...)` into x itself through `_write`
(tensor_methods/inplace.py), as the twins of inplace_math.py: version counters, views,
the refusal on a leaf that requires grad, and the write recorded in the graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import names_errors
from .inplace_math import _twin

if TYPE_CHECKING:
    from ..tensor import Tensor


class InplaceMoreMethods:
    """The mixin of Tensor's in-place special functions and products."""

    __slots__ = ()

    digamma_ = _twin("digamma")
    lgamma_ = _twin("lgamma")
    i0_ = _twin("i0")
    sinc_ = _twin("sinc")
    nextafter_ = _twin("nextafter", binary=True)

    def polygamma_(self, n: int) -> Tensor:
        """x.polygamma(n) written into x in place."""
        return self._write("polygamma_", lambda t: t.polygamma(n))

    def mvlgamma_(self, p: int) -> Tensor:
        """x.mvlgamma(p) written into x in place."""
        return self._write("mvlgamma_", lambda t: t.mvlgamma(p))

    @names_errors("addbmm_")
    def addbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """x.addbmm(batch1, batch2, beta=, alpha=) written into x in place."""
        return self._write("addbmm_", lambda t: t.addbmm(batch1, batch2, beta=beta,
                                                         alpha=alpha))

    @names_errors("addr_")
    def addr_(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """x.addr(vec1, vec2, beta=, alpha=) written into x in place."""
        return self._write("addr_", lambda t: t.addr(vec1, vec2, beta=beta, alpha=alpha))

    def conj_physical_(self) -> Tensor:
        """The conjugate in place: x unchanged for a real tensor."""
        return self
