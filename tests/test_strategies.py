"""The public Hypothesis strategies of tinygrad_bn.testing.strategies keep their documented
guarantees: bounds, distances from excluded points, unique extrema by the stated gap,
pairwise gaps, per-group standard deviations, broadcastable shapes, valid axes, dtypes.

Each property is checked over drawn strategy arguments (so the guarantee holds for any
arguments, not just the defaults), and `hypothesis.find` shows that the strategies do
reach the cases they promise (negative axes, size-1 broadcast axes, flat groups ...)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

# for `find`: reproducible, no example database, bounded effort, the first match (no
# shrinking: these searches only show that such an example exists)
SEARCH = settings(max_examples=300, database=None, derandomize=True,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
# float slack for distances computed from the drawn values
TOL = 1e-9


def _groups(array: np.ndarray, axis: Any) -> np.ndarray:
    """`array` as (groups, k): the elements of each group reduced over by `axis`, last."""
    axes = tuple(range(array.ndim)) if axis is None else \
        tuple(a % array.ndim for a in ((axis,) if isinstance(axis, int) else axis))
    rest = [a for a in range(array.ndim) if a not in axes]
    k = int(np.prod([array.shape[a] for a in axes]))
    return np.transpose(array, rest + sorted(axes)).reshape(-1, k)


def _draw_bounds(data: st.DataObject) -> tuple[float, float]:
    low = data.draw(st.floats(-5.0, 3.0), label="min_value")
    return low, data.draw(st.floats(low + 2.0, 5.0), label="max_value")


# ---------------------------------------------------------------- shapes


@given(st.data())
def test_shapes_respect_dims_and_sides(data: st.DataObject) -> None:
    min_dims = data.draw(st.integers(0, 3), label="min_dims")
    max_dims = data.draw(st.integers(min_dims, 4), label="max_dims")
    min_side = data.draw(st.integers(0, 3), label="min_side")
    max_side = data.draw(st.integers(max(min_side, 1), 5), label="max_side")
    shape = data.draw(tst.shapes(min_dims, max_dims, min_side, max_side))
    assert isinstance(shape, tuple) and all(type(n) is int for n in shape)
    assert min_dims <= len(shape) <= max_dims
    assert all(min_side <= n <= max_side for n in shape)


def test_shapes_reach_scalars_and_the_largest_rank() -> None:
    assert find(tst.shapes(), lambda s: s == (), settings=SEARCH) == ()
    assert len(find(tst.shapes(), lambda s: len(s) == 3, settings=SEARCH)) == 3


# ---------------------------------------------------------------- arrays


@given(st.data())
def test_arrays_stay_in_bounds_and_away_from_points(data: st.DataObject) -> None:
    low, high = _draw_bounds(data)
    # a wide exclusion around points inside the range: a lost filter shows up at once
    points = data.draw(st.lists(st.floats(low, high), min_size=1, max_size=2), label="points")
    distance = data.draw(st.floats(0.05, 0.25), label="min_distance")  # <= half excluded
    dtype = data.draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    a = data.draw(tst.arrays((6,), min_value=low, max_value=high, away_from=points,
                             min_distance=distance, dtype=dtype))
    assert a.dtype == dtype and a.shape == (6,)
    exact = a.astype(np.float64)  # compare the stored values, not float32 roundings of bounds
    assert np.all((exact >= low) & (exact <= high))
    for p in points:
        assert np.all(np.abs(exact - p) >= distance), (p, a)


@given(st.data())
def test_arrays_take_a_fixed_shape_a_strategy_or_none(data: st.DataObject) -> None:
    fixed = data.draw(tst.arrays((2, 3)))
    assert fixed.shape == (2, 3) and fixed.dtype == np.float64
    drawn = data.draw(tst.arrays(st.just((4, 1))))
    assert drawn.shape == (4, 1)
    default = data.draw(tst.arrays())
    assert default.ndim <= 3 and all(1 <= n <= 4 for n in default.shape)
    assert np.all(np.abs(default) <= 3.0)


def test_arrays_come_close_to_but_not_within_the_excluded_distance() -> None:
    # the exclusion is a band, not a half line: values just outside it are drawn
    near = find(tst.arrays((4,), away_from=(0.0,), min_distance=0.5),
                lambda a: bool(np.any(np.abs(a) < 0.6)), settings=SEARCH)
    assert np.all(np.abs(near) >= 0.5)


@given(st.data())
def test_positive_arrays_are_positive_and_bounded(data: st.DataObject) -> None:
    low = data.draw(st.floats(1e-3, 1.0), label="min_value")
    high = data.draw(st.floats(low + 1e-3, 4.0), label="max_value")  # holds a float32
    dtype = data.draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    a = data.draw(tst.positive_arrays((3, 2), min_value=low, max_value=high, dtype=dtype))
    assert a.dtype == dtype and a.shape == (3, 2)
    exact = a.astype(np.float64)
    assert np.all((exact >= low) & (exact <= high) & (exact > 0))


@pytest.mark.parametrize("min_value", [0.0, -1.0])
def test_positive_arrays_refuse_a_nonpositive_minimum(min_value: float) -> None:
    with pytest.raises(ValueError, match="min_value"):
        tst.positive_arrays(min_value=min_value)


# ---------------------------------------------------------------- tensors


@given(tst.tensors(shape=(3,), away_from=(0.0,), min_distance=0.5),
       tst.tensors(tst.positive_arrays((2,)), requires_grad=False))
def test_tensors_wrap_float64_arrays_ready_for_gradcheck(x: Tensor, c: Tensor) -> None:
    assert isinstance(x, Tensor) and x.dtype == np.float64 and x.shape == (3,)
    assert x.requires_grad and x.is_leaf and x.grad is None
    assert np.all(np.abs(x.data) >= 0.5)  # keyword arguments reach `arrays`
    assert isinstance(c, Tensor) and not c.requires_grad and np.all(c.data > 0)


def test_tensors_refuse_a_strategy_and_array_keywords_together() -> None:
    with pytest.raises(TypeError):
        tst.tensors(tst.arrays(), away_from=(0.0,))


# ---------------------------------------------------------------- broadcastable shapes


@given(st.data())
def test_broadcastable_shapes_broadcast_together(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 4), label="num_shapes")
    min_dims = data.draw(st.integers(0, 2), label="min_dims")
    max_dims = data.draw(st.integers(min_dims, 4), label="max_dims")
    max_side = data.draw(st.integers(1, 4), label="max_side")
    shapes = data.draw(tst.broadcastable_shapes(n, min_dims=min_dims, max_dims=max_dims,
                                                max_side=max_side))
    assert isinstance(shapes, tuple) and len(shapes) == n
    result = np.broadcast_shapes(*shapes)  # raises if they do not broadcast
    assert min_dims <= len(result) <= max_dims
    assert all(len(s) <= max_dims and all(0 <= d <= max_side for d in s) for s in shapes)
    # broadcasting really works on arrays of these shapes, as NumPy defines it
    assert np.broadcast_arrays(*[np.zeros(s) for s in shapes])[0].shape == result


def test_broadcastable_shapes_include_size_one_and_missing_axes() -> None:
    def stretches_a_one(shapes: tuple) -> bool:
        out = np.broadcast_shapes(*shapes)
        return any(s[i] == 1 and out[len(out) - len(s) + i] > 1
                   for s in shapes for i in range(len(s)))

    def lacks_leading_axes(shapes: tuple) -> bool:
        return len({len(s) for s in shapes}) > 1

    for condition in (stretches_a_one, lacks_leading_axes):
        shapes = find(tst.broadcastable_shapes(2), condition, settings=SEARCH)
        assert condition(shapes)


# ---------------------------------------------------------------- axes


@given(st.data())
def test_axes_are_valid_for_the_rank(data: st.DataObject) -> None:
    ndim = data.draw(st.integers(0, 4), label="ndim")
    allow_none = data.draw(st.booleans(), label="allow_none")
    allow_tuple = data.draw(st.booleans(), label="allow_tuple")
    if ndim == 0 and not (allow_none or allow_tuple):
        return  # a 0-d tensor has no int axis: nothing is valid
    axis = data.draw(tst.axes(ndim, allow_none=allow_none, allow_tuple=allow_tuple))
    if axis is None:
        assert allow_none
    elif isinstance(axis, tuple):
        assert allow_tuple and all(type(a) is int for a in axis)
        assert len({a % ndim for a in axis}) == len(axis)  # distinct after normalizing
        assert all(-ndim <= a < ndim for a in axis)
    else:
        assert type(axis) is int and -ndim <= axis < ndim
    # NumPy agrees that the axis is valid (it rejects repeats and out-of-range axes)
    np.sum(np.zeros((2,) * ndim), axis=axis)
    Tensor(np.zeros((2,) * ndim)).sum(axis=axis)


@pytest.mark.parametrize("condition", [
    lambda a: a is None,
    lambda a: isinstance(a, int) and a < 0,
    lambda a: a == (),
    lambda a: isinstance(a, tuple) and len(a) == 3,
    lambda a: isinstance(a, tuple) and any(x < 0 for x in a),
], ids=["none", "negative-int", "empty-tuple", "full-tuple", "negative-in-tuple"])
def test_axes_reach_every_documented_form(condition) -> None:
    assert condition(find(tst.axes(3), condition, settings=SEARCH))


# ---------------------------------------------------------------- unique extrema


def _margins(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group: max minus runner-up and runner-up minus min (inf for 1-element groups)."""
    if groups.shape[1] < 2:
        inf = np.full(len(groups), np.inf)
        return inf, inf
    ordered = np.sort(groups, axis=1)
    return ordered[:, -1] - ordered[:, -2], ordered[:, 1] - ordered[:, 0]


