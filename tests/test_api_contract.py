"""The public API of /work/shared/design.md, read line by line: every listed name exists with
the listed signature and defaults, and behaves as the contract says. One section per
section of design.md; behaviour is checked through the public API only."""

from __future__ import annotations

import inspect
import re
import weakref
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.testing import strategies as tst

PACKAGE = Path(tg.__file__).parent
REQUIRED = inspect.Parameter.empty


def assert_signature(fn: Any, *expected: tuple[str, Any]) -> None:
    """`fn`'s leading parameters are `expected` (name, default or REQUIRED), in order;
    parameters beyond the contract are allowed only with defaults (calls that follow the
    contract keep working)."""
    params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
    got = [(p.name, p.default) for p in params[:len(expected)]]
    assert got == list(expected), f"{fn.__qualname__}{inspect.signature(fn)}"
    extra = [p.name for p in params[len(expected):]
             if p.default is REQUIRED and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert not extra, f"{fn.__qualname__}: required parameters outside the contract: {extra}"


# ---------------------------------------------------------------- Tensor


def test_ndarray_dtype_is_kept_and_python_data_becomes_float32() -> None:
    for dtype in (np.float64, np.float32, np.float16, np.int64, np.int32):
        assert Tensor(np.zeros(2, dtype)).dtype == dtype
    assert Tensor([[1, 2, 3]]).dtype == np.float32
    assert Tensor([[1.5, 2.0]]).dtype == np.float32
    assert Tensor(3).dtype == np.float32 and Tensor(2.5).dtype == np.float32
    assert Tensor(np.random.randn(4, 3), requires_grad=True).dtype == np.float64


def test_tensor_attributes_and_conversions() -> None:
    a = np.arange(12.0).reshape(4, 3)
    x = Tensor(a, requires_grad=True)
    assert np.shares_memory(x.data, a) and x.numpy() is a
    assert x.grad is None and x.requires_grad is True
    assert x.shape == (4, 3) and x.dtype == np.float64 and x.ndim == 2
    assert x.size() == (4, 3) and x.size(1) == 3 and x.size(-2) == 4
    assert x.numel() == 12 and type(x.numel()) is int and x.dim() == 2
    assert x.numpy() is a
    assert Tensor(np.array([[2.5]])).item() == 2.5
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.grad_fn is None and np.array_equal(d.data, 2 * a)
    c = Tensor(a.astype(np.float32)).astype(np.float64)
    assert isinstance(c, Tensor) and c.dtype == np.float64 and np.array_equal(c.data, a)


def test_data_is_the_writable_shared_array() -> None:
    a = np.zeros((2, 3))
    x = Tensor(a)
    x.data[0, 1] = 5.0
    assert a[0, 1] == 5.0
    layer = nn.Linear(3, 2)
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    layer.weight.data[...] = w
    layer.bias.data[...] = 0
    y = layer(Tensor(np.eye(3, dtype=np.float32)))
    assert np.array_equal(y.data, w.T)


def test_reshape_takes_a_tuple_or_separate_ints() -> None:
    x = Tensor(np.arange(12.0))
    assert x.reshape((2, -1)).shape == (2, 6)
    assert x.reshape(2, -1).shape == (2, 6)
    assert np.array_equal(x.reshape(3, 4).data, np.arange(12.0).reshape(3, 4))


def test_tensors_and_parameters_are_weakly_referenceable() -> None:
    for t in (Tensor([1.0]), nn.Parameter(np.ones(2)), Tensor([1.0], requires_grad=True) * 2):
        ref = weakref.ref(t)
        assert ref() is t


def test_backward_signature_and_grad_accumulates_until_reset() -> None:
    # design.md writes retain_graph=False; None (PyTorch's default: retain_graph follows
    # create_graph) is the same when create_graph=False, see test_backward_errors_are_clear
    assert_signature(Tensor.backward, ("grad", None))
    params = inspect.signature(Tensor.backward).parameters
    assert list(params)[2:4] == ["retain_graph", "create_graph"]
    assert params["retain_graph"].default in (False, None)
    assert params["create_graph"].default is False
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    (x * x).sum().backward()
    assert isinstance(x.grad, Tensor) and np.array_equal(x.grad.data, 2 * x.data)
    (x * 3.0).sum().backward()
    assert np.array_equal(x.grad.data, 2 * x.data + 3.0)
    x.grad = None
    (x * 3.0).sum().backward()
    assert np.array_equal(x.grad.data, [3.0, 3.0, 3.0])
    opt = tg.optim.SGD([x], lr=0.1)
    opt.zero_grad()
    assert x.grad is None


def test_backward_with_grad_argument_and_create_graph() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * x * x
    y.backward(grad=np.array([1.0, 10.0]), create_graph=True)
    assert np.allclose(x.grad.data, [3.0, 120.0])  # 3 x^2 * upstream
    first = x.grad
    x.grad = None
    first.sum().backward()  # d/dx sum(3 x^2 * v) = 6 x v
    assert np.allclose(x.grad.data, [6.0, 120.0])


def test_retain_grad_and_hooks() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(g.data.copy()))  # None: keep the gradient
    x.register_hook(lambda g: g * 10.0)  # a returned tensor replaces the gradient
    (h * h).sum().backward()
    assert np.allclose(h.grad.data, 2 * h.data) and np.allclose(seen[0], 2 * h.data)
    assert np.allclose(x.grad.data, 10 * 3 * 2 * h.data)


