"""Issue 22, the part of the surface added by the helper fn22: erfc and erfinv (and erf as a
method), softmax/log_softmax as Tensor methods and tg.* functions, the in-place twins of
the math methods, the random in-place fills with generator=, F.unfold/F.fold (nn.Unfold,
nn.Fold) and F.gumbel_softmax.

Each differentiable addition passes gradcheck (reverse and forward mode) and gradgradcheck
in float64 under Hypothesis-drawn values, away from the points where they are ill-posed,
and agrees with PyTorch in values and gradients where torch is installed. The random fills
are judged by their moments: with a fixed seed, each sample mean must lie within five
standard errors (computed from the distribution's variance and the sample size) of the
distribution's mean. Bad arguments raise the project's errors naming the op and what was
expected; this file is one of the bad-input suites (tests/test_bad_input_surface.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.ops.special import erfinv as numpy_erfinv
from tinygrad_bn.testing import strategies as tst

try:
    import torch
except ImportError:  # the cross-checks skip; everything else runs
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _t(x: np.ndarray):
    return torch.tensor(x, requires_grad=True)


# ---------------------------------------------------------------- gradients

# name: (ours, theirs (None: no PyTorch twin), drawn input values)
GRADIENT_CASES: dict[str, tuple[Callable, Callable | None, dict]] = {
    "erf": (tg.erf, lambda x: torch.erf(x), {}),
    "erfc (method)": (lambda x: x.erfc(), lambda x: x.erfc(), {}),
    "erfinv": (tg.erfinv, lambda x: torch.erfinv(x),
               dict(min_value=-0.95, max_value=0.95)),
    "softmax (method)": (lambda x: x.softmax(-1), lambda x: x.softmax(-1), {}),
    "softmax (tg, dim 0)": (lambda x: tg.softmax(x, 0), lambda x: torch.softmax(x, 0), {}),
    "log_softmax (method)": (lambda x: x.log_softmax(dim=1),
                             lambda x: x.log_softmax(dim=1), {}),
    "log_softmax (F, dtype)": (lambda x: F.log_softmax(x, dim=0, dtype=tg.float64),
                               lambda x: torch.nn.functional.log_softmax(
                                   x, dim=0, dtype=torch.float64), {}),
    "erfinv_ (in place, recorded)": (lambda x: (x * 0.9).erfinv_(),
                                     lambda x: (x * 0.9).erfinv_(),
                                     dict(min_value=-0.95, max_value=0.95)),
    # composites in place: logit_, hypot_ and xlogy_ read the overwritten value inside
    "logit_ and atan2_ (in place)": (lambda x: (x * 0.3 + 0.5).logit_().atan2_(x * x + 1),
                                     lambda x: (x * 0.3 + 0.5).logit_().atan2_(x * x + 1),
                                     dict(min_value=-1.2, max_value=1.2)),
    "lerp_ and hypot_ (in place)": (lambda x: (x * 1).lerp_(x * x, 0.3).hypot_(x),
                                    lambda x: (x * 1).lerp_(x * x, 0.3).hypot_(x),
                                    dict(min_value=0.3, max_value=2.0)),
    "xlogy_ (in place)": (lambda x: (x * 1).xlogy_(x * x + 1),
                          lambda x: (x * 1).xlogy_(x * x + 1), {}),
    "floor_ and frac_ (in place, between jumps)": (
        lambda x: (x * 0.5 + 0.25).floor_() * x + (x * 0.5 + 0.25).frac_(),
        lambda x: (x * 0.5 + 0.25).floor_() * x + (x * 0.5 + 0.25).frac_(),
        dict(min_value=-0.45, max_value=0.45)),
    "eq_ (in place: gradient 0)": (lambda x: (x * 2).eq_(x) + x, lambda x: (x * 2).eq_(x) + x,
                                   {}),
    # more elementwise math (tensor_methods/math.py), away from kinks and bounds
    "absolute / sgn": (lambda x: tg.absolute(x * x + 0.5) * tg.sgn(x + 3),
                       lambda x: torch.absolute(x * x + 0.5) * torch.sgn(x + 3), {}),
    "clamp_min / clamp_max": (lambda x: tg.clamp_min(x, -5.0) + x.clamp_max(5.0) +
                              tg.clamp_min(x * 0.01, 0.5),
                              lambda x: torch.clamp_min(x, -5.0) + x.clamp_max(5.0) +
                              torch.clamp_min(x * 0.01, 0.5), {}),
    "deg2rad / rad2deg": (lambda x: tg.deg2rad(x).sin() + x.rad2deg(),
                          lambda x: torch.deg2rad(x).sin() + x.rad2deg(), {}),
    "addcmul / addcdiv": (lambda x: tg.addcmul(x, x, x.exp(), value=0.5) +
                          x.addcdiv(x, x * x + 1, value=-2.0),
                          lambda x: torch.addcmul(x, x, x.exp(), value=0.5) +
                          x.addcdiv(x, x * x + 1, value=-2.0), {}),
    "float_power / ldexp": (lambda x: tg.float_power(x * x + 1, x) + x.ldexp(tg.tensor(3)),
                            lambda x: torch.float_power(x * x + 1, x) +
                            x.ldexp(torch.tensor(3)), {}),
    "nan_to_num (finite)": (lambda x: tg.nan_to_num(x * x), lambda x: torch.nan_to_num(x * x),
                            {}),
    "addcmul_ and clamp_min_ (in place)": (
        lambda x: (x * 1).addcmul_(x, x, value=0.3).clamp_min_(-50.0),
        lambda x: (x * 1).addcmul_(x, x, value=0.3).clamp_min_(-50.0), {}),
    "cumsum_ and tril_ (in place)": (lambda x: (x * 1).cumsum_(1).tril_(),
                                     lambda x: (x * 1).cumsum_(1).tril_(), {}),
    "addmm_ (in place)": (lambda x: (x * 1).addmm_(x, x.t(), beta=0.5, alpha=2.0),
                          lambda x: (x * 1).addmm_(x, x.t(), beta=0.5, alpha=2.0), {}),
}


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_gradients_of_every_order_and_pytorch_agree(name: str, data) -> None:
    ours, theirs, values = GRADIENT_CASES[name]
    shape = (3, 3) if "addmm" in name else (3, 4)
    bounds = values or dict(min_value=-2.0, max_value=2.0)
    x = data.draw(tst.arrays(shape, **bounds))
    t = Tensor(x, requires_grad=True)
    assert tg.gradcheck(ours, [t])  # reverse mode and the jvp
    assert tg.gradgradcheck(ours, [t])
    if torch is None or theirs is None:
        return
    out, expected = ours(t), theirs(_t(x))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    up = np.cos(np.arange(out.data.size)).reshape(out.shape)
    (out * Tensor(up)).sum().backward()
    leaf = _t(x)
    (theirs(leaf) * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(t.grad.data, leaf.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_erf_family_dtypes_follow_pytorch() -> None:
    for fn in (tg.erf, tg.erfc, tg.erfinv):
        assert fn(Tensor(np.array([0, 1]))).dtype == np.float32  # integers: the default
        tg.set_default_dtype(tg.float64)
        try:
            assert fn(Tensor(np.array([0, 1]))).dtype == np.float64
        finally:
            tg.set_default_dtype(tg.float32)
        assert fn(Tensor(np.array([0.5], np.float16))).dtype == np.float16
        assert fn(Tensor(np.array([0.5]))).dtype == np.float64
    x = Tensor(np.array([0.0, -0.0, 1.0, -1.0, 1.5, np.nan, 0.5]))
    np.testing.assert_array_equal(x.erfinv().data[:4], [0.0, -0.0, np.inf, -np.inf])
    assert np.signbit(x.erfinv().data[1]) and np.isnan(x.erfinv().data[4:6]).all()
    assert tg.erfc(Tensor([30.0])).item() == 0.0 and tg.erfc(Tensor([-30.0])).item() == 2.0


@settings(max_examples=10, deadline=None)
@given(x=tst.arrays((200,), min_value=-1.0, max_value=1.0))
def test_erfinv_inverts_erf_to_the_last_bits(x: np.ndarray) -> None:
    """erf(erfinv(x)) is x to within erf's own rounding at the answer: |erf'(y)| ulp(y)."""
    y = numpy_erfinv(x)
    back = np.array([math.erf(v) for v in y])
    finite = np.isfinite(y)
    slope = 2 / math.sqrt(math.pi) * np.exp(-y[finite] ** 2)
    allowed = 2 * np.spacing(np.abs(x[finite])) + 2 * slope * np.spacing(np.abs(y[finite]))
    assert np.all(np.abs(back[finite] - x[finite]) <= allowed)


def test_erfinv_tails_keep_their_digits() -> None:
    """Near +-1, where erf(y) ~ 1 cannot resolve y: 1 - x is exact there and erfc carries
    the digits; each answer must satisfy erfc(y) = 1 - x to a few ulps of 1 - x."""
    tail = 10.0 ** -np.arange(1, 16.5, 0.5)
    y = numpy_erfinv(1 - tail)
    for t, v in zip(1 - (1 - tail), y):  # the tail that 1 - tail actually stores
        assert abs(math.erfc(v) - t) <= 1e-13 * t, (t, v)


@needs_torch
def test_erfinv_agrees_with_pytorch_over_its_whole_domain() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-1, 1, 20000), 1 - 10.0 ** -rng.uniform(1, 16, 2000),
                        10.0 ** -rng.uniform(0, 300, 500), [0.5, -0.999, 1e-3]])
    ours, theirs = tg.erfinv(Tensor(x)).data, torch.erfinv(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=4e-16, atol=0)
    for fn in ("erf", "erfc"):
        np.testing.assert_allclose(getattr(tg, fn)(Tensor(x * 4)).data,
                                   getattr(torch, fn)(torch.tensor(x * 4)).numpy(),
                                   rtol=1e-15, atol=1e-300)


def test_softmax_method_function_and_functional_are_one_op() -> None:
    x = np.random.default_rng(1).normal(size=(2, 3, 4))
    a, b, c = Tensor(x).softmax(1), tg.softmax(Tensor(x), dim=1), F.softmax(Tensor(x), dim=1)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.data, c.data)
    assert Tensor(np.array([1, 2])).softmax(0, dtype=tg.float64).dtype == np.float64
    assert Tensor(x).log_softmax(-1, tg.float32).dtype == np.float32
    assert Tensor(2.5).softmax(0).item() == 1.0 and Tensor(2.5).log_softmax(-1).item() == 0.0
    big = Tensor(np.array([1000.0, 0.0, -1000.0]))  # no overflow: the max is subtracted
    np.testing.assert_allclose(big.log_softmax(0).data, [0.0, -1000.0, -2000.0])


# ---------------------------------------------------------------- in-place twins

# name: args (the same for the out-of-place method, which must exist)
INPLACE_UNARY = ["acos_", "acosh_", "asin_", "asinh_", "atan_", "atanh_", "arccos_",
                 "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "sinh_", "cosh_",
                 "tan_", "exp2_", "expm1_", "log2_", "log10_", "log1p_", "logit_", "erf_",
                 "erfc_", "erfinv_", "reciprocal_", "rsqrt_", "square_", "negative_",
                 "floor_", "ceil_", "trunc_", "fix_", "round_", "frac_", "absolute_", "sgn_",
                 "deg2rad_", "rad2deg_", "nan_to_num_"]
INPLACE_BINARY = ["subtract_", "multiply_", "divide_", "true_divide_", "floor_divide_",
                  "remainder_", "fmod_", "atan2_", "arctan2_", "hypot_", "copysign_", "xlogy_",
                  "eq_", "ne_", "lt_", "le_", "gt_", "ge_", "not_equal_", "less_",
                  "less_equal_", "greater_", "greater_equal_", "logical_and_", "logical_or_",
                  "logical_xor_", "clamp_min_", "clamp_max_", "float_power_", "ldexp_",
                  "heaviside_"]
INPLACE_INTEGER = ["bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_left_shift_",
                   "bitwise_right_shift_", "gcd_", "lcm_"]


def _domain_values(name: str) -> np.ndarray:
    """Values inside every unary function's domain: (0, 1) but acosh's (> 1)."""
    base = np.linspace(0.1, 0.9, 6).reshape(2, 3)
    return base + 1.5 if name.startswith(("acosh", "arccosh")) else base


@pytest.mark.parametrize("name", INPLACE_UNARY)
def test_unary_inplace_twin_writes_the_method_and_counts_a_version(name: str) -> None:
    x = Tensor(_domain_values(name))
    memory = x.data.__array_interface__["data"][0]
    expected = getattr(x, name[:-1])().data.copy()
    version = x._version
    assert getattr(x, name)() is x
    np.testing.assert_array_equal(x.data, expected)
    assert x._version == version + 1 and x.data.__array_interface__["data"][0] == memory
    if torch is not None:
        twin = torch.tensor(_domain_values(name))
        np.testing.assert_allclose(x.data, getattr(twin, name)().numpy(), rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", INPLACE_BINARY + INPLACE_INTEGER)
def test_binary_inplace_twin_writes_the_method_in_the_tensors_dtype(name: str) -> None:
    integer = name in INPLACE_INTEGER
    dtype = np.int64 if integer else np.float64
    a = np.array([[3, -2, 5], [0, 7, -4]]).astype(dtype)
    a = a if integer else a / 2
    b = np.array([[1, 2, 2], [3, 1, 2]]).astype(dtype)
    x = Tensor(a.copy())
    expected = getattr(Tensor(a), name[:-1])(Tensor(b)).data.astype(dtype)
    assert getattr(x, name)(Tensor(b)) is x and x.dtype == dtype
    np.testing.assert_array_equal(x.data, expected)
    if torch is not None:
        twin = torch.tensor(a.copy())
        np.testing.assert_array_equal(x.data, getattr(twin, name)(torch.tensor(b)).numpy())


def test_nan_to_num_gcd_lcm_heaviside_agree_with_pytorch() -> None:
    x = np.array([-1.5, 0.0, 2.0, np.nan, np.inf, -np.inf])
    t = Tensor(x, requires_grad=True)
    out = tg.nan_to_num(t)
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.data, [1, 1, 1, 0, 0, 0])  # replaced: no gradient
    calls = [lambda m, v: m.nan_to_num(),
             lambda m, v: m.nan_to_num(nan=1.0, posinf=2.0, neginf=-3.0),
             lambda m, v: m.heaviside(v)]
    for call in calls:
        ours = call(Tensor(x), Tensor(np.array([0.5])))
        if torch is not None:
            theirs = call(torch.tensor(x), torch.tensor([0.5], dtype=torch.float64))
            np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert Tensor(np.array([3])).nan_to_num().tolist() == [3]  # integers: unchanged
    a, b = np.array([4, 6, 0, -8]), np.array([6, 9, 5, 12])
    assert tg.gcd(Tensor(a), Tensor(b)).tolist() == [2, 3, 5, 4]
    assert tg.lcm(Tensor(a), Tensor(b)).tolist() == [12, 18, 0, 24]
    if torch is not None:
        for name in ("gcd", "lcm"):
            np.testing.assert_array_equal(getattr(tg, name)(Tensor(a), Tensor(b)).data,
                                          getattr(torch, name)(torch.tensor(a),
                                                               torch.tensor(b)).numpy())
    for fn, expected in ((tg.deg2rad, np.float32), (tg.rad2deg, np.float32),
                         (lambda v: tg.float_power(v, 2), np.float64),
                         (lambda v: tg.ldexp(v, Tensor(np.array([1, 2]))), np.float32)):
        assert fn(Tensor(np.array([1, 2]))).dtype == expected


def test_inplace_twins_with_more_arguments_match_pytorch() -> None:
    rng = np.random.default_rng(3)
    c, m, v = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(4, 3))
    calls = [("round_", (), dict(decimals=1)), ("logit_", (0.2,), {}),
             ("divide_", (0.7,), dict(rounding_mode="floor")), ("div_", (0.7,),
                                                                 dict(rounding_mode="trunc")),
             ("subtract_", (2.0,), dict(alpha=0.5)), ("lerp_", ("C", 0.25), {}),
             ("addmm_", ("M", "V"), dict(beta=0.5, alpha=2.0)),
             ("logical_not_", (), {}), ("bitwise_not_", (), {})]
    for name, args, kwargs in calls:
        base = np.array([[1, 0, -3], [2, 5, 0]]) if name == "bitwise_not_" else c * 0.4 + 0.5
        ours, theirs = Tensor(base.copy()), torch.tensor(base.copy()) if torch else None
        pick = {"C": c, "M": m, "V": v}
        getattr(ours, name)(*[Tensor(pick[a]) if a in pick else a for a in args], **kwargs)
        if theirs is not None:
            getattr(theirs, name)(*[torch.tensor(pick[a]) if a in pick else a for a in args],
                                  **kwargs)
            np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-14, err_msg=name)
    m = rng.normal(size=(3, 4))
    for name, args in (("cumsum_", (1,)), ("tril_", (1,)), ("triu_", (-1,))):
        ours = Tensor(m.copy())
        assert getattr(ours, name)(*args) is ours
        np.testing.assert_allclose(ours.data, getattr(Tensor(m), name[:-1])(*args).data)
        if torch is not None:
            np.testing.assert_allclose(ours.data, getattr(torch.tensor(m.copy()), name)(
                *args).numpy(), rtol=1e-14, err_msg=name)
    ints = Tensor(np.array([1, 2, 3]))
    assert ints.cumsum_(0, dtype=tg.int64).tolist() == [1, 3, 6] and ints.dtype == np.int64
    assert Tensor(np.array([1, 2])).addmv_(Tensor(np.eye(2, dtype=np.int64)),
                                           Tensor(np.array([3, 4]))).tolist() == [4, 6]
    b = Tensor(np.ones((2, 2, 2)))
    b.baddbmm_(Tensor(np.ones((2, 2, 1))), Tensor(np.ones((2, 1, 2))), alpha=3.0)
    np.testing.assert_array_equal(b.data, np.full((2, 2, 2), 4.0))


def test_inplace_twins_keep_autograd_honest() -> None:
    leaf = Tensor(np.array([0.2, 0.4]), requires_grad=True)
    with pytest.raises(tg.BackwardError, match="erfinv_: a leaf"):
        leaf.erfinv_()
    y = leaf.exp()  # exp's backward reads its output, which erf_ then overwrites
    y.erf_()
    with pytest.raises(tg.BackwardError, match="modified by an inplace operation"):
        y.sum().backward()
    with tg.set_grad_enabled(False):  # a plain write without recording, as an optimizer's
        leaf.floor_()
    np.testing.assert_array_equal(leaf.data, [0.0, 0.0])
    view = (leaf * 1 + 0.3)
    view[1:].erfinv_()  # a write through a basic-index view is recorded on the base
    view.sum().backward()
    expected = [1.0, math.sqrt(math.pi) / 2 * math.exp(numpy_erfinv(np.array(0.3)) ** 2)]
    np.testing.assert_allclose(leaf.grad.data, expected, rtol=1e-12)


def test_forward_mode_follows_inplace_writes() -> None:
    """The tangent moves with the values an in-place op writes, into the tensor and through
    a view into its base (before, exp_ and a view's sin_ left the input's tangent)."""
    x, t = np.array([0.1, 0.2, 0.3]), np.array([1.0, 2.0, 3.0])

    def through_view(a: Tensor) -> Tensor:
        y = a * 1
        y[1:].sin_()
        return y

    for requires_grad in (False, True):
        a = Tensor(x, requires_grad=requires_grad)
        _, tangent = tg.jvp(lambda v: (v * 1).exp_(), a, t)
        np.testing.assert_allclose(tangent.data, np.exp(x) * t, rtol=1e-14)
        _, tangent = tg.jvp(through_view, a, t)
        np.testing.assert_allclose(tangent.data, [t[0], *(np.cos(x[1:]) * t[1:])], rtol=1e-14)
    a = Tensor(x, requires_grad=True)
    assert tg.gradcheck(through_view, [a]) and tg.gradgradcheck(through_view, [a])


# ---------------------------------------------------------------- random fills

N = 200_000


def _within(sample: np.ndarray, mean: float, variance: float, sigmas: float = 5.0) -> None:
    error = abs(sample.mean() - mean)
    standard_error = math.sqrt(variance / sample.size)
    assert error <= sigmas * standard_error, (sample.mean(), mean, standard_error)


def test_random_fills_have_their_distributions_moments() -> None:
    g = tg.Generator().manual_seed(2024)
    x = tg.empty(N, dtype=tg.float64)
    lam = 2.5
    _within(x.exponential_(lam, generator=g).numpy(), 1 / lam, 1 / lam ** 2)
    assert x.data.min() >= 0
    p = 0.3
    draws = x.geometric_(p, generator=g).numpy()
    _within(draws, 1 / p, (1 - p) / p ** 2)
    assert draws.min() == 1 and np.all(draws == np.round(draws))
    mu, sigma = 0.2, 0.5
    draws = x.log_normal_(mu, sigma, generator=g).numpy()
    _within(draws, math.exp(mu + sigma ** 2 / 2),
            (math.exp(sigma ** 2) - 1) * math.exp(2 * mu + sigma ** 2))
    _within(np.log(draws), mu, sigma ** 2)
    median, scale = -1.0, 3.0  # Cauchy has no mean: its median, quartiles at median +- scale
    draws = x.cauchy_(median, scale, generator=g).numpy()
    # the sample median's standard error: 1 / (2 f(m) sqrt(n)), f(m) = 1 / (pi scale)
    assert abs(np.median(draws) - median) <= 5 * math.pi * scale / (2 * math.sqrt(N))
    _within((draws < median + scale).astype(float), 0.75, 0.75 * 0.25)
    draws = x.random_(-3, 7, generator=g).numpy()  # integers -3..6, each 1/10
    _within(draws, 1.5, (10 ** 2 - 1) / 12)
    assert set(np.unique(draws)) == set(range(-3, 7))
    draws = tg.empty(N, dtype=tg.int64).random_(5, generator=g).numpy()
    assert draws.dtype == np.int64 and set(np.unique(draws)) == set(range(5))
    for dtype, top in ((tg.float32, 2 ** 24), (tg.float16, 2 ** 11), (tg.uint8, 255),
                       (tg.bool, 1)):
        draws = tg.empty(20000, dtype=dtype).random_(generator=g).numpy().astype(np.float64)
        assert draws.min() >= 0 and draws.max() <= top
        _within(draws, top / 2, ((top + 1) ** 2 - 1) / 12)


def test_normal_uniform_bernoulli_fills_have_their_moments() -> None:
    g = tg.Generator().manual_seed(11)
    x = tg.empty(N, dtype=tg.float64)
    _within(x.normal_(1.5, 2.0, generator=g).numpy(), 1.5, 4.0)
    _within(x.uniform_(-1.0, 3.0, generator=g).numpy(), 1.0, 16 / 12)
    _within(x.bernoulli_(0.2, generator=g).numpy(), 0.2, 0.16)
    p = np.where(np.arange(N) % 2 == 0, 0.1, 0.7)  # a tensor of probabilities
    draws = x.bernoulli_(Tensor(p), generator=g).numpy()
    _within(draws[::2], 0.1, 0.09)
    _within(draws[1::2], 0.7, 0.21)


def test_multinomial_and_bernoulli_methods_draw_their_distributions() -> None:
    g = tg.Generator().manual_seed(4)
    weights = np.array([1.0, 0.0, 3.0, 6.0])
    draws = Tensor(weights).multinomial(N, replacement=True, generator=g).numpy()
    assert draws.dtype == np.int64 and 1 not in draws
    for k, p in enumerate(weights / weights.sum()):
        _within((draws == k).astype(float), p, p * (1 - p))
    rows = Tensor(np.ones((500, 6))).multinomial(6, generator=g).numpy()  # no replacement
    assert all(sorted(row) == list(range(6)) for row in rows)
    first = rows[:, 0]  # each category first with probability 1/6
    _within((first == 2).astype(float), 1 / 6, 5 / 36)
    p = Tensor(np.full(N, 0.35))
    assert tg.bernoulli(p, generator=g).dtype == np.float64
    _within(p.bernoulli(generator=g).numpy(), 0.35, 0.35 * 0.65)
    _within(p.bernoulli(0.9, generator=g).numpy(), 0.9, 0.09)


RANDOM_CALLS: dict[str, Callable] = {
    "rand": lambda g: tg.rand(50, generator=g),
    "randn": lambda g: tg.randn(50, generator=g),
    "randint": lambda g: tg.randint(0, 100, (50,), generator=g),
    "randperm": lambda g: tg.randperm(50, generator=g),
    "rand_like": lambda g: tg.rand_like(tg.zeros(50), generator=g),
    "randn_like": lambda g: tg.randn_like(tg.zeros(50), generator=g),
    "randint_like": lambda g: tg.randint_like(tg.zeros(50), 0, 100, generator=g),
    "normal": lambda g: tg.normal(0.0, 1.0, size=(50,), generator=g),
    "bernoulli": lambda g: tg.bernoulli(tg.full((50,), 0.5), generator=g),
    "multinomial": lambda g: tg.multinomial(tg.ones(50), 20, generator=g),
    "poisson": lambda g: tg.poisson(tg.full((50,), 3.0), generator=g),
    "uniform_": lambda g: tg.zeros(50).uniform_(generator=g),
    "normal_": lambda g: tg.zeros(50).normal_(generator=g),
    "bernoulli_": lambda g: tg.zeros(50).bernoulli_(generator=g),
    "exponential_": lambda g: tg.zeros(50).exponential_(generator=g),
    "geometric_": lambda g: tg.zeros(50).geometric_(0.5, generator=g),
    "cauchy_": lambda g: tg.zeros(50).cauchy_(generator=g),
    "log_normal_": lambda g: tg.zeros(50).log_normal_(generator=g),
    "random_": lambda g: tg.zeros(50).random_(generator=g),
    "dropout": lambda g: F.dropout(tg.ones(50), 0.5, generator=g),
    "Tensor.bernoulli": lambda g: tg.full((50,), 0.5).bernoulli(generator=g),
    "Tensor.multinomial": lambda g: tg.ones(3, 50).multinomial(20, generator=g),
}


@pytest.mark.parametrize("name", list(RANDOM_CALLS))
def test_every_random_function_is_reproducible_with_a_seeded_generator(name: str) -> None:
    draw = RANDOM_CALLS[name]
    first = draw(tg.Generator().manual_seed(5)).numpy()
    again = draw(tg.Generator().manual_seed(5)).numpy()
    other = draw(tg.Generator().manual_seed(6)).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)  # 50 draws: a coincidence is vanishingly rare
    tg.manual_seed(5)  # without generator=: the default generator, seeded
    a = draw(None).numpy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(a, draw(None).numpy())


def test_random_fills_are_constants_in_the_graph() -> None:
    x = Tensor(np.ones(4), requires_grad=True)
    y = x * 2
    y.exponential_(generator=tg.Generator().manual_seed(1))
    (y * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # only the direct use of x counts


# ---------------------------------------------------------------- unfold and fold

@st.composite
def _geometries(draw) -> tuple[tuple[int, ...], dict]:
    """A batched or unbatched input shape and unfold arguments whose grid is non-empty."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 6))
                 for k, d, p in zip(kernel, dilation, padding))
    lead = draw(st.sampled_from([(), (1,), (2,)]))
    channels = draw(st.integers(1, 2))
    return lead + (channels,) + size, dict(kernel_size=kernel, dilation=dilation,
                                            padding=padding, stride=stride)


