"""What the corpus programs of session 35 (tests/pytorch_scripts/: autograd_mechanics,
saved_tensor_hooks, double_backward_custom, forward_ad_dual, ...) found missing or
different from PyTorch, each pinned here: every test failed before its fix."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_bn as tg

# ---------------------------------------------------------------- grad_fn's saved tensors


def test_saved_self_other_and_result_are_what_backward_reads() -> None:
    x = tg.tensor([0.5, 1.5], dtype=tg.float64, requires_grad=True)
    y = tg.tensor([2.0, -1.0], dtype=tg.float64, requires_grad=True)
    product = x * y
    assert product.grad_fn._saved_self is x and product.grad_fn._saved_other is y
    e = x.exp()
    assert tg.equal(e.grad_fn._saved_result, e)
    assert x.pow(2).grad_fn._saved_self is x


def test_a_saved_tensor_is_refused_after_backward_frees_it() -> None:
    x = tg.tensor([0.5, 1.5], dtype=tg.float64, requires_grad=True)
    y = x.sin()
    y.sum().backward()
    with pytest.raises(RuntimeError, match="freed"):
        y.grad_fn._saved_self  # noqa: B018 (the read is the test)


def test_a_node_without_such_a_saved_tensor_has_no_attribute() -> None:
    x = tg.tensor([0.5, 1.5], dtype=tg.float64, requires_grad=True)
    with pytest.raises(AttributeError, match="_saved_result"):
        (x + 1).grad_fn._saved_result  # noqa: B018 (Add reads no value)
    with pytest.raises(AttributeError, match="_saved_anything"):
        x.sin().grad_fn._saved_anything  # noqa: B018


def test_raw_saved_tensor_hooks_change_what_backward_reads() -> None:
    torch = pytest.importorskip("torch")
    values = np.array([0.3, -1.2, 2.0])
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(values, requires_grad=True)
        y = x.pow(2)
        unpacked: list[int] = []

        def unpack(t, unpacked=unpacked):
            unpacked.append(1)
            return t

        y.grad_fn._raw_saved_self.register_hooks(lambda t: t * 10, unpack)
        y.sum().backward()
        assert unpacked == [1]
        grads.append(x.grad.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-15)
    np.testing.assert_allclose(grads[0], 20 * values)


def test_raw_saved_result_hooks_and_their_refusals() -> None:
    x = tg.tensor([0.3, -1.2], dtype=tg.float64, requires_grad=True)
    y = x.exp()
    y.grad_fn._raw_saved_result.register_hooks(lambda t: t.numpy(),
                                               lambda a: tg.tensor(2 * a))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(x.detach().numpy()))
    z = x.exp()
    z.grad_fn._raw_saved_result.register_hooks(lambda t: t, lambda t: t)
    with pytest.raises(RuntimeError, match="already set"):
        z.grad_fn._raw_saved_result.register_hooks(lambda t: t, lambda t: t)
    with pytest.raises(TypeError, match="pack_hook must be callable"):
        x.sin().grad_fn._raw_saved_self.register_hooks(1, lambda t: t)
    w = x.sin()
    w.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda t: t[:1])
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        w.sum().backward()


# ------------------------------------------------ errors PyTorch raises as RuntimeError


def test_anomaly_errors_are_runtime_errors() -> None:
    z = tg.zeros(2, dtype=tg.float64, requires_grad=True)
    with tg.autograd.detect_anomaly(), pytest.raises(RuntimeError):
        (tg.sqrt(z) * 0).sum().backward()


def test_gradcheck_errors_are_runtime_errors() -> None:
    x = tg.tensor([0.5, 1.0], dtype=tg.float64, requires_grad=True)

    class Wrong(tg.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    with pytest.raises(RuntimeError, match="gradient of input 0"):
        tg.autograd.gradcheck(Wrong.apply, (x,))


# ------------------------------------------------ torch.autograd.graph and forward_ad


def test_the_autograd_submodules_import_under_pytorchs_names() -> None:
    graph = importlib.import_module("tinygrad_bn.autograd.graph")
    forward_ad = importlib.import_module("tinygrad_bn.autograd.forward_ad")
    assert graph is tg.autograd.graph and forward_ad is tg.forward_ad
    assert forward_ad.make_dual is tg.autograd.forward_ad.make_dual


def test_saved_tensors_hooks_hand_tensors_to_the_hooks() -> None:
    torch = pytest.importorskip("torch")
    values = np.array([[0.2, -0.7], [1.1, 0.4]])
    seen = {}
    for lib in (tg, torch):
        kinds = []

        def pack(t, kinds=kinds, lib=lib):
            kinds.append(isinstance(t, lib.Tensor))
            return t.dtype, t.to(lib.float32)

        def unpack(packed, lib=lib):
            dtype, low = packed
            return low.to(dtype)

        x = lib.tensor(values, requires_grad=True)
        packed_inputs = []
        with lib.autograd.graph.saved_tensors_hooks(
                lambda t, packed_inputs=packed_inputs: packed_inputs.append(t) or t,
                lambda t: t):
            x.sin()
        assert any(t is x for t in packed_inputs)  # the input itself, as PyTorch hands it
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            loss = (lib.sin(x) * x).sum()
        loss.backward()
        assert kinds and all(kinds)
        seen[lib.__name__] = x.grad.detach().numpy()
    np.testing.assert_allclose(seen["tinygrad_bn"], seen["torch"], rtol=1e-15)
    exact = np.cos(values) * values + np.sin(values)
    assert 0 < np.abs(seen["tinygrad_bn"] - exact).max() < 1e-6  # float32 storage


def test_saved_tensors_hooks_subclass_save_on_cpu_and_refusals() -> None:
    class Counting(tg.autograd.graph.saved_tensors_hooks):
        def __init__(self) -> None:
            self.count = 0

            def pack(t):
                self.count += 1
                return t

            super().__init__(pack, lambda t: t)

    x = tg.tensor([0.2, -0.7], dtype=tg.float64, requires_grad=True)
    with Counting() as hooks:
        y = (x.exp() * x).sum()
    assert hooks.count >= 2
    with tg.autograd.graph.save_on_cpu(pin_memory=False):
        z = (x.exp() * x).sum()
    assert tg.allclose(tg.autograd.grad(y, x)[0], tg.autograd.grad(z, x)[0])
    with pytest.raises(TypeError, match="unpack_hook must be callable"):
        tg.autograd.graph.saved_tensors_hooks(lambda t: t, None)
    with tg.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t.numpy()):
        w = x.sin().sum()
    with pytest.raises(TypeError, match="unpack_hook must return a Tensor"):
        w.backward()


def test_every_grad_fn_is_a_graph_node() -> None:
    Node = tg.autograd.graph.Node
    x = tg.tensor([0.2, -0.7], requires_grad=True)

    class Twice(tg.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Twice.apply(x).sin()
    assert isinstance(y.grad_fn, Node) and isinstance(y.grad_fn.next_functions[0][0], Node)
    leaf_node = (x * 2).grad_fn.next_functions[0][0]
    assert isinstance(leaf_node, Node)
    assert not isinstance(x, Node) and not isinstance(object(), Node)


# ---------------------------------------------------------------- custom Functions


class _SplitExp(tg.autograd.Function):
    @staticmethod
    def forward(x, scale):
        return x.exp() * scale

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, scale = inputs
        ctx.scale = scale
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad_out):
        result, = ctx.saved_tensors
        return grad_out * result, None


def test_setup_context_style_function() -> None:
    x = tg.tensor([0.1, -0.4, 0.9], dtype=tg.float64, requires_grad=True)
    y = _SplitExp.apply(x, 2.0)
    np.testing.assert_allclose(y.detach().numpy(), 2 * np.exp(x.detach().numpy()))
    assert tg.autograd.gradcheck(lambda t: _SplitExp.apply(t, 2.0), (x,))
    assert tg.autograd.gradgradcheck(lambda t: _SplitExp.apply(t, 2.0), (x,))


class _Cosh(tg.autograd.Function):
    """cosh with e^x and e^-x returned as outputs so that they can be saved."""

    @staticmethod
    def forward(ctx, x):
        ex, enx = x.exp(), (-x).exp()
        ctx.save_for_backward(ex, enx)
        return (ex + enx) / 2, ex, enx

    @staticmethod
    def backward(ctx, g, g_ex, g_enx):
        ex, enx = ctx.saved_tensors
        return g * (ex - enx) / 2 + g_ex * ex - g_enx * enx


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4),
                  elements=st.floats(-2, 2)))
def test_saved_extra_outputs_carry_the_second_derivative(values: np.ndarray) -> None:
    x = tg.tensor(values, requires_grad=True)
    g1, = tg.autograd.grad(_Cosh.apply(x)[0].sum(), x, create_graph=True)
    g2, = tg.autograd.grad(g1.sum(), x)
    np.testing.assert_allclose(g1.detach().numpy(), np.sinh(values), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g2.numpy(), np.cosh(values), rtol=1e-12)
    assert tg.autograd.gradgradcheck(lambda t: _Cosh.apply(t)[0], (x,))


class _ScaledExp(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        result = x.exp() * scale
        ctx.save_for_backward(x)
        ctx.save_for_forward(result)
        return result

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x.exp() * 1.5, None

    @staticmethod
    def jvp(ctx, x_t, scale_t):
        result, = ctx.saved_tensors
        return x_t * result


def test_save_for_forward_feeds_the_jvp_rule() -> None:
    x = tg.tensor([0.3, -0.8], dtype=tg.float64)
    v = tg.tensor([1.0, 2.0], dtype=tg.float64)
    with tg.forward_ad.dual_level():
        out = _ScaledExp.apply(tg.forward_ad.make_dual(x, v), 1.5)
        tangent = tg.forward_ad.unpack_dual(out).tangent
    np.testing.assert_allclose(tangent.numpy(), 1.5 * np.exp(x.numpy()) * v.numpy())
    leaf = x.clone().requires_grad_()
    _ScaledExp.apply(leaf, 1.5).sum().backward()  # backward still reads save_for_backward's
    np.testing.assert_allclose(leaf.grad.numpy(), 1.5 * np.exp(x.numpy()))
    with pytest.raises(TypeError, match="save_for_forward"):
        tg.autograd.function.FunctionCtx((True,)).save_for_forward(1.0)


class _Affine(tg.autograd.Function):
    @staticmethod
    def forward(x, weight, bias=None):
        out = x * weight
        return out if bias is None else out + bias

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, weight, bias = inputs
        ctx.save_for_backward(x, weight)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        return (g * weight if ctx.needs_input_grad[0] else None,
                g * x if ctx.needs_input_grad[1] else None,
                g if ctx.needs_input_grad[2] else None)


def test_setup_context_sees_defaults_and_keywords_by_position() -> None:
    x = tg.tensor([0.5, -1.0], dtype=tg.float64, requires_grad=True)
    w = tg.tensor([2.0, 3.0], dtype=tg.float64, requires_grad=True)
    _Affine.apply(x, w).sum().backward()  # bias defaults to None: three inputs, one None
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 3.0])
    b = tg.tensor([1.0, 1.0], dtype=tg.float64, requires_grad=True)
    out = _Affine.apply(x, weight=w, bias=b)
    out.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])
    with pytest.raises(TypeError, match="_Affine.forward: missing a required argument: 'weight'"):
        _Affine.apply(x)


# ------------------------------------------------ nn.utils.parametrizations.orthogonal


def _orthogonal_pair(lib, weight: np.ndarray, original: np.ndarray, orthogonal_map: str,
                     trivial: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The weight after registering, after setting the original, and the original's grad."""
    module = lib.nn.Module()
    module.weight = lib.nn.Parameter(lib.tensor(weight))
    lib.nn.utils.parametrizations.orthogonal(module, "weight", orthogonal_map=orthogonal_map,
                                             use_trivialization=trivial)
    start = module.weight.detach().numpy().copy()
    with lib.no_grad():
        module.parametrizations.weight.original.copy_(lib.tensor(original))
    value = module.weight
    (value * lib.tensor(np.linspace(-1, 1, value.numel()).reshape(value.shape))).sum().backward()
    return start, value.detach().numpy(), module.parametrizations.weight.original.grad.numpy()


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 4), (2, 5, 3)])
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("trivial", [True, False])
def test_orthogonal_matches_pytorch(shape: tuple[int, ...], orthogonal_map: str,
                                    trivial: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(sum(shape) + len(orthogonal_map) + trivial)
    weight = rng.standard_normal(shape)
    if trivial and shape[-1] != shape[-2]:
        # a tall weight is completed with random columns: start from an orthogonal one
        weight = np.linalg.qr(weight if shape[-2] > shape[-1] else np.swapaxes(weight, -1, -2))[0]
        weight = weight if shape[-2] > shape[-1] else np.swapaxes(weight, -1, -2)
    original = rng.standard_normal(shape) * 0.3
    k = min(shape[-2:])
    original[..., range(k), range(k)] = rng.choice([-1.5, 1.5], size=(*shape[:-2], k))
    ours = _orthogonal_pair(tg, weight, original, orthogonal_map, trivial)
    theirs = _orthogonal_pair(torch, weight, original, orthogonal_map, trivial)
    if trivial and shape[-1] != shape[-2]:
        ours, theirs = ours[:1], theirs[:1]  # the completed base's extra columns are random
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, atol=1e-12)
    tall = ours[0] if shape[-2] >= shape[-1] else np.swapaxes(ours[0], -1, -2)
    np.testing.assert_allclose(np.swapaxes(tall, -1, -2) @ tall, np.broadcast_to(
        np.eye(k), (*shape[:-2], k, k)), atol=1e-12)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_maps_have_correct_gradients(orthogonal_map: str) -> None:
    layer = tg.nn.Linear(4, 3).double()
    tg.nn.utils.parametrizations.orthogonal(layer, orthogonal_map=orthogonal_map,
                                            use_trivialization=False)
    orth = layer.parametrizations.weight[0]
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4)) * 0.4
    x[range(3), range(3)] = [1.2, -1.3, 1.1]
    assert tg.autograd.gradcheck(orth, (tg.tensor(x, requires_grad=True),))


