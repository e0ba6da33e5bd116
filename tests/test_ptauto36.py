"""Autograd as PyTorch's test_autograd.py exercises it: multi-grad hooks and the callbacks
at the end of a backward, which nodes a backward with `inputs` runs, inference tensors
saved for backward, grad_dtype, functional_call over plain attributes, the optimizers'
gradients (session 36, checked against torch 2.13)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn.errors import ArgumentError, ArgumentTypeError, BackwardError

queue_callback = tg.autograd.Variable._execution_engine.queue_callback
multi_hook = tg.autograd.graph.register_multi_grad_hook


def leaf(values: object) -> tg.Tensor:
    return tg.tensor(np.array(values, dtype=np.float64), requires_grad=True)


# ------------------------------------------------------------ callbacks at a backward's end

def test_queued_callbacks_run_after_the_gradients_in_order_and_may_queue_more() -> None:
    x = leaf([1.0, 2.0])
    seen: list[object] = []

    def later() -> None:
        seen.append("later")

    def at_end() -> None:
        seen.append(("end", x.grad.tolist()))  # .grad already holds the backward's sum
        queue_callback(later)

    def hook(grad: tg.Tensor) -> None:
        seen.append("hook")
        queue_callback(at_end)

    x.register_hook(hook)
    (x * 3).sum().backward()
    assert seen == ["hook", ("end", [3.0, 3.0]), "later"]
    (x * 3).sum().backward()  # a second backward queues again, once
    assert seen[3:] == ["hook", ("end", [6.0, 6.0]), "later"]


def test_queue_callback_outside_a_backward_is_a_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="only be installed during backward"):
        queue_callback(lambda: None)
    with pytest.raises(TypeError, match="callable"):
        queue_callback(3)


def test_a_backward_that_raises_runs_no_callback_and_the_next_one_starts_clean() -> None:
    x = leaf([1.0])
    ran: list[int] = []

    def hook(grad: tg.Tensor) -> None:
        queue_callback(lambda: ran.append(1))
        raise KeyError("boom")

    handle = x.register_hook(hook)
    with pytest.raises(KeyError):
        (x * 2).sum().backward()
    assert ran == []
    handle.remove()
    with pytest.raises(RuntimeError):  # no backward left open in this thread
        queue_callback(lambda: None)


def test_a_callback_of_a_nested_backward_runs_at_the_nested_ones_end() -> None:
    x, w = leaf([2.0]), leaf([5.0])
    order: list[str] = []

    def hook(grad: tg.Tensor) -> None:
        queue_callback(lambda: order.append("outer end"))
        with tg.enable_grad():  # (a hook runs under no_grad, as PyTorch's)
            (w * 2).sum().backward()  # a backward of its own inside the hook
        order.append("inner returned")

    w.register_hook(lambda g: queue_callback(lambda: order.append("inner end")))
    x.register_hook(hook)
    (x * 1).sum().backward()
    assert order == ["inner end", "inner returned", "outer end"]


# ------------------------------------------------------------------ register_multi_grad_hook

def _flags(grads: list) -> list[bool]:
    return [g is not None for g in grads]


def test_multi_grad_hook_all_as_pytorchs_docstring_example() -> None:
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    c, d = a * b, a * b
    calls: list[list[bool]] = []
    handle = multi_hook((a, b, c, d), lambda grads: calls.append(_flags(grads)))
    c.sum().backward(retain_graph=True)
    assert calls == [[True, True, True, False]]
    c.sum().backward(inputs=(a,), retain_graph=True)  # b's gradient is not computed
    assert calls[1] == [True, False, True, False]
    tg.autograd.grad(c.sum(), (b,), retain_graph=True)
    assert calls[2] == [False, True, True, False]
    handle.remove()
    c.sum().backward()
    assert len(calls) == 3


def test_multi_grad_hook_all_gets_each_gradient_once_summed() -> None:
    torch = pytest.importorskip("torch")
    got = {}
    for lib in (tg, torch):
        a = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([0.5, 3.0], dtype=lib.float64, requires_grad=True)
        h = a * b
        calls = []
        lib.autograd.graph.register_multi_grad_hook(
            (h, b), lambda grads, calls=calls: calls.append([g.tolist() for g in grads]))
        (h.exp() + h * b).sum().backward()
        got[lib.__name__] = calls
    assert got["tinygrad_bn"] == got["torch"]
    assert len(got["torch"]) == 1


def test_multi_grad_hook_not_reached_calls_nothing() -> None:
    a, b = leaf([1.0]), leaf([2.0])
    calls: list[object] = []
    multi_hook((a,), calls.append)
    (b * 2).sum().backward()
    assert calls == []


def test_multi_grad_hook_any_calls_once_with_the_first_gradient() -> None:
    torch = pytest.importorskip("torch")
    got = {}
    for lib in (tg, torch):
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
        const = lib.tensor([1.0, 1.0], dtype=lib.float64)
        y = a * 2
        calls = []
        lib.autograd.graph.register_multi_grad_hook(
            (a, y, const), lambda g, calls=calls: calls.append(g.tolist()), mode="any")
        (y * b).sum().backward(retain_graph=True)
        (y * b).sum().backward()
        got[lib.__name__] = calls
    assert got["tinygrad_bn"] == got["torch"] == [[3.0, 4.0], [3.0, 4.0]]


def test_multi_grad_hook_bad_arguments() -> None:
    a = leaf([1.0])
    with pytest.raises(ValueError, match="mode"):
        multi_hook((a,), print, mode="some")
    with pytest.raises(RuntimeError, match="does not require grad"):
        multi_hook((a, tg.ones(1)), print)
    with pytest.raises(TypeError, match="Tensor"):
        multi_hook((a, 3), print)
    with pytest.raises(TypeError, match="callable"):
        multi_hook((a,), 3)
    assert issubclass(ArgumentError, ValueError) and issubclass(ArgumentTypeError, TypeError)
    assert issubclass(BackwardError, RuntimeError)


# ------------------------------------------------------- a backward with inputs: what it runs

def test_backward_with_inputs_runs_no_hook_off_the_path_to_them() -> None:
    torch = pytest.importorskip("torch")
    got = {}
    for lib in (tg, torch):
        a = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([2.0], dtype=lib.float64, requires_grad=True)
        seen = []
        hb = b * 3
        hb.register_hook(lambda g, seen=seen: seen.append("hb"))
        b.register_hook(lambda g, seen=seen: seen.append("b"))
        a.register_hook(lambda g, seen=seen: seen.append("a"))
        (a * hb).sum().backward(inputs=[a])
        lib.autograd.grad((a * hb).sum(), [a])
        got[lib.__name__] = (seen, b.grad)
    assert got["tinygrad_bn"][0] == got["torch"][0] == ["a", "a"]
    assert got["tinygrad_bn"][1] is None


# --------------------------------------------------------------------------------- grad_dtype

def _grad_dtype_paths(m, f32, f64) -> list:
    """A float32 leaf whose grad_dtype is float64, through each way a backward reaches it."""
    out = []
    for way in ("plain", "create_graph", "inputs", "autograd.grad"):
        x = m.ones(3, dtype=f32, requires_grad=True)
        x.grad_dtype = f64
        seen = []
        x.register_hook(lambda g, seen=seen: seen.append(str(g.dtype)))
        y = (x * x).sum()
        if way == "autograd.grad":
            out.append((way, str(m.autograd.grad(y, [x])[0].dtype), seen))
            continue
        y.backward(create_graph=way == "create_graph", inputs=[x] if way == "inputs" else None)
        (x * 3).sum().backward()
        out.append((way, str(x.grad.dtype), x.grad.tolist(), seen))
    return [[str(v).replace("torch.", "") for v in row] for row in out]


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's create_graph=True warning
def test_grad_dtype_holds_on_every_path_and_hooks_see_it() -> None:
    torch = pytest.importorskip("torch")
    ours = _grad_dtype_paths(tg, np.float32, np.float64)
    assert ours == _grad_dtype_paths(torch, torch.float32, torch.float64)
    assert ours[0][1] == "float64" and ours[3][1] == "float64"


def test_grad_dtype_is_an_attribute_not_a_hook() -> None:
    x = tg.ones(2, requires_grad=True)
    x.grad_dtype = np.float64
    assert x._hooks == []  # no hook: the empty list only sends the leaf the engine's slow way
    x.grad_dtype = None
    assert x.grad_dtype is None and x._hooks == []
    x.grad_dtype = np.float32  # its own dtype again
    assert x.grad_dtype == np.float32 and not hasattr(x, "_grad_dtype")
    (x * 2).sum().backward()
    assert x.grad.dtype == np.float32


# ------------------------------------------------------- functional_call over plain attributes

def _scaled(m):
    class Scaled(m.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = m.nn.Linear(2, 2)
            self.scale = m.tensor(2.0)  # a plain tensor attribute: no parameter, no buffer
            self.count = 3

        def forward(self, x):
            out = self.lin(x) * self.scale
            return out * self.lin.gain if hasattr(self.lin, "gain") else out

    return Scaled()


def _outcome(call, *args, **kwargs) -> object:
    try:
        return call(*args, **kwargs).detach().numpy().round(6).tolist()
    except Exception as error:  # noqa: BLE001 (the class is what is compared)
        return next(c.__name__ for c in (AttributeError, TypeError, RuntimeError, ValueError)
                    if isinstance(error, c))


def test_functional_call_sets_a_plain_attribute_for_the_call_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for m in (tg, torch):
        model = _scaled(m)
        with m.no_grad():
            model.lin.weight.copy_(m.tensor([[1.0, 2.0], [3.0, 4.0]]))
            model.lin.bias.copy_(m.tensor([0.5, -0.5]))
        x = m.tensor([[1.0, -1.0]])
        call = m.func.functional_call
        results.append([
            _outcome(call, model, {"scale": m.tensor(3.0)}, (x,)),
            _outcome(call, model, {"lin.gain": m.tensor(10.0)}, (x,)),  # a new attribute
            float(model.scale), hasattr(model.lin, "gain"),
            _outcome(call, model, {"lin.nothing.gain": m.tensor(1.0)}, (x,)),
            _outcome(call, model, {"count": m.tensor(1.0)}, (x,)),
            _outcome(call, model, {"scale": m.tensor(1.0)}, (x,), strict=True),
            model.count])
    assert results[0] == results[1]
    assert results[0][0] == [[-1.5, -4.5]] and results[0][3] is False


# -------------------------------------------------------------------------- inference tensors

def _inference_story(m) -> list:
    """What PyTorch allows and refuses of inference tensors outside the mode: each entry
    the result's (is_inference, requires_grad) or the refusal's kind."""
    out: list = []

    def attempt(call) -> None:
        try:
            r = call()
            out.append((r.is_inference(), r.requires_grad) if hasattr(r, "is_inference")
                       else r)
        except RuntimeError as error:
            text = str(error)
            out.append("saved" if "saved for backward" in text else
                       "inplace" if "nplace update" in text else
                       "requires_grad" if "requires_grad" in text else
                       "version" if "version counter" in text else text)

    x = m.ones(3, dtype=m.float64, requires_grad=True)
    with m.inference_mode():
        c = m.ones(3, dtype=m.float64)
        z = m.ones(3, dtype=m.float64)
    attempt(lambda: x * c)  # Mul saves c for x's gradient: refused
    attempt(lambda: x @ c)
    attempt(lambda: x * c[:3])  # a view of one is one
    attempt(lambda: x + c)  # Add saves nothing: allowed
    attempt(lambda: (x + c).exp())
    attempt(lambda: m.ones(3, dtype=m.float64) * c)  # nothing recorded
    attempt(lambda: x * c.clone())
    attempt(lambda: c.resize_(3))  # its own shape: no write
    attempt(lambda: c.resize_(5))
    d = z.detach()
    attempt(lambda: d)
    attempt(lambda: d.add_(1))  # a detach of one may be written outside the mode ...
    attempt(lambda: float(z[0]))  # ... (the same memory)
    attempt(lambda: d._version)  # ... has a counter ...
    attempt(lambda: z._version)
    attempt(lambda: d[:2].add_(1))  # ... its views may not be written
    attempt(lambda: x * d)
    attempt(lambda: d.requires_grad_())
    return out  # (not z's values now: PyTorch writes d[:2], then raises; here it is refused)


def test_inference_tensors_outside_the_mode_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours = _inference_story(tg)
    assert ours == _inference_story(torch)
    assert ours[:3] == ["saved"] * 3 and ours[8] == "inplace"


def test_inference_tensor_saved_refusal_names_the_op() -> None:
    x = leaf([1.0, 2.0])
    with tg.inference_mode():
        c = tg.ones(2, dtype=np.float64)
    with pytest.raises(BackwardError, match=r"Mul: Inference tensors cannot be saved .*"
                                            r"input 1 \(shape \(2,\)\)"):
        x * c
    with tg.no_grad():  # nothing recorded: allowed
        assert (x * c).tolist() == [1.0, 2.0]
    with tg.inference_mode():
        assert (x * c).is_inference()


# ------------------------------------------------------------ test_autograd.py: bad calls

def test_grad_names_what_does_not_require_grad_outputs_first() -> None:
    x = tg.ones(1)
    y = x**2
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.autograd.grad(x, y)  # the output is checked first: PyTorch's message
    with pytest.raises(RuntimeError, match=r"differentiated Tensors \(input 0\) does not "
                                           r"require grad"):
        tg.autograd.grad(leaf([1.0]) * 2, x)


# ------------------------------------------------- grad-mode decorators on generator functions

def _generator_modes(m) -> list:
    seen: list = []

    def make(decorator):
        @decorator
        def steps(n):
            for i in range(n):
                seen.append(("inside", m.is_grad_enabled(), m.is_inference_mode_enabled()))
                try:
                    got = yield i
                except KeyError:
                    seen.append(("thrown", m.is_grad_enabled()))
                    got = None
                if got is not None:
                    seen.append(("sent", got))
            return "done"
        return steps

    for name, decorator in (("no_grad", m.no_grad), ("enable_grad", m.enable_grad),
                            ("set_grad_enabled", lambda: m.set_grad_enabled(False)),
                            ("inference_mode", m.inference_mode)):
        seen.append(name)
        with m.set_grad_enabled(name != "enable_grad"):
            gen = make(decorator())(3)  # (made here: set_grad_enabled sets the mode at once)
            next(gen)
            seen.append(("caller", m.is_grad_enabled(), m.is_inference_mode_enabled()))
            gen.send(7)
            gen.throw(KeyError("k"))
            try:
                next(gen)
            except StopIteration as stop:
                seen.append(("returned", stop.value))
    return seen


def test_grad_mode_decorators_on_a_generator_hold_inside_it_only() -> None:
    torch = pytest.importorskip("torch")
    ours = _generator_modes(tg)
    assert ours == _generator_modes(torch)
    assert ("caller", True, False) in ours and ("inside", False, False) in ours
    assert tg.is_grad_enabled()


def test_retain_grad_and_empty_inputs_refused_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for m in (tg, torch):
        with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has "
                                               "requires_grad=False"):
            m.ones(2).retain_grad()
        with pytest.raises(RuntimeError, match="inputs. argument to .backward\\(\\). cannot "
                                               "be empty"):
            (m.ones(2, requires_grad=True) * 2).sum().backward(inputs=[])
        y = m.ones(2, requires_grad=True) * 2
        assert y.retain_grad() is None or m is tg  # (ours returns the tensor, as before)
        y.sum().backward()
        assert y.grad.tolist() == [1.0, 1.0]


def test_custom_function_may_not_save_an_inference_tensor_when_recorded() -> None:
    torch = pytest.importorskip("torch")
    outcomes = []
    for m in (tg, torch):
        class Scale(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, c):
                ctx.save_for_backward(c)
                return x * c

            @staticmethod
            def backward(ctx, g):
                (c,) = ctx.saved_tensors
                return g * c, None

        with m.inference_mode():
            c = m.ones(2)
        x = m.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="Inference tensors cannot be saved"):
            Scale.apply(x, c)
        with m.no_grad():  # not recorded: allowed
            outcomes.append(Scale.apply(x, c).tolist())
    assert outcomes[0] == outcomes[1]