@settings(max_examples=12, deadline=None)
@given(case=_geometries(), data=st.data())
def test_unfold_and_fold_gradients_and_pytorch_agree(case, data) -> None:
    shape, args = case
    x = data.draw(tst.arrays(shape))
    t = Tensor(x, requires_grad=True)
    cols = F.unfold(t, **args)
    u = data.draw(tst.arrays(cols.shape))
    s = Tensor(u, requires_grad=True)
    size = shape[-2:]
    assert tg.gradcheck(lambda a: F.unfold(a, **args), [t])
    assert tg.gradgradcheck(lambda a: F.unfold(a, **args) * a.sum(), [t])
    assert tg.gradcheck(lambda a: F.fold(a, size, **args), [s])
    assert tg.gradgradcheck(lambda a: F.fold(a, size, **args) * a.sum(), [s])
    # adjoint: <unfold(x), u> = <x, fold(u)>
    np.testing.assert_allclose((cols.data * u).sum(), (x * F.fold(s, size, **args).data).sum(),
                               rtol=1e-12, atol=1e-12)
    if torch is not None:
        tf = torch.nn.functional
        np.testing.assert_array_equal(cols.data, tf.unfold(torch.tensor(x), **args).numpy())
        np.testing.assert_allclose(F.fold(s, size, **args).data,
                                   tf.fold(torch.tensor(u), size, **args).numpy(), rtol=1e-14,
                                   atol=1e-14)