def test_orthogonal_refusals_and_reassignment() -> None:
    with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
        tg.nn.utils.parametrizations.orthogonal(tg.nn.Linear(3, 3), orthogonal_map="qr")
    with pytest.raises(ValueError, match="matrix or batch of matrices"):
        tg.nn.utils.parametrizations.orthogonal(tg.nn.Linear(3, 3), "bias")
    with pytest.raises(ValueError, match="no parameter or buffer with name 'gain'"):
        tg.nn.utils.parametrizations.orthogonal(tg.nn.Linear(3, 3), "gain")
    layer = tg.nn.utils.parametrizations.orthogonal(tg.nn.Linear(3, 3).double())
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    layer.weight = tg.tensor(q)
    np.testing.assert_allclose(layer.weight.detach().numpy(), q, atol=1e-12)
    with pytest.raises(ValueError, match=r"of shape \(3, 3\), got a tensor of shape \(2, 3\)"):
        layer.weight = tg.zeros(2, 3, dtype=tg.float64)
    fixed = tg.nn.utils.parametrizations.orthogonal(tg.nn.Linear(3, 3).double(),
                                                    use_trivialization=False)
    with pytest.raises(NotImplementedError, match="no right_inverse"):
        fixed.weight = tg.tensor(q)


def test_a_right_inverse_not_implemented_is_the_identity_at_registration() -> None:
    class Doubled(tg.nn.Module):
        def forward(self, x):
            return 2 * x

        def right_inverse(self, x):
            raise NotImplementedError("no inverse")

    layer = tg.nn.Linear(2, 2)
    start = layer.weight.detach().clone()
    tg.nn.utils.parametrize.register_parametrization(layer, "weight", Doubled())
    assert tg.equal(layer.parametrizations.weight.original.detach(), start)
    assert tg.allclose(layer.weight, 2 * start)


