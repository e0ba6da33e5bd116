"""tg.func.grad and vmap over pytrees (tuples, lists, dicts of Tensors), PyTorch's
per-sample-gradient recipe (functional_call + vmap(grad(loss)) over a parameter dict) equal
to torch.func's, and tg.func.jacrev / jacfwd equal to torch.func's."""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn.errors import ArgumentTypeError, TinygradError
from tinygrad_bn.func import functional_call, grad, jacfwd, jacrev, vmap


def test_per_sample_gradients_equal_torch_func() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    results = []
    for lib, call, g, v in ((tg, functional_call, grad, vmap),
                            (torch, torch.func.functional_call, torch.func.grad,
                             torch.func.vmap)):
        model = lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.Tanh(),
                                  lib.nn.Linear(5, 3)).double()
        if lib is torch:
            model.load_state_dict({k: torch.tensor(a) for k, a in results[0][0].items()})
        params = {k: p.detach() for k, p in model.named_parameters()}

        def loss(params, sample, target, model=model, call=call, lib=lib):
            out = call(model, params, (sample.unsqueeze(0),))
            return lib.nn.functional.cross_entropy(out, target.unsqueeze(0))
        per_sample = v(g(loss), in_dims=(None, 0, 0))(params, lib.tensor(x), lib.tensor(y))
        state = {k: np.array(a.detach().numpy() if hasattr(a, "detach") else a)
                 for k, a in model.state_dict().items()}
        results.append((state, {k: a.detach().numpy() for k, a in per_sample.items()}))
    (_, ours), (_, theirs) = results
    assert list(ours) == list(theirs)
    for key in ours:
        assert ours[key].shape == theirs[key].shape == (6, *results[0][0][key].shape)
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-10, atol=1e-14)


Pair = namedtuple("Pair", "a b")


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**16))
def test_grad_of_a_pytree_is_the_same_pytree_of_gradients(n, m, seed) -> None:
    rng = np.random.default_rng(seed)
    a, b, c = (rng.standard_normal((n, m)) for _ in range(3))
    three = tg.tensor(3.0, dtype=tg.float64)
    tree = {"first": tg.tensor(a), "rest": [tg.tensor(b), Pair(tg.tensor(c), three)]}

    def f(t):
        return (t["first"] * t["rest"][0]).sin().sum() + (t["rest"][1].a ** 2).sum() \
            * t["rest"][1].b
    g = grad(f)(tree)
    assert set(g) == {"first", "rest"}
    assert isinstance(g["rest"], list) and isinstance(g["rest"][1], Pair)
    np.testing.assert_allclose(g["rest"][1].b.numpy(), (c ** 2).sum(), rtol=1e-12)
    np.testing.assert_allclose(g["first"].numpy(), np.cos(a * b) * b, rtol=1e-12)
    np.testing.assert_allclose(g["rest"][0].numpy(), np.cos(a * b) * a, rtol=1e-12)
    np.testing.assert_allclose(g["rest"][1].a.numpy(), 6.0 * c, rtol=1e-12)
    # as torch.func's: every leaf of a differentiated argument is a Tensor (None, 3.0: no)
    for leaf in (None, 3.0):
        with pytest.raises(ArgumentTypeError):
            grad(lambda t: t["x"].sum())({"x": tg.tensor(a), "other": leaf})
    # an OrderedDict stays one, and argnums picks several pytrees
    both = grad(lambda u, v: (u["x"] * v[0]).sum(), argnums=(0, 1))(
        OrderedDict(x=tg.tensor(a)), (tg.tensor(b),))
    assert isinstance(both[0], OrderedDict) and isinstance(both[1], tuple)
    np.testing.assert_allclose(both[0]["x"].numpy(), b)
    np.testing.assert_allclose(both[1][0].numpy(), a)


def test_vmap_maps_and_stacks_pytrees() -> None:
    x = tg.tensor(np.arange(12.0).reshape(3, 4))
    out = vmap(lambda d: {"sum": d["x"].sum(), "pair": (d["x"] * 2, d["k"])},
               in_dims=0)({"x": x, "k": x[:, :2]})
    np.testing.assert_allclose(out["sum"].numpy(), x.numpy().sum(1))
    np.testing.assert_allclose(out["pair"][0].numpy(), 2 * x.numpy())
    np.testing.assert_allclose(out["pair"][1].numpy(), x.numpy()[:, :2])
    with pytest.raises(TinygradError, match="vmap.*sizes 3 and 2.*must be equal"):
        vmap(lambda d: d["x"])({"x": x, "y": tg.ones(2)})


def test_grad_of_grad_through_a_dict_argument() -> None:
    x = tg.tensor(np.array([0.3, -1.2]))

    def f(d):
        return (d["x"] ** 3).sum()
    second = grad(lambda t: grad(f)({"x": t})["x"].sum())(x)
    np.testing.assert_allclose(second.numpy(), 6 * x.numpy(), rtol=1e-12)


@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_jacrev_and_jacfwd_equal_torch_func(argnums) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))

    def f(a, b):
        return (a * b).sin().sum(-1), a.exp()
    for ours_fn, theirs_fn in ((jacrev, torch.func.jacrev), (jacfwd, torch.func.jacfwd)):
        ours = ours_fn(f, argnums)(tg.tensor(x), tg.tensor(y))
        theirs = theirs_fn(f, argnums)(torch.tensor(x), torch.tensor(y))
        assert len(ours) == len(theirs) == 2  # one entry per output
        for mine, ref in zip(ours, theirs):
            mine, ref = (mine, ref) if isinstance(argnums, tuple) else ((mine,), (ref,))
            for u, v in zip(mine, ref):
                np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-12, atol=1e-15)
    single = jacrev(lambda a: a.sin())(tg.tensor(x[0]))
    np.testing.assert_allclose(single.numpy(), np.diag(np.cos(x[0])), rtol=1e-12)


def test_stack_module_state_ensemble_equals_torch_func() -> None:
    torch = pytest.importorskip("torch")
    import copy

    x = np.random.default_rng(3).standard_normal((4, 3))
    outputs, states = [], []
    for lib, func in ((tg, tg.func), (torch, torch.func)):
        models = [lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4),
                                    lib.nn.Linear(4, 2)).double().eval() for _ in range(3)]
        if lib is torch:
            for model, state in zip(models, states):
                model.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
        states = [{k: np.array(v.detach().numpy() if hasattr(v, "detach") else v)
                   for k, v in m.state_dict().items()} for m in models]
        params, buffers = func.stack_module_state(models)
        assert params["0.weight"].shape == (3, 4, 3) and params["0.weight"].requires_grad
        base = copy.deepcopy(models[0])

        def one(p, b, inputs, base=base, func=func):
            return func.functional_call(base, (p, b), (inputs,))
        outputs.append(func.vmap(one, in_dims=(0, 0, None))(params, buffers,
                                                              lib.tensor(x)).detach().numpy())
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-12)
    with pytest.raises(TinygradError, match="stack_module_state"):
        tg.func.stack_module_state([])
