"""Module hooks (nn/hooks.py): forward pre-hooks, forward hooks, full backward (pre-)hooks, per
module and global, with handles; each behaviour side by side with PyTorch's where installed."""

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn
from tinygrad_bn.nn.modules import module as tg_module

RNG = np.random.default_rng(0)
W1, B1 = RNG.standard_normal((4, 3)), RNG.standard_normal(4)
W2, B2 = RNG.standard_normal((2, 4)), RNG.standard_normal(2)
X = RNG.standard_normal((5, 3))


def tg_mlp() -> nn.Sequential:
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    for layer, w, b in ((model[0], W1, B1), (model[2], W2, B2)):
        layer.weight.data[...] = w
        layer.bias.data[...] = b
    return model


def torch_mlp():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                torch.nn.Linear(4, 2)).double()
    with torch.no_grad():
        for layer, w, b in ((model[0], W1, B1), (model[2], W2, B2)):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    return model


def arrays(grads) -> list:
    return [None if g is None else np.array(g.detach().numpy() if hasattr(g, "detach")
                                            and not isinstance(g, Tensor) else g.data)
            for g in grads]


class Pair(nn.Module):
    """Two tensor inputs, a non-tensor one and a keyword; the second input may go unused."""

    def forward(self, a, b, scale, *, use_b=True):
        return a * scale + (a * b if use_b else 0.0)


def test_forward_pre_hook_replaces_args_and_runs_global_first() -> None:
    calls = []
    lin = tg_mlp()[0]
    with tg_module.register_module_forward_pre_hook(lambda m, a: calls.append("global")), \
            lin.register_forward_pre_hook(lambda m, a: calls.append("own")), \
            lin.register_forward_pre_hook(lambda m, a: calls.append("first"), prepend=True), \
            lin.register_forward_pre_hook(lambda m, a: a[0] * 0):  # a non-tuple: wrapped
        out = lin(Tensor(X))
    assert calls == ["global", "first", "own"]
    np.testing.assert_allclose(out.data, np.broadcast_to(B1, (5, 4)))
    calls.clear()
    lin(Tensor(X))  # every handle removed on exit
    assert calls == []


def test_forward_hooks_with_kwargs_see_and_replace_keywords_and_output() -> None:
    seen = {}
    pair = Pair()

    def pre(module, args, kwargs):
        return args, {**kwargs, "use_b": False}

    def post(module, args, kwargs, output):
        seen.update(kwargs)
        return output + 1

    a, b = Tensor(np.ones(3)), Tensor(np.full(3, 5.0))
    with pair.register_forward_pre_hook(pre, with_kwargs=True), \
            pair.register_forward_hook(post, with_kwargs=True):
        out = pair(a, b, 2.0, use_b=True)
    assert seen == {"use_b": False}
    np.testing.assert_allclose(out.data, np.full(3, 3.0))
    bad = pair.register_forward_pre_hook(lambda m, a, k: a, with_kwargs=True)
    with pytest.raises(tg.TinygradError, match=r"\(new_args, new_kwargs\)"):
        pair(a, b, 2.0)
    bad.remove()
    bad.remove()  # removing twice does nothing


def test_forward_hook_order_and_output_replacement_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib, model in ((tg_module, tg_mlp()), (torch.nn.modules.module, torch_mlp())):
        order = []
        handles = [lib.register_module_forward_hook(
            lambda m, a, o, order=order: order.append(("global", type(m).__name__))),
            model[1].register_forward_hook(
                lambda m, a, o, order=order: order.append(("own", "Tanh"))),
            model[1].register_forward_hook(lambda m, a, o: o * 2)]
        x = Tensor(X) if lib is tg_module else torch.from_numpy(X)
        out = model(x)
        for h in handles:
            h.remove()
        results.append((order, np.array(out.detach().numpy() if lib is not tg_module
                                          else out.data)))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


def test_always_call_forward_hook_runs_when_forward_raises() -> None:
    calls = []
    lin = nn.Linear(3, 2)
    with lin.register_forward_hook(lambda m, a, o: calls.append(o), always_call=True), \
            lin.register_forward_hook(lambda m, a, o: calls.append("plain")):
        with pytest.raises(tg.TinygradError):
            lin(Tensor(np.ones((2, 5), dtype=np.float32)))
    assert calls == [None]


def test_full_backward_hooks_see_pytorchs_gradients() -> None:
    torch = pytest.importorskip("torch")
    got = []
    for lib_model, x in ((tg_mlp(), Tensor(X, requires_grad=True)),
                         (torch_mlp(), torch.tensor(X, requires_grad=True))):
        record = []
        handles = [lib_model[i].register_full_backward_hook(
            lambda m, gi, go, i=i, r=record: r.append((i, arrays(gi), arrays(go))))
            for i in range(3)]
        handles += [lib_model[i].register_full_backward_pre_hook(
            lambda m, go, i=i, r=record: r.append((i, "pre", arrays(go)))) for i in range(3)]
        (lib_model(x) ** 2).sum().backward()
        for h in handles:
            h.remove()
        got.append(record)
    ours, theirs = got
    assert [r[:2] if r[1] == "pre" else r[0] for r in ours] == \
        [r[:2] if r[1] == "pre" else r[0] for r in theirs]
    for a, b in zip(ours, theirs):
        for mine, ref in zip(a[1:], b[1:]):
            if isinstance(mine, str):
                continue
            for m, r in zip(mine, ref):
                np.testing.assert_allclose(m, r, rtol=1e-10)