# ------------------------------------------------ torch.func.jvp over containers


def test_func_jvp_takes_dicts_of_tensors_and_has_aux() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    w, b, t_w, t_b, x = (rng.standard_normal(s) for s in ((3, 2), (3,), (3, 2), (3,), (5, 2)))
    found = []
    for lib in (tg, torch):
        params = {"weight": lib.tensor(w), "bias": lib.tensor(b)}
        tangents = {"weight": lib.tensor(t_w), "bias": lib.tensor(t_b)}

        def f(p, inputs, lib=lib):
            out = lib.tanh(inputs @ p["weight"].T + p["bias"])
            return {"out": out, "sum": out.sum()}, out.mean()

        out, jvp_out, aux = lib.func.jvp(f, (params, lib.tensor(x)),
                                         (tangents, lib.zeros(5, 2, dtype=lib.float64)),
                                         has_aux=True)
        found.append([out["out"], out["sum"], jvp_out["out"], jvp_out["sum"], aux])
    for a, b_ in zip(*found):
        np.testing.assert_allclose(a.detach().numpy(), b_.detach().numpy(), rtol=1e-13)


def test_func_jvp_refuses_mismatched_structures() -> None:
    params = {"w": tg.ones(2, dtype=tg.float64)}
    with pytest.raises(ValueError, match="structure of primals"):
        tg.func.jvp(lambda p: p["w"] * 2, (params,), ({"v": tg.ones(2, dtype=tg.float64)},))
    with pytest.raises(TypeError, match="primals and tangents must be tuples"):
        tg.func.jvp(lambda p: p["w"] * 2, params, params, has_aux=True)
    with pytest.raises(TypeError, match="with has_aux=True func must return a pair"):
        tg.func.jvp(lambda p: p["w"] * 2, (params,), (params,), has_aux=True)
    with pytest.raises(TypeError, match="every primal must be a Tensor"):
        tg.func.jvp(lambda p: p["w"] * 2, ({"w": 1.0},), ({"w": 1.0},))


