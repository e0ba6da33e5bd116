"""Random draws as Tensor methods, with PyTorch's signatures: the draws shaped by a tensor
(`bernoulli`, `multinomial`) and the in-place fills (`normal_ uniform_ bernoulli_
exponential_ geometric_ cauchy_ log_normal_ random_`).

Each draws from `generator=` (a `tg.Generator` or a `np.random.Generator`), else from
`tg.default_generator` read at the call (tinygrad_bn/seeding.py): a seeded generator makes
every one reproducible. The draws are constants of the graph: a fill is written through
InplaceMethods._write as a write of a constant (the tensor's gradient is 0 from there on),
and `bernoulli`/`multinomial` return tensors without a graph, as PyTorch gives them zero
gradient. The continuous distributions fill floating tensors only; `geometric_`, `random_`
and `bernoulli_` fill integer (and bool) tensors too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.primitive import is_tensor, new_tensor
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError, short_repr
from ..seeding import generator as chosen_generator
from .inplace import _filled

if TYPE_CHECKING:
    from ..tensor import Tensor


class RandomMethods:
    """The mixin of Tensor's random draws."""

    __slots__ = ()

    # ---- draws shaped by the tensor ----
    def bernoulli(self, p: float | None = None, *, generator: Any = None) -> Tensor:
        """1 with probability x (elementwise; or the one probability `p`), else 0, in x's
        floating dtype and shape."""
        if self.dtype.kind != "f":
            raise DTypeError(f"bernoulli: needs a floating tensor of probabilities, got dtype "
                             f"{self.dtype}")
        probs = self._data if p is None else np.full(self.shape, _real("bernoulli", "p", p),
                                                     dtype=np.float64)
        _check(bool(np.all((probs >= 0) & (probs <= 1))),
               "bernoulli: probabilities must lie in [0, 1], got values outside (or NaN)")
        draws = chosen_generator(generator, "bernoulli").random(self.shape) < probs
        return new_tensor(draws.astype(self.dtype))

    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Any = None) -> Tensor:
        """`num_samples` category indices drawn with probability proportional to the
        non-negative weights x (per row when 2-d); without replacement each index at most
        once per row. int64 of shape (num_samples,) or (rows, num_samples)."""
        if self.dtype.kind != "f":
            raise DTypeError(f"multinomial: needs a floating tensor of weights, got dtype "
                             f"{self.dtype}")
        if self.ndim not in (1, 2):
            raise ShapeError(f"multinomial: input must be 1-d or 2-d weights, got shape "
                             f"{self.shape}")
        if isinstance(num_samples, bool) or not isinstance(num_samples, int | np.integer) \
                or num_samples <= 0:
            raise ArgumentError(f"multinomial: num_samples must be a positive int, got "
                                f"{num_samples!r}")
        weights = np.atleast_2d(self._data).astype(np.float64)
        _check(bool(np.all(np.isfinite(weights))) and not np.any(weights < 0),
               "multinomial: weights must be finite and >= 0")
        nonzero = np.count_nonzero(weights, axis=1)
        _check(not np.any(nonzero == 0), "multinomial: a row of weights sums to 0")
        _check(replacement or num_samples <= nonzero.min(),
               f"multinomial: cannot draw {num_samples} samples without replacement from a "
               f"row with {nonzero.min()} nonzero weights")
        rng = chosen_generator(generator, "multinomial")
        rows = [rng.choice(len(w), int(num_samples), replace=bool(replacement), p=w / w.sum())
                for w in weights]
        out = np.array(rows, dtype=np.int64)
        return new_tensor(out if self.ndim == 2 else out[0])

    # ---- in place: fill the tensor with draws ----
    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with draws from N(mean, std^2), std >= 0."""
        _floating_fill(self, "normal_", "normal")
        _positive("normal_", "std", std, or_zero=True)
        mean = _real("normal_", "mean", mean)
        return _fill(self, "normal_", generator, lambda rng: rng.normal(mean, std, self.shape))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with draws from U[a, b), a <= b."""
        _floating_fill(self, "uniform_", "uniform")
        _check(_real("uniform_", "from", a) <= _real("uniform_", "to", b),
               f"uniform_: expects a [from, to) range with from <= to, got from={a} > to={b}")
        return _fill(self, "uniform_", generator, lambda rng: rng.uniform(a, b, self.shape))

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 1 with probability p (a number, or a tensor broadcast to this shape),
        else 0."""
        probs = np.asarray(p._data if is_tensor(p) else _real("bernoulli_", "p", p))
        _check(bool(np.all((probs >= 0) & (probs <= 1))),
               f"bernoulli_: expects p in [0, 1], got {short_repr(p)}")
        try:
            fits = np.broadcast_shapes(probs.shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(f"bernoulli_: p of shape {probs.shape} does not broadcast to the "
                             f"tensor's shape {self.shape}")
        return _fill(self, "bernoulli_", generator, lambda rng: rng.random(self.shape) < probs)

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with draws of density lambd e^(-lambd x) on x >= 0 (mean 1 / lambd)."""
        _floating_fill(self, "exponential_", "exponential")
        _positive("exponential_", "lambd", lambd)
        return _fill(self, "exponential_", generator,
                     lambda rng: rng.exponential(1 / lambd, self.shape))

    def geometric_(self, p: float, *, generator: Any = None) -> Tensor:
        """Fill with the number of Bernoulli(p) trials up to the first success: k = 1, 2, ...
        with probability (1 - p)^(k - 1) p, 0 < p < 1 (integer tensors too)."""
        _check(0 < _real("geometric_", "p", p) < 1, f"geometric_: expects p in (0, 1), got p={p}")
        return _fill(self, "geometric_", generator, lambda rng: rng.geometric(p, self.shape))

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *,
                generator: Any = None) -> Tensor:
        """Fill with draws of density 1 / (pi sigma (1 + ((x - median) / sigma)^2)), sigma > 0."""
        _floating_fill(self, "cauchy_", "Cauchy")
        _positive("cauchy_", "sigma", sigma)
        median = _real("cauchy_", "median", median)
        return _fill(self, "cauchy_", generator,
                     lambda rng: median + sigma * rng.standard_cauchy(self.shape))

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *,
                    generator: Any = None) -> Tensor:
        """Fill with e^Y, Y ~ N(mean, std^2), std > 0."""
        _floating_fill(self, "log_normal_", "log-normal")
        _positive("log_normal_", "std", std)
        mean = _real("log_normal_", "mean", mean)
        return _fill(self, "log_normal_", generator,
                     lambda rng: rng.lognormal(mean, std, self.shape))

    def random_(self, *bounds: int, generator: Any = None, **named: int) -> Tensor:
        """Fill with integers drawn uniformly from [from, to - 1], as PyTorch's overloads
        random_(), random_(to) and random_(from, to) (`from` and `to` by name too): by
        default from = 0 and to - 1 the largest value the dtype holds exactly (2^24 for
        float32, 2^53 for float64, the integer maximum, 1 for bool)."""
        low, high = _random_bounds(self.dtype, bounds, named)
        return _fill(self, "random_", generator,
                     lambda rng: rng.integers(low, high, self.shape, endpoint=True))


