"""Debts of earlier sessions, each checked against PyTorch 2.13 (session 34)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg

torch = pytest.importorskip("torch")


# ---- a second backward through a graph that saved no tensor (PyTorch runs it again) ----

SECOND_BACKWARD = {
    "x + y": lambda m, x, y: (x + y).sum(),
    "x - y": lambda m, x, y: (x - y).sum(),
    "x + 1": lambda m, x, y: (x + 1).sum(),
    "-x": lambda m, x, y: (-x).sum(),
    "mean": lambda m, x, y: x.mean(),
    "x[0]": lambda m, x, y: x[0],
    "x[1:]": lambda m, x, y: x[1:].sum(),
    "reshape": lambda m, x, y: x.reshape(2, 1).sum(),
    "expand": lambda m, x, y: x.expand(3, 2).sum(),
    "cat": lambda m, x, y: m.cat([x, y]).sum(),
    "stack": lambda m, x, y: m.stack([x, y]).sum(),
    "flip": lambda m, x, y: x.flip(0).sum(),
    "clone": lambda m, x, y: x.clone().sum(),
    "double": lambda m, x, y: x.double().sum(),
    "cumsum": lambda m, x, y: x.cumsum(0).sum(),
    "t.unsqueeze": lambda m, x, y: x.unsqueeze(0).t().sum(),
    # these save a tensor: PyTorch refuses a second backward
    "x * 2": lambda m, x, y: (x * 2).sum(),
    "x * y": lambda m, x, y: (x * y).sum(),
    "x / 2": lambda m, x, y: (x / 2).sum(),
    "exp": lambda m, x, y: x.exp().sum(),
    "relu": lambda m, x, y: x.relu().sum(),
    "x ** 2": lambda m, x, y: (x ** 2).sum(),
    "x @ y": lambda m, x, y: x @ y,
    "x[[0, 1]]": lambda m, x, y: x[[0, 1]].sum(),
    "where": lambda m, x, y: m.where(x > 1, x, y).sum(),
    "sum * 2": lambda m, x, y: x.sum() * 2,
    "max": lambda m, x, y: x.max(),
    "x + y then x * y": lambda m, x, y: (x + y).sum() + (x * y).sum(),
}


def _twice(m, f):
    """(raised, x.grad, y.grad) after backward twice without retain_graph."""
    x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    y = m.tensor([3.0, 4.0], dtype=m.float64, requires_grad=True)
    out = f(m, x, y)
    out.backward()
    try:
        out.backward()
        raised = False
    except RuntimeError as error:
        assert "second time" in str(error) or "freed" in str(error)
        raised = True
    grads = [None if t.grad is None else np.asarray(t.grad.detach().numpy()) for t in (x, y)]
    return raised, grads


@pytest.mark.parametrize("case", sorted(SECOND_BACKWARD))
def test_second_backward_as_pytorch(case):
    f = SECOND_BACKWARD[case]
    raised_t, grads_t = _twice(torch, f)
    raised, grads = _twice(tg, f)
    assert raised == raised_t, f"{case}: PyTorch raised={raised_t}, ours {raised}"
    if not raised:  # (where both raise, what was accumulated before the raise may differ)
        for g, gt in zip(grads, grads_t):
            assert (g is None) == (gt is None)
            if g is not None:
                np.testing.assert_allclose(g, gt, rtol=0, atol=1e-12)


def test_second_backward_frees_saved_tensors_of_a_custom_function():
    class Double(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.k = 2.0  # an attribute, not saved: kept, as PyTorch keeps it
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k

    class Square(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    out = Double.apply(x).sum()
    out.backward()
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])
    out = Square.apply(x).sum()
    out.backward()
    assert out._ctx.parents[0]._ctx.ctx._saved == ()  # the saved tensor is freed
    with pytest.raises(tg.errors.BackwardError, match="freed"):
        out.backward()


def test_second_backward_through_a_graph_kept_by_a_compiled_caller_is_refused():
    """tg.compile must still see that the caller ran backward through what it returned,
    also when the returned op read no value (its node keeps its inputs)."""
    f = tg.compile(lambda x: (x + 1).sum())
    for call in range(3):
        x = tg.tensor([1.0, 2.0], requires_grad=True)
        if call == 1:  # the second call decides: the caller's backward ran, so it stays eager
            with pytest.warns(Warning, match="ran backward through the tensor it returned"):
                out = f(x)
        else:
            out = f(x)
        out.backward()
        np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


# ---- Tensor.register_post_accumulate_grad_hook ----

def _post_hook_trace(m):
    """What the hooks of PyTorch's examples see: calls, order with a gradient hook, inputs=,
    tg.grad / autograd.grad (no call), a leaf used twice (one call, with the sum)."""
    seen = []
    x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    handle = x.register_post_accumulate_grad_hook(
        lambda t: seen.append(("post", t is x, t.grad.detach().numpy().tolist())))
    x.register_hook(lambda g: seen.append(("grad", g.detach().numpy().tolist())) or g * 10)
    (x * 3 + x * 4).sum().backward()
    (x * 3).sum().backward()
    m.autograd.grad((x * 3).sum(), x)
    (x * 5).sum().backward(inputs=[x])
    handle.remove()
    (x * 3).sum().backward()
    return seen


def test_post_accumulate_grad_hook_as_pytorch():
    assert _post_hook_trace(tg) == _post_hook_trace(torch)


def _optimizer_in_backward(m, steps=3):
    """The idiom: each parameter steps in its hook and drops its .grad."""
    m.manual_seed(0)
    rng = np.random.default_rng(0)
    layer1, layer2 = m.nn.Linear(4, 3).double(), m.nn.Linear(3, 2).double()
    params = [*layer1.parameters(), *layer2.parameters()]
    state = {}
    with m.no_grad():
        for p in params:
            p.copy_(m.tensor(rng.standard_normal(tuple(p.shape))))

    def step(p):
        with m.no_grad():
            buf = state.get(id(p))
            buf = p.grad.clone() if buf is None else buf.mul_(0.9).add_(p.grad)
            state[id(p)] = buf
            p.add_(buf, alpha=-0.1)
        p.grad = None

    for p in params:
        p.register_post_accumulate_grad_hook(step)
    x = m.tensor(rng.standard_normal((5, 4)))
    for _ in range(steps):
        layer2(layer1(x).tanh()).pow(2).sum().backward()
    assert all(p.grad is None for p in params)
    return [p.detach().numpy().copy() for p in params]


def test_optimizer_in_backward_idiom_as_pytorch():
    for ours, theirs in zip(_optimizer_in_backward(tg), _optimizer_in_backward(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_post_accumulate_grad_hook_refusals():
    x = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        tg.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(TypeError, match="callable"):
        x.register_post_accumulate_grad_hook(5)
    x.register_post_accumulate_grad_hook(lambda t: 5)
    with pytest.raises(TypeError, match="must return None"):
        (x * 2).sum().backward()


def test_post_accumulate_grad_hook_with_create_graph_sees_a_differentiable_grad():
    def trace(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        seen = []
        x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.requires_grad))
        (x ** 3).sum().backward(create_graph=True)
        x.grad = None
        return seen

    assert trace(tg) == trace(torch) == [True]


# ---- binary_cross_entropy_with_logits (and the losses on log(1 + e^x)) at infinite logits ----

INF = float("inf")


def _bce_at_inf(m, kwargs, loss="bce"):
    x = m.tensor([INF, -INF, 3.0, INF, -INF, 0.0, -40.0], dtype=m.float64, requires_grad=True)
    y = m.tensor([1.0, 0.0, 0.5, 0.3, 0.7, 1.0, 0.0], dtype=m.float64)
    weights = {k: m.tensor([2.0, 3.0, 1.0, 0.5, 4.0, 1.5, 2.5], dtype=m.float64)
               for k in kwargs}
    if loss == "bce":
        out = m.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="sum",
                                                               **weights)
    elif loss == "soft_margin":
        out = m.nn.functional.soft_margin_loss(x, m.sign(y - 0.5) + (y == 0.5),
                                               reduction="sum")
    else:
        out = m.nn.functional.multilabel_soft_margin_loss(x[None], y[None], reduction="sum")
    out.backward()
    return x.grad.detach().numpy()


@pytest.mark.parametrize("kwargs", [(), ("pos_weight",), ("weight",), ("weight", "pos_weight")])
def test_bce_with_logits_gradient_at_infinite_logits_as_pytorch(kwargs):
    """PyTorch's gradient w (sigmoid(x) (p y + 1 - y) - p y) is finite at x = +-inf."""
    ours, theirs = _bce_at_inf(tg, kwargs), _bce_at_inf(torch, kwargs)
    assert np.isfinite(theirs).all()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)


