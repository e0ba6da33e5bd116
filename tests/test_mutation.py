"""In-place ops, augmented and item assignment, views and version counters, as PyTorch's.

Each case is checked against PyTorch where it is installed (values, gradients, and
whether backward raises), and against closed forms otherwise."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn


def _torch():
    return pytest.importorskip("torch")


def leaf(values, requires_grad: bool = True) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


# ---------------------------------------------------------------- the silent failures


def test_manual_sgd_under_no_grad_updates_the_parameters() -> None:
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    with tg.no_grad():
        for p in [w]:
            p -= 0.1 * p.grad  # used to rebind p and leave w unchanged
    np.testing.assert_allclose(w.data, [0.8, 1.6])
    assert w.requires_grad and w.is_leaf and w._version == 1


def test_data_plus_equals_keeps_data_an_array_and_writes_in_place() -> None:
    p = leaf([1.0, 2.0])
    memory = p.numpy()
    p.grad = Tensor(np.array([10.0, 20.0]))
    p.data += -0.1 * p.grad  # used to turn p.data into a Tensor
    assert isinstance(p.data, np.ndarray) and p.numpy() is memory
    np.testing.assert_allclose(p.data, [0.0, 0.0])


def test_pytorch_idioms_on_data() -> None:
    p = leaf(np.ones((2, 3)))
    p.data.normal_(0.0, 0.02, generator=np.random.default_rng(0))
    assert abs(p.data.std() - 0.02) < 0.02
    p.data.copy_(Tensor(np.full((2, 3), 3.0)))
    p.data *= 0.1
    p.data.add_(Tensor(np.ones((2, 3))), alpha=-0.3)
    np.testing.assert_allclose(p.data, np.zeros((2, 3)), atol=1e-15)
    p.data.uniform_(-1, 1)
    assert (np.abs(p.data) <= 1).all()
    p.data = Tensor(np.arange(6.0).reshape(2, 3))  # assigning a tensor stores its array
    assert type(p.numpy()) is np.ndarray and p.data[1, 2] == 5.0
    assert p._version == 0  # writes through .data are invisible to autograd, as in PyTorch


def test_item_assignment_basic_array_and_mask_indices() -> None:
    t = Tensor(np.zeros((3, 4)))
    t[0] = 1.0
    t[1, 1:3] = Tensor(np.array([2.0, 3.0]))
    t[np.array([2, 2]), np.array([0, 3])] = 4.0
    t[t > 3.5] += 1.0
    np.testing.assert_array_equal(t.data, [[1, 1, 1, 1], [0, 2, 3, 0], [5, 0, 0, 5]])
    ints = Tensor(np.zeros(3, np.int64))
    ints[1] = 2.7  # assignment casts, as PyTorch's
    assert ints.tolist() == [0, 2, 0]


def test_in_place_on_a_leaf_that_requires_grad_is_refused_outside_no_grad() -> None:
    w = leaf([1.0, 2.0])
    for write in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(),
                  lambda: w.__setitem__(0, 5.0), lambda: w.normal_()):
        with pytest.raises(tg.BackwardError, match="leaf tensor that requires grad"):
            write()
    with pytest.raises(tg.BackwardError, match="a view of a leaf"):
        w[0].mul_(2)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


def test_in_place_result_must_fit_the_tensor() -> None:
    x = Tensor(np.zeros(3, np.int64))
    with pytest.raises(tg.DTypeError, match="float32 can't be cast"):
        x += 0.5
    with pytest.raises(tg.ShapeError, match="does not fit in place"):
        Tensor(np.zeros(3)).add_(Tensor(np.zeros((2, 3))))
    with pytest.raises(tg.ArgumentError, match="read-only view"):
        Tensor(np.zeros(3)).expand(2, 3).add_(1)


# ---------------------------------------------------------------- gradients through writes


def _both(program: Callable, values: dict[str, np.ndarray]) -> None:
    """Run `program(lib, tensors)` on tinygrad_bn and on torch: same values, same gradients."""
    torch = _torch()
    ours = {k: Tensor(v.copy(), requires_grad=True) for k, v in values.items()}
    theirs = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in values.items()}
    out_ours, out_theirs = program(tg, ours), program(torch, theirs)
    np.testing.assert_allclose(out_ours.data, out_theirs.detach().numpy(), rtol=1e-12)
    out_ours.sum().backward()
    out_theirs.sum().backward()
    for k in values:
        expected = theirs[k].grad
        assert (ours[k].grad is None) == (expected is None), k
        if expected is not None:
            np.testing.assert_allclose(ours[k].grad.data, expected.numpy(), rtol=1e-12,
                                       err_msg=k)


def test_earlier_users_of_a_rewritten_tensor_keep_its_old_value() -> None:
    def program(lib, t):
        y = t["x"] * 2
        z = y + t["w"]  # uses y before the write
        y.mul_(t["w"])   # y's place in the graph moves to the product
        return y * 3 + z
    _both(program, {"x": np.array([1.0, -2.0, 3.0]), "w": np.array([0.5, 2.0, -1.0])})


def test_writes_through_basic_index_views_update_the_base() -> None:
    def program(lib, t):
        a = t["x"] * 1
        a[1:3].mul_(t["w"][:2])
        a[0] += t["w"][2] ** 2
        row = a[3:]
        row.add_(1.0).exp_()
        return a * a
    _both(program, {"x": np.array([1.0, -2.0, 3.0, 0.5]), "w": np.array([0.5, 2.0, -1.0])})


def test_item_assignment_of_a_tensor_that_requires_grad() -> None:
    def program(lib, t):
        out = lib.zeros(3, dtype=lib.float64)  # not a leaf that requires grad: may be written
        out[0] = t["w"][0] * 2
        out[1:] = t["w"][1:] ** 2
        out[np.array([0])] += t["x"][:1]
        return out * t["x"]
    _both(program, {"x": np.array([1.0, -2.0, 3.0]), "w": np.array([0.5, 2.0, -1.0])})


def test_in_place_functions_and_fills_as_graph_nodes() -> None:
    def program(lib, t):
        a = t["x"] * 1
        a.sigmoid_()
        b = t["w"] * 1
        b.clamp_(-0.5, 0.5).tanh_()
        c = t["x"] * t["w"]
        c.zero_()
        d = t["x"] + 0
        d.masked_fill_(t["x"].detach() > 0, 2.0)
        d.copy_(t["x"] * t["w"])
        return a + b + c + d
    _both(program, {"x": np.array([1.0, -2.0, 3.0]), "w": np.array([0.5, 2.0, -1.0])})


def test_a_write_through_a_reshape_view_of_a_graph_tensor_updates_its_graph() -> None:
    x = leaf(np.ones((2, 3)))
    a = x * 1
    a.reshape(6).mul_(2)  # every element doubled: d a / d x = 2
    a.transpose(0, 1)[0].add_(1)  # column 0 shifted: no change to the slope
    (a * Tensor(np.arange(1.0, 7.0).reshape(2, 3))).sum().backward()
    np.testing.assert_array_equal(a.data, [[3, 2, 2], [3, 2, 2]])
    np.testing.assert_array_equal(x.grad.data, 2 * np.arange(1.0, 7.0).reshape(2, 3))
    with pytest.raises(tg.BackwardError, match="view .* of a leaf"):
        x.reshape(6).mul_(2)  # a view of a leaf that requires grad, as PyTorch refuses
    with tg.no_grad():  # outside the graph, every view writes through
        plain = Tensor(np.ones((2, 3)))
        plain.reshape(6)[:2].mul_(5)
    np.testing.assert_array_equal(plain.data[0], [5, 5, 1])


# ---------------------------------------------------------------- the version counter

SAVED_VALUE_CASES: dict[str, Callable] = {
    # (lib, x, w) -> (output whose backward needs a value, then written in place)
    "exp output": lambda lib, x, w: _then(x.exp(), lambda y: y.add_(1)),
    "sigmoid output": lambda lib, x, w: _then(x.sigmoid(), lambda y: y.mul_(2)),
    "tanh output": lambda lib, x, w: _then(x.tanh(), lambda y: y.zero_()),
    "sqrt output": lambda lib, x, w: _then((x * x + 1).sqrt(), lambda y: y.sub_(1)),
    "relu output": lambda lib, x, w: _then(x.relu(), lambda y: y.mul_(2)),
    "pow input": lambda lib, x, w: _written((x * 1), lambda a: a ** 3, lambda a: a.add_(1)),
    "mul input": lambda lib, x, w: _written(x * 1, lambda a: a * w, lambda a: a.mul_(2)),
    "div denominator": lambda lib, x, w: _written(x * 1 + 5, lambda a: w / a,
                                                  lambda a: a.add_(1)),
    "log input": lambda lib, x, w: _written(x * x + 1, lambda a: a.log(), lambda a: a.add_(1)),
    "matmul input": lambda lib, x, w: _written(x.reshape(1, 3) * 1,
                                               lambda a: a @ w.reshape(3, 1),
                                               lambda a: a.mul_(2)),
    "leaf under no_grad": lambda lib, x, w: _leaf_written(lib, x, w),
    "through a view": lambda lib, x, w: _written(x * 1, lambda a: a * w,
                                                 lambda a: a[1:].mul_(2)),
    "through detach": lambda lib, x, w: _written(x * 1, lambda a: a * w,
                                                 lambda a: a.detach().zero_()),
    "a view's user": lambda lib, x, w: _written(x * 1, lambda a: a[:2] * w[:2],
                                                lambda a: a.mul_(4)),
    "setitem": lambda lib, x, w: _written(x * 1, lambda a: a.sin(),
                                          lambda a: a.__setitem__(0, 9.0)),
}

ALLOWED_CASES: dict[str, Callable] = {
    # writes PyTorch allows: nothing the backward needs was written
    "add input": lambda lib, x, w: _written(x * 1, lambda a: a + w, lambda a: a.mul_(3)),
    "mul by a constant": lambda lib, x, w: _written(x * 1, lambda a: a * 2, lambda a: a.add_(1)),
    "pow output": lambda lib, x, w: _then(x ** 2, lambda y: y.add_(1)),
    "sum input": lambda lib, x, w: _written(x * 1, lambda a: a.sum() * w, lambda a: a.zero_()),
    "relu input": lambda lib, x, w: _written(x * 1, lambda a: a.relu(), lambda a: a.add_(1)),
}


def _torch_leaf(values):
    torch = _torch()
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


def _then(y, write):
    write(y)
    return y


def _written(a, use, write):
    y = use(a)
    write(a)
    return y


def _leaf_written(lib, x, w):
    y = x * w
    with lib.no_grad():
        w.add_(1)
    return y


@pytest.mark.parametrize("case", list(SAVED_VALUE_CASES))
def test_backward_refuses_values_written_since_the_forward(case: str) -> None:
    x, w = leaf([0.5, -1.0, 2.0]), leaf([1.5, 2.0, -0.5])
    y = SAVED_VALUE_CASES[case](tg, x, w)
    with pytest.raises(tg.BackwardError, match=r"modified by an inplace operation.*is at "
                                               r"version \d+; expected version \d+"):
        y.sum().backward()


@pytest.mark.parametrize("case", list(SAVED_VALUE_CASES))
def test_pytorch_refuses_the_same_writes(case: str) -> None:
    torch = _torch()
    x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([1.5, 2.0, -0.5], dtype=torch.float64, requires_grad=True)
    y = SAVED_VALUE_CASES[case](torch, x, w)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("case", list(ALLOWED_CASES))
def test_no_false_alarm_where_pytorch_allows_the_write(case: str) -> None:
    results = []
    for lib, make in ((tg, leaf), (None, None)):
        if lib is None:
            lib = pytest.importorskip("torch")
            make = _torch_leaf
        x, w = make([0.5, -1.0, 2.0]), make([1.5, 2.0, -0.5])
        y = ALLOWED_CASES[case](lib, x, w)
        y.sum().backward()
        results.append([np.asarray(g.grad.numpy() if hasattr(g.grad, "numpy") else g.grad)
                        if g.grad is not None else None for g in (x, w)])
    for ours, theirs in zip(*results):
        if theirs is None:
            assert ours is None
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_the_error_names_the_op_the_tensor_and_both_versions() -> None:
    x = leaf([1.0, 2.0])
    y = x.exp()
    y.add_(1)
    y.mul_(2)
    with pytest.raises(tg.BackwardError) as error:
        y.sum().backward()
    message = str(error.value)
    assert message.startswith("Exp backward:") and "shape (2,)" in message
    assert "is at version 2; expected version 0" in message


def test_views_and_detach_share_the_version_counter() -> None:
    base = Tensor(np.zeros(4))
    view, detached = base[1:3], base.detach()
    reshaped = base.reshape(2, 2)
    view.add_(1)
    assert base._version == view._version == detached._version == reshaped._version == 1
    detached[0] = 5.0
    assert base._version == 2 and base.data[0] == 5.0


def test_optimizer_state_and_modules_keep_working_with_writes_in_place() -> None:
    model = nn.Linear(3, 2)
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    x = Tensor(np.ones((4, 3), np.float32))
    for _ in range(3):
        loss = (model(x) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        with tg.no_grad():
            model.weight.clamp_(-0.5, 0.5)
    assert float(model.weight.abs().max()) <= 0.5