def test_unfold_fold_modules_and_fold_of_unfold_counts_the_blocks() -> None:
    x = np.arange(2 * 5 * 5, dtype=np.float64).reshape(1, 2, 5, 5)
    unfold, fold = nn.Unfold(3, padding=1), nn.Fold((5, 5), 3, padding=1)
    assert "kernel_size=3" in repr(unfold) and "output_size=(5, 5)" in repr(fold)
    cols = unfold(Tensor(x))
    assert cols.shape == (1, 18, 25)
    counts = fold(nn.Unfold(3, padding=1)(Tensor(np.ones((1, 2, 5, 5))))).data
    np.testing.assert_array_equal(fold(cols).data, x * counts)
    assert counts[0, 0, 0, 0] == 4 and counts[0, 0, 2, 2] == 9
    if torch is not None:
        np.testing.assert_array_equal(cols.data, torch.nn.Unfold(3, padding=1)(
            torch.tensor(x)).numpy())
        np.testing.assert_array_equal(fold(cols).data, torch.nn.Fold((5, 5), 3, padding=1)(
            torch.tensor(cols.data)).numpy())


# ---------------------------------------------------------------- gumbel_softmax

def test_gumbel_softmax_samples_the_categorical_distribution() -> None:
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    tg.manual_seed(3)
    y = F.gumbel_softmax(Tensor(np.tile(logits, (40000, 1))), tau=0.5, hard=True)
    assert set(np.unique(y.data)) == {0.0, 1.0}
    np.testing.assert_array_equal(y.data.sum(1), 1.0)
    frequency = y.data.mean(0)
    for p, f in zip(np.exp(logits), frequency):
        _within(y.data[:, list(frequency).index(f)], p, p * (1 - p))
    soft = F.gumbel_softmax(Tensor(np.tile(logits, (3, 1))), tau=2.0, dim=1)
    np.testing.assert_allclose(soft.data.sum(1), 1.0, rtol=1e-12)
    assert soft.data.min() > 0