@given(st.data())
def test_unique_extremum_arrays_beat_the_runner_up_by_the_gap(data: st.DataObject) -> None:
    shape = data.draw(tst.shapes(), label="shape")
    axis = data.draw(tst.axes(len(shape)), label="axis")
    kind = data.draw(st.sampled_from(["max", "min", "both"]), label="kind")
    gap = data.draw(st.sampled_from([0.1, 0.5, 1e-3]), label="gap")
    a = data.draw(tst.unique_extremum_arrays(shape, axis, kind=kind, gap=gap))
    assert a.shape == shape and a.dtype == np.float64
    top, bottom = _margins(_groups(a, axis))
    if kind in ("max", "both"):
        assert np.all(top >= gap - TOL), top
    if kind in ("min", "both"):
        assert np.all(bottom >= gap - TOL), bottom
    # so reductions have one arg-extremum per group: the gradient is well defined
    if a.size and kind != "min" and axis != ():  # () reduces all axes in amax, as PyTorch's
        x = Tensor(a, requires_grad=True)
        x.amax(() if axis is None else axis).sum().backward()
        assert np.all(_groups(x.grad.data, axis).sum(axis=1) == 1.0)


def test_unique_extremum_arrays_refuse_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        find(tst.unique_extremum_arrays((2,), kind="median"), lambda a: True, settings=SEARCH)