def test_operators_and_their_gradients() -> None:
    a = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    b = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
    av, bv = a.data, b.data
    for out, want in [(a + b, av + bv), (a - b, av - bv), (a * b, av * bv), (a / b, av / bv),
                      (a ** 2, av ** 2), (a @ b, av @ bv), (-a, -av), (2.0 - a, 2.0 - av),
                      (1.0 / a, 1.0 / av), (2.0 ** a, 2.0 ** av)]:
        assert isinstance(out, Tensor) and np.allclose(out.data, want)
    gx, gy = tg.grad((a @ b).sum(), [a, b])
    assert np.allclose(gx.data, np.ones((2, 2)) @ bv.T)
    assert np.allclose(gy.data, av.T @ np.ones((2, 2)))


def test_comparisons_return_bool_tensors_without_grad() -> None:
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    for out, want in [(a < 2, [1, 0, 0]), (a <= 2, [1, 1, 0]), (a > 2, [0, 0, 1]),
                      (a >= 2, [0, 1, 1]), (a == 2, [0, 1, 0]), (a != 2, [1, 0, 1])]:
        assert out.dtype == np.bool_ and not out.requires_grad
        assert out.data.tolist() == [bool(w) for w in want]


def test_getitem_basic_and_integer_array_with_scatter_add_backward() -> None:
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    assert np.array_equal(x[1, 1:3].data, [5.0, 6.0])
    assert np.array_equal(x[:, -1].data, [3.0, 7.0, 11.0])
    picked = x[np.array([0, 2, 0])]
    assert np.array_equal(picked.data, np.arange(12.0).reshape(3, 4)[[0, 2, 0]])
    picked.sum().backward()  # row 0 picked twice: its gradient adds up
    assert np.array_equal(x.grad.data, np.array([[2.0] * 4, [0.0] * 4, [1.0] * 4]))
    x.grad = None
    x[np.array([0, 0]), np.array([1, 1])].sum().backward()
    assert x.grad.data[0, 1] == 2.0 and x.grad.data.sum() == 2.0


def test_elementwise_methods() -> None:
    v = np.array([-1.5, 0.25, 2.0])
    x = Tensor(v)
    p = Tensor(np.abs(v))
    assert np.allclose(p.exp().data, np.exp(np.abs(v)))
    assert np.allclose(p.log().data, np.log(np.abs(v)))
    assert np.allclose(p.sqrt().data, np.sqrt(np.abs(v)))
    assert np.allclose(x.abs().data, np.abs(v))
    assert np.allclose(x.tanh().data, np.tanh(v))
    assert np.allclose(x.sigmoid().data, 1 / (1 + np.exp(-v)))
    assert np.allclose(x.relu().data, np.maximum(v, 0))
    assert np.allclose(x.clip(-1.0, 1.0).data, np.clip(v, -1, 1))


@given(st.data())
def test_reductions_take_axis_and_keepdims_like_numpy(data: st.DataObject) -> None:
    a = data.draw(tst.arrays(tst.shapes(min_dims=1)))
    axis = data.draw(tst.axes(a.ndim))
    keepdims = data.draw(st.booleans())
    x = Tensor(a)
    for name in ("sum", "mean", "var", "max", "min"):
        if name in ("max", "min") and axis == ():  # PyTorch's max(()) is every axis
            continue
        got = getattr(x, name)(axis=axis, keepdims=keepdims)
        got = got.values if isinstance(got, tuple) else got  # max(dim): (values, indices)
        extra = {"ddof": 1} if name == "var" else {}  # PyTorch's correction=1
        with np.errstate(all="ignore"):
            want = getattr(np, name)(a, axis=axis, keepdims=keepdims, **extra)
        assert got.shape == np.shape(want), name
        assert np.allclose(got.data, want, equal_nan=True), name


def test_var_defaults_to_correction_one_and_accepts_ddof() -> None:
    assert_signature(Tensor.var, ("dim", None), ("unbiased", None), ("keepdim", False))
    for name in ("max", "min"):
        assert_signature(getattr(Tensor, name), ("dim", None), ("keepdim", False))
    for name in ("sum", "mean"):
        assert_signature(getattr(Tensor, name), ("axis", None), ("keepdims", False))
    a = np.array([1.0, 2.0, 4.0, 7.0])
    assert np.isclose(Tensor(a).var().item(), np.var(a, ddof=1))
    assert np.isclose(Tensor(a).var(ddof=0).item(), np.var(a))


def test_shape_methods() -> None:
    a = np.arange(6.0).reshape(2, 3)
    x = Tensor(a)
    assert np.array_equal(x.transpose().data, a.T) and np.array_equal(x.T.data, a.T)
    assert x.expand(4, 2, 3).shape == (4, 2, 3)
    assert x.broadcast_to((4, 2, 3)).shape == (4, 2, 3)
    assert Tensor(np.zeros((2, 1, 3))).squeeze().shape == (2, 3)
    assert x.unsqueeze(0).shape == (1, 2, 3)
    assert Tensor(np.zeros((2, 3, 4))).flatten().shape == (24,)
    assert np.array_equal(x.pad(((1, 0), (0, 2))).data, np.pad(a, ((1, 0), (0, 2))))
    assert np.allclose(x.matmul(Tensor(a.T)).data, a @ a.T)


def test_joining_and_selection_functions() -> None:
    a, b = np.arange(6.0).reshape(2, 3), 4.5 - np.arange(6.0).reshape(2, 3)  # no ties
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    assert np.array_equal(tg.concatenate([ta, tb], axis=1).data, np.concatenate([a, b], 1))
    assert np.array_equal(tg.stack([ta, tb]).data, np.stack([a, b]))
    assert np.array_equal(tg.where(a > 2, ta, tb).data, np.where(a > 2, a, b))
    m = tg.maximum(ta, tb)
    assert np.array_equal(m.data, np.maximum(a, b))
    m.sum().backward()
    assert np.array_equal(ta.grad.data, (a > b).astype(float))


