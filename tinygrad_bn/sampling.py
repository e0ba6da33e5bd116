"""Draws whose distribution is given by tensors, with PyTorch's signatures:
`tg.normal`, `tg.bernoulli`, `tg.multinomial` (the Tensor methods of those names,
tensor_methods/random.py), `tg.poisson`, `tg.binomial`.

    normal(mean, std)            mean + std * N(0, 1), mean and std broadcast (tensors or
                                 floats; two floats need `size`)
    bernoulli(input, p=None)     1 with probability input (or p), else 0; input's dtype
    multinomial(input, n, r)     n category indices per row of non-negative weights `input`
                                 (1-d or 2-d), with or without replacement; int64
    poisson(input)               Poisson counts with rates `input`; input's dtype
    binomial(count, prob)        successes in `count` trials of probability `prob`
                                 (broadcast); count's dtype

Each draws from `generator=` (a `tg.Generator` or `np.random.Generator`), else from
`tg.default_generator`. The results are constants: PyTorch gives them zero gradient
with respect to the parameters, and here they carry no graph at all.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .device import check_device
from .dtypes import as_dtype, get_default_dtype
from .errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from .keywords import parse_size
from .out_argument import write_out
from .seeding import generator as chosen_generator
from .tensor import Tensor

__all__ = ["bernoulli", "binomial", "multinomial", "normal", "poisson"]


def _values(op: str, name: str, value: Any) -> np.ndarray:
    """A parameter as a floating array (a Tensor's data, or a Python number)."""
    array = value.data if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.kind not in "fiub":
        raise ArgumentTypeError(f"{op}: {name} must be a Tensor or a number, got "
                                f"{type(value).__name__}")
    return array


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, layout: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Draws from N(mean, std^2), elementwise over the broadcast of `mean` and `std`; with
    two numbers, `size` gives the shape (float32 unless `dtype`). A Tensor parameter sets
    the dtype (float32 if none). `layout` is PyTorch's: only the dense one ("strided",
    x.layout's value, or None) exists here."""
    check_device("normal", device)
    if layout not in (None, "strided"):
        raise ArgumentError(f"normal: layout must be the dense 'strided' (or None), got "
                            f"{layout!r}")
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    m, s = _values("normal", "mean", mean), _values("normal", "std", std)
    if np.any(s < 0):
        raise ArgumentError(f"normal: expects std >= 0.0, but found std {s.min()}")
    if size is not None:
        if tensors:
            raise ArgumentError("normal: size= goes with a number mean and std; with a "
                                "Tensor the shape is the tensors'")
        shape = parse_size("normal", (size,))
    elif tensors:
        try:
            shape = np.broadcast_shapes(m.shape, s.shape)
        except ValueError:
            raise ShapeError(f"normal: mean of shape {m.shape} and std of shape {s.shape} do "
                             f"not broadcast") from None
    else:
        raise ArgumentError("normal: with a number mean and std, give size=, e.g. "
                            "normal(0.0, 1.0, size=(3,))")
    default = tensors[0].dtype if tensors and tensors[0].dtype.kind == "f" else get_default_dtype()
    out = np.dtype(default) if dtype is None else as_dtype("normal", dtype)
    draws = chosen_generator(generator, "normal").normal(m, s, size=shape)
    return Tensor(draws.astype(out), requires_grad=requires_grad)


def bernoulli(input: Tensor, p: float | None = None, *,  # noqa: A002
              generator: Any = None, out: Any = None) -> Tensor:
    """Tensor.bernoulli: 1 with probability `input` (elementwise; or the one probability
    `p`), else 0, in `input`'s floating dtype and shape. out= (without p, as PyTorch's)
    takes the draws in its own dtype."""
    x = _tensor("bernoulli", input)
    if out is None:
        return x.bernoulli(p, generator=generator)
    if p is not None:
        raise ArgumentTypeError("bernoulli: out= goes with the probabilities `input` only, "
                                "not with a probability p (PyTorch's overloads)")
    return write_out("bernoulli", x.bernoulli(generator=generator), out, (x,))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Any = None, out: Any = None) -> Tensor:
    """Tensor.multinomial: `num_samples` category indices drawn with probability
    proportional to the non-negative weights `input` (per row when 2-d); out= must be
    int64, as PyTorch's."""
    x = _tensor("multinomial", input)
    drawn = x.multinomial(num_samples, replacement, generator=generator)
    return drawn if out is None else write_out("multinomial", drawn, out, (x,))


def poisson(input: Tensor, generator: Any = None) -> Tensor:  # noqa: A002
    """Poisson counts with the non-negative rates `input`, in its dtype and shape."""
    x = _tensor("poisson", input)
    if not np.all(x.data >= 0):
        raise ArgumentError("poisson: rates must be >= 0 (and not NaN)")
    # NumPy's draw for a 0-d rate is a Python int: asarray keeps it an array
    draws = chosen_generator(generator, "poisson").poisson(x.data)
    return Tensor(np.asarray(draws).astype(x.dtype))


def binomial(count: Tensor, prob: Tensor, generator: Any = None) -> Tensor:
    """Binomial draws: successes in `count` trials (non-negative whole numbers) each of
    probability `prob` in [0, 1], broadcast, in count's (floating) dtype."""
    n, p = _tensor("binomial", count), _tensor("binomial", prob)
    try:
        shape = np.broadcast_shapes(n.shape, p.shape)
    except ValueError:
        raise ShapeError(f"binomial: count of shape {n.shape} and prob of shape {p.shape} do "
                         f"not broadcast") from None
    if not np.all((n.data >= 0) & (n.data == np.floor(n.data))):
        raise ArgumentError("binomial: count must hold non-negative whole numbers")
    if not np.all((p.data >= 0) & (p.data <= 1)):
        raise ArgumentError("binomial: prob must lie in [0, 1] (and not be NaN)")
    draws = chosen_generator(generator, "binomial").binomial(
        np.broadcast_to(n.data, shape).astype(np.int64), np.broadcast_to(p.data, shape))
    return Tensor(np.asarray(draws).astype(n.dtype))


def _tensor(op: str, value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        raise ArgumentTypeError(f"{op}: expected a Tensor, got {type(value).__name__}")
    if value.dtype.kind != "f":
        raise DTypeError(f"{op}: needs a floating tensor, got dtype {value.dtype}")
    return value