def test_multilabel_soft_margin_at_infinite_inputs_as_pytorch():
    np.testing.assert_allclose(_bce_at_inf(tg, (), "multilabel"),
                               _bce_at_inf(torch, (), "multilabel"), rtol=1e-13, atol=0)


def test_soft_margin_at_infinite_margins_is_the_limit():
    """PyTorch's soft_margin_loss computes log(1 + exp(-y x)) as written: NaN gradient at
    y x = -inf (exp overflows). Ours is log1p_exp's, whose gradient has the limit -y there
    (a documented difference); elsewhere the same."""
    ours, theirs = _bce_at_inf(tg, (), "soft_margin"), _bce_at_inf(torch, (), "soft_margin")
    finite = np.isfinite(theirs)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-13, atol=0)
    # x = +inf with y = -1 (0.3 - 0.5 < 0) and x = -inf with y = +1: d/dx = -y (a sum)
    np.testing.assert_array_equal(ours[~finite], [1.0, -1.0])


# ---- index_copy / index_copy_ with repeated indices ----

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def _index_copy_case(draw, unique=False):
    ndim = draw(st.integers(1, 3))
    shape = draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim))
    dim = draw(st.integers(0, ndim - 1))
    n = draw(st.integers(1, 5)) if not unique else draw(st.integers(1, shape[dim]))
    if unique:
        index = draw(st.permutations(range(shape[dim])))[:n]
    else:
        index = draw(st.lists(st.integers(0, shape[dim] - 1), min_size=n, max_size=n))
    seed = draw(st.integers(0, 2 ** 16))
    return tuple(shape), dim, list(index), seed