@given(tst.broadcastable_shapes(2))
def test_broadcasting_follows_numpy_and_backward_sums_to_input_shapes(shapes) -> None:
    sa, sb = shapes
    a = Tensor(np.ones(sa), requires_grad=True)
    b = Tensor(np.ones(sb), requires_grad=True)
    out = a * b
    assert out.shape == np.broadcast_shapes(sa, sb)
    out.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb
    # each input element was used size(out) / size(input) times
    assert np.all(a.grad.data == out.numel() / max(a.numel(), 1))
    assert np.all(b.grad.data == out.numel() / max(b.numel(), 1))


def test_backward_errors_are_clear() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(tg.TinygradError, match=r"\(3,\)"):
        (x * 2.0).backward()
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(tg.TinygradError, match="retain_graph=True"):
        loss.backward()
    kept = (x * x).sum()
    kept.backward(retain_graph=True)
    kept.backward()  # retained: a second pass works and accumulates
    assert np.allclose(x.grad.data, 3 * 2 * x.data)


def test_backward_through_a_deep_graph_does_not_recurse() -> None:
    x = Tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(5000):  # far past Python's recursion limit of 1000
        y = y * 1.0
    y.sum().backward()
    assert x.grad.data.tolist() == [1.0]


# ---------------------------------------------------------------- autograd functions


def test_autograd_function_signatures() -> None:
    assert_signature(tg.grad, ("outputs", REQUIRED), ("inputs", REQUIRED),
                     ("grad_outputs", None), ("retain_graph", None), ("create_graph", False))
    assert_signature(tg.gradcheck, ("fn", REQUIRED), ("inputs", REQUIRED), ("eps", 1e-6),
                     ("atol", 1e-5), ("rtol", 1e-3), ("raise_exception", True))
    assert_signature(tg.gradgradcheck, ("fn", REQUIRED), ("inputs", REQUIRED))


def test_grad_returns_gradients_and_leaves_every_grad_untouched() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([3.0, -1.0]), requires_grad=True)
    w.grad = Tensor(np.array([7.0, 7.0]))
    out = (x * w).sum()
    gx, gw = tg.grad(out, [x, w], retain_graph=True)
    assert np.array_equal(gx.data, w.data) and np.array_equal(gw.data, x.data)
    assert x.grad is None and np.array_equal(w.grad.data, [7.0, 7.0])
    (gx2,) = tg.grad([out], [x], grad_outputs=[Tensor(np.float64(2.0))])
    assert np.array_equal(gx2.data, 2 * w.data)


def test_grad_with_create_graph_gives_differentiable_gradients() -> None:
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    (g,) = tg.grad((x ** 3).sum(), [x], create_graph=True)
    (gg,) = tg.grad(g.sum(), [x])
    assert np.allclose(gg.data, 6 * x.data)


def test_no_grad_records_nothing() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    with tg.no_grad():
        y = x * 2.0
    assert not y.requires_grad and y.grad_fn is None
    assert (x * 2.0).requires_grad


def _wrong_at_element_1(a: Tensor, b: Tensor) -> Tensor:
    """a + 2 b whose backward to b is scaled by 1.5 at element 1 only."""
    y = b * 2.0
    if y.requires_grad:  # the numerical passes run without a graph
        y.register_hook(lambda g: g * Tensor(np.array([1.0, 1.5, 1.0])))
    return (a + y) * a


def test_gradcheck_returns_true_for_a_correct_gradient() -> None:
    x = Tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    assert tg.gradcheck(lambda t: (t.tanh() * t).sum(axis=0), [x]) is True
    assert tg.gradgradcheck(lambda t: t.tanh() * t, [x]) is True