class _SortWithIndex(tg.autograd.Function):
    @staticmethod
    def forward(x):
        values, index = x.sort(dim=-1)
        return values, index

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.mark_non_differentiable(output[1])
        ctx.save_for_forward(output[1])

    @staticmethod
    def backward(ctx, g, _):
        raise AssertionError("not used here")

    @staticmethod
    def jvp(ctx, x_t):
        index, = ctx.saved_tensors
        return x_t.gather(-1, index), None


class _SinCos(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_forward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, g_sin, g_cos):
        raise AssertionError("not used here")

    @staticmethod
    def jvp(ctx, x_t):
        x, = ctx.saved_tensors
        return x_t * x.cos(), None if _SinCos.skip_cos else -x_t * x.sin()


def test_jvp_of_a_function_with_several_outputs() -> None:
    x = tg.tensor([[0.3, -1.2, 0.8]], dtype=tg.float64)
    t = tg.tensor([[1.0, 2.0, 3.0]], dtype=tg.float64)
    (values, index), (t_values, t_index) = tg.func.jvp(_SortWithIndex.apply, (x,), (t,))
    np.testing.assert_allclose(t_values.numpy(), [[2.0, 1.0, 3.0]])
    for skip in (False, True):
        def sincos(u, skip=skip):
            _SinCos.skip_cos = skip
            return _SinCos.apply(u)

        _, (t_sin, t_cos) = tg.func.jvp(sincos, (x,), (t,))
        np.testing.assert_allclose(t_sin.numpy(), (t * x.cos()).numpy())
        expected = 0 * x if skip else -t * x.sin()
        np.testing.assert_allclose(t_cos.numpy(), expected.numpy())


def test_disable_saved_tensors_hooks_refuses_a_block_inside() -> None:
    torch = pytest.importorskip("torch")
    for lib in (tg, torch):
        with lib.autograd.graph.disable_saved_tensors_hooks("no hooks in here"):
            with pytest.raises(RuntimeError, match="no hooks in here"):
                with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                    pass
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass  # allowed again after the block
    with pytest.raises(ValueError, match="error_message must be a str"):
        tg.autograd.graph.disable_saved_tensors_hooks(3)