def test_backward_hook_and_pre_hook_replacements_change_gradients_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    grads = []
    for model, x in ((tg_mlp(), Tensor(X, requires_grad=True)),
                     (torch_mlp(), torch.tensor(X, requires_grad=True))):
        model[1].register_full_backward_pre_hook(lambda m, go: (go[0] * 3,))
        model[0].register_full_backward_hook(lambda m, gi, go: (gi[0] - 1,))
        model(x).sum().backward()
        grads.append([np.array(t.grad.data if isinstance(t, Tensor) else t.grad.numpy())
                      for t in (x, model[0].weight, model[2].weight)])
    for mine, ref in zip(*grads):
        np.testing.assert_allclose(mine, ref, rtol=1e-10)


def test_two_inputs_an_unused_one_and_a_non_tensor_match_pytorch() -> None:
    torch = pytest.importorskip("torch")

    class TorchPair(torch.nn.Module):
        def forward(self, a, b, scale, *, use_b=True):
            return a * scale + (a * b if use_b else 0.0)

    av, bv = RNG.standard_normal(3), RNG.standard_normal(3)
    for use_b in (True, False):
        got = []
        for module, make in ((Pair(), lambda v: Tensor(v, requires_grad=True)),
                             (TorchPair(), lambda v: torch.tensor(v, requires_grad=True))):
            record = []
            module.register_full_backward_hook(
                lambda m, gi, go, r=record: r.append(arrays(gi)) or (gi[0] * 2, gi[1], gi[2]))
            a, b = make(av), make(bv)
            (module(a, b, 1.5, use_b=use_b) ** 2).sum().backward()
            final = [None if t.grad is None else np.array(
                t.grad.data if isinstance(t, Tensor) else t.grad.numpy()) for t in (a, b)]
            got.append((record[0], final))
        (hook_ours, final_ours), (hook_torch, final_torch) = got
        for mine, ref in zip(hook_ours + final_ours, hook_torch + final_torch):
            assert (mine is None) == (ref is None)
            if ref is not None:
                np.testing.assert_allclose(mine, ref, rtol=1e-10)


def test_backward_hook_without_input_grad_gets_none_and_must_return_none() -> None:
    record = []
    lin = tg_mlp()[0]
    lin.register_full_backward_hook(lambda m, gi, go: record.append((gi, go[0].shape)))
    lin(Tensor(X)).sum().backward()
    assert record == [((None,), (5, 4))]
    lin2 = tg_mlp()[0]
    lin2.register_full_backward_hook(lambda m, gi, go: (go[0],))
    with pytest.raises(tg.BackwardError, match="no input of the module requires grad"):
        lin2(Tensor(X)).sum().backward()


def test_tuple_output_grad_output_has_none_for_unused_output() -> None:
    class Split(nn.Module):
        def forward(self, x):
            return x * 2, x * 3

    record = []
    split = Split()
    split.register_full_backward_pre_hook(lambda m, go: record.append(arrays(go)))
    x = Tensor(np.ones(2), requires_grad=True)
    first, _ = split(x)
    first.sum().backward()
    assert record[0][1] is None
    np.testing.assert_allclose(record[0][0], np.ones(2))
    np.testing.assert_allclose(x.grad.data, np.full(2, 2.0))


def test_wrong_number_of_replaced_gradients_is_an_error() -> None:
    lin = tg_mlp()[0]
    lin.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
    with pytest.raises(tg.BackwardError, match="returned 2 grad_output entries, expected 1"):
        lin(Tensor(X, requires_grad=True)).sum().backward()


def test_no_grad_skips_backward_hooks_but_runs_forward_hooks() -> None:
    calls = []
    lin = tg_mlp()[0]
    lin.register_forward_hook(lambda m, a, o: calls.append("forward"))
    lin.register_full_backward_hook(lambda m, gi, go: calls.append("backward"))
    with tg.no_grad():
        out = lin(Tensor(X, requires_grad=True))
    assert calls == ["forward"] and not out.requires_grad


def test_global_backward_hooks_run_before_the_modules_own() -> None:
    calls = []
    lin = tg_mlp()[0]
    lin.register_full_backward_hook(lambda m, gi, go: calls.append("own"))
    with tg_module.register_module_full_backward_hook(lambda m, gi, go: calls.append("global")), \
            tg_module.register_module_full_backward_pre_hook(lambda m, go: calls.append("pre")):
        lin(Tensor(X, requires_grad=True)).sum().backward()
    assert calls == ["pre", "global", "own"]


def test_hook_must_be_callable_and_handles_have_unique_ids() -> None:
    lin = nn.Linear(2, 2)
    with pytest.raises(tg.ArgumentTypeError, match="must be callable"):
        lin.register_forward_hook("not a function")
    h1, h2 = lin.register_forward_hook(print), lin.register_forward_pre_hook(print)
    assert h1.id != h2.id
    from tinygrad_bn.nn.hooks import RemovableHandle
    assert isinstance(h1, RemovableHandle)


def test_backward_hooks_during_double_backward_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lin, x, grad in ((tg_mlp()[0], Tensor(X, requires_grad=True), tg.grad),
                         (torch_mlp()[0], torch.tensor(X, requires_grad=True),
                          torch.autograd.grad)):
        calls = []
        lin.register_full_backward_hook(lambda m, gi, go, c=calls: c.append(1) or (gi[0] * 2,))
        (gx,) = grad((lin(x) ** 2).sum(), [x], create_graph=True)
        (ggx,) = grad(gx.sum(), [x])
        results.append((len(calls), np.array(ggx.data if isinstance(ggx, Tensor)
                                             else ggx.numpy())))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)