def test_gradcheck_error_names_input_element_values_and_error() -> None:
    a = Tensor(np.array([0.5, 1.5, -1.0]), requires_grad=True)
    b = Tensor(np.array([0.2, 0.4, 0.6]), requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(_wrong_at_element_1, [a, b])
    message = str(info.value)
    assert "input 1" in message and "(1,)" in message
    found = re.search(r"analytic (\S+), numerical (\S+), error (\S+)", message)
    assert found, message
    analytic, numerical, error = (float(v.rstrip(",")) for v in found.groups())
    assert analytic == pytest.approx(1.5 * numerical, rel=1e-4)  # the true values, not
    assert error == pytest.approx(abs(analytic - numerical), rel=1e-2)  # placeholders
    assert tg.gradcheck(_wrong_at_element_1, [a, b], raise_exception=False) is False
    with pytest.raises(tg.TinygradError, match="float64"):  # central differences need it
        tg.gradcheck(lambda t: t * 2, [Tensor(np.ones(2, np.float32), requires_grad=True)])
    assert issubclass(tg.GradcheckError, tg.TinygradError)


# ---------------------------------------------------------------- nn: signatures


NN_SIGNATURES = [
    (nn.Parameter, [("data", None)]),  # PyTorch's: Parameter() is an empty one
    (nn.Linear, [("in_features", REQUIRED), ("out_features", REQUIRED), ("bias", True),
                 ("device", None), ("dtype", None)]),
    (nn.Conv2d, [("in_channels", REQUIRED), ("out_channels", REQUIRED),
                 ("kernel_size", REQUIRED), ("stride", 1), ("padding", 0), ("dilation", 1),
                 ("groups", 1), ("bias", True)]),
    *[(bn, [("num_features", REQUIRED), ("eps", 1e-5), ("momentum", 0.1), ("affine", True),
            ("track_running_stats", True), ("device", None), ("dtype", None),
            ("impl", "fused")])
      for bn in (nn.BatchNorm1d, nn.BatchNorm2d)],
    (nn.LayerNorm, [("normalized_shape", REQUIRED), ("eps", 1e-5),
                    ("elementwise_affine", True)]),
    (nn.GroupNorm, [("num_groups", REQUIRED), ("num_channels", REQUIRED), ("eps", 1e-5),
                    ("affine", True), ("device", None), ("dtype", None)]),
    (nn.MaxPool2d, [("kernel_size", REQUIRED), ("stride", None), ("padding", 0)]),
    (nn.AvgPool2d, [("kernel_size", REQUIRED), ("stride", None), ("padding", 0)]),
    (nn.Dropout, [("p", 0.5)]),
    (nn.ReLU, []), (nn.Sigmoid, []), (nn.Tanh, []), (nn.Flatten, []),
    (F.batch_norm, [("x", REQUIRED), ("running_mean", REQUIRED), ("running_var", REQUIRED),
                    ("weight", None), ("bias", None), ("training", False), ("momentum", 0.1),
                    ("eps", 1e-5), ("impl", "fused")]),
    (F.conv2d, [("x", REQUIRED), ("weight", REQUIRED), ("bias", None), ("stride", 1),
                ("padding", 0), ("dilation", 1), ("groups", 1)]),
    # nnapi33: PyTorch's parameter names (F.layer_norm(input=...)) and, for the losses,
    # PyTorch's positional order (F.cross_entropy(x, y, weight)); the charter's
    # shared/design.md still spells them (x, ...) and (logits, target, reduction)
    (F.layer_norm, [("input", REQUIRED), ("normalized_shape", REQUIRED), ("weight", None),
                    ("bias", None), ("eps", 1e-5)]),
    (F.group_norm, [("input", REQUIRED), ("num_groups", REQUIRED), ("weight", None),
                    ("bias", None), ("eps", 1e-5)]),
    (F.softmax, [("input", REQUIRED), ("axis", -1)]),
    (F.log_softmax, [("input", REQUIRED), ("axis", -1)]),
    (F.cross_entropy, [("input", REQUIRED), ("target", REQUIRED), ("weight", None),
                       ("size_average", None), ("ignore_index", -100), ("reduce", None),
                       ("reduction", "mean")]),
    (F.max_pool2d, [("x", REQUIRED), ("kernel_size", REQUIRED), ("stride", None),
                    ("padding", 0)]),
    (F.avg_pool2d, [("x", REQUIRED), ("kernel_size", REQUIRED), ("stride", None),
                    ("padding", 0)]),
]


@pytest.mark.parametrize("fn,expected", NN_SIGNATURES,
                         ids=[f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
                              for fn, _ in NN_SIGNATURES])
def test_nn_signature(fn: Any, expected: list[tuple[str, Any]]) -> None:
    assert_signature(fn, *expected)


def test_sequential_takes_modules_positionally() -> None:
    params = list(inspect.signature(nn.Sequential).parameters.values())
    assert [p.kind for p in params] == [inspect.Parameter.VAR_POSITIONAL]
    relu, tanh = nn.ReLU(), nn.Tanh()
    seq = nn.Sequential(relu, tanh)
    x = Tensor(np.array([-1.0, 2.0]))
    assert np.allclose(seq(x).data, np.tanh(np.maximum(x.data, 0)))
    assert list(seq) == [relu, tanh] and seq[1] is tanh


def test_functional_helpers_exist_and_compute_the_stated_math() -> None:
    v = np.array([[-1.0, 0.5, 2.0], [0.0, 3.0, -2.0]])
    x = Tensor(v)
    w, b = Tensor(np.ones((4, 3))), Tensor(np.arange(4.0))
    assert np.allclose(F.linear(x, w, b).data, v @ np.ones((3, 4)) + np.arange(4.0))
    assert np.allclose(F.relu(x).data, np.maximum(v, 0))
    assert np.allclose(F.sigmoid(x).data, 1 / (1 + np.exp(-v)))
    assert np.allclose(F.tanh(x).data, np.tanh(v))
    e = np.exp(v - v.max(-1, keepdims=True))
    assert np.allclose(F.softmax(x).data, e / e.sum(-1, keepdims=True))
    assert np.allclose(F.log_softmax(x).data, np.log(e / e.sum(-1, keepdims=True)))
    e0 = np.exp(v - v.max(0, keepdims=True))
    assert np.allclose(F.softmax(x, axis=0).data, e0 / e0.sum(0, keepdims=True))
    assert np.isclose(F.mse_loss(x, np.zeros_like(v)).item(), np.mean(v ** 2))
    assert F.dropout(x, 0.5, training=False) is x
    dropped = F.dropout(Tensor(np.ones((50, 40))), 0.5).data
    assert set(np.unique(dropped)) <= {0.0, 2.0} and 0 < (dropped == 0).mean() < 1


@pytest.mark.parametrize("as_tensor", [False, True], ids=["ndarray", "Tensor"])
@pytest.mark.parametrize("int_dtype", [np.int64, np.int32])
def test_cross_entropy_takes_int_class_indices(as_tensor: bool, int_dtype: Any) -> None:
    v = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    target = np.array([0, 2], dtype=int_dtype)
    logits = Tensor(v, requires_grad=True)
    loss = F.cross_entropy(logits, Tensor(target) if as_tensor else target)
    log_p = v - np.log(np.exp(v).sum(1, keepdims=True))
    assert np.isclose(loss.item(), -log_p[[0, 1], [0, 2]].mean())
    loss.backward()
    onehot = np.eye(3)[[0, 2]]
    assert np.allclose(logits.grad.data, (np.exp(log_p) - onehot) / 2)
    total = F.cross_entropy(logits, target, reduction="sum").item()
    each = F.cross_entropy(logits, target, reduction="none").data
    assert np.isclose(total, each.sum()) and each.shape == (2,)


def test_avg_pool2d_counts_padded_cells_and_max_pool2d_pads_with_minus_inf() -> None:
    ones = Tensor(np.ones((1, 1, 2, 2)))
    avg = F.avg_pool2d(ones, 2, stride=1, padding=1).data[0, 0]
    # corners see 1 real cell out of 4, edges 2 of 4, the centre 4 of 4
    assert np.allclose(avg, [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])
    negative = Tensor(-np.arange(1.0, 5.0).reshape(1, 1, 2, 2))
    mx = F.max_pool2d(negative, 2, stride=1, padding=1).data[0, 0]
    # a zero pad would win every window; -inf never does
    assert np.array_equal(mx, [[-1, -1, -2], [-1, -1, -2], [-3, -3, -4]])
    assert F.max_pool2d(Tensor(np.ones((1, 1, 4, 6))), 2).shape == (1, 1, 2, 3)  # stride = k
    assert F.avg_pool2d(Tensor(np.ones((1, 1, 4, 6))), (2, 3)).shape == (1, 1, 2, 2)
    assert nn.MaxPool2d(2)(negative).shape == (1, 1, 1, 1)
    assert nn.AvgPool2d(2, 1, 1)(ones).shape == (1, 1, 3, 3)


def test_conv2d_is_nchw_cross_correlation_with_oihw_weights() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 5, 5))
    w = rng.normal(size=(6, 2, 3, 3))  # groups=2: each output sees 2 input channels
    b = rng.normal(size=6)
    y = F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride=2, padding=1, groups=2).data
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    want = np.zeros((2, 6, 3, 3))
    for o in range(6):
        g = o // 3
        for r in range(3):
            for c in range(3):
                patch = xp[:, 2 * g:2 * g + 2, 2 * r:2 * r + 3, 2 * c:2 * c + 3]
                want[:, o, r, c] = (patch * w[o]).sum(axis=(1, 2, 3)) + b[o]
    assert np.allclose(y, want)
    conv = nn.Conv2d(4, 6, 3, groups=2)
    assert conv.weight.shape == (6, 2, 3, 3) and conv.bias.shape == (6,)
    assert conv(Tensor(x.astype(np.float32))).shape == (2, 6, 3, 3)
    dilated = F.conv2d(Tensor(x), Tensor(rng.normal(size=(1, 4, 2, 2))), dilation=2)
    assert dilated.shape == (2, 1, 3, 3)