def test_unique_extremum_arrays_start_from_ties() -> None:
    # all-equal draws are the simplest example: the strategy must still separate them
    a = find(tst.unique_extremum_arrays((2, 3), 1, kind="both", gap=0.5),
             lambda a: True, settings=SEARCH)
    top, bottom = _margins(_groups(a, 1))
    assert np.all(top >= 0.5 - TOL) and np.all(bottom >= 0.5 - TOL)


# ---------------------------------------------------------------- distinct arrays


@given(st.data())
def test_distinct_arrays_are_pairwise_a_gap_apart(data: st.DataObject) -> None:
    shape = data.draw(tst.shapes(), label="shape")
    gap = data.draw(st.sampled_from([0.1, 0.5, 1e-2]), label="gap")
    jitter = data.draw(st.booleans(), label="jitter")
    a = data.draw(tst.distinct_arrays(shape, gap=gap, jitter=jitter))
    assert a.shape == shape and a.dtype == np.float64
    ordered = np.sort(a.ravel())
    assert np.all(np.diff(ordered) >= gap - TOL)
    n = a.size
    # centred on 0: the ladder without jitter is symmetric, jitter moves each rung < gap/2
    assert abs(ordered.mean()) <= (0.5 * gap if jitter else TOL)
    if not jitter:
        assert np.allclose(ordered, (np.arange(n) - (n - 1) / 2) * 2 * gap)


