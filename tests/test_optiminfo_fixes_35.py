"""Pinned tests of the differences that PyTorch's optimizer database and autograd.Function
database (tests/test_optiminfo_35.py, tests/test_autograd_function_db_35.py) found and
this session fixed: each failed before its fix. Values are checked against torch where it
is installed, else against the closed forms."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg


def _torch():  # noqa: ANN202
    return pytest.importorskip("torch")


# ---- tg.autograd.Function written with setup_context (PyTorch 2.0's second way) ----

class _Scale(tg.autograd.Function):
    """y = x * factor, factor defaulting to 3.0: setup_context sees the default."""

    @staticmethod
    def forward(x, factor=3.0):  # noqa: ANN001, ANN205
        return x * factor

    @staticmethod
    def setup_context(ctx, inputs, output):  # noqa: ANN001, ANN205
        ctx.factor = inputs[1]

    @staticmethod
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        return grad * ctx.factor, None


def test_setup_context_style_forward_takes_no_ctx_and_sees_defaults() -> None:
    x = tg.tensor([1.0, -2.0], dtype=tg.float64, requires_grad=True)
    y = _Scale.apply(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), [3.0, -6.0])
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    x.grad = None
    _Scale.apply(x, factor=0.5).sum().backward()  # a keyword argument reaches inputs too
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.5])


class _CubeAndSlope(tg.autograd.Function):
    """(x^3, 3x^2), saving an output: PyTorch's NumpyCube (autograd_function_db)."""

    @staticmethod
    def forward(x):  # noqa: ANN001, ANN205
        return x ** 3, 3 * x ** 2

    @staticmethod
    def setup_context(ctx, inputs, output):  # noqa: ANN001, ANN205
        ctx.save_for_backward(inputs[0], output[1])
        ctx.save_for_forward(inputs[0], output[1])

    @staticmethod
    def backward(ctx, grad_cube, grad_slope):  # noqa: ANN001, ANN205
        x, slope = ctx.saved_tensors
        return grad_cube * slope + 6 * grad_slope * x

    @staticmethod
    def jvp(ctx, tangent):  # noqa: ANN001, ANN205
        x, slope = ctx.saved_tensors
        return tangent * slope, 6 * tangent * x


def test_a_saved_output_takes_part_in_double_backward() -> None:
    """d/dx of (3x^2 (the saved output) * 1 + 6x * 0) is 6x: through the saved output;
    before, it was saved without its graph and the second derivative was 0."""
    x = tg.tensor([0.5, 2.0], dtype=tg.float64, requires_grad=True)
    cube, slope = _CubeAndSlope.apply(x)
    (g,) = tg.autograd.grad(cube.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * np.array([0.5, 2.0]) ** 2)
    (gg,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * np.array([0.5, 2.0]))


def test_jvp_of_several_outputs_uses_save_for_forward() -> None:
    x = tg.tensor([0.5, 2.0], dtype=tg.float64)
    t = tg.tensor([1.0, -1.0], dtype=tg.float64)
    _, (t_cube, t_slope) = tg.jvp(lambda v: _CubeAndSlope.apply(v), (x,), (t,))
    np.testing.assert_allclose(t_cube.numpy(), 3 * np.array([0.5, 2.0]) ** 2 * [1, -1])
    np.testing.assert_allclose(t_slope.numpy(), 6 * np.array([0.5, 2.0]) * [1, -1])


class _BroadcastMul(tg.autograd.Function):
    """x * y whose backward returns the broadcast gradient (PyTorch's NumpyMul)."""

    @staticmethod
    def forward(x, y):  # noqa: ANN001, ANN205
        return x * y

    @staticmethod
    def setup_context(ctx, inputs, output):  # noqa: ANN001, ANN205
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        x, y = ctx.saved_tensors
        return grad * y, grad * x


