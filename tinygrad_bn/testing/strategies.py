"""Hypothesis strategies for testing ops and layers built on tinygrad_bn.

Gradient checks by central differences are only meaningful where the function
is smooth within `eps` of the point: not at a kink (relu or abs at 0, the
bounds of clip), not at a tie (max, min, maximum), not where a variance is ~0
(normalization), not near a pole (log, division, pow at 0). These strategies
draw inputs that stay away from such points, so tests can keep tight
tolerances instead of loosening them.

Every `shape` argument accepts a fixed tuple, a strategy of tuples, or None
(a small shape is drawn). Sizes are bounded on purpose: `tg.gradcheck` runs
two forward passes per input element.

Example, a property test for a user-defined op::

    from hypothesis import given
    import tinygrad_bn as tg
    from tinygrad_bn.testing import strategies as tst

    @given(tst.tensors(away_from=(0.0,)))
    def test_my_op_gradient(x):
        assert tg.gradcheck(my_op, [x])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor

Shape = tuple[int, ...]
ShapeArg = Shape | st.SearchStrategy[Shape] | None

__all__ = [
    "arrays", "axes", "broadcastable_shapes", "distinct_arrays", "positive_arrays", "shapes",
    "spectral_matrices", "spread_arrays", "tensors", "unique_extremum_arrays",
    "well_conditioned_batches",
]


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[Shape]:
    """Array shapes with `min_dims..max_dims` axes, each of size `min_side..max_side`."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def _shape_strategy(shape: ShapeArg) -> st.SearchStrategy[Shape]:
    if shape is None:
        return shapes()
    if isinstance(shape, st.SearchStrategy):
        return shape
    return st.just(tuple(shape))


def _far_from(points: Sequence[float], min_distance: float):
    def check(value: float) -> bool:
        return all(abs(value - p) >= min_distance for p in points)
    return check


def arrays(shape: ShapeArg = None, *, min_value: float = -3.0, max_value: float = 3.0,
           away_from: Sequence[float] = (), min_distance: float = 0.05,
           dtype: Any = np.float64) -> st.SearchStrategy[np.ndarray]:
    """Float arrays with every element in [min_value, max_value] and at least
    `min_distance` from each point of `away_from` (kinks, poles, clip bounds).

    The default distance 0.05 is far beyond a gradcheck step (1e-6) yet
    excludes little of the range, so filtering rarely rejects.
    """
    # Hypothesis wants bounds exactly representable in the dtype (0.1 is not in float32):
    # round them inward, so every element still lies in [min_value, max_value]
    kind = np.dtype(dtype).type
    low, high = kind(min_value), kind(max_value)
    low = low if float(low) >= min_value else np.nextafter(low, kind(np.inf))
    high = high if float(high) <= max_value else np.nextafter(high, kind(-np.inf))
    elements = st.floats(float(low), float(high), allow_nan=False, allow_infinity=False,
                         width=np.dtype(dtype).itemsize * 8)
    if away_from:
        elements = elements.filter(_far_from(tuple(away_from), min_distance))
    return hnp.arrays(dtype, _shape_strategy(shape), elements=elements)


def positive_arrays(shape: ShapeArg = None, *, min_value: float = 0.1, max_value: float = 3.0,
                    dtype: Any = np.float64) -> st.SearchStrategy[np.ndarray]:
    """Arrays with elements in [min_value, max_value], min_value > 0: inputs of log, sqrt,
    a divisor, or the base of pow with a non-integer exponent."""
    if min_value <= 0:
        raise ValueError(f"positive_arrays: min_value must be > 0, got {min_value}")
    return arrays(shape, min_value=min_value, max_value=max_value, dtype=dtype)


def tensors(array_strategy: st.SearchStrategy[np.ndarray] | None = None, *,
            requires_grad: bool = True, **array_kwargs: Any) -> st.SearchStrategy[Tensor]:
    """Tensors wrapping the arrays of `array_strategy` (default: `arrays(**array_kwargs)`),
    float64 and requiring grad unless told otherwise: ready for `tg.gradcheck`."""
    if array_strategy is None:
        array_strategy = arrays(**array_kwargs)
    elif array_kwargs:
        raise TypeError("tensors: give either array_strategy or array keyword arguments")
    return array_strategy.map(lambda a: Tensor(a, requires_grad=requires_grad))


