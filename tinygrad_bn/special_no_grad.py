"""The functions of torch.special that PyTorch gives no gradient: their results are new
tensors outside the graph (requires_grad False whatever the input's, as PyTorch's), in
the input's floating dtype (integers compute in the default float dtype).

    bessel_j0 bessel_j1 bessel_y0 bessel_y1          Bessel functions (ops/bessel.py)
    modified_bessel_i0 modified_bessel_i1            I0, I1 (ops/gamma.py's series)
    modified_bessel_k0 modified_bessel_k1            K0, K1; scaled_...: e^x K
    spherical_bessel_j0                              sin(x) / x
    airy_ai                                          Airy's Ai
    chebyshev_polynomial_t/u/v/w (and shifted_...), hermite_polynomial_h/he,
    laguerre_polynomial_l, legendre_polynomial_p     of (input, n) (ops/orthogonal.py)

Their values are computed in float64 and agree with SciPy's to ~1e-15 (Ai to ~1e-11 near
x = -7); PyTorch's own are less exact in places (its bessel_j0 near x = 5 and airy_ai
near x = -2 are off by ~1e-6), so the tests compare with SciPy and with PyTorch to 1e-5.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd.primitive import new_tensor
from .errors import names_errors
from .method_functions import refuse_numbers, tensor_input
from .ops.bessel import airy_ai as _airy_ai
from .ops.bessel import bessel_j, bessel_k, bessel_y, spherical_j0
from .ops.gamma import bessel_i
from .ops.orthogonal import POLYNOMIALS, evaluate
from .tensor import Tensor, as_tensor
from .tensor_methods.elementwise import floating
from .tensor_methods.operands import float_operands

__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
           "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
           "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "spherical_bessel_j0", *sorted(POLYNOMIALS)]


def _unary(name: str, kernel: Callable[[np.ndarray], np.ndarray], doc: str) -> Callable:
    @names_errors(name)
    def function(input: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
        x = floating(tensor_input(name, input))
        return new_tensor(kernel(x.detach().numpy()).astype(x.dtype))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


def _binary(name: str) -> Callable:
    @names_errors(name)
    def function(input: Any, n: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
        refuse_numbers(name, (input,), (0,) if type(n) in (bool, int, float) else ())
        if isinstance(n, Tensor) and not isinstance(input, Tensor):
            n, x = float_operands(n, input, name)
        else:
            x, n = float_operands(as_tensor(input), n, name)
        values = evaluate(name, x.detach().numpy(), n.detach().numpy())
        return new_tensor(values.astype(x.dtype))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"The polynomial {name.replace('_', ' ')} of degree n at input "
                        "(n truncated to an integer; 0 for n < 0), without gradient.")
    return function


bessel_j0 = _unary("bessel_j0", lambda x: bessel_j(0, x), "J0, the Bessel function of the "
                   "first kind of order 0.")
bessel_j1 = _unary("bessel_j1", lambda x: bessel_j(1, x), "J1, the Bessel function of the "
                   "first kind of order 1.")
bessel_y0 = _unary("bessel_y0", lambda x: bessel_y(0, x), "Y0, the Bessel function of the "
                   "second kind of order 0 (-inf at 0, NaN below).")
bessel_y1 = _unary("bessel_y1", lambda x: bessel_y(1, x), "Y1, the Bessel function of the "
                   "second kind of order 1 (-inf at 0, NaN below).")
modified_bessel_i0 = _unary("modified_bessel_i0", lambda x: bessel_i(0, x),
                            "I0, the modified Bessel function of the first kind of order 0.")
modified_bessel_i1 = _unary("modified_bessel_i1", lambda x: bessel_i(1, x),
                            "I1, the modified Bessel function of the first kind of order 1.")
modified_bessel_k0 = _unary("modified_bessel_k0", lambda x: bessel_k(0.0, x),
                            "K0, the modified Bessel function of the second kind of order 0.")
modified_bessel_k1 = _unary("modified_bessel_k1", lambda x: bessel_k(1.0, x),
                            "K1, the modified Bessel function of the second kind of order 1.")
scaled_modified_bessel_k0 = _unary("scaled_modified_bessel_k0",
                                   lambda x: bessel_k(0.0, x, scaled=True), "e^x K0(x).")
scaled_modified_bessel_k1 = _unary("scaled_modified_bessel_k1",
                                   lambda x: bessel_k(1.0, x, scaled=True), "e^x K1(x).")
spherical_bessel_j0 = _unary("spherical_bessel_j0", spherical_j0,
                             "j0(x) = sin(x) / x, the spherical Bessel function of order 0.")
airy_ai = _unary("airy_ai", _airy_ai, "Ai, the Airy function of the first kind.")

for _name in POLYNOMIALS:
    globals()[_name] = _binary(_name)