def test_a_broadcast_gradient_is_summed_to_the_input_shape() -> None:
    """PyTorch's engine sums a gradient of the broadcast shape down to the input's; before,
    ShapeError."""
    torch = _torch()
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4,)), rng.standard_normal((3, 1, 4))
    x = tg.tensor(a, requires_grad=True)
    y = tg.tensor(b, requires_grad=True)
    _BroadcastMul.apply(x, y).sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    ty = torch.tensor(b, requires_grad=True)
    (tx * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-12)


def test_a_gradient_that_does_not_broadcast_is_still_refused() -> None:
    class Wrong(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 2

        @staticmethod
        def backward(ctx, grad):  # noqa: ANN001, ANN205
            return tg.ones(5, dtype=tg.float64)

    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    with pytest.raises(tg.errors.ShapeError, match=r"Wrong.backward.*\(5,\).*\(2,\)"):
        Wrong.apply(x).sum().backward()


class _ExpInPlace(tg.autograd.Function):
    """exp written into its input (mark_dirty), the written input saved: NumpyExp_."""

    @staticmethod
    def forward(x):  # noqa: ANN001, ANN205
        np.exp(x.numpy(), out=x.numpy())
        return x

    @staticmethod
    def setup_context(ctx, inputs, output):  # noqa: ANN001, ANN205
        ctx.mark_dirty(inputs[0])
        ctx.save_for_backward(output)
        ctx.save_for_forward(output)

    @staticmethod
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        (out,) = ctx.saved_tensors
        return grad * out

    @staticmethod
    def jvp(ctx, tangent):  # noqa: ANN001, ANN205
        (out,) = ctx.saved_tensors
        return tangent * out


def test_mark_dirty_with_the_written_input_saved() -> None:
    """Saving the written input is saving it after the write (before: 'modified by an
    inplace operation' at backward)."""
    x = tg.tensor([0.0, 1.0], dtype=tg.float64, requires_grad=True)
    _ExpInPlace.apply(x.clone()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.0, 1.0]))


def test_mark_dirty_under_forward_ad_alone() -> None:
    """No input requires grad, forward AD on: before, a KeyError."""
    x = tg.tensor([0.0, 1.0], dtype=tg.float64)
    out, tangent = tg.jvp(lambda v: _ExpInPlace.apply(v.clone()), (x,),
                          (tg.tensor([1.0, 2.0], dtype=tg.float64),))
    np.testing.assert_allclose(out.numpy(), np.exp([0.0, 1.0]))
    np.testing.assert_allclose(tangent.numpy(), np.exp([0.0, 1.0]) * [1.0, 2.0])


# ---- optimizers ----

def _param(values: list[float] | np.ndarray) -> tg.Tensor:
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("name, key", [("Adam", "weight_decay"), ("SGD", "momentum"),
                                       ("SGD", "dampening"), ("RMSprop", "momentum"),
                                       ("Adagrad", "initial_accumulator_value"),
                                       ("NAdam", "weight_decay"), ("ASGD", "weight_decay")])
def test_defaults_are_pytorchs_ints(name: str, key: str) -> None:
    """PyTorch's defaults of these are the int 0, and its state dicts' groups hold an int:
    before, 0.0."""
    lr = {"lr": 0.1} if name == "SGD" else {}  # the contract's SGD takes lr (design.md)
    group = getattr(tg.optim, name)([_param([1.0])], **lr).state_dict()["param_groups"][0]
    assert group[key] == 0 and type(group[key]) is int


def test_adagrad_makes_every_state_in_its_constructor() -> None:
    """As PyTorch's: a parameter that never gets a gradient still has step 0 and its sum in
    the state dict (before: no entry)."""
    p, q = _param([1.0]), _param([[1.0, 2.0]])
    opt = tg.optim.Adagrad([p, q], initial_accumulator_value=0.5)
    p.grad = tg.tensor([1.0], dtype=tg.float64)
    opt.step()
    state = opt.state_dict()["state"]
    assert sorted(state) == [0, 1]
    assert float(state[1]["step"]) == 0.0
    np.testing.assert_array_equal(state[1]["sum"].numpy(), [[0.5, 0.5]])
    assert float(state[0]["step"]) == 1.0