def _index_copy_grads(m, shape, dim, index, seed, inplace):
    rng = np.random.default_rng(seed)
    src_shape = shape[:dim] + (len(index),) + shape[dim + 1:]
    x = m.tensor(rng.standard_normal(shape), requires_grad=True)
    s = m.tensor(rng.standard_normal(src_shape), requires_grad=True)
    w = m.tensor(rng.standard_normal(shape))
    idx = m.tensor(index)
    if inplace:
        out = x * 1
        out.index_copy_(dim, idx, s)
    else:
        out = x.index_copy(dim, idx, s)
    (out * w).sum().backward()
    return out.detach().numpy(), x.grad.numpy(), s.grad.numpy()


@given(case=_index_copy_case(), inplace=st.booleans())
def test_index_copy_with_repeated_indices_as_pytorch(case, inplace):
    """PyTorch's source gradient is grad.index_select(dim, index): every source slice gets
    its destination's gradient, also one a later repeat overwrote."""
    ours = _index_copy_grads(tg, *case, inplace)
    theirs = _index_copy_grads(torch, *case, inplace)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)


@given(case=_index_copy_case(unique=True))
def test_index_copy_gradients_where_the_index_is_unique(case):
    """Without repeats PyTorch's rule is the derivative: central differences, forward mode
    and second order."""
    shape, dim, index, seed = case
    rng = np.random.default_rng(seed)
    src_shape = shape[:dim] + (len(index),) + shape[dim + 1:]
    x = tg.tensor(rng.standard_normal(shape), requires_grad=True)
    s = tg.tensor(rng.standard_normal(src_shape), requires_grad=True)

    def fn(a, b):
        return a.index_copy(dim, tg.tensor(index), b) ** 2

    assert tg.gradcheck(fn, [x, s])
    assert tg.gradgradcheck(fn, [x, s])


# ---- special.entr and logit outside their domain ----

EDGES = [-1.0, 0.0, 0.5, 1.0, 2.0, INF, -INF, float("nan"), 1e-300, 0.1, 0.9]
ENTR_LOGIT = {
    "entr": lambda m, x: m.special.entr(x),
    "logit": lambda m, x: m.special.logit(x),
    "logit eps=0.1": lambda m, x: m.special.logit(x, eps=0.1),
    "logit eps=0": lambda m, x: m.logit(x, eps=0.0),
    "Tensor.logit(0.2)": lambda m, x: x.logit(0.2),
}