# ---------------------------------------------------------------- nn: Module


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.scale = nn.Parameter(np.ones(2, np.float32))
        self.register_buffer("count", np.zeros(1, np.float32))
        self.extra = None

    def forward(self, x: Tensor, shift: float = 0.0) -> Tensor:
        return self.fc(x) * self.scale + shift


def test_module_surface() -> None:
    net = _Net()
    x = Tensor(np.ones((4, 3), np.float32))
    assert np.allclose(net(x, shift=1.0).data, net.forward(x).data + 1.0)
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "fc.weight", "fc.bias"]  # own parameters first, as PyTorch
    assert {id(p) for p in net.parameters()} == {id(net.scale), id(net.fc.weight),
                                                 id(net.fc.bias)}
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert [b is net.count for b in net.buffers()] == [True]
    assert net.extra is None
    assert net.training and net.fc.training
    assert net.eval() is net and not net.training and not net.fc.training
    assert net.train() is net and net.fc.training
    net(x).sum().backward()
    assert net.fc.weight.grad is not None
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_attributes_register_and_may_be_none() -> None:
    lin = nn.Linear(3, 2)
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    assert list(lin.state_dict()) == ["weight"]
    assert lin(Tensor(np.ones((1, 3), np.float32))).shape == (1, 2)
    assert nn.Linear(3, 2, bias=False).bias is None
    bn = nn.BatchNorm1d(3)
    bn.running_mean = np.full(3, 2.0, np.float32)  # reassigning a buffer keeps it a buffer
    assert np.array_equal(bn.state_dict()["running_mean"], [2.0, 2.0, 2.0])
    holder = nn.Module()
    holder.inner = nn.Linear(2, 2)
    assert "inner.weight" in holder.state_dict()
    holder.inner = None
    assert holder.inner is None and not list(holder.parameters())


def test_parameter_from_ndarray_or_tensor() -> None:
    a = np.ones((2, 2))
    p = nn.Parameter(a)
    assert p.requires_grad and p.dtype == np.float64 and np.shares_memory(p.data, a)
    t = Tensor(np.zeros(3, np.float32))
    q = nn.Parameter(t)
    assert q.requires_grad and q.dtype == np.float32 and np.shares_memory(q.data, t.data)
    assert isinstance(q, Tensor)


def test_linear_and_conv_weight_layouts_are_pytorchs() -> None:
    lin = nn.Linear(5, 3)
    assert lin.weight.shape == (3, 5) and lin.bias.shape == (3,)
    x = np.random.default_rng(1).normal(size=(2, 5)).astype(np.float32)
    assert np.allclose(lin(Tensor(x)).data, x @ lin.weight.data.T + lin.bias.data, atol=1e-6)
    conv = nn.Conv2d(2, 4, (3, 1), bias=False)
    assert conv.weight.shape == (4, 2, 3, 1) and conv.bias is None


def test_module_to_converts_in_place_and_returns_the_module() -> None:
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    weight = net[0].weight
    assert net.to(np.float64) is net
    assert net[0].weight is weight and weight.dtype == np.float64
    assert net[1].running_mean.dtype == np.float64 and net[1].running_var.dtype == np.float64
    assert net[1].num_batches_tracked.dtype.kind == "i"
    out = net(Tensor(np.random.default_rng(0).normal(size=(4, 3))))
    assert out.dtype == np.float64