def test_a_tensor_lr_is_taken_and_kept() -> None:
    """PyTorch takes lr as a 0-d Tensor (before: ArgumentTypeError), keeps the Tensor in the
    group and steps by its value."""
    lr = tg.tensor(0.25)
    p = _param([1.0, -1.0])
    opt = tg.optim.SGD([p], lr=lr, momentum=0.5)
    for _ in range(2):
        p.grad = tg.tensor([1.0, 2.0], dtype=tg.float64)
        opt.step()
    assert opt.param_groups[0]["lr"] is lr
    # b1 = g, b2 = 0.5 g + g: p = p0 - 0.25 (g + 1.5 g)
    np.testing.assert_allclose(p.detach().numpy(), [1.0 - 0.625, -1.0 - 1.25])
    plain = tg.optim.SGD([_param([0.0])], lr=tg.tensor(0.5))
    plain.param_groups[0]["params"][0].grad = tg.tensor([1.0], dtype=tg.float64)
    plain.step()
    np.testing.assert_allclose(plain.param_groups[0]["params"][0].detach().numpy(), [-0.5])
    again = tg.optim.SGD([_param([1.0, -1.0])], lr=tg.tensor(0.25), momentum=0.5)
    again.load_state_dict(opt.state_dict())  # a Tensor lr in a saved group loads
    with pytest.raises(tg.errors.ArgumentError, match="one floating-point element"):
        tg.optim.SGD([_param([1.0])], lr=tg.tensor([0.1, 0.2]))


def test_lbfgs_state_dict_of_matrices_loads() -> None:
    """LBFGS keeps vectors over all the parameters in its state: loading them into an
    optimizer over matrices raised DataError (shape (n,) against the first parameter's)."""
    target = np.arange(6.0).reshape(2, 3)

    def run(opt: tg.optim.LBFGS, p: tg.Tensor) -> None:
        def closure() -> tg.Tensor:
            opt.zero_grad()
            loss = ((p - tg.tensor(target)) ** 2).sum()
            loss.backward()
            return loss
        opt.step(closure)

    p = _param(np.zeros((2, 3)))
    opt = tg.optim.LBFGS([p], max_iter=4)
    run(opt, p)
    saved = opt.state_dict()
    assert len(saved["state"][0]["al"]) == 100  # PyTorch's history slots
    assert saved["param_groups"][0]["lr"] == 1 and type(saved["param_groups"][0]["lr"]) is int
    q = _param(p.detach().numpy())
    again = tg.optim.LBFGS([q], max_iter=4)
    again.load_state_dict(saved)
    run(again, q)
    run(opt, p)
    np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name, keys", [("ASGD", ("eta", "mu")), ("NAdam", ("mu_product",))])
def test_scalar_state_in_pytorchs_scalar_dtype(name: str, keys: tuple[str, ...]) -> None:
    """PyTorch keeps these as float32 0-d tensors and computes with their rounded values;
    after load_state_dict, in the parameter's dtype. Before: float64 throughout, and the
    parameters differed from PyTorch's by ~1e-9 relative."""
    torch = _torch()
    rng = np.random.default_rng(3)
    start, grads = rng.standard_normal(5), rng.standard_normal((6, 5))
    p, tp = _param(start), torch.tensor(start, requires_grad=True)
    opt, topt = getattr(tg.optim, name)([p], lr=0.05), getattr(torch.optim, name)([tp], lr=0.05)
    for k in range(3):
        p.grad, tp.grad = tg.tensor(grads[k]), torch.tensor(grads[k])
        opt.step()
        topt.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-14, atol=0)
    for key in keys:
        assert opt.state_dict()["state"][0][key].dtype == tg.float32
    q, tq = _param(p.detach().numpy()), torch.tensor(tp.detach().numpy(), requires_grad=True)
    again = getattr(tg.optim, name)([q], lr=0.05)
    tagain = getattr(torch.optim, name)([tq], lr=0.05)
    again.load_state_dict(opt.state_dict())
    tagain.load_state_dict(topt.state_dict())
    for k in range(3, 6):
        q.grad, tq.grad = tg.tensor(grads[k]), torch.tensor(grads[k])
        again.step()
        tagain.step()
    np.testing.assert_allclose(q.detach().numpy(), tq.detach().numpy(), rtol=1e-14, atol=0)
    for key in keys:
        assert again.state_dict()["state"][0][key].dtype == tg.float64


