"""PyTorch's defaults, return types and promotion, not only its names: each silent
difference of issue 21 as a test, and Hypothesis comparisons with torch where installed."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor


def _torch():
    return pytest.importorskip("torch")


# ---------------------------------------------------------------- var and std


def test_var_and_std_default_to_the_unbiased_estimate() -> None:
    x = Tensor(np.array([1.0, 2.0, 4.0]))
    assert np.isclose(float(x.var()), np.var([1, 2, 4], ddof=1))
    assert np.isclose(float(x.std()), np.std([1, 2, 4], ddof=1))
    assert np.isclose(float(x.var(correction=0)), np.var([1, 2, 4]))
    assert np.isclose(float(x.var(correction=0.5)), np.sum((x.data - x.data.mean()) ** 2) / 2.5)
    assert np.isclose(float(x.std(unbiased=False)), np.std([1, 2, 4]))
    assert np.isclose(float(x.var(ddof=0)), np.var([1, 2, 4]))  # NumPy's word, as an alias
    with pytest.raises(tg.ArgumentError, match="pass one"):
        x.var(correction=1, ddof=0)


@settings(max_examples=40)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=st.integers(0, 999),
       correction=st.sampled_from([None, 0, 1, 0.5, 2]), keepdim=st.booleans(),
       data=st.data())
def test_var_and_std_match_pytorch(shape, seed, correction, keepdim, data) -> None:
    torch = _torch()
    a = np.random.default_rng(seed).normal(size=shape)
    dim = data.draw(st.sampled_from([None, *range(len(shape))]))
    kwargs = {} if correction is None else {"correction": correction}
    for name in ("var", "std"):
        ours = getattr(Tensor(a), name)(dim, keepdim=keepdim, **kwargs)
        theirs = getattr(torch.tensor(a), name)(dim, keepdim=keepdim, **kwargs)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, equal_nan=True)


# ---------------------------------------------------------------- max, min and friends


def test_max_with_a_dim_is_values_and_indices() -> None:
    out = Tensor(np.array([[0.1, 0.9, 0.9], [2.0, -1.0, 0.5]]))
    _, pred = out.max(1)  # the classification idiom
    assert pred.tolist() == [1, 0] and pred.dtype == np.int64
    result = out.max(dim=1, keepdim=True)
    assert result.values.shape == (2, 1) and result.indices.tolist() == [[1], [0]]
    values, indices = tg.max(out, 0)
    assert values.tolist() == [2.0, 0.9, 0.9] and indices.tolist() == [1, 0, 0]
    assert float(out.max()) == 2.0 and out.min(1).values.tolist() == [0.1, -1.0]
    assert out.max(Tensor(np.ones((2, 3)))).tolist() == [[1, 1, 1], [2, 1, 1]]
    assert type(out.max(1)).__name__ == "max" and isinstance(out.max(1), tuple)


def test_max_over_a_dim_sends_the_gradient_to_the_index_as_pytorch() -> None:
    torch = _torch()
    a = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    x, t = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    x.max(1).values.sum().backward()
    t.max(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    x.grad, t.grad = None, None
    x.max().backward()  # all axes: split evenly between ties, as torch.max()
    t.max().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


def test_squeeze_of_an_axis_that_is_not_1_is_a_no_op() -> None:
    x = Tensor(np.ones((1, 3, 1)))
    assert x.squeeze(1).shape == (1, 3, 1)
    assert x.squeeze(0).shape == (3, 1) and x.squeeze((0, 1, 2)).shape == (3,)


def test_zero_d_tensors_take_dim_0_and_minus_1() -> None:
    s = Tensor(np.array(3.0))
    for dim in (0, -1):
        assert float(s.sum(dim)) == 3.0 and float(s.cumsum(dim)) == 3.0
        assert float(s.max(dim).values) == 3.0 and int(s.max(dim).indices) == 0
        assert s.squeeze(dim).shape == ()


# ---------------------------------------------------------------- promotion

OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32,
          np.float64]


@settings(max_examples=150)
@given(a=st.sampled_from(DTYPES), b=st.sampled_from(DTYPES + [int, float, bool]),
       a_dims=st.booleans(), b_dims=st.booleans(), op=st.sampled_from(["+", "-", "*", "/"]))
def test_type_promotion_matches_pytorch(a, b, a_dims, b_dims, op) -> None:
    torch = _torch()
    if op == "-" and (a is np.bool_ or b in (np.bool_, bool)):
        return  # subtracting bools is an error in both
    left = np.ones(2 if a_dims else (), dtype=a)
    right = b(1) if b in (int, float, bool) else np.ones(2 if b_dims else (), dtype=b)
    scalar = not isinstance(right, np.ndarray)
    ours = OPERATORS[op](Tensor(left), right if scalar else Tensor(right))
    theirs = OPERATORS[op](torch.from_numpy(left), right if scalar else torch.from_numpy(right))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (a, b, op)


def test_the_silent_promotion_cases_of_the_issue() -> None:
    ints = Tensor(np.array([1, 2]))
    assert (ints / ints).dtype == np.float32
    assert (ints + 0.5).dtype == np.float32
    assert (Tensor(np.ones(2, np.float32)) * Tensor(np.ones(2, np.int64))).dtype == np.float32


# ---------------------------------------------------------------- Python numbers


def test_one_element_tensors_are_python_numbers() -> None:
    t, i = Tensor(np.array([2.5])), Tensor(np.array(2))
    assert float(t) == 2.5 and int(t) == 2 and f"{t:.2f}" == "2.50" and "%.1f" % t == "2.5"  # noqa: UP031
    assert ["a", "b", "c"][i] == "c" and range(5)[i] == 2
    with pytest.raises(tg.ShapeError, match="one element"):
        float(Tensor(np.ones(2)))
    with pytest.raises(tg.DTypeError, match="integer"):
        [1, 2][t]


def test_shape_is_a_size() -> None:
    x = Tensor(np.ones((2, 3)))
    assert isinstance(x.shape, tg.Size) and x.shape == (2, 3) and x.shape.numel() == 6
    assert x.size() == tg.Size([2, 3]) and x.size(1) == 3


# ---------------------------------------------------------------- grad_fn as a node


def test_grad_fn_walks_and_hooks_the_graph() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * 3).exp().sum()
    assert y.grad_fn.name() == "Sum" and y.grad_fn.name == "Sum"
    (exp_node, _), = y.grad_fn.next_functions
    (mul_node, _), = exp_node.next_functions
    (accumulate, _), (constant, _) = mul_node.next_functions
    assert exp_node.name() == "Exp" and accumulate.variable is x and constant is None
    seen = []
    exp_node.register_prehook(lambda grads: seen.append(("pre", grads[0].tolist())))
    handle = mul_node.register_hook(lambda gin, gout: (gin[0] * 0, gin[1]))
    exp_node.metadata["note"] = "studied"
    y.backward(retain_graph=True)
    assert seen == [("pre", [1.0, 1.0])] and x.grad.tolist() == [0.0, 0.0]
    handle.remove()
    x.grad = None
    y.backward()
    np.testing.assert_allclose(x.grad.data, 3 * np.exp(3 * x.data))
    assert exp_node.metadata == {"note": "studied"}


# ---------------------------------------------------------------- tg.autograd.Function


class Cube(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale=1.0):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x ** 3 * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2 * ctx.scale, None

    @staticmethod
    def jvp(ctx, tx, tscale=None):
        (x,) = ctx.saved_tensors
        return tx * 3 * x ** 2 * ctx.scale


def test_custom_function_gradients_double_backward_and_forward_mode() -> None:
    x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    assert tg.gradcheck(lambda x: Cube.apply(x, 2.0), [x])
    assert tg.gradgradcheck(lambda x: Cube.apply(x, 2.0), [x])
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    _, tangent = tg.jvp(lambda x: Cube.apply(x), (x,), (Tensor(np.ones(3)),))
    np.testing.assert_allclose(tangent.data, 3 * x.data ** 2)


def test_custom_function_without_jvp_is_a_clear_error_under_jvp() -> None:
    class Twice(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(tg.UnsupportedError, match="Twice has no forward-mode rule"):
        tg.jvp(lambda x: Twice.apply(x), (x,), (Tensor(np.ones(2)),))


def test_custom_function_context_features() -> None:
    class SortAndCount(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            assert ctx.needs_input_grad == (True, False)
            count = Tensor(np.array(x.numel()))
            ctx.mark_non_differentiable(count)
            ctx.set_materialize_grads(False)
            return x * 2, x * y, count

        @staticmethod
        def backward(ctx, g_double, g_product, g_count):
            assert g_count is None
            return (None if g_double is None else g_double * 2), None

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([3.0, 4.0]))
    double, product, count = SortAndCount.apply(x, y)
    assert not count.requires_grad and double.requires_grad
    double.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_custom_function_mark_dirty_and_saved_tensor_versions() -> None:
    class AddOne(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    a = x * 1
    out = AddOne.apply(a)
    assert out is a and a.tolist() == [2.0, 3.0] and a.grad_fn.name() == "AddOneBackward"
    (out * out).sum().backward()
    assert x.grad.tolist() == [4.0, 6.0]
    with pytest.raises(tg.BackwardError, match="leaf tensor that requires grad"):
        AddOne.apply(Tensor(np.ones(2), requires_grad=True))

    class Saves(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x

    b = x * 1
    y = Saves.apply(b)
    b.mul_(2)
    with pytest.raises(tg.BackwardError, match="modified by an inplace operation"):
        y.sum().backward()


def test_once_differentiable_backward_runs_without_recording() -> None:
    class Square(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @tg.autograd.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            assert not tg.is_grad_enabled()
            return grad * 2 * x

    x = Tensor(np.array([3.0]), requires_grad=True)
    (g,) = tg.grad(Square.apply(x), [x], create_graph=True)
    assert g.tolist() == [6.0] and not g.requires_grad


def test_autograd_namespace_has_pytorchs_functions() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    tg.autograd.backward(y, inputs=[x])
    assert x.grad.tolist() == [2.0, 4.0]
    assert tg.autograd.grad((x * x).sum(), x)[0].tolist() == [2.0, 4.0]
    assert tg.autograd.gradcheck(lambda x: (x * x).sum(), [x])


# ---- what the corpus scripts still missed (issue 21, second session) ----

@pytest.fixture
def default_dtype_restored():
    yield
    tg.set_default_dtype(tg.float32)


@pytest.mark.usefixtures("default_dtype_restored")
def test_set_default_dtype_reaches_every_place_a_float_is_made() -> None:
    assert tg.get_default_dtype() == tg.float32
    tg.set_default_dtype(tg.float64)
    assert tg.get_default_dtype() == tg.float64
    made = {"tensor(1.0)": tg.tensor(1.0), "Tensor([1, 2])": Tensor([1, 2]),
            "zeros": tg.zeros(2), "randn": tg.randn(2), "arange(0, 1, 0.5)": tg.arange(0, 1, 0.5),
            "int / int": tg.tensor([1, 2]) / 2, "int * 0.5": tg.tensor([1, 2]) * 0.5,
            "Linear.weight": tg.nn.Linear(2, 3).weight, "BatchNorm1d.running_var":
            tg.nn.BatchNorm1d(3).running_var, "full(2.5)": tg.full((2,), 2.5)}
    assert {k: str(v.dtype) for k, v in made.items()} == dict.fromkeys(made, "float64")
    assert tg.arange(3).dtype == tg.int64 and tg.tensor([1]).dtype == tg.int64
    tg.set_default_dtype("float32")
    assert tg.zeros(2).dtype == tg.float32 and (tg.tensor([1]) / 2).dtype == tg.float32


def test_set_default_dtype_refuses_a_non_floating_dtype() -> None:
    with pytest.raises(tg.DTypeError, match="set_default_dtype.*int64"):
        tg.set_default_dtype(tg.int64)
    assert tg.get_default_dtype() == tg.float32


def test_backward_takes_pytorchs_gradient_and_inputs_keywords() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    (x * w).backward(gradient=Tensor(np.array([1.0, 10.0])), inputs=[x])
    assert x.grad.tolist() == [3.0, 40.0] and w.grad is None
    with pytest.raises(tg.ArgumentError, match="backward: got both grad"):
        (x * w).backward(np.ones(2), gradient=np.ones(2))


def test_tensor_hook_returns_a_handle_with_remove() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    handle = x.register_hook(lambda g: g * 3)
    x.sum().backward()
    handle.remove()
    handle.remove()  # a second remove does nothing, as PyTorch's
    x.sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_nelement_device_abs_and_pos() -> None:
    x = Tensor(np.array([[-1.0, 2.0, -3.0]]))
    assert x.nelement() == x.numel() == 3
    assert x.device == tg.device("cpu") and str(x.device) == "cpu" and not x.is_cuda
    assert tg.zeros(2, device=x.device).device == "cpu"
    assert abs(x).tolist() == [[1.0, 2.0, 3.0]] and +x is x


def test_autograd_gradcheck_has_pytorchs_default_of_no_forward_mode() -> None:
    class Cube(tg.autograd.Function):  # no jvp, as most ported Functions
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    x = Tensor(np.array([0.5, -1.5]), requires_grad=True)
    assert tg.autograd.gradcheck(Cube.apply, (x,))
    assert tg.autograd.gradgradcheck(Cube.apply, (x,))
    with pytest.raises(tg.UnsupportedError, match="jvp"):
        tg.gradcheck(Cube.apply, (x,))  # the project's own tool checks forward mode


def test_tensor_methods_on_data_answer_as_pytorch() -> None:
    values = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    x = Tensor(values.copy(), requires_grad=True)
    d = x.data
    assert float(d.std()) == pytest.approx(values.std(ddof=1))  # n - 1, not NumPy's n
    assert float(d.var()) == pytest.approx(values.var(ddof=1))
    assert d.max(1)[1].tolist() == [0, 1] and d.max(1).values.tolist() == [3.0, 4.0]
    assert d.size() == (2, 3) and d.size(1) == 3 and d.size == 6
    assert d.view(-1).shape == (6,) and d.view(3, 2).shape == (3, 2)
    assert d.sort().indices.tolist() == [[1, 2, 0], [2, 0, 1]]
    assert d.tolist() == values.tolist()  # not sorted in place
    assert d.repeat(1, 2).shape == (2, 6)  # tiles, as PyTorch's repeat
    assert float(d.norm()) == pytest.approx(np.linalg.norm(values))
    assert d.abs().sum().item() == pytest.approx(np.abs(values).sum())
    assert d.view_as(x).shape == (2, 3) and d.numel() == 6 and d.dim() == 2
    assert d.sum(dim=0).tolist() == values.sum(0).tolist()
    # NumPy's keywords and functions keep NumPy's meaning
    assert d.std(ddof=0) == pytest.approx(values.std())
    assert np.std(d) == pytest.approx(values.std())
    assert d.sum(axis=0).tolist() == values.sum(0).tolist()
    assert sorted(np.unique(d).tolist()) == sorted(values.ravel().tolist())
    assert type(np.unique(d)) is np.ndarray
    # views of .data share the tensor's memory, invisibly to autograd
    d.view(-1)[0] = 7.0
    assert x.tolist()[0][0] == 7.0 and x._version == 0


def test_memory_layout_queries_as_pytorch() -> None:
    x = tg.ones(2, 3)
    assert x.stride() == (3, 1) and x.stride(-1) == 1 and x.t().stride() == (1, 3)
    assert tg.ones(1, 3).expand(4, 3).stride() == (0, 1)  # a broadcast axis steps by 0
    assert x.element_size() == x.itemsize == 4 and x.nbytes == 24 and x.ndimension() == 2
    assert tg.ones(2, dtype=tg.float64).element_size() == 8


def test_where_with_the_condition_alone_gives_the_indices() -> None:
    rows, cols = tg.where(Tensor(np.array([[0, 1], [1, 0]])))
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
    with pytest.raises(tg.ArgumentTypeError, match="where: give both x and y"):
        tg.where(Tensor(np.array([True])), 1.0)
    assert tg.dot(Tensor(np.array([1.0, 2.0])), Tensor(np.array([3.0, 4.0]))).item() == 11.0


def test_module_to_takes_pytorchs_arguments() -> None:
    model = tg.nn.Linear(2, 2)
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to("cpu", tg.float64).weight.dtype == tg.float64
    assert model.to(tg.zeros(1, dtype=tg.float32)).weight.dtype == tg.float32
    assert model.to(device=tg.device("cpu"), dtype="float64").bias.dtype == tg.float64
    assert model.half().weight.dtype == tg.float16 and model.float().weight.dtype == tg.float32
    with pytest.raises(tg.ArgumentError, match="Linear.cuda: .*CPU only"):
        model.cuda()
    with pytest.raises(tg.ArgumentError, match="Linear.to: .*CPU only"):
        model.to("cuda")
    with pytest.raises(tg.DTypeError, match="Linear.to: needs a floating dtype"):
        model.to(tg.int64)


FLOATING_FUNCTIONS = ("exp log sqrt sin cos tanh sigmoid log1p expm1 log2 log10 exp2 tan asin "
                      "acos atan sinh cosh asinh acosh atanh erf erfc rsqrt").split()


@pytest.mark.usefixtures("default_dtype_restored")
@pytest.mark.parametrize("name", FLOATING_FUNCTIONS)
def test_floating_functions_of_integers_give_the_default_dtype(name) -> None:
    for data in ([1, 2], [True, False]):  # NumPy's own rule would give float64
        assert getattr(tg, name)(tg.tensor(data)).dtype == tg.float32, (name, data)
    tg.set_default_dtype(tg.float64)
    assert getattr(Tensor(np.array([1, 2])), name)().dtype == tg.float64
