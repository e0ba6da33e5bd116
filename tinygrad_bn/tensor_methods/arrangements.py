"""PyTorch's rearrangements and small products that tutorials reach for beside the core
movement and product methods: the methods broadcast_to, ravel, flipud, fliplr, diagflat,
unfold (sliding windows), addr, addbmm, dist, cov, corrcoef; the functions tensordot,
broadcast_tensors, broadcast_shapes, vander.

Each is a composite of ops (expand, reshape, flip, indexing, matmul, reductions), so its
gradient of every order follows: an output element that repeats an input element (unfold's
overlapping windows, broadcast_to) sends its gradient back to it, summed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.primitive import as_tensor, new_tensor
from ..dtypes import get_default_dtype
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from ..keywords import Size, normalize_axes
from .linalg import added_product
from .memory_views import placed, window_view

if TYPE_CHECKING:
    from ..tensor import Tensor


class ArrangementMethods:
    """The mixin of Tensor's broadcast_to, ravel, flipud, fliplr, diagflat, unfold, addr,
    addbmm, dist, cov and corrcoef."""

    __slots__ = ()

    def broadcast_to(self, *shape: Any) -> Tensor:
        """x expanded to `shape` (-1 keeps a size), as expand."""
        return self.expand(*shape)

    def ravel(self) -> Tensor:
        """x flattened to 1-D: a view of a row-major x, else a row-major copy (of a strided
        1-D x too), as PyTorch's (`contiguous().view(-1)`)."""
        return self.contiguous().reshape(-1)

    def flipud(self) -> Tensor:
        """x with its first axis reversed."""
        if self.ndim < 1:
            raise ShapeError("flipud: needs at least 1 dim, got a 0-d tensor")
        return self.flip(0)

    def fliplr(self) -> Tensor:
        """x with its second axis reversed."""
        if self.ndim < 2:
            raise ShapeError(f"fliplr: needs at least 2 dims, got shape {self.shape}")
        return self.flip(1)

    def diagflat(self, offset: int = 0) -> Tensor:
        """The square matrix with x's elements (flattened) on its offset-th diagonal."""
        return self.reshape(-1).diag_embed(offset)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        """Every window of `size` elements along `dimension`, `step` apart: that axis
        becomes the window count (n - size) // step + 1 and a last axis of `size` is added.
        A view, as PyTorch's; an element in several windows gets the sum of their
        gradients."""
        d = normalize_axes("unfold", dimension, max(self.ndim, 1))[0]
        n = self.shape[d] if self.ndim else 1
        for name, value, least in (("size", size, 0), ("step", step, 1)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or \
                    value < least:
                raise ArgumentError(f"unfold: {name} must be an int >= {least}, got {value!r}")
        if size > n:
            raise ShapeError(f"unfold: size {size} is larger than dimension {d} of the input "
                             f"(shape {self.shape}, size {n} there)")
        if self.ndim == 0:  # the one element as a window of `size` (0 or 1)
            return self.reshape(1)[:size]
        count, rank = (n - size) // step + 1, self.ndim + 1
        index = tuple(placed(np.arange(count)[:, None] * step + np.arange(size), (d, rank - 1),
                             rank) if k == d else placed(np.arange(m), (k,), rank)
                      for k, m in enumerate(self.shape))
        return window_view(self, lambda data: np.lib.stride_tricks.sliding_window_view(
            data, size, axis=d, writeable=True)[(slice(None),) * d + (slice(None, None, step),)],
            overlaps=step < size and count > 1, index=index)

    def addr(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta x + alpha outer(vec1, vec2) (x broadcast to the outer product's shape).
        Of integer tensors beta and alpha must be ints, as PyTorch's addr requires."""
        if self.dtype.kind in "iub":
            for name, factor in (("beta", beta), ("alpha", alpha)):
                if isinstance(factor, float):
                    raise DTypeError(f"addr: of integer tensors ({self.dtype}), {name} must "
                                     f"not be a float, got {factor!r}")
        return added_product(self, as_tensor(vec1).outer(vec2), beta, alpha)

    def addbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta x + alpha sum_b batch1[b] @ batch2[b] (one dtype, as PyTorch's)."""
        product = self._same_dtype("addbmm", as_tensor(batch1).bmm(batch2).sum(0))
        return added_product(self, product, beta, alpha)

    def dist(self, other: Any, p: float = 2) -> Tensor:
        """The p-norm of x - other over every element (x and other broadcast)."""
        return (self - as_tensor(other)).norm(p)

    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None
            ) -> Tensor:
        """The covariance matrix of the variables in x's rows (observations in its columns;
        a 1-D x is one variable): sum_j w_j (x_ij - m_i)(x_kj - m_k) / (sum_j w_j - c), with
        w the product of the integer frequency weights and the observation weights, m the
        weighted means, c = correction (with aweights, correction * sum w a / sum w); 0-d
        for one variable, as PyTorch's."""
        # integers and bools are counted in the default float dtype, as PyTorch's
        x = self if self.dtype.kind == "f" else self.astype(get_default_dtype())
        if x.ndim > 2:
            raise ShapeError(f"cov: expected a 1-D or 2-D input (variables, observations), got "
                             f"shape {x.shape}")
        x = x.reshape(1, -1) if x.ndim < 2 else x
        observations = x.shape[1]
        w = None
        if fweights is not None:
            f = as_tensor(fweights)
            if f.ndim != 1 or f.shape[0] != observations or f.dtype.kind not in "iu":
                raise ShapeError(f"cov: fweights must be integers of shape ({observations},), "
                                 f"got {f.dtype} {f.shape}")
            if (f._data < 0).any():
                raise ArgumentError("cov: fweights must be non-negative")
            w = f.astype(x.dtype)
        if aweights is not None:
            a = as_tensor(aweights)
            if a.ndim != 1 or a.shape[0] != observations or a.dtype.kind != "f":
                raise ShapeError(f"cov: aweights must be floating of shape ({observations},), "
                                 f"got {a.dtype} {a.shape}")
            if (a._data < 0).any():
                raise ArgumentError("cov: aweights must be non-negative")
            w = a if w is None else w * a
        if w is None:
            mean, total = x.mean(1, keepdim=True), float(observations)
            factor = total - correction
        else:
            total = w.sum()
            mean = (x * w).sum(1, keepdim=True) / total
            factor = total - correction if aweights is None else \
                total - correction * (w * as_tensor(aweights)).sum() / total
        centred = x - mean
        weighted = centred if w is None else centred * w
        factor = factor.clamp(min=0) if not isinstance(factor, float) else max(factor, 0.0)
        return (centred @ weighted.mT / factor).squeeze()

    def corrcoef(self) -> Tensor:
        """Pearson's correlation coefficients of x's rows: cov(x) / (s_i s_k), clipped to
        [-1, 1] (a constant row gives NaN, as PyTorch's)."""
        c = self.cov()
        if c.ndim == 0:
            return c / c
        std = c.diagonal().sqrt()
        return (c / std.unsqueeze(1) / std.unsqueeze(0)).clamp(-1, 1)


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape that tensors of `shapes` broadcast to (an int is a 1-D shape)."""
    listed = [(s,) if isinstance(s, int | np.integer) else s for s in shapes]
    for shape in listed:  # as PyTorch: a float is a RuntimeError, a float in a tuple a
        if not isinstance(shape, Sequence):  # TypeError
            raise ArgumentError(f"broadcast_shapes: shapes must be ints, or tuples or lists "
                                f"of ints, got {shape!r}")
        if isinstance(shape, str) or not all(isinstance(n, int | np.integer) and
                                             not isinstance(n, bool) for n in shape):
            raise ArgumentTypeError(f"broadcast_shapes: a shape must hold ints, got {shape!r}")
    try:
        return Size(np.broadcast_shapes(*[tuple(s) for s in listed]))
    except ValueError:
        raise ShapeError(f"broadcast_shapes: shapes {list(shapes)} do not broadcast") from None


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The tensors expanded to their common shape."""
    ts = [as_tensor(t) for t in tensors]
    shape = broadcast_shapes(*[t.shape for t in ts])
    return tuple(t.expand(*shape) for t in ts)


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """sum over the pairs of axes: dims an int k (a's last k with b's first k) or a pair
    of axis lists ([a's], [b's]); by one matmul of the reshaped operands. A paired axis of
    size 1 is broadcast to its partner's size, as PyTorch's."""
    a, b = as_tensor(a), as_tensor(b)
    if isinstance(dims, int | np.integer) and not isinstance(dims, bool):
        if not 0 <= dims <= min(a.ndim, b.ndim):
            raise ArgumentError(f"tensordot: dims={dims} must be in [0, {min(a.ndim, b.ndim)}] "
                                f"for shapes {a.shape} and {b.shape}")
        left, right = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    elif isinstance(dims, Sequence | np.ndarray) and len(dims) == 2:
        left, right = ([dims[k]] if isinstance(dims[k], int) else list(dims[k]) for k in (0, 1))
        if len(left) != len(right):
            raise ArgumentError(f"tensordot: dims {dims!r} pair {len(left)} axes of a with "
                                f"{len(right)} of b")
        left = [normalize_axes("tensordot", k, a.ndim)[0] for k in left]
        right = [normalize_axes("tensordot", k, b.ndim)[0] for k in right]
    else:
        raise ArgumentTypeError(f"tensordot: dims must be an int or a pair of axis lists, got "
                                f"{dims!r}")
    for i, j in zip(left, right):  # a size-1 axis spreads to its partner's size (PyTorch's)
        if a.shape[i] != b.shape[j] and 1 not in (a.shape[i], b.shape[j]):
            raise ShapeError(f"tensordot: axis {i} of a (shape {a.shape}) and axis {j} of b "
                             f"(shape {b.shape}) differ in size")
        if a.shape[i] == 1 and b.shape[j] != 1:
            a = a.expand(*(b.shape[j] if k == i else n for k, n in enumerate(a.shape)))
        elif b.shape[j] == 1 and a.shape[i] != 1:
            b = b.expand(*(a.shape[i] if k == j else n for k, n in enumerate(b.shape)))
    free_a = [k for k in range(a.ndim) if k not in left]
    free_b = [k for k in range(b.ndim) if k not in right]
    inner = math.prod(a.shape[k] for k in left)
    x = a.permute(*free_a, *left).reshape(-1, inner) if a.ndim else a.reshape(1, 1)
    y = b.permute(*right, *free_b).reshape(inner, -1) if b.ndim else b.reshape(1, 1)
    return (x @ y).reshape(*[a.shape[k] for k in free_a], *[b.shape[k] for k in free_b])


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """torch.vander: the columns x^(N-1), ..., x^1, x^0 of a 1-D x (increasing: x^0 first),
    N = len(x) by default; tg.linalg.vander's cumulative product, so the gradient is exact
    at x = 0."""
    x = as_tensor(x)
    if x.ndim != 1:
        raise ShapeError(f"vander: x must be 1-D, got shape {x.shape}")
    n = x.shape[0] if N is None else N
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ArgumentError(f"vander: N must be a non-negative int, got {N!r}")
    if n == 0:
        return new_tensor(np.zeros((x.shape[0], 0), dtype=x.dtype))
    columns = x.unsqueeze(-1).expand(x.shape[0], n - 1)
    powers = columns.pad([(0, 0), (1, 0)], value=1).cumprod(-1)
    return powers if increasing else powers.flip(-1)