# ---- lr schedulers ----

def _lrs(lib, make, steps: int = 12) -> list[float]:  # noqa: ANN001
    p = lib.zeros(2, requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.1)
    schedulers = make(lib.optim.lr_scheduler, opt)
    seen = [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        opt.step()
        for s in schedulers:
            s.step()
        seen.append(opt.param_groups[0]["lr"])
    return seen


@pytest.mark.parametrize("make", [
    lambda m, o: [m.LinearLR(o, start_factor=0.1, total_iters=5), m.StepLR(o, 4, gamma=0.5)],
    lambda m, o: [m.ConstantLR(o, factor=0.4, total_iters=4), m.ExponentialLR(o, gamma=0.9)],
    lambda m, o: [m.CosineAnnealingLR(o, T_max=6), m.MultiStepLR(o, [3, 7], gamma=0.3)],
    lambda m, o: [m.PolynomialLR(o, total_iters=8, power=2.0), m.ConstantLR(o, factor=0.5)],
], ids=["warmup_then_step", "constant_exponential", "cosine_multistep", "poly_constant"])
def test_two_schedulers_on_one_optimizer_compose(make) -> None:  # noqa: ANN001
    """A warm-up and a decay stepping one optimizer: PyTorch's recursive forms multiply;
    before, each wrote its closed form and the last one stepped won."""
    torch = _torch()
    np.testing.assert_allclose(_lrs(tg, make), _lrs(torch, make), rtol=1e-12)


def test_chained_scheduler_takes_any_schedule() -> None:
    """PyTorch's ChainedScheduler steps each in turn, so a CyclicLR chains too (before:
    refused for having no closed form)."""
    torch = _torch()

    def make(m, o):  # noqa: ANN001, ANN202
        return [m.ChainedScheduler([m.CyclicLR(o, 0.01, 0.1, step_size_up=3),
                                    m.ExponentialLR(o, gamma=0.95)])]
    np.testing.assert_allclose(_lrs(tg, make), _lrs(torch, make), rtol=1e-12)


def test_a_scheduler_fills_a_tensor_lr_in_place() -> None:
    """PyTorch's schedulers write a Tensor lr in place (the group keeps its Tensor; a
    compiled step reading it sees the new value); before, a float replaced it."""
    lr = tg.tensor(0.5)
    opt = tg.optim.SGD([_param([1.0])], lr=lr)
    scheduler = tg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    scheduler.step()
    assert opt.param_groups[0]["lr"] is lr
    assert float(lr) == 0.25
    assert float(scheduler.get_last_lr()[0]) == 0.25


def test_a_pytorch_state_dict_with_a_tensor_lr_loads() -> None:
    """A PyTorch optimizer's state dict whose group holds a Tensor lr loads (its lr a
    Tensor of ours) and goes on as PyTorch's; before, DataError ('lr must be a number')."""
    torch = _torch()
    tp = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([tp], lr=torch.tensor(0.25), momentum=0.5)
    tp.grad = torch.tensor([1.0, 1.0], dtype=torch.float64)
    topt.step()
    p = _param(tp.detach().numpy())
    opt = tg.optim.SGD([p], lr=0.1, momentum=0.5)
    opt.load_state_dict(topt.state_dict())
    assert isinstance(opt.param_groups[0]["lr"], tg.Tensor)
    p.grad, tp.grad = tg.tensor([2.0, 0.5], dtype=tg.float64), \
        torch.tensor([2.0, 0.5], dtype=torch.float64)
    opt.step()
    topt.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-15)