def _fill(t: Tensor, op: str, generator: Any,
          draw: Callable[[np.random.Generator], np.ndarray]) -> Tensor:
    """Write `draw(rng)` into t, rng the chosen generator: a write of a constant (the
    draws have no gradient), cast to t's dtype."""
    draws = draw(chosen_generator(generator, op))
    return t._write(op, lambda u: _filled(u, draws), casting="unsafe")


def _positive(op: str, name: str, value: Any, or_zero: bool = False) -> None:
    """Refuse a scale parameter that is not > 0 (not >= 0 with `or_zero`)."""
    value = _real(op, name, value)
    _check(value >= 0 if or_zero else value > 0,
           f"{op}: expects {name} {'>=' if or_zero else '>'} 0.0, got {name}={value}")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ArgumentError(message)


def _real(op: str, name: str, value: Any) -> Any:
    """A distribution's parameter: a real number (a Python or NumPy one, not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ArgumentTypeError(f"{op}: {name} must be a real number, got "
                                f"{type(value).__name__} {short_repr(value)}")
    return value


def _floating_fill(t: Tensor, op: str, distribution: str) -> None:
    if t.dtype.kind != "f":
        raise DTypeError(f"{op}: the {distribution} distribution is continuous; it fills a "
                         f"floating tensor, got dtype {t.dtype}")


def _random_bounds(dtype: np.dtype, bounds: tuple, named: dict) -> tuple[int, int]:
    """random_'s [low, high] (both included) from its overloads, checked against dtype."""
    unknown = sorted(set(named) - {"from", "to"})
    if unknown or len(bounds) > 2 or (len(bounds) == 2 and named) or \
            (len(bounds) == 1 and "from" in named):
        raise ArgumentTypeError(f"random_: expected random_(), random_(to) or "
                                f"random_(from, to), got {len(bounds)} positional and "
                                f"keywords {sorted(named)}")
    given = dict(zip(("from", "to") if len(bounds) == 2 else ("to",), bounds)) | named
    for name, value in given.items():
        if value is not None and (isinstance(value, bool) or
                                  not isinstance(value, int | np.integer)):
            raise ArgumentTypeError(f"random_: {name} must be an int, got "
                                    f"{type(value).__name__} {short_repr(value)}")
    if dtype.kind == "f":
        lowest, largest = -(2 ** (np.finfo(dtype).nmant + 1)), 2 ** (np.finfo(dtype).nmant + 1)
    elif dtype.kind == "b":
        lowest, largest = 0, 1
    else:
        lowest, largest = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    low = int(given.get("from", 0))
    high = largest if given.get("to") is None else int(given["to"]) - 1
    if low > high:
        raise ArgumentError(f"random_: expects from < to, got from={low} >= to={high + 1}")
    if low < lowest or high > largest:
        raise ArgumentError(f"random_: [{low}, {high}] is out of the range [{lowest}, "
                            f"{largest}] that dtype {dtype} holds exactly")
    return low, high