def test_state_dict_round_trips_through_load_state_dict() -> None:
    src = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    src(Tensor(np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)))
    state = src.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                           "1.running_var", "1.num_batches_tracked"]
    dst = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    dst.load_state_dict(state)
    for key, value in dst.state_dict().items():
        assert np.array_equal(value, state[key]), key


# ---------------------------------------------------------------- nn: batch norm


def _bn_reference(x: np.ndarray, eps: float) -> np.ndarray:
    axes = (0,) + tuple(range(2, x.ndim))
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


@pytest.mark.parametrize("impl", ["fused", "composite"])
@given(x=tst.well_conditioned_batches(min_dims=2, max_dims=4))
def test_batchnorm_training_normalizes_per_channel_with_the_biased_variance(
        impl: str, x: np.ndarray) -> None:
    layer = (nn.BatchNorm1d if x.ndim < 4 else nn.BatchNorm2d)(x.shape[1], impl=impl)
    layer.to(np.float64)
    layer.weight.data[...] = np.arange(1.0, x.shape[1] + 1)
    layer.bias.data[...] = 0.5
    y = layer(Tensor(x)).data
    shape = (1, -1) + (1,) * (x.ndim - 2)
    want = _bn_reference(x, 1e-5) * np.arange(1.0, x.shape[1] + 1).reshape(shape) + 0.5
    assert np.allclose(y, want, atol=1e-10)
    axes = (0,) + tuple(range(2, x.ndim))
    m = x.size // x.shape[1]
    assert np.allclose(layer.running_mean, 0.1 * x.mean(axis=axes))
    assert np.allclose(layer.running_var, 0.9 + 0.1 * x.var(axis=axes) * m / (m - 1))
    assert int(layer.num_batches_tracked) == 1


@pytest.mark.parametrize("impl", ["fused", "composite"])
def test_batchnorm_momentum_and_cumulative_average_and_eval(impl: str) -> None:
    rng = np.random.default_rng(3)
    batches = [rng.normal(loc=i, size=(6, 2)) for i in range(3)]
    ema = nn.BatchNorm1d(2, momentum=0.3, impl=impl).to(np.float64)
    cumulative = nn.BatchNorm1d(2, momentum=None, impl=impl).to(np.float64)
    want = np.zeros(2)
    for b in batches:
        ema(Tensor(b))
        cumulative(Tensor(b))
        want = 0.7 * want + 0.3 * b.mean(0)
    assert np.allclose(ema.running_mean, want)
    assert np.allclose(cumulative.running_mean, np.mean([b.mean(0) for b in batches], 0))
    assert np.allclose(cumulative.running_var, np.mean([b.var(0, ddof=1) for b in batches], 0))
    ema.eval()
    before = ema.running_mean.copy()
    x = rng.normal(size=(1, 2))  # one sample is fine in eval mode
    y = ema(Tensor(x)).data
    assert np.allclose(y, (x - ema.running_mean) / np.sqrt(ema.running_var + 1e-5))
    assert np.array_equal(ema.running_mean, before)


@pytest.mark.parametrize("impl", ["fused", "composite"])
def test_functional_batch_norm_updates_ndarray_or_tensor_running_stats(impl: str) -> None:
    x = np.random.default_rng(4).normal(size=(8, 3, 2))
    for wrap in (lambda a: a, Tensor):
        mean, var = wrap(np.zeros(3)), wrap(np.ones(3))
        y = F.batch_norm(Tensor(x), mean, var, training=True, momentum=0.5, impl=impl)
        assert np.allclose(y.data, _bn_reference(x, 1e-5))
        stored = mean.data if isinstance(mean, Tensor) else mean
        assert np.allclose(stored, 0.5 * x.mean(axis=(0, 2)))
    y = F.batch_norm(Tensor(x), np.zeros(3), np.full(3, 4.0), impl=impl)  # training=False
    assert np.allclose(y.data, x / np.sqrt(4.0 + 1e-5))
    y = F.batch_norm(Tensor(x), None, None, training=True, impl=impl)
    assert np.allclose(y.data, _bn_reference(x, 1e-5))


def test_batchnorm_state_dict_keys() -> None:
    keys = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert list(nn.BatchNorm1d(4).state_dict()) == keys
    assert list(nn.BatchNorm2d(4, impl="composite").state_dict()) == keys


NORM_INPUT_ERRORS = [
    ("BatchNorm1d one value per channel", lambda: nn.BatchNorm1d(3)(Tensor(np.ones((1, 3))))),
    ("BatchNorm2d one value per channel",
     lambda: nn.BatchNorm2d(3)(Tensor(np.ones((1, 3, 1, 1))))),
    ("BatchNorm1d wrong rank", lambda: nn.BatchNorm1d(3)(Tensor(np.ones((2, 3, 4, 5))))),
    ("BatchNorm1d 1-d input", lambda: nn.BatchNorm1d(3)(Tensor(np.ones(3)))),
    ("BatchNorm2d wrong rank", lambda: nn.BatchNorm2d(3)(Tensor(np.ones((2, 3))))),
    ("BatchNorm1d wrong channels", lambda: nn.BatchNorm1d(3)(Tensor(np.ones((4, 5))))),
    ("BatchNorm2d wrong channels",
     lambda: nn.BatchNorm2d(3)(Tensor(np.ones((2, 4, 2, 2))))),
    ("BatchNorm1d composite wrong channels",
     lambda: nn.BatchNorm1d(3, impl="composite")(Tensor(np.ones((4, 5))))),
    ("LayerNorm wrong trailing shape", lambda: nn.LayerNorm(3)(Tensor(np.ones((2, 4))))),
    ("GroupNorm wrong channels", lambda: nn.GroupNorm(2, 4)(Tensor(np.ones((2, 6, 3))))),
    ("GroupNorm wrong rank", lambda: nn.GroupNorm(2, 4)(Tensor(np.ones(4)))),
    ("F.batch_norm one value per channel",
     lambda: F.batch_norm(Tensor(np.ones((1, 3))), None, None, training=True)),
    ("F.batch_norm running stats of wrong size",
     lambda: F.batch_norm(Tensor(np.ones((4, 3))), np.zeros(2), np.ones(2))),
    ("F.batch_norm 1-d input", lambda: F.batch_norm(Tensor(np.ones(3)), None, None, True)),
    ("F.layer_norm wrong trailing shape",
     lambda: F.layer_norm(Tensor(np.ones((2, 4))), (3,))),
    ("F.group_norm indivisible channels",
     lambda: F.group_norm(Tensor(np.ones((2, 6, 3))), 4)),
]