@settings(max_examples=4, deadline=None)
@given(x=tst.arrays((3, 4)), tau=st.sampled_from([0.5, 1.0, 2.0]))
def test_gumbel_softmax_gradients_with_the_noise_held(x: np.ndarray, tau: float) -> None:
    def soft(t: Tensor, hard: bool = False) -> Tensor:
        tg.manual_seed(9)  # the same noise on every call: a function of t alone
        return F.gumbel_softmax(t, tau=tau, hard=hard, dim=0)

    t = Tensor(x, requires_grad=True)
    assert tg.gradcheck(soft, [t]) and tg.gradgradcheck(soft, [t])
    # hard: the one-hot forward, the soft sample's gradient (straight-through)
    up = Tensor(np.cos(np.arange(12.0)).reshape(3, 4))
    (soft(t, hard=True) * up).sum().backward()
    straight = t.grad.data.copy()
    t.grad = None
    (soft(t) * up).sum().backward()
    np.testing.assert_allclose(straight, t.grad.data, rtol=1e-12, atol=1e-15)
    assert np.array_equal(soft(t, hard=True).data.argmax(0), soft(t).data.argmax(0))


# ---------------------------------------------------------------- bad input

BAD_CALLS = [
    ("erfinv_ on integers", lambda: Tensor(np.array([1, 2])).erfinv_(), tg.DTypeError,
     ("erfinv_", "int64")),
    ("erf of a string", lambda: tg.erf("abc"), tg.TinygradError, ("Tensor", "str")),
    ("softmax of integers", lambda: Tensor(np.array([1, 2])).softmax(0), tg.DTypeError,
     ("softmax", "int64", "dtype=")),
    ("softmax bad dim", lambda: tg.softmax(Tensor(np.ones((2, 3))), 2), tg.AxisError,
     ("softmax", "axis 2")),
    ("log_softmax dim None", lambda: Tensor(np.ones(3)).log_softmax(None),
     tg.ArgumentTypeError, ("log_softmax", "missing the required argument dim")),
    ("log_softmax bad dtype", lambda: tg.log_softmax(Tensor(np.ones(3)), 0, dtype="cplx"),
     tg.DTypeError, ("log_softmax", "cplx")),
    ("atan2_ broadcast", lambda: Tensor(np.ones(3)).atan2_(Tensor(np.ones((2, 3)))),
     tg.ShapeError, ("atan2_", "(2, 3)", "in place")),
    ("round_ float decimals", lambda: Tensor(np.ones(3)).round_(0.5), tg.ArgumentError,
     ("round", "decimals")),
    ("exponential_ lambd 0", lambda: tg.zeros(3).exponential_(0), tg.ArgumentError,
     ("exponential_", "lambd > 0")),
    ("exponential_ integers", lambda: tg.zeros(3, dtype=tg.int64).exponential_(),
     tg.DTypeError, ("exponential_", "floating", "int64")),
    ("geometric_ p 1", lambda: tg.zeros(3).geometric_(1.0), tg.ArgumentError,
     ("geometric_", "(0, 1)")),
    ("geometric_ p str", lambda: tg.zeros(3).geometric_("a"), tg.ArgumentTypeError,
     ("geometric_", "p", "str")),
    ("cauchy_ sigma", lambda: tg.zeros(3).cauchy_(0.0, -1.0), tg.ArgumentError,
     ("cauchy_", "sigma > 0")),
    ("log_normal_ std", lambda: tg.zeros(3).log_normal_(1.0, 0.0), tg.ArgumentError,
     ("log_normal_", "std > 0")),
    ("random_ from >= to", lambda: tg.zeros(3).random_(5, 2), tg.ArgumentError,
     ("random_", "from=5", "to=2")),
    ("random_ float bound", lambda: tg.zeros(3).random_(2.5), tg.ArgumentTypeError,
     ("random_", "int", "2.5")),
    ("random_ out of uint8", lambda: tg.zeros(3, dtype=tg.uint8).random_(300),
     tg.ArgumentError, ("random_", "uint8", "255")),
    ("random_ three bounds", lambda: tg.zeros(3).random_(0, 1, 2), tg.ArgumentTypeError,
     ("random_", "random_(from, to)")),
    ("random_ bad generator", lambda: tg.zeros(3).random_(generator=3), tg.ArgumentTypeError,
     ("random_", "generator")),
    ("normal_ negative std", lambda: tg.zeros(3).normal_(0.0, -1.0), tg.ArgumentError,
     ("normal_", "std >= 0")),
    ("uniform_ from > to", lambda: tg.zeros(3).uniform_(2.0, 1.0), tg.ArgumentError,
     ("uniform_", "from=2.0 > to=1.0")),
    ("bernoulli_ p 1.5", lambda: tg.zeros(3).bernoulli_(1.5), tg.ArgumentError,
     ("bernoulli_", "[0, 1]")),
    ("bernoulli_ p shape", lambda: tg.zeros(2).bernoulli_(Tensor(np.full(3, 0.5))),
     tg.ShapeError, ("bernoulli_", "(3,)", "(2,)")),
    ("multinomial integer weights", lambda: Tensor(np.array([1, 2])).multinomial(1),
     tg.DTypeError, ("multinomial", "floating", "int64")),
    ("multinomial zero samples", lambda: tg.multinomial(tg.ones(3), 0), tg.ArgumentError,
     ("multinomial", "num_samples", "positive")),
    ("multinomial too many", lambda: tg.ones(3).multinomial(4), tg.ArgumentError,
     ("multinomial", "without replacement", "3 nonzero")),
    ("bernoulli p 2", lambda: tg.ones(3).bernoulli(2.0), tg.ArgumentError,
     ("bernoulli", "[0, 1]")),
    ("addcdiv integers", lambda: tg.addcdiv(Tensor(np.array([1, 2])), Tensor(np.array([1])),
                                            Tensor(np.array([3]))),
     tg.DTypeError, ("addcdiv", "integer division")),
    ("addcmul shapes", lambda: tg.addcmul(tg.ones(3), tg.ones(2), tg.ones(3)), tg.ShapeError,
     ("(2,)", "(3,)")),
    ("gcd floats", lambda: tg.gcd(tg.ones(2), tg.ones(2)), tg.DTypeError,
     ("gcd", "integer", "float32")),
    ("lcm of a string", lambda: tg.lcm(Tensor(np.array([2])), "a"), tg.TinygradError,
     ("lcm", "str")),
    ("heaviside number values", lambda: tg.heaviside(tg.ones(2), 0.5), tg.ArgumentTypeError,
     ("heaviside", "values", "Tensor")),
    ("heaviside dtypes", lambda: tg.heaviside(tg.ones(2), Tensor(np.array([0.5]))),
     tg.DTypeError, ("heaviside", "float64", "float32")),
    ("clamp_min None", lambda: tg.clamp_min(tg.ones(2), None), tg.ArgumentError,
     ("clamp", "at least one")),
    ("clamp_max str", lambda: tg.clamp_max(tg.ones(2), "a"), tg.TinygradError,
     ("clamp_max", "str")),
    ("float_power str", lambda: tg.float_power(tg.ones(2), "a"), tg.TinygradError,
     ("str",)),
    ("ldexp shapes", lambda: tg.ldexp(tg.ones(3), tg.ones(2)), tg.ShapeError,
     ("(3,)", "(2,)")),
    ("deg2rad of a string", lambda: tg.deg2rad("x"), tg.TinygradError, ("str",)),
    ("rad2deg of None", lambda: tg.rad2deg(None), tg.TinygradError, ("None",)),
    ("absolute of a dict", lambda: tg.absolute({}), tg.TinygradError, ("dict",)),
    ("sgn of a string", lambda: tg.sgn("s"), tg.TinygradError, ("str",)),
    ("nan_to_num str nan", lambda: tg.nan_to_num(Tensor(np.array([np.nan])), nan="a"),
     tg.ArgumentTypeError, ("nan_to_num", "nan", "str")),
    ("clamp_min_ on a leaf", lambda: Tensor(np.ones(2), requires_grad=True).clamp_min_(0.0),
     tg.BackwardError, ("clamp_min_", "leaf")),
    ("cumsum_ another dtype", lambda: Tensor(np.array([1, 2])).cumsum_(0, dtype=tg.float64),
     tg.DTypeError, ("cumsum_", "float64", "int64")),
    ("tril_ of a vector", lambda: tg.ones(3).tril_(), tg.ShapeError, ("tril",)),
    ("unfold 2-d input", lambda: F.unfold(Tensor(np.ones((4, 4))), 2), tg.ShapeError,
     ("unfold", "4-D", "(4, 4)")),
    ("unfold kernel too big", lambda: F.unfold(Tensor(np.ones((1, 1, 3, 3))), 4),
     tg.ShapeError, ("unfold", "(4, 4)", "does not fit")),
    ("unfold stride 0", lambda: F.unfold(Tensor(np.ones((1, 1, 3, 3))), 2, stride=0),
     tg.ArgumentError, ("unfold", "stride", ">= 1")),
    ("fold rows not divisible", lambda: F.fold(Tensor(np.ones((1, 5, 4))), (3, 3), 2),
     tg.ShapeError, ("fold", "divisible", "4 cells")),
    ("fold wrong block count", lambda: F.fold(Tensor(np.ones((1, 4, 5))), (3, 3), 2),
     tg.ShapeError, ("fold", "5 blocks", "= 4")),
    ("fold 4-d input", lambda: F.fold(Tensor(np.ones((1, 1, 4, 4))), (3, 3), 2),
     tg.ShapeError, ("fold", "3-D")),
    ("Unfold negative padding", lambda: nn.Unfold(2, padding=-1), tg.ArgumentError,
     ("Unfold", "padding", ">= 0")),
    ("Fold output_size 0", lambda: nn.Fold((0, 3), 2), tg.ArgumentError,
     ("Fold", "output_size")),
    ("gumbel_softmax tau 0", lambda: F.gumbel_softmax(Tensor(np.ones(3)), tau=0.0),
     tg.ArgumentError, ("gumbel_softmax", "tau")),
    ("gumbel_softmax integers", lambda: F.gumbel_softmax(Tensor(np.array([1, 2]))),
     tg.DTypeError, ("gumbel_softmax", "floating")),
    ("gumbel_softmax bad dim", lambda: F.gumbel_softmax(Tensor(np.ones((2, 3))), dim=3),
     tg.AxisError, ("softmax", "axis 3")),
]


@pytest.mark.parametrize("call, error, fragments", [c[1:] for c in BAD_CALLS],
                         ids=[c[0] for c in BAD_CALLS])
def test_bad_calls_raise_clear_project_errors(call, error, fragments) -> None:
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, tg.TinygradError)
    missing = [f for f in fragments if f not in str(info.value)]
    assert not missing, f"message {str(info.value)!r} lacks {missing}"