# ---------------------------------------------------------------- spread arrays and batches


@given(st.data())
def test_spread_arrays_keep_every_group_std_in_bounds(data: st.DataObject) -> None:
    shape = data.draw(tst.shapes(min_dims=1), label="shape")
    axis = data.draw(tst.axes(len(shape)), label="axis")
    k = _groups(np.zeros(shape), axis).shape[1]
    min_std = data.draw(st.floats(0.1, 1.0), label="min_std")
    max_std = data.draw(st.floats(min_std, 3.0), label="max_std")
    max_abs_mean = data.draw(st.floats(0.0, 3.0), label="max_abs_mean")
    spread = tst.spread_arrays(shape, axis, min_std=min_std, max_std=max_std,
                               max_abs_mean=max_abs_mean)
    if k < 2:
        with pytest.raises(ValueError, match="spread needs >= 2"):
            data.draw(spread)
        return
    a = data.draw(spread)
    assert a.shape == shape and a.dtype == np.float64
    groups = _groups(a, axis)
    std = groups.std(axis=1)
    assert np.all((std >= min_std * (1 - TOL)) & (std <= max_std * (1 + TOL))), std
    assert np.all(np.abs(groups.mean(axis=1)) <= max_abs_mean + TOL)


def test_spread_arrays_spread_flat_groups() -> None:
    # the simplest draw is all zeros: every group starts with no spread at all
    a = find(tst.spread_arrays((2, 5), 1), lambda a: True, settings=SEARCH)
    assert np.all(a.std(axis=1) >= 0.5 * (1 - TOL))


@given(st.data())
def test_well_conditioned_batches_have_bounded_channel_stds(data: st.DataObject) -> None:
    min_dims = data.draw(st.integers(2, 4), label="min_dims")
    max_dims = data.draw(st.integers(min_dims, 5), label="max_dims")
    min_batch = data.draw(st.integers(2, 3), label="min_batch")
    max_batch = data.draw(st.integers(min_batch, 5), label="max_batch")
    max_channels = data.draw(st.integers(1, 4), label="max_channels")
    max_side = data.draw(st.integers(1, 3), label="max_side")
    min_std = data.draw(st.floats(0.2, 1.0), label="min_std")
    max_std = data.draw(st.floats(min_std, 3.0), label="max_std")
    x = data.draw(tst.well_conditioned_batches(
        min_dims=min_dims, max_dims=max_dims, min_batch=min_batch, max_batch=max_batch,
        max_channels=max_channels, max_side=max_side, min_std=min_std, max_std=max_std))
    assert x.dtype == np.float64 and min_dims <= x.ndim <= max_dims
    assert min_batch <= x.shape[0] <= max_batch and 1 <= x.shape[1] <= max_channels
    assert all(1 <= n <= max_side for n in x.shape[2:])
    axes = (0,) + tuple(range(2, x.ndim))
    std = x.std(axis=axes)
    assert std.shape == (x.shape[1],)
    assert np.all((std >= min_std * (1 - TOL)) & (std <= max_std * (1 + TOL))), std


def test_well_conditioned_batches_reach_every_rank() -> None:
    for ndim in (2, 3, 4):
        x = find(tst.well_conditioned_batches(), lambda x, n=ndim: x.ndim == n,
                 settings=SEARCH)
        assert x.ndim == ndim