def _entr_logit(m, f, dtype, points, order):
    x = m.tensor(points, dtype=getattr(m, dtype), requires_grad=True)
    y = f(m, x)
    if order == 1:
        y.sum().backward()
        return y.detach().numpy(), x.grad.numpy()
    (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
    return m.autograd.grad(g.sum(), x)[0].numpy(),


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", sorted(ENTR_LOGIT))
def test_entr_and_logit_outside_the_domain_as_pytorch(case, dtype):
    """Values and gradients, NaN and inf where PyTorch's are; second derivatives inside the
    domain (outside it PyTorch's double backward is not its backward's derivative: with
    create_graph its logit(eps) gradient at a NaN x is 0, without it NaN, as ours)."""
    rtol = 1e-14 if dtype == "float64" else 1e-6
    f = ENTR_LOGIT[case]
    for order, points in ((1, EDGES), (2, [0.3, 0.5, 0.7])):
        ours = _entr_logit(tg, f, dtype, points, order)
        theirs = _entr_logit(torch, f, dtype, points, order)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=0, err_msg=f"{case}, {order}")


@given(x=st.lists(st.floats(0.05, 0.95), min_size=1, max_size=6),
       eps=st.sampled_from([None, 0.01, 0.2]))
def test_logit_gradients(x, eps):
    """Central differences, forward mode and second order, away from the clamp's corners."""
    lo, hi = (0.0, 1.0) if eps is None else (eps, 1 - eps)
    x = [v for v in x if min(abs(v - lo), abs(v - hi)) > 1e-3] or [0.5]
    t = tg.tensor(x, dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(lambda a: a.logit(eps), [t])
    assert tg.gradgradcheck(lambda a: a.logit(eps), [t])


@given(x=st.lists(st.floats(0.05, 5.0), min_size=1, max_size=6))
def test_entr_gradients(x):
    t = tg.tensor(x, dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(tg.special.entr, [t])
    assert tg.gradgradcheck(tg.special.entr, [t])


# ---- zero-size layers: nn.Linear(8, 0) and the others PyTorch allows ----

ZERO_SIZE_LAYERS = [  # PyTorch makes each (its zero-element weights' init is a no-op)
    "Linear(8, 0)", "Linear(0, 4)", "Linear(0, 0)", "Bilinear(2, 2, 0)", "Bilinear(2, 0, 3)",
    "Conv2d(3, 0, 3)", "Conv2d(0, 4, 3)", "Conv1d(0, 0, 3)", "ConvTranspose2d(3, 0, 2)",
    "ConvTranspose2d(0, 3, 2)", "Embedding(5, 0)", "Embedding(0, 3)", "EmbeddingBag(0, 3)",
    "LayerNorm((3, 0))", "BatchNorm1d(0)", "BatchNorm2d(0)", "InstanceNorm1d(0, affine=True)",
    "GroupNorm(1, 0)", "PReLU(0)", "LSTMCell(0, 2)", "GRUCell(2, 0)", "RNNCell(0, 3)",
    "RMSNorm(0)",
]


@pytest.mark.parametrize("case", ZERO_SIZE_LAYERS)
def test_zero_size_layers_are_made_as_pytorch_makes_them(case):
    """The parameters' and buffers' shapes; a bias without inputs to scale by is zeros
    (PyTorch's U(-0, 0))."""
    import warnings

    def made(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (zero-element init: PyTorch's no-op warning)
            layer = eval(f"m.nn.{case}")  # noqa: S307 (the cases above)
        return {k: tuple(v.shape) for k, v in layer.state_dict().items()}, layer

    (ours, layer), (theirs, _) = made(tg), made(torch)
    assert ours == theirs
    if case.startswith(("Linear(0", "Conv2d(0")):
        np.testing.assert_array_equal(layer.bias.detach().numpy(), 0.0)


ZERO_SIZE_FORWARD = {  # layer, input shape (None: Embedding's indices)
    "Linear(8, 0)": (2, 8), "Linear(0, 4)": (2, 0), "Linear(0, 0)": (3, 0),
    "Bilinear(2, 2, 0)": (3, 2), "Embedding(5, 0)": None, "LayerNorm((3, 0))": (2, 3, 0),
    "GroupNorm(1, 0)": (2, 0, 3), "PReLU(0)": (2, 0), "LSTMCell(0, 2)": (3, 0),
    "GRUCell(2, 0)": (3, 2), "RNNCell(0, 3)": (3, 0),
}


def _zero_size_forward(m, case, state):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = eval(f"m.nn.{case}").double()  # noqa: S307 (the cases above)
    if state is not None:
        layer.load_state_dict(state)
    shape = ZERO_SIZE_FORWARD[case]
    if shape is None:
        x = m.tensor([0, 3, 4])
        out = layer(x)
    else:
        x = m.tensor(np.linspace(-1, 1, int(np.prod(shape))).reshape(shape), requires_grad=True)
        out = layer(x, x) if case.startswith("Bilinear") else layer(x)
    out = out[0] if isinstance(out, tuple) else out
    (out * out).sum().backward()
    grads = {k: p.grad.numpy() for k, p in layer.named_parameters()}
    if shape is not None:
        grads["input"] = x.grad.numpy()
    return out.detach().numpy(), grads, layer.state_dict()


@pytest.mark.parametrize("case", sorted(ZERO_SIZE_FORWARD))
def test_zero_size_layers_forward_and_backward_as_pytorch(case):
    """With PyTorch's parameters loaded: the output and every gradient (empty ones, and the
    others where an empty part meets a nonempty one)."""
    theirs = _zero_size_forward(torch, case, None)
    ours = _zero_size_forward(tg, case, theirs[2])
    assert ours[0].shape == theirs[0].shape
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-14)
    assert ours[1].keys() == theirs[1].keys()
    for key in theirs[1]:
        np.testing.assert_allclose(ours[1][key], theirs[1][key], rtol=1e-12, atol=1e-14,
                                   err_msg=key)


def test_init_of_zero_element_tensors_is_a_no_op():
    w = tg.empty(0, 8)
    with pytest.warns(UserWarning, match="zero-element"):
        assert tg.nn.init.kaiming_uniform_(w) is w
    with pytest.warns(UserWarning, match="zero-element"):
        tg.nn.init.kaiming_normal_(w)
    assert tg.nn.init.orthogonal_(w) is w


# ---- lr schedulers' state dicts: PyTorch's keys, and a torch-made dict loads ----

SCHEDULERS = {
    "StepLR": dict(step_size=2), "MultiStepLR": dict(milestones=[1, 3, 3]),
    "ExponentialLR": dict(gamma=0.9), "CosineAnnealingLR": dict(T_max=5),
    "LambdaLR": dict(lr_lambda=lambda e: 0.9 ** e),
    "MultiplicativeLR": dict(lr_lambda=lambda e: 0.9), "LinearLR": dict(),
    "ConstantLR": dict(), "PolynomialLR": dict(),
    "OneCycleLR": dict(max_lr=1.0, total_steps=12),
    "CyclicLR": dict(base_lr=0.01, max_lr=0.1, step_size_up=2),
    "CosineAnnealingWarmRestarts": dict(T_0=2), "ReduceLROnPlateau": dict(patience=1),
}


def _scheduled(m, name, steps):
    p = m.nn.Parameter(m.zeros(2))
    opt = m.optim.SGD([p], lr=0.1, momentum=0.9)
    scheduler = getattr(m.optim.lr_scheduler, name)(opt, **SCHEDULERS[name])
    for k in range(steps):
        opt.step()
        scheduler.step(*([1.0 + (k > 1)] if name == "ReduceLROnPlateau" else []))
    return opt, scheduler


def _lrs_after(opt, scheduler, name, steps=4):
    lrs = []
    for _ in range(steps):
        opt.step()
        scheduler.step(*([2.0] if name == "ReduceLROnPlateau" else []))
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_state_dict_as_pytorch(name):
    """The same keys, of the same types, with the same values (lrs to rounding: ours are
    the closed forms); a torch-made dict loaded into ours goes on as PyTorch's does."""
    _, theirs = _scheduled(torch, name, 3)
    _, ours = _scheduled(tg, name, 3)
    a, b = ours.state_dict(), theirs.state_dict()
    assert sorted(a) == sorted(b)
    for key in b:
        assert type(a[key]) is type(b[key]), key
        if key != "_last_lr":
            assert a[key] == b[key] or a[key] != a[key] and b[key] != b[key], key
    np.testing.assert_allclose(a["_last_lr"], b["_last_lr"], rtol=1e-14)
    opt_t, sched_t = _scheduled(torch, name, 3)
    opt, sched = _scheduled(tg, name, 0)
    opt.load_state_dict(opt_t.state_dict())
    sched.load_state_dict(sched_t.state_dict())
    np.testing.assert_allclose(_lrs_after(opt, sched, name), _lrs_after(opt_t, sched_t, name),
                               rtol=1e-13)


def test_lbfgs_state_counts_are_ints_and_a_torch_made_state_goes_on_as_pytorch():
    def made(m, x0):
        w = m.nn.Parameter(m.tensor(x0, dtype=m.float64))
        opt = m.optim.LBFGS([w], lr=0.5, max_iter=4, history_size=3)

        def closure():
            opt.zero_grad()
            loss = ((w - 2) ** 4).sum() + (w[0] * w[1]) ** 2
            loss.backward()
            return loss
        return w, opt, closure

    w_t, opt_t, closure_t = made(torch, [1.5, -0.5])
    for _ in range(2):
        opt_t.step(closure_t)
    w, opt, closure = made(tg, w_t.detach().numpy().tolist())
    opt.load_state_dict(opt_t.state_dict())
    for _ in range(3):
        opt_t.step(closure_t)
        opt.step(closure)
    np.testing.assert_allclose(w.detach().numpy(), w_t.detach().numpy(), rtol=1e-12)
    ours, theirs = opt.state_dict()["state"][0], opt_t.state_dict()["state"][0]
    for key in ("func_evals", "n_iter"):
        assert type(ours[key]) is type(theirs[key]) is int and ours[key] == theirs[key]


# ---- the legacy Module.register_backward_hook sees the last node's gradients ----

LEGACY_HOOK_CASES = {  # module, input shape
    "Linear": (lambda nn: nn.Linear(4, 2), (3, 4)),
    "Linear, no bias": (lambda nn: nn.Linear(4, 2, bias=False), (3, 4)),
    "Linear, 1-d input": (lambda nn: nn.Linear(4, 2), (4,)),
    "Linear, 3-d input": (lambda nn: nn.Linear(4, 2), (2, 3, 4)),
    "Linear, input without grad": (lambda nn: nn.Linear(4, 2), None),
    "Conv2d": (lambda nn: nn.Conv2d(2, 3, 3), (1, 2, 4, 4)),
    "ReLU": (lambda nn: nn.ReLU(), (3, 4)),
}


def _legacy_hook(m, case, state):
    import warnings

    build, shape = LEGACY_HOOK_CASES[case]
    module = build(m.nn).double()
    if state is not None:
        module.load_state_dict(state)
    seen = []

    def hook(mod, grad_input, grad_output):
        assert mod is module
        seen.append(([None if g is None else g.detach().numpy().copy() for g in grad_input],
                      [g.detach().numpy().copy() for g in grad_output]))
        return tuple(None if g is None else g * 2 for g in grad_input)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (PyTorch's FutureWarning on such modules)
        module.register_backward_hook(hook)
        x = m.tensor(np.linspace(-1, 1, int(np.prod(shape or (3, 4)))).reshape(shape or (3, 4)),
                     dtype=m.float64, requires_grad=shape is not None)
        y = module(x)
        (y * y).sum().backward()
    grads = {k: p.grad.numpy() for k, p in module.named_parameters()}
    if shape is not None:
        grads["input"] = x.grad.numpy()
    return seen, grads, module.state_dict()


@pytest.mark.parametrize("case", sorted(LEGACY_HOOK_CASES))
def test_legacy_backward_hook_sees_the_last_nodes_gradients_as_pytorch(case):
    """grad_input is the last op's (Linear: addmm's (d bias, d input, d weight^T), a reshape's
    for 1-d and 3-d inputs); a returned tuple replaces them, and the leaves' gradients
    follow."""
    seen_t, grads_t, state = _legacy_hook(torch, case, None)
    seen, grads, _ = _legacy_hook(tg, case, state)
    assert len(seen) == len(seen_t) == 1
    for ours, theirs in zip(seen[0], seen_t[0]):
        assert [None if g is None else g.shape for g in ours] == \
            [None if g is None else g.shape for g in theirs]
        for a, b in zip(ours, theirs):
            if b is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert grads.keys() == grads_t.keys()
    for key in grads_t:
        np.testing.assert_allclose(grads[key], grads_t[key], rtol=1e-12, atol=1e-14, err_msg=key)


# ---- tg.Size: what slicing, + and * give; how it prints ----

SIZE_EXPRESSIONS = ["s[1:]", "s[::-1]", "s[:0]", "s + (4,)", "(4,) + s", "s + s", "s * 2",
                    "2 * s", "s[0]", "s[-1]", "s[1:].numel()", "s == (2, 3)", "s.count(2)",
                    "s.index(3)", "s[:1] + s[1:]"]


@pytest.mark.parametrize("expression", SIZE_EXPRESSIONS)
def test_size_operations_give_what_pytorch_gives(expression):
    """Slices, sums with tuples (either side) and repetitions are Sizes, as PyTorch's."""
    ours = eval(expression, {"s": tg.zeros(2, 3).shape})  # noqa: S307 (the list above)
    theirs = eval(expression, {"s": torch.zeros(2, 3).shape})  # noqa: S307
    assert type(ours).__name__ == type(theirs).__name__
    assert ours == theirs


@pytest.mark.parametrize("expression", ["s + [4]", "s + (4.5,)", "s * 2.0"])
def test_size_refusals_as_pytorch(expression):
    for s in (tg.zeros(2, 3).shape, torch.zeros(2, 3).shape):
        with pytest.raises(TypeError):
            eval(expression, {"s": s})  # noqa: S307 (the list above)


def test_size_prints_as_its_tuple():
    """A decision (docs/coming-from-pytorch.md): PyTorch prints torch.Size([2, 3]); ours
    prints (2, 3), in repr and str, so that no message names a module torch that is not
    there and shapes read alike in every message."""
    s = tg.zeros(2, 3).shape
    assert repr(s) == str(s) == f"{s}" == "(2, 3)"
    assert repr(s[1:]) == "(3,)"


# ---- a list holding slices, None, Ellipsis or sequences as an index ----

LIST_INDICES = {  # (the objects themselves: under eval PyTorch's warning does not show)
    "[0, slice(None)]": [0, slice(None)], "[0, 1]": [0, 1], "[slice(None), 1]": [slice(None), 1],
    "[None, 0]": [None, 0], "[Ellipsis, 1]": [Ellipsis, 1], "[0, [1, 2]]": [0, [1, 2]],
    "[[0, 1], [1, 2]]": [[0, 1], [1, 2]], "[0:1, 1:3]": [slice(0, 1), slice(1, 3)],
    "[True, False]": [True, False], "[[0, 1]]": [[0, 1]], "[0, Ellipsis]": [0, Ellipsis],
    "[(0, 1)]": [(0, 1)], "[0, (0, 1)]": [0, (0, 1)],
}


@pytest.mark.parametrize("case", sorted(LIST_INDICES))
def test_list_index_read_and_warned_as_pytorch(case):
    """PyTorch 2.13 reads a list holding a slice, None, Ellipsis or a sequence as a tuple of
    indices, with a deprecation UserWarning; a list of ints or bools is an array index, not
    warned. Reads, writes and gradients agree."""
    import warnings

    def run(m):
        index = LIST_INDICES[case]
        x = m.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
        z = x.detach().clone()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = x[index]
            z[index] = -1.0
        (y * y).sum().backward()
        warned = [w for w in caught if "non-tuple sequence" in str(w.message).lower()]
        assert all(w.category is UserWarning for w in warned)
        return y.detach().numpy(), z.numpy(), x.grad.numpy(), len(warned)

    ours, theirs = run(tg), run(torch)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_array_equal(a, b)
    assert ours[3] == theirs[3]
