"""The PyTorch-shaped surface that is not an op: creation functions, dtype names, devices,
dim=/keepdim= keywords, size(), queries and in-place writes, with their error messages."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor

# ---------------------------------------------------------------- creation and dtypes

def test_creation_takes_varargs_or_a_tuple_and_pytorch_default_dtypes() -> None:
    assert tg.zeros(2, 3).shape == tg.zeros((2, 3)).shape == tg.zeros([2, 3]).shape == (2, 3)
    assert tg.zeros(2, 3).dtype == tg.float32 and tg.ones(4).dtype == np.float32
    assert tg.ones(2).tolist() == [1.0, 1.0] and tg.zeros(2).tolist() == [0.0, 0.0]
    assert tg.zeros(2, dtype=tg.float64).dtype == np.float64
    assert tg.ones(2, dtype="int64").dtype == np.int64
    assert tg.full((2, 2), 7).dtype == tg.int64 and tg.full((2,), 0.5).dtype == tg.float32
    assert tg.full((2,), True).dtype == tg.bool and tg.full(3, 1.0).shape == (3,)
    assert tg.arange(5).dtype == tg.long and tg.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(1, 2, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75]
    assert tg.arange(1, 2, 0.25).dtype == np.float32
    np.testing.assert_array_equal(tg.linspace(0, 1, 5).data, np.float32([0, .25, .5, .75, 1]))
    np.testing.assert_array_equal(tg.eye(2, 3).data, np.eye(2, 3))
    assert tg.empty(2, 2).shape == (2, 2)


def test_tensor_copies_and_from_numpy_shares() -> None:
    a = np.arange(3.0)
    copied, shared = tg.tensor(a), tg.from_numpy(a)
    a[0] = 9.0
    assert copied.data[0] == 0.0 and shared.data[0] == 9.0 and shared.dtype == np.float64
    assert tg.tensor([1, 2]).dtype == tg.int64 and tg.tensor([1.5]).dtype == tg.float32
    assert tg.tensor([True]).dtype == tg.bool and tg.tensor(3).shape == ()
    assert tg.tensor([1, 2], dtype=tg.float64).dtype == np.float64
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf
    with pytest.raises(TypeError, match="from_numpy: expected an np.ndarray, got list"):
        tg.from_numpy([1, 2])


def test_like_functions_take_shape_and_dtype_of_their_input() -> None:
    x = Tensor(np.ones((2, 3), dtype=np.float64))
    for made in (tg.zeros_like(x), tg.ones_like(x), tg.full_like(x, 2.5), tg.rand_like(x),
                 tg.randn_like(x), tg.empty_like(x)):
        assert made.shape == (2, 3) and made.dtype == np.float64
    assert tg.zeros_like(x, dtype=tg.int32).dtype == np.int32
    ints = tg.randint_like(x, 5)
    assert ints.dtype == np.float64 and set(np.unique(ints.data)) <= {0, 1, 2, 3, 4}
    assert tg.ones_like(x, requires_grad=True).requires_grad


def test_random_creation_follows_manual_seed() -> None:
    tg.manual_seed(3)
    first = (tg.rand(3, 2).data, tg.randn(4).data, tg.randint(0, 10, (5,)).data)
    tg.manual_seed(3)
    second = (tg.rand(3, 2).data, tg.randn(4).data, tg.randint(0, 10, (5,)).data)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert first[0].dtype == np.float32 and ((first[0] >= 0) & (first[0] < 1)).all()
    assert first[2].dtype == np.int64 and ((first[2] >= 0) & (first[2] < 10)).all()
    assert tg.randint(4, (100,)).data.max() <= 3  # randint(high, size)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(tg.randn(3, dtype=tg.float64, generator=rng).data,
                                  np.random.default_rng(0).standard_normal(3))


def test_creation_errors_name_the_function_and_the_value() -> None:
    with pytest.raises(tg.ShapeError, match=r"zeros: size must be non-negative ints.*\(2, -1\)"):
        tg.zeros(2, -1)
    with pytest.raises(tg.DTypeError, match="ones: unknown dtype name 'float33'"):
        tg.ones(2, dtype="float33")
    with pytest.raises(tg.ArgumentError, match="randn: needs a floating dtype, got int64"):
        tg.randn(2, dtype=tg.int64)
    with pytest.raises(tg.ArgumentError, match="randint: needs low < high, got low=3, high=3"):
        tg.randint(3, 3, (2,))
    with pytest.raises(tg.ArgumentError, match="arange: step must be nonzero"):
        tg.arange(0, 1, 0)
    with pytest.raises(tg.ArgumentError, match="zeros: device: .*CPU only.*'cuda'"):
        tg.zeros(2, device="cuda")


def test_dtype_names_are_numpy_types() -> None:
    assert (tg.float, tg.double, tg.half, tg.long, tg.int, tg.short) == (
        np.float32, np.float64, np.float16, np.int64, np.int32, np.int16)
    assert tg.bool is np.bool_ and tg.uint8 is np.uint8 and tg.int8 is np.int8
    assert Tensor(np.ones(2)).dtype == tg.float64


# ---------------------------------------------------------------- devices

def test_device_selecting_code_picks_the_cpu() -> None:
    assert tg.cuda.is_available() is False and tg.cuda.device_count() == 0
    where = tg.device("cuda" if tg.cuda.is_available() else "cpu")
    assert where == "cpu" and where == tg.device("cpu:0") and str(where) == "cpu"
    x = Tensor(np.ones(2, dtype=np.float32))
    assert x.to(where) is x and x.cpu() is x and x.to("cpu", tg.float32) is x
    assert x.to(tg.float64).dtype == np.float64 and x.to(dtype=tg.float64).dtype == np.float64
    assert x.to(Tensor(np.ones(1, dtype=np.int64))).dtype == np.int64
    copied = x.to("cpu", copy=True)
    assert copied is not x and copied.data is not x.data
    with pytest.raises(tg.ArgumentError, match="to: device: tinygrad_bn runs on the CPU only, "
                                               "got device 'cuda:0'"):
        x.to("cuda:0")
    with pytest.raises(tg.ArgumentError, match="CPU only"):
        tg.device("mps")


# ---------------------------------------------------------------- dim= and keepdim=

@pytest.mark.parametrize("name", ["sum", "mean", "var", "max", "min", "std", "logsumexp",
                                  "prod", "norm", "argmax", "argmin", "any", "all"])
def test_dim_keepdim_are_axis_keepdims(name: str) -> None:
    x = Tensor(np.arange(1.0, 13.0).reshape(3, 4) ** 1.5)
    def values(out):  # max/min with a dim: PyTorch's (values, indices)
        return out.values if isinstance(out, tuple) else out

    numpy_words = values(getattr(x, name)(axis=1, keepdims=True))
    torch_words = values(getattr(x, name)(dim=1, keepdim=True))
    arguments = {"norm": (2, 1, True), "var": (1, True, True), "std": (1, True, True)}
    positional = values(getattr(x, name)(*arguments.get(name, (1, True))))  # PyTorch's order
    assert torch_words.shape == (3, 1)
    np.testing.assert_array_equal(numpy_words.data, torch_words.data)
    np.testing.assert_array_equal(positional.data, torch_words.data)
    pytorch_first = name in ("var", "std", "max", "min", "norm")  # PyTorch's (dim, ..., keepdim)
    first, second = ("dim=0", "axis=1") if pytorch_first else ("axis=1", "dim=0")
    with pytest.raises(tg.ArgumentError, match=rf"{name}: got both {first} and {second}"):
        getattr(x, name)(axis=1, dim=0)
    if pytorch_first:
        with pytest.raises(tg.ArgumentError, match=rf"{name}: got both keepdim=True and "
                                                   rf"keepdims="):
            getattr(x, name)(1, keepdim=True, keepdims=False)
    else:
        with pytest.raises(tg.ArgumentError, match=rf"{name}: got both keepdims=True and "
                                                   rf"keepdim="):
            getattr(x, name)(1, keepdims=True, keepdim=False)


def test_dim_in_shape_functions_joins_and_softmax() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3, 1))
    assert x.squeeze(dim=2).shape == (2, 3) and x.unsqueeze(dim=0).shape == (1, 2, 3, 1)
    assert x.flatten(start_dim=1).shape == (2, 3) and x.flatten(end_dim=1).shape == (6, 1)
    assert tg.cat([x, x], dim=1).shape == (2, 6, 1) and tg.cat is tg.concatenate
    assert tg.stack([x, x], dim=3).shape == (2, 3, 1, 2)
    f = tg.nn.functional
    np.testing.assert_array_equal(f.softmax(x, dim=1).data, f.softmax(x, axis=1).data)
    np.testing.assert_array_equal(f.log_softmax(x, dim=0).data, f.log_softmax(x, 0).data)
    with pytest.raises(tg.ArgumentError, match="softmax: got both axis=0 and dim=1"):
        f.softmax(x, axis=0, dim=1)
    with pytest.raises(tg.ArgumentError, match="concatenate: got both axis=0 and dim=1"):
        tg.cat([x, x], axis=0, dim=1)
    assert x.var(unbiased=True).item() == pytest.approx(np.var(np.arange(6.0), ddof=1))
    assert x.var(correction=1).item() == x.var().item()
    with pytest.raises(tg.ArgumentError, match="var: got unbiased=False, ddof=1"):
        x.var(ddof=1, unbiased=False)


# ---------------------------------------------------------------- size, queries

def test_size_is_pytorchs_and_numel_counts() -> None:
    x = Tensor(np.zeros((2, 3, 4)))
    assert x.size() == (2, 3, 4) and x.size(0) == 2 and x.size(-1) == 4
    assert x.numel() == 24 and x.dim() == 3
    with pytest.raises(tg.AxisError, match="size: axis 3 is out of range"):
        x.size(3)


def test_queries_return_tensors_without_a_graph() -> None:
    x = Tensor(np.array([[1.0, 5.0, 5.0], [np.nan, -np.inf, 0.0]]), requires_grad=True)
    assert x.argmax(dim=1).tolist() == [1, 0]  # NaN counts as the maximum, as in PyTorch
    assert Tensor(np.array([[3.0, 1.0, 1.0]])).argmin(1).tolist() == [1]  # first of ties
    assert x.argmax().dtype == np.int64 and x.argmax().shape == ()
    assert x.isnan().tolist() == [[False, False, False], [True, False, False]]
    assert x.isfinite().tolist() == [[True, True, True], [False, False, True]]
    assert x.isinf().any().item() and not x.isinf().all().item()
    assert (x > 0).any(dim=1).tolist() == [True, False]
    for result in (x.argmax(), x.isnan(), x.any()):
        assert not result.requires_grad and result.grad_fn is None
    with pytest.raises(tg.ShapeError, match=r"argmax: the tensor \(shape \(0,\)\) has no "):
        Tensor(np.zeros(0)).argmax()


# ---------------------------------------------------------------- in place

def test_in_place_writes_outside_a_graph() -> None:
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    with tg.no_grad():
        assert w.zero_() is w and w.data.sum() == 0
        w.fill_(2.5)
        w.copy_(np.array([1.0, 2.0]))  # broadcast over rows
    np.testing.assert_array_equal(w.data, [[1.0, 2.0], [1.0, 2.0]])
    plain = Tensor(np.zeros(3, dtype=np.int64))
    plain.copy_(Tensor(np.array([1.7, 2.2, -3.9])))  # cast to the tensor's dtype
    assert plain.tolist() == [1, 2, -3]
    plain.fill_(Tensor(np.array(4)))
    assert plain.tolist() == [4, 4, 4]


def test_in_place_writes_on_leaves_are_refused_and_on_outputs_recorded() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(tg.BackwardError, match=r"fill_: a leaf tensor that requires grad "
                                               r"\(shape \(2,\)\).*tg.no_grad"):
        w.fill_(0.0)
    y = w * 2
    assert y.zero_() is y and y.tolist() == [0.0, 0.0]  # PyTorch: a node, whose gradient is 0
    (y + w).sum().backward()
    assert w.grad.tolist() == [1.0, 1.0]
    with pytest.raises(tg.ShapeError, match=r"copy_: cannot copy a source of shape \(3,\) "
                                            r"into a tensor of shape \(2,\)"):
        Tensor(np.ones(2)).copy_(np.ones(3))
    with tg.no_grad():
        view = Tensor(np.ones(2)).expand(3, 2)
    with pytest.raises(tg.ArgumentError, match="read-only view"):
        view.fill_(1.0)


# ---------------------------------------------------------------- argument errors of ops

def test_op_argument_errors_name_the_op() -> None:
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(tg.ShapeError, match=r"t: expects a tensor with at most 2 dims"):
        Tensor(np.ones((2, 2, 2))).t()
    with pytest.raises(tg.AxisError, match="cumsum: needs an axis"):
        x.cumsum()
    with pytest.raises(tg.ArgumentTypeError,  # a TypeError, as PyTorch's
                       match=r"prod: takes one axis \(an int\), got \(0, 1\)"):
        x.prod(dim=(0, 1))
    with pytest.raises(tg.ShapeError, match=r"split: sections \[1, 1\] must .* add up to 3"):
        x.split([1, 1], dim=1)
    with pytest.raises(tg.IndexOutOfRange, match=r"gather: index values must lie in \[0, 3\)"):
        x.gather(1, Tensor(np.array([[3], [0]])))
    with pytest.raises(tg.ShapeError, match=r"gather: index of shape \(2,\) must have the rank"):
        x.gather(1, Tensor(np.array([0, 1])))
    with pytest.raises(tg.DTypeError, match="masked_fill: the mask must be a bool tensor"):
        x.masked_fill(Tensor(np.ones(3)), 0.0)
    with pytest.raises(tg.ShapeError, match=r"masked_fill: mask of shape \(3, 3\) does not "):
        x.masked_fill(Tensor(np.ones((3, 3), dtype=bool)), 0.0)
    with pytest.raises(tg.ShapeError, match=r"repeat: needs one non-negative int per axis"):
        x.repeat(2)
    with pytest.raises(tg.ArgumentError, match="clamp: give at least one of min and max"):
        x.clamp()
    with pytest.raises(tg.ArgumentError, match="norm: p must be 'fro', 'nuc' or a number"):
        x.norm("max")  # a negative p is PyTorch's (sum |x|^p)^(1/p), no error
    with pytest.raises(tg.ArgumentTypeError, match="flip: missing the dims"):  # PyTorch's
        x.flip()                                                             # TypeError


# ---------------------------------------------------------------- module-level functions

FUNCTION_CALLS = [  # (name, args after the input, kwargs): PyTorch's spelling of each call
    ("abs", (), {}), ("all", (), {}), ("any", (), {"dim": 0}), ("argmax", (), {"dim": 1}),
    ("argmin", (1,), {}), ("chunk", (2,), {"dim": 1}), ("clamp", (), {"min": 0.5}),
    ("clip", (0.0, 1.0), {}), ("clone", (), {}), ("cos", (), {}), ("cumsum", (), {"dim": 1}),
    ("exp", (), {}), ("flatten", (), {}), ("flip", ((0, 1),), {}), ("isfinite", (), {}),
    ("isinf", (), {}), ("isnan", (), {}), ("log", (), {}), ("logsumexp", (1,), {}),
    ("max", (), {}), ("mean", (), {"dim": 0}), ("min", (), {}), ("norm", (), {}),
    ("numel", (), {}), ("permute", ((1, 0),), {}), ("prod", (1,), {}), ("relu", (), {}),
    ("reshape", ((3, 2),), {}), ("sigmoid", (), {}), ("sign", (), {}), ("sin", (), {}),
    ("split", (1,), {}), ("sqrt", (), {}), ("squeeze", (), {}), ("std", (), {"dim": 1}),
    ("sum", (), {"dim": 1, "keepdim": True}), ("t", (), {}), ("tanh", (), {}),
    ("transpose", (0, 1), {}), ("unsqueeze", (0,), {}), ("var", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", FUNCTION_CALLS, ids=[c[0] for c in FUNCTION_CALLS])
def test_module_function_is_the_method_on_tensors_and_arrays(name: str, args: tuple,
                                                             kwargs: dict) -> None:
    a = np.arange(1.0, 7.0).reshape(2, 3)
    expected = getattr(Tensor(a), name)(*args, **kwargs)
    for value in (Tensor(a), a):
        got = getattr(tg, name)(value, *args, **kwargs)
        if isinstance(expected, tuple):
            assert [g.tolist() for g in got] == [e.tolist() for e in expected]
        elif isinstance(expected, Tensor):
            np.testing.assert_array_equal(got.data, expected.data)
        else:
            assert got == expected
    assert f"x.{name}(" in getattr(tg, name).__doc__


def test_module_functions_stay_differentiable() -> None:
    x = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
    assert tg.gradcheck(lambda t: tg.sum(tg.exp(t) * tg.matmul(t, tg.t(t)).sum(dim=1,
                                                                               keepdim=True)), [x])