def test_named_parameters_are_taken_as_pytorch_takes_them() -> None:
    """optimizer(model.named_parameters()): the names kept in the group as "param_names"
    and saved in the state dict, as PyTorch 2.13's; a mix of named and plain parameters is
    a ValueError. Before, every (name, parameter) pair was refused (a TypeError)."""
    torch = _torch()
    model, theirs = tg.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    opt = tg.optim.Adam(model.named_parameters(), lr=0.01)
    topt = torch.optim.Adam(theirs.named_parameters(), lr=0.01)
    ours_group = opt.state_dict()["param_groups"][0]
    their_group = topt.state_dict()["param_groups"][0]
    assert ours_group["param_names"] == their_group["param_names"] == ["weight", "bias"]
    assert set(ours_group) == set(their_group)
    again = tg.optim.Adam(tg.nn.Linear(3, 2).named_parameters(), lr=0.01)
    again.load_state_dict(opt.state_dict())
    assert again.param_groups[0]["param_names"] == ["weight", "bias"]
    (name, weight), bias = next(iter(model.named_parameters())), model.bias
    with pytest.raises(ValueError, match="all parameters of a group"):
        tg.optim.SGD([(name, weight), bias], lr=0.1)
    with pytest.raises(ValueError, match="all parameter groups"):
        tg.optim.SGD([{"params": [(name, weight)]}, {"params": [bias]}], lr=0.1)


def test_swalr_state_dict_has_pytorchs_keys() -> None:
    """SWALR keeps its strategy under PyTorch's name `_anneal_strategy`, so a state dict
    saved by one library loads in the other (before: `anneal_strategy`)."""
    torch = _torch()
    opt = tg.optim.SGD([_param([0.0])], lr=0.1)
    theirs = torch.optim.swa_utils.SWALR(
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), swa_lr=0.05,
        anneal_strategy="linear")
    ours = tg.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_strategy="linear")
    assert set(ours.state_dict()) == set(theirs.state_dict())
    assert ours.state_dict()["_anneal_strategy"] == "linear"


# ---- Muon (PyTorch 2.13's torch.optim.Muon; tinygrad_bn had none) ----

def test_bfloat16_rounding_is_pytorchs() -> None:
    """Muon's Newton-Schulz runs in bfloat16: our rounding (from float64 directly, and from
    float32) gives PyTorch's .bfloat16() bits, ties to even included."""
    torch = _torch()
    from tinygrad_bn.optim.muon import bfloat16_round
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.standard_normal(2000) * 10.0 ** rng.integers(-8, 8, 2000),
                        [0.0, -0.0, 1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8, np.inf]])
    for values in (x, x.astype(np.float32)):
        want = torch.tensor(values).bfloat16().float().numpy()
        np.testing.assert_array_equal(bfloat16_round(values), want)


@pytest.mark.parametrize("options", [{}, {"nesterov": False, "momentum": 0.8},
                                     {"adjust_lr_fn": "match_rms_adamw", "lr": 0.02},
                                     {"ns_coefficients": (3.4, -4.7, 2.0), "ns_steps": 6}])
def test_muon_matches_pytorch(options: dict) -> None:
    torch = _torch()
    rng = np.random.default_rng(7)
    shapes = [(3, 4), (4, 2), (8, 16)]
    starts = [rng.standard_normal(s) for s in shapes]
    ours = [_param(v) for v in starts]
    theirs = [torch.tensor(v, requires_grad=True) for v in starts]
    opt, topt = tg.optim.Muon(ours, **options), torch.optim.Muon(theirs, **options)
    for _ in range(4):
        grads = [rng.standard_normal(s) for s in shapes]
        for p, tp, g in zip(ours, theirs, grads, strict=True):
            p.grad, tp.grad = tg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        for p, tp in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-12,
                                       atol=1e-14)
    buffer = opt.state_dict()["state"][2]["momentum_buffer"].numpy()
    np.testing.assert_allclose(buffer, topt.state_dict()["state"][2]["momentum_buffer"],
                               rtol=1e-12)