def broadcastable_shapes(num_shapes: int = 2, *, min_dims: int = 0, max_dims: int = 3,
                         min_side: int = 1, max_side: int = 4
                         ) -> st.SearchStrategy[tuple[Shape, ...]]:
    """Tuples of `num_shapes` shapes that broadcast together under NumPy's rules
    (sizes of 1 and missing leading axes included)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda b: b.input_shapes)


@st.composite
def axes(draw: st.DrawFn, ndim: int, *, allow_none: bool = True, allow_tuple: bool = True
         ) -> int | tuple[int, ...] | None:
    """A valid `axis` argument for a tensor with `ndim` dims: None, an int, or a tuple of
    distinct ints (possibly empty), each possibly given as a negative index."""
    choices = ["none"] if allow_none else []
    if ndim > 0:
        choices.append("int")
    if allow_tuple:
        choices.append("tuple")
    kind = draw(st.sampled_from(choices))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim)) if ndim else []
    negate = draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
    return tuple(a - ndim if neg else a for a, neg in zip(chosen, negate))


def _axes_tuple(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    items = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in items))


def _groups_last(array: np.ndarray, axis_tuple: tuple[int, ...]
                 ) -> tuple[np.ndarray, list[int]]:
    """A copy with the `axis_tuple` axes moved to the end and flattened into one: (groups, k)."""
    rest = [a for a in range(array.ndim) if a not in axis_tuple]
    moved = np.transpose(array, rest + list(axis_tuple))
    k = int(np.prod([array.shape[a] for a in axis_tuple]))
    return moved.reshape(-1, k).copy(), rest


def _groups_back(groups: np.ndarray, shape: Shape, axis_tuple: tuple[int, ...],
                 rest: list[int]) -> np.ndarray:
    order = rest + list(axis_tuple)
    moved = groups.reshape([shape[a] for a in order])
    return np.transpose(moved, np.argsort(order))


@st.composite
def unique_extremum_arrays(draw: st.DrawFn, shape: ShapeArg = None,
                           axis: int | Sequence[int] | None = None, *, kind: str = "both",
                           gap: float = 0.1, min_value: float = -3.0,
                           max_value: float = 3.0) -> np.ndarray:
    """Arrays whose maximum (kind="max"), minimum ("min") or both over `axis` is unique in
    each reduced group, beating the runner-up by at least `gap`: max/min are smooth
    there. Other elements may tie, as they do in real data (e.g. relu zeros)."""
    if kind not in ("max", "min", "both"):
        raise ValueError(f"unique_extremum_arrays: kind must be max, min or both, got {kind!r}")
    array = draw(arrays(shape, min_value=min_value, max_value=max_value))
    axis_tuple = _axes_tuple(axis, array.ndim)
    if array.size == 0:
        return array
    groups, rest = _groups_last(array, axis_tuple)
    rows = np.arange(groups.shape[0])
    # Raising the max first, then lowering the (different) min, keeps both unique.
    if kind in ("max", "both"):
        groups[rows, groups.argmax(axis=1)] += gap
    if kind == "min" or (kind == "both" and groups.shape[1] > 1):
        groups[rows, groups.argmin(axis=1)] -= gap
    return _groups_back(groups, array.shape, axis_tuple, rest)


@st.composite
def distinct_arrays(draw: st.DrawFn, shape: ShapeArg = None, *, gap: float = 0.1,
                    jitter: bool = True) -> np.ndarray:
    """Arrays whose elements are pairwise at least `gap` apart (a shuffled ladder of values,
    centred on 0): no ties anywhere, along any axis (sorting, max/min, maximum(x, y))."""
    shape = draw(_shape_strategy(shape))
    n = int(np.prod(shape))
    order = draw(st.permutations(range(n)))
    values = (np.asarray(order, dtype=np.float64) - (n - 1) / 2) * (2 * gap)
    if jitter and n:  # |jitter| < gap / 2, so neighbours stay >= gap apart
        offsets = draw(hnp.arrays(np.float64, (n,), elements=st.floats(-0.45 * gap, 0.45 * gap)))
        values = values + offsets
    return values.reshape(shape)


@st.composite
def spread_arrays(draw: st.DrawFn, shape: ShapeArg = None,
                  axis: int | Sequence[int] | None = None, *, min_std: float = 0.5,
                  max_std: float = 2.0, max_abs_mean: float = 2.0) -> np.ndarray:
    """Arrays whose standard deviation over `axis` is in [min_std, max_std] in every group
    (each group has >= 2 elements): normalization is well conditioned there,
    1/sqrt(var + eps) stays bounded.

    Drawn values are standardized per group and rescaled to a drawn mean and std; a
    group with no spread at all gets an alternating +-1 pattern instead.
    """
    array = draw(arrays(shape))
    axis_tuple = _axes_tuple(axis, array.ndim)
    groups, rest = _groups_last(array, axis_tuple)
    n_groups, k = groups.shape
    if k < 2:
        raise ValueError(f"spread_arrays: groups over axis {axis} of shape {array.shape} have "
                         f"{k} element(s); a spread needs >= 2")
    stds = draw(hnp.arrays(np.float64, (n_groups,), elements=st.floats(min_std, max_std)))
    means = draw(hnp.arrays(np.float64, (n_groups,),
                            elements=st.floats(-max_abs_mean, max_abs_mean)))
    centered = groups - groups.mean(axis=1, keepdims=True)
    spread = centered.std(axis=1, keepdims=True)
    pattern = np.where(np.arange(k) % 2 == 0, 1.0, -1.0)
    pattern = (pattern - pattern.mean()) / pattern.std()
    flat = spread[:, 0] < 1e-3
    centered[flat] = pattern
    spread[flat] = 1.0
    groups = means[:, None] + stds[:, None] * centered / spread
    return _groups_back(groups, array.shape, axis_tuple, rest)


@st.composite
def well_conditioned_batches(draw: st.DrawFn, *, min_dims: int = 2, max_dims: int = 4,
                             min_batch: int = 2, max_batch: int = 4, max_channels: int = 3,
                             max_side: int = 3, min_std: float = 0.5,
                             max_std: float = 2.0) -> np.ndarray:
    """Batches (N, C, ...) with each channel's std over every axis but 1 in
    [min_std, max_std]: inputs for batch norm in training mode."""
    ndim = draw(st.integers(min_dims, max_dims))
    n = draw(st.integers(min_batch, max_batch))
    c = draw(st.integers(1, max_channels))
    spatial = tuple(draw(st.lists(st.integers(1, max_side), min_size=ndim - 2,
                                  max_size=ndim - 2)))
    reduce_axes = (0,) + tuple(range(2, ndim))
    return draw(spread_arrays((n, c) + spatial, reduce_axes, min_std=min_std, max_std=max_std))


@st.composite
def spectral_matrices(draw: st.DrawFn, shape: ShapeArg, *, kind: str = "general",
                      gap: float = 0.5, smallest: float = 0.5) -> np.ndarray:
    """Matrices (..., m, n) with a known, well separated spectrum, where the factorizations
    are smooth: "general" U diag(s) V^T with singular values s at least `gap` apart and at
    least `smallest` (SVD, QR, pinv, solves); "symmetric" Q diag(w) Q^T with eigenvalues of
    either sign, |w| >= `smallest`, pairwise `gap` apart (eigh); "positive" the same with
    w >= `smallest` (Cholesky). U, V, Q are the orthogonal factors of Gaussian matrices from
    a drawn seed (drawing their elements one by one exceeds Hypothesis's data budget)."""
    if kind not in ("general", "symmetric", "positive"):
        raise ValueError(f"spectral_matrices: kind must be 'general', 'symmetric' or "
                         f"'positive', got {kind!r}")
    shape = draw(_shape_strategy(shape))
    *batch, m, n = shape
    k = min(m, n)

    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))

    def orthogonal(size: int) -> np.ndarray:
        return np.linalg.qr(rng.normal(size=(*batch, size, size)))[0]

    steps = draw(hnp.arrays(np.float64, (*batch, k), elements=st.floats(gap, 2 * gap)))
    ladder = smallest + np.cumsum(steps, axis=-1) - steps[..., :1]
    if kind == "general":
        u, v = orthogonal(m)[..., :k], orthogonal(n)[..., :k]
        return (u * ladder[..., None, ::-1]) @ np.swapaxes(v, -1, -2)
    if kind == "symmetric":  # a ladder through 0 with a hole (-smallest, smallest)
        shift = draw(st.integers(0, k))
        ladder = np.concatenate([-ladder[..., :shift][..., ::-1], ladder[..., :k - shift]], -1)
        if shift not in (0, k):  # the rungs nearest 0, +-smallest, kept `gap` apart
            ladder = ladder + np.where(ladder > 0, max(0.0, gap - 2 * smallest), 0.0)
    q = orthogonal(n)
    return (q * ladder[..., None, :]) @ np.swapaxes(q, -1, -2)