@pytest.mark.parametrize("call", [c for _, c in NORM_INPUT_ERRORS],
                         ids=[name for name, _ in NORM_INPUT_ERRORS])
def test_every_norm_layer_input_error_is_a_value_error(call) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert isinstance(info.value, tg.TinygradError)


def test_norm_shape_errors_name_the_expected_shape() -> None:
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        nn.BatchNorm2d(3)(Tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match=r"C = 3.*\(4, 5\)"):
        nn.BatchNorm1d(3)(Tensor(np.ones((4, 5))))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(Tensor(np.ones((1, 3))))


def test_layer_norm_and_group_norm_normalize_the_stated_axes() -> None:
    x = np.random.default_rng(5).normal(size=(2, 4, 3))
    y = nn.LayerNorm((4, 3)).to(np.float64)(Tensor(x)).data
    mu, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    assert np.allclose(y, (x - mu) / np.sqrt(var + 1e-5))
    y = nn.GroupNorm(2, 4).to(np.float64)(Tensor(x)).data
    g = x.reshape(2, 2, 6)
    want = (g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)
    assert np.allclose(y, want.reshape(x.shape))


def test_dropout_module_is_identity_in_eval_and_flatten_keeps_the_batch() -> None:
    x = Tensor(np.ones((10, 2, 3)))
    drop = nn.Dropout(0.5)
    assert np.array_equal(drop.eval()(x).data, x.data)
    assert nn.Flatten()(x).shape == (10, 6)
    for layer, fn in [(nn.ReLU(), F.relu), (nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh)]:
        assert np.array_equal(layer(x * -0.5).data, fn(x * -0.5).data)


# ---------------------------------------------------------------- optim


OPTIMIZER_SIGNATURES = [
    (tg.optim.SGD, [("params", REQUIRED), ("lr", REQUIRED), ("momentum", 0.0),
                    ("nesterov", False), ("weight_decay", 0.0)]),
    (tg.optim.Adam, [("params", REQUIRED), ("lr", 1e-3), ("betas", (0.9, 0.999)),
                     ("eps", 1e-8), ("weight_decay", 0.0)]),
    (tg.optim.AdaGrad, [("params", REQUIRED), ("lr", 1e-2), ("eps", 1e-10),
                        ("weight_decay", 0.0)]),
    (tg.optim.RMSprop, [("params", REQUIRED), ("lr", 1e-2), ("alpha", 0.99), ("eps", 1e-8),
                        ("momentum", 0.0), ("weight_decay", 0.0)]),
]


@pytest.mark.parametrize("cls,expected", OPTIMIZER_SIGNATURES,
                         ids=[c.__name__ for c, _ in OPTIMIZER_SIGNATURES])
def test_optimizer_signature(cls: Any, expected: list[tuple[str, Any]]) -> None:
    assert_signature(cls, *expected)


# PyTorch's first step with default hyperparameters, from its update rules
FIRST_STEPS = [
    (lambda ps: tg.optim.SGD(ps, lr=0.1), lambda p, g: p - 0.1 * g),
    (lambda ps: tg.optim.Adam(ps), lambda p, g: p - 1e-3 * g / (np.abs(g) + 1e-8)),
    (lambda ps: tg.optim.AdaGrad(ps), lambda p, g: p - 1e-2 * g / (np.abs(g) + 1e-10)),
    (lambda ps: tg.optim.RMSprop(ps),
     lambda p, g: p - 1e-2 * g / (np.sqrt(0.01) * np.abs(g) + 1e-8)),
    (lambda ps: tg.optim.SGD(ps, lr=0.1, weight_decay=0.5),
     lambda p, g: p - 0.1 * (g + 0.5 * p)),
]


@pytest.mark.parametrize("make,rule", FIRST_STEPS,
                         ids=["SGD", "Adam", "AdaGrad", "RMSprop", "SGD-weight-decay"])
def test_optimizer_step_and_zero_grad(make, rule) -> None:
    start = np.array([0.5, -1.0, 2.0])
    g = np.array([0.3, -2.0, 0.01])
    p = nn.Parameter(start.copy())
    frozen = nn.Parameter(start.copy())  # no gradient: step leaves it alone
    opt = make([p, frozen])
    (p * Tensor(g)).sum().backward()
    opt.step()
    assert np.allclose(p.data, rule(start, g), rtol=1e-10, atol=1e-12)
    assert np.array_equal(frozen.data, start)
    opt.zero_grad()
    assert p.grad is None


# ---------------------------------------------------------------- checkpoints and data


def test_save_and_load_round_trip_as_npz_without_pickle(tmp_path: Path) -> None:
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    net(Tensor(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)))
    state = net.state_dict()
    path = tmp_path / "model.npz"
    tg.save(state, path)
    loaded = tg.load(path)
    assert isinstance(loaded, dict) and list(loaded) == list(state)
    for key, value in state.items():
        assert loaded[key].dtype == value.dtype and np.array_equal(loaded[key], value)
    with np.load(path, allow_pickle=False) as archive:  # a plain .npz, no pickled objects
        assert sorted(archive.files) == sorted(state)
    with pytest.raises(tg.TinygradError):
        tg.save({"bad": np.array([object()], dtype=object)}, tmp_path / "bad.npz")


def test_mnist_embedded_by_default_and_idx_directory(tmp_path: Path) -> None:
    from tinygrad_bn.data import MNIST, write_idx

    train = MNIST()
    assert train.images.shape[1:] == (784,) and len(train) == len(train.labels) > 0
    assert 0.0 <= train.images.min() and train.images.max() <= 1.0
    assert train.labels.dtype.kind == "i" and set(np.unique(train.labels)) <= set(range(10))
    images = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([1, 2, 3], np.uint8))
    small = MNIST(tmp_path)
    assert len(small) == 3 and np.array_equal(small.labels, [1, 2, 3])
    assert np.allclose(small.images, images.reshape(3, -1) / 255)


def test_dataloader_batches_shuffles_with_seed_and_drops_last() -> None:
    from tinygrad_bn.data import DataLoader

    assert [p for p in inspect.signature(DataLoader).parameters][:5] == [
        "dataset", "batch_size", "shuffle", "drop_last", "seed"]
    x, y = np.arange(10.0).reshape(10, 1), np.arange(10)
    plain = [b for _, b in DataLoader((x, y), batch_size=4)]
    assert [len(b) for b in plain] == [4, 4, 2] and np.array_equal(np.concatenate(plain), y)
    dropped = list(DataLoader((x, y), batch_size=4, drop_last=True))
    assert [len(b) for _, b in dropped] == [4, 4]

    def epoch(seed: int) -> np.ndarray:
        loader = DataLoader((x, y), batch_size=3, shuffle=True, seed=seed)
        return np.concatenate([b for _, b in loader])

    assert np.array_equal(epoch(7), epoch(7)) and sorted(epoch(7)) == list(range(10))
    assert not np.array_equal(epoch(7), y) or not np.array_equal(epoch(8), y)


# ---------------------------------------------------------------- graphs


def test_viz_signatures() -> None:
    for fn in (tg.viz.to_dot, tg.viz.render):
        first = next(iter(inspect.signature(fn).parameters.values()))
        assert first.name == "outputs" and first.kind is inspect.Parameter.VAR_POSITIONAL
    assert_signature(tg.viz.to_dot, ("outputs", REQUIRED), ("params", None),
                     ("show_grad", False))
    assert_signature(tg.viz.render, ("outputs", REQUIRED), ("path", "graph"),
                     ("format", "svg"))
    kinds = {p.kind for p in inspect.signature(tg.viz.render).parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD in kinds


def _op_nodes(source: str) -> list[str]:
    """The op names of a DOT source: bold labels of box-shaped nodes."""
    return re.findall(r"<b>(\w+)</b>.*shape=box", source)


@pytest.mark.parametrize("impl,ops", [("fused", 1), ("composite", 6)])
def test_to_dot_one_node_per_op_and_named_leaves(impl: str, ops: int) -> None:
    graphviz = pytest.importorskip("graphviz")
    x = Tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)
    bn = nn.BatchNorm1d(3, impl=impl).to(np.float64)
    out = bn(x)
    dot = tg.viz.to_dot(out, params=bn)
    assert isinstance(dot, graphviz.Digraph)
    names = _op_nodes(dot.source)
    if impl == "fused":
        assert names == ["FusedBatchNorm"]
    else:  # the primitive ops are visible, no fused node
        assert len(names) >= ops and "FusedBatchNorm" not in names
        assert {"Sub", "Sqrt", "Div"} <= set(names)
    assert "<b>weight</b><br/>(3,)" in dot.source and "<b>bias</b><br/>(3,)" in dot.source
    assert "(4, 3) float64" in dot.source  # the output's shape and dtype
    n_edges = dot.source.count("->")
    assert n_edges >= len(names) + 1  # data flows into every op


def test_to_dot_show_grad_needs_and_shows_gradients() -> None:
    pytest.importorskip("graphviz")
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    plain = tg.viz.to_dot(loss, params={"w": w}).source
    shaded = tg.viz.to_dot(loss, params={"w": w}, show_grad=True).source
    assert "<b>w</b>" in plain and plain != shaded


# ---------------------------------------------------------------- command line


@pytest.mark.parametrize("command", [["demo"], ["experiment"], ["graph"], ["gradcheck"],
                                     ["bench"]])
def test_cli_subcommand_has_help(command: list[str], capsys: pytest.CaptureFixture) -> None:
    from tinygrad_bn import cli

    with pytest.raises(SystemExit) as info:
        cli.main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage:") and command[0] in out.split("\n")[0]


def test_cli_lists_the_subcommands_and_is_a_console_script(
        capsys: pytest.CaptureFixture) -> None:
    from tinygrad_bn import cli

    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "experiment", "graph", "gradcheck", "bench"):
        assert re.search(rf"^\s+{command}\s", out, re.MULTILINE), command
    scripts = {e.name: e.value for e in metadata.entry_points(group="console_scripts")}
    assert scripts.get("tinygrad-bn") == "tinygrad_bn.cli:main"


def test_version_and_exports() -> None:
    for name in ("Tensor", "grad", "no_grad", "gradcheck", "gradgradcheck", "GradcheckError",
                 "concatenate", "stack", "where", "maximum", "save", "load", "nn", "optim",
                 "viz"):
        assert hasattr(tg, name), name
