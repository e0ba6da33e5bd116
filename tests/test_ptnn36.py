"""PyTorch's nn.Module API as its own test files exercise it (test/test_nn.py, test/nn/
test_module_hooks.py, test/nn/test_init.py): containers' operations, registration errors,
init helpers, hooks. Each test failed before the fix it names (session 36)."""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn


def _kinds(container) -> list[str]:
    return [type(m).__name__ for m in container]


def _children(module) -> list[str]:
    return [name for name, _ in module.named_children()]


# ---- Sequential ----
def test_sequential_add_mul_and_their_in_place_forms_as_pytorch():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    s = nn.Sequential(a, b)
    joined = s + nn.Sequential(c)
    assert isinstance(joined, nn.Sequential) and _kinds(joined) == ["ReLU", "Tanh", "Sigmoid"]
    assert len(s) == 2  # + makes a new one
    with pytest.raises(ValueError, match="only objects of Sequential"):
        s + [c]  # noqa: B018
    tripled = s * 3
    assert len(tripled) == 6 and tripled[0] is tripled[2] is a and len(2 * s) == 4
    assert _children(tripled) == ["0", "1"]  # named_children lists a module once
    assert [n for n, _ in tripled.named_modules(remove_duplicate=False)][1:] == \
        [str(i) for i in range(6)]
    for bad, error in ((0, ValueError), (-1, ValueError), (1.5, TypeError)):
        with pytest.raises(error):
            s * bad  # noqa: B018
    s += nn.Sequential(c)
    assert _kinds(s) == ["ReLU", "Tanh", "Sigmoid"]
    single = nn.Sequential(a)
    single *= 3
    assert len(single) == 3 and list(single._modules) == ["0", "1", "2"]


def test_sequential_del_insert_pop_append_extend_renumber_as_pytorch():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    s = nn.Sequential(a, b, c)
    del s[1]
    assert _kinds(s) == ["ReLU", "Sigmoid"] and _children(s) == ["0", "1"]
    s = nn.Sequential(a, b, c)
    del s[0:2]
    assert _kinds(s) == ["Sigmoid"] and _children(s) == ["0"]
    s = nn.Sequential(a, b)
    assert s.insert(1, c) is s
    assert _kinds(s) == ["ReLU", "Sigmoid", "Tanh"] and _children(s) == ["0", "1", "2"]
    s.insert(-1, nn.ELU())
    assert _kinds(s) == ["ReLU", "Sigmoid", "ELU", "Tanh"]
    with pytest.raises(IndexError):
        s.insert(10, nn.ELU())
    assert s.pop(1) is c and _children(s) == ["0", "1", "2"]
    assert s.append(nn.GELU()) is s and s.extend([nn.SiLU()]) is s and len(s) == 5
    s[-1] = nn.Mish()
    assert type(s[4]).__name__ == "Mish"
    with pytest.raises(IndexError):
        s[9] = nn.Mish()


def test_sequential_slice_keeps_an_ordered_dicts_keys_and_del_renumbers_them():
    s = nn.Sequential(OrderedDict([("x", nn.ReLU()), ("y", nn.Tanh())]))
    assert _children(s[1:]) == ["y"]
    del s[0]
    assert _children(s) == ["0"]


def test_sequential_against_torch():
    torch = pytest.importorskip("torch")

    def story(lib):
        s = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid())
        s = s + lib.nn.Sequential(lib.nn.ELU())
        s *= 2
        del s[1:3]
        s.insert(2, lib.nn.GELU())
        s.pop(0)
        return _kinds(s), _children(s)

    assert story(tg) == story(torch)


# ---- ModuleList / ModuleDict ----
def test_module_list_pop_iadd_del_slice_and_insert_as_pytorch():
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    ml += [nn.Sigmoid()]
    assert _kinds(ml) == ["ReLU", "Tanh", "Sigmoid"]
    assert type(ml.pop(0)).__name__ == "ReLU" and _children(ml) == ["0", "1"]
    ml.extend([nn.ELU(), nn.GELU()])
    del ml[::2]
    assert _kinds(ml) == ["Sigmoid", "GELU"] and _children(ml) == ["0", "1"]
    ml.insert(0, nn.SiLU())
    assert _kinds(ml) == ["SiLU", "Sigmoid", "GELU"]
    both = ml + [nn.Mish()]
    assert isinstance(both, nn.ModuleList) and len(both) == 4
    with pytest.raises(TypeError):
        ml.extend(5)
    with pytest.raises(TypeError):
        ml * 2  # noqa: B018 (PyTorch's ModuleList has no *)


def test_module_dict_views_and_update_errors_as_pytorch():
    md = nn.ModuleDict({"a": nn.ReLU()})
    md.update([("b", nn.Tanh())])
    keys = md.keys()
    md["c"] = nn.Sigmoid()
    assert list(keys) == ["a", "b", "c"]  # a live view, as dict_keys
    assert [type(m).__name__ for m in md.values()] == ["ReLU", "Tanh", "Sigmoid"]
    assert [k for k, _ in md.items()] == ["a", "b", "c"]
    with pytest.raises(TypeError):
        md.update(5)
    with pytest.raises(TypeError):
        md.update([1, 2])
    with pytest.raises(ValueError, match="length 3"):
        md.update([("x", nn.ReLU(), 2)])
    with pytest.raises(KeyError):
        md["a.b"] = nn.ReLU()


# ---- ParameterList / ParameterDict ----
def test_parameter_list_iadd_holds_tensors_as_parameters_and_other_objects_as_they_are():
    pl = nn.ParameterList([nn.Parameter(tg.ones(1))])
    pl += [tg.ones(2)]
    pl.append("a string")
    assert len(pl) == 3 and isinstance(pl[1], nn.Parameter) and pl[1].requires_grad
    assert pl[2] == "a string" and pl[-1] == "a string"
    assert [name for name, _ in pl.named_parameters()] == ["0", "1"]
    assert isinstance(pl[:2], nn.ParameterList) and len(pl[:2]) == 2
    with pytest.raises(IndexError):
        pl[3]  # noqa: B018
    with pytest.raises(TypeError):
        pl.extend(tg.ones(3))
    assert "(2): Object of type: str" in repr(pl)


def test_parameter_dict_dict_methods_as_pytorch():
    pd = nn.ParameterDict({"b": tg.ones(1), "a": tg.ones(2)})
    assert list(pd) == ["a", "b"]  # a plain dict's items are taken sorted, as PyTorch's
    pd["s"] = "text"
    assert pd["s"] == "text" and [n for n, _ in pd.named_parameters()] == ["a", "b"]
    assert pd.popitem()[0] == "s" and list(pd) == ["a", "b"]
    assert pd.setdefault("c", tg.zeros(1)) is pd["c"] and list(pd) == ["a", "b", "c"]
    assert pd.get("zz", 3) == 3 and list(reversed(pd)) == ["c", "b", "a"]
    joined = pd | nn.ParameterDict(OrderedDict([("q", tg.ones(1))]))
    assert list(joined) == ["a", "b", "c", "q"] and joined["a"] is pd["a"]
    assert list(pd.fromkeys(["x", "y"])) == ["x", "y"]
    with pytest.raises(KeyError):
        pd["missing"]  # noqa: B018
    with pytest.raises(AttributeError):  # PyTorch's class for a missing key
        pd["missing"]  # noqa: B018
    with pytest.raises(ValueError):
        pd.update([("a",)])


# ---- registration names ----
@pytest.mark.parametrize("register", ["register_buffer", "register_parameter", "add_module"])
@pytest.mark.parametrize("name", ["a.b", "", "taken"])
def test_registration_name_errors_are_key_errors_as_pytorch(register, name):
    m = nn.Module()
    m.taken = 1
    value = {"register_buffer": tg.ones(1), "register_parameter": nn.Parameter(tg.ones(1)),
             "add_module": nn.ReLU()}[register]
    with pytest.raises(KeyError):
        getattr(m, register)(name, value)
    if name == "taken":  # the plain attribute is left as it was
        assert m.taken == 1 and list(m.state_dict()) == []


def test_a_name_of_one_kind_cannot_be_registered_as_another():
    m = nn.Module()
    m.register_parameter("w", nn.Parameter(tg.ones(1)))
    with pytest.raises(KeyError, match="already exists"):
        m.add_module("w", nn.ReLU())
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("w", tg.ones(1))
    m.register_parameter("w", nn.Parameter(tg.zeros(1)))  # the same kind again: replaced
    assert float(m.w.sum()) == 0.0


# ---- init ----
@pytest.mark.parametrize("nonlinearity", ["conv1d", "conv3d", "conv_transpose1d",
                                          "conv_transpose2d", "conv_transpose3d"])
def test_calculate_gain_of_every_convolution_is_one(nonlinearity):
    assert nn.init.calculate_gain(nonlinearity) == 1.0


def test_calculate_gain_selu_and_a_bad_slope_as_pytorch():
    assert nn.init.calculate_gain("selu") == 0.75
    assert math.isclose(nn.init.calculate_gain("leaky_relu", 1), 1.0)
    for slope in ("a", True):
        with pytest.raises(ValueError, match="negative_slope"):
            nn.init.calculate_gain("leaky_relu", slope)


def test_pytorchs_private_fan_helpers_that_reset_parameters_code_calls():
    w = tg.zeros(3, 4, 5, 6)
    assert nn.init._calculate_fan_in_and_fan_out(w) == (120, 90)
    assert nn.init._calculate_correct_fan(w, "fan_out") == 90
    with pytest.raises(ValueError):
        nn.init._calculate_fan_in_and_fan_out(tg.zeros(3))
    with pytest.raises(ValueError):
        nn.init._calculate_correct_fan(w, "fan_avg")
    layer = nn.Linear(4, 2)  # PyTorch's Linear.reset_parameters, as user code copies it
    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
    bound = 1 / math.sqrt(fan_in)
    nn.init.uniform_(layer.bias, -bound, bound)
    assert np.all(np.abs(layer.bias.numpy()) <= bound)


# ---- default_collate ----
def test_default_collate_keeps_strings_as_the_batch_holds_them():
    from tinygrad_bn.utils.data import default_collate

    ids, words = default_collate([(1, "x"), (2, "y")])
    assert ids.tolist() == [1, 2] and words == ("x", "y")  # PyTorch's: the transposed tuple
    assert default_collate(["a", "b"]) == ["a", "b"]


def test_default_collate_keeps_an_ordered_dict_and_a_list_subclass():
    from tinygrad_bn.utils.data import default_collate

    merged = default_collate([OrderedDict(b=1, a=2), OrderedDict(b=3, a=4)])
    assert type(merged) is OrderedDict and list(merged) == ["b", "a"]

    class Row(list):
        pass

    assert type(default_collate([Row([1, 2]), Row([3, 4])])) is Row


def test_default_collate_error_classes_are_pytorchs():
    from tinygrad_bn.utils.data import default_collate

    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    for batch in ([object(), object()], [None, None], [np.array(["a"]), np.array(["b"])]):
        with pytest.raises(TypeError, match="batch must contain"):
            default_collate(batch)


# ---- load_state_dict's message ----
def test_load_state_dict_error_reads_as_pytorchs():
    torch = pytest.importorskip("torch")

    def message(lib):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Linear(2, 1))
        state = {k: v for k, v in model.state_dict().items() if k != "1.bias"}
        state["0.weight"] = lib.zeros(3, 2)
        state["extra"] = lib.zeros(1)
        with pytest.raises(RuntimeError) as info:
            model.load_state_dict(state)
        return str(info.value).replace("torch.Size([3, 2])", "(3, 2)").replace(
            "torch.Size([2, 2])", "(2, 2)")

    assert message(tg) == message(torch)


def test_a_post_hooks_added_keys_fail_a_strict_load_with_pytorchs_lines():
    inner = nn.Linear(2, 2)
    wrapped = nn.ModuleList([inner])

    def hook(module, incompatible):
        incompatible.missing_keys.append("foo")
        incompatible.unexpected_keys.append("bar")

    inner.register_load_state_dict_post_hook(hook)
    with pytest.raises(RuntimeError, match='"foo".*\n.*"bar"'):
        wrapped.load_state_dict(wrapped.state_dict())


# ---- module hooks ----
def test_global_legacy_backward_hook_runs_before_the_modules_own():
    from tinygrad_bn.nn.modules import module as nn_module

    order = []
    m = nn.Sigmoid()
    m.register_backward_hook(lambda mod, gi, go: order.append("own"))
    x = tg.randn(5, 5, requires_grad=True)
    with pytest.warns(FutureWarning), nn_module.register_module_backward_hook(
            lambda mod, gi, go: order.append("global")):
        m(x).backward(tg.ones(5, 5))
    assert order == ["global", "own"]


def test_global_legacy_backward_hook_replaces_grad_input():
    from tinygrad_bn.nn.modules import module as nn_module

    x = tg.randn(5, 5, requires_grad=True)
    s = 1 / (1 + np.exp(-x.numpy().astype(np.float64)))
    with pytest.warns(FutureWarning), nn_module.register_module_backward_hook(
            lambda mod, gi, go: tuple(g * 2 for g in gi)):
        nn.Sigmoid()(x).backward(tg.ones(5, 5))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 - s) * 2, rtol=1e-5)


def test_global_backward_hooks_are_all_legacy_or_all_full():
    from tinygrad_bn.nn.modules import module as nn_module

    with nn_module.register_module_backward_hook(lambda *a: None):
        with pytest.raises(RuntimeError, match="Cannot use both"):
            nn_module.register_module_full_backward_hook(lambda *a: None)
    with nn_module.register_module_full_backward_hook(lambda *a: None):  # none left: free
        pass


@pytest.mark.parametrize("returned", [(), (tg.zeros(1), tg.zeros(1))])
def test_a_hook_returning_the_wrong_count_says_got_and_expected(returned):
    m = nn.Sigmoid()
    x = tg.randn(3, requires_grad=True)
    with m.register_full_backward_pre_hook(lambda mod, go: returned):
        with pytest.raises(RuntimeError, match=f"got {len(returned)}, but expected 1"):
            m(x).sum().backward()


def test_handle_hooks_dict_ref_and_removal_inside_the_hook():
    m = nn.Sigmoid()
    handles = {}

    def once(name):
        def hook(mod, args):
            handles[name].remove()
        return hook

    handles["a"] = m.register_forward_pre_hook(once("a"))
    handles["b"] = m.register_forward_pre_hook(once("b"))
    assert len(handles["a"].hooks_dict_ref()) == 2
    m(tg.zeros(2))
    assert len(handles["a"].hooks_dict_ref()) == 0
    assert handles["b"].id not in handles["b"].hooks_dict_ref()


@pytest.mark.parametrize("kind", ["buffer", "module", "parameter"])
def test_global_registration_hooks_see_and_may_replace_each_registration(kind):
    from tinygrad_bn.nn.modules import module as nn_module

    seen = []
    register = getattr(nn_module, f"register_module_{kind}_registration_hook")
    with register(lambda owner, name, value: seen.append(name)):
        nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    expected = {"buffer": ["running_mean", "running_var", "num_batches_tracked"],
                "module": ["0", "1"], "parameter": ["weight", "bias", "weight", "bias"]}[kind]
    assert seen == expected
    replacement = {"buffer": tg.ones(1), "module": nn.Tanh(),
                   "parameter": nn.Parameter(tg.ones(1))}[kind]
    with register(lambda owner, name, value: replacement):
        holder = nn.Module()
        getattr(holder, {"buffer": "register_buffer", "module": "add_module",
                         "parameter": "register_parameter"}[kind])(
            "x", {"buffer": tg.zeros(1), "module": nn.ReLU(),
                  "parameter": nn.Parameter(tg.zeros(1))}[kind])
    assert holder.x is replacement
    nn.Linear(1, 1)  # removed on exit: nothing replaced any more


def test_backward_hooks_warn_where_pytorchs_do():
    class DictOut(nn.Module):
        def forward(self, d):
            return {"x": d["x"] * 2}

    m = DictOut()
    m.register_full_backward_hook(lambda *a: None)
    with pytest.warns(UserWarning, match="should be a Tensor or a tuple of Tensors"):
        m({"x": tg.ones(2, requires_grad=True)})
    lin = nn.Linear(2, 2)
    lin.register_full_backward_pre_hook(lambda mod, go: None)
    out = lin(tg.ones(1, 2))  # no input requires grad
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        out.sum().backward()


# ---- Module's own API ----
def test_train_refuses_a_non_bool_mode():
    with pytest.raises(ValueError, match="expected to be boolean"):
        nn.Linear(1, 1).train("x")
    assert nn.Linear(1, 1).train(np.bool_(False)).training is False


def test_module_type_casts_every_parameter_and_buffer_as_pytorch():
    torch = pytest.importorskip("torch")

    def dtypes(lib):
        model = lib.nn.BatchNorm1d(3)
        model.weight.grad = lib.ones(3)
        assert model.type(lib.float64) is model
        return [str(t.dtype).replace("torch.", "")
                for t in (model.weight, model.weight.grad, model.running_mean,
                          model.num_batches_tracked)]

    assert dtypes(tg) == dtypes(torch) == ["float64"] * 4


def test_dir_of_a_module_lists_its_parameters_buffers_and_submodules():
    model = nn.Sequential(nn.BatchNorm1d(2))
    assert {"weight", "running_mean", "forward"} <= set(dir(model[0]))
    assert "0" not in dir(model) and dir(model) == sorted(dir(model))
    assert nn.Module.call_super_init is False


# ---- nn.utils ----
def test_spectral_norm_needs_at_least_one_power_iteration_as_pytorch():
    with pytest.raises(ValueError, match="n_power_iterations"):
        nn.utils.spectral_norm(nn.Linear(3, 4), n_power_iterations=0)


def test_clip_grad_norm_of_an_infinite_gradient_gives_pytorchs_values_quietly():
    p = nn.Parameter(tg.zeros(2))
    p.grad = tg.tensor([1.0, float("inf")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        total = nn.utils.clip_grad_norm_([p], 1.0)
    assert float(total) == float("inf")
    assert p.grad.tolist()[0] == 0.0 and math.isnan(p.grad.tolist()[1])


def test_packed_sequence_converts_its_data_as_pytorchs():
    from tinygrad_bn.nn.utils import rnn

    packed = rnn.pack_sequence([tg.tensor([1.0, 2.0]), tg.tensor([3.0])])
    doubled = packed.double()
    assert doubled.data.dtype == tg.float64 and doubled.batch_sizes.tolist() == [2, 1]
    assert packed.to(tg.float64).data.dtype == tg.float64 and packed.long().data.dtype == tg.int64
    assert packed.cpu() is packed and packed.to("cpu") is packed
    assert packed.is_cuda is False and packed.is_pinned() is False


def test_call_super_init_passes_arguments_on_to_the_next_class():
    class Mixin:
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.mixin_init = True

    class After(nn.Module, Mixin):
        pass

    assert not hasattr(After(), "mixin_init")
    After.call_super_init = True
    assert After().mixin_init
    with pytest.raises(TypeError, match="unexpected keyword argument 'a'"):
        nn.Module(a=1)
    with pytest.raises(TypeError, match="takes 1 positional argument"):
        nn.Module(1)


def test_buffer_assignment_in_a_subclass_whose_register_buffer_has_no_persistent():
    class Old(nn.Linear):
        def __init__(self):
            super().__init__(2, 2)
            self.bar = nn.Buffer(tg.ones(2))

        def register_buffer(self, name, value):  # PyTorch tolerates this override
            super().register_buffer(name, value, True)

    assert Old().bar.tolist() == [1.0, 1.0]


def test_parameter_without_data_is_empty_and_name_errors_read_as_pytorchs():
    assert nn.Parameter().shape == (0,) and nn.Parameter().requires_grad
    m = nn.Module()
    with pytest.raises(TypeError, match="buffer name should be a string. Got int"):
        m.register_buffer(1, tg.ones(1))
    with pytest.raises(TypeError, match="parameter name should be a string. Got NoneType"):
        m.register_parameter(None, nn.Parameter())


def test_insert_of_a_non_module_is_an_assertion_error_as_pytorchs():
    with pytest.raises(AssertionError):
        nn.Sequential(nn.ReLU()).insert(0, [nn.ReLU()])
    with pytest.raises(IndexError):
        nn.Sequential(nn.ReLU()).insert(-3, nn.ReLU())


def test_parameter_dict_update_with_a_tensor_reads_its_rows_as_pairs():
    with pytest.raises(ValueError, match="length 10; 2 is required"):
        nn.ParameterDict().update(nn.Parameter(tg.zeros(10, 10)))


def test_set_submodule_of_a_non_module_is_a_value_error_as_pytorchs():
    net = nn.Module()
    net.t = nn.Linear(1, 1)
    with pytest.raises(ValueError, match="must be a Module"):
        net.set_submodule("t", "not a module")


def test_module_apply_runs_fn_on_parameters_grads_and_buffers_in_place():
    torch = pytest.importorskip("torch")

    def story(lib):
        model = lib.nn.Linear(2, 2)
        lib.nn.init.ones_(model.weight)
        lib.nn.init.zeros_(model.bias)
        model.register_buffer("stat", lib.zeros(2))
        weight = model.weight
        model.weight.grad = lib.ones(2, 2)
        assert model._apply(lambda t: t.add_(1.0)) is model and model.weight is weight
        model._apply(lambda t: t * 2)
        return [np.asarray(t.tolist()).tolist() for t in
                (model.weight, model.weight.grad, model.stat, model.bias)]

    assert story(tg) == story(torch)


def test_to_takes_non_blocking_positionally_after_a_dtype():
    model = nn.Linear(2, 2)
    assert model.to(tg.float64, True) is model and model.weight.dtype == tg.float64
    with pytest.raises(TypeError):
        model.to("cpu", tg.int64, True)


def test_weight_norm_on_a_recurrent_weight_is_what_its_forward_uses():
    torch = pytest.importorskip("torch")
    lstm = nn.LSTM(3, 4)
    theirs = torch.nn.LSTM(3, 4)
    theirs.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in
                            lstm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    with pytest.warns(FutureWarning):
        nn.utils.weight_norm(lstm, name="weight_ih_l0")
    lstm.weight_ih_l0_g.data[...] *= 2  # scale the norms: the forward must see it
    with torch.no_grad():
        theirs.weight_ih_l0.mul_(2)
    ours_out = lstm(tg.tensor(x))[0].numpy()
    np.testing.assert_allclose(ours_out, theirs(torch.from_numpy(x))[0].detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    assert sum(isinstance(p, nn.Parameter) for p in lstm._flat_weights) == 3


class _Counting:
    """A forward pre-hook that keeps its own handle (as nn.utils.weight_norm's does)."""

    def __init__(self):
        self.handle, self.calls = None, 0

    def __call__(self, module, args):
        self.calls += 1


def test_a_module_whose_hook_holds_its_handle_pickles():
    import pickle

    model = nn.Linear(2, 2)
    hook = _Counting()
    hook.handle = model.register_forward_pre_hook(hook)
    copy = pickle.loads(pickle.dumps(model))
    (copied,) = copy._forward_pre_hooks.values()
    copy(tg.ones(1, 2))
    assert copied.calls == 1 and len(copied.handle.hooks_dict_ref()) == 1
    copied.handle.remove()
    assert len(copy._forward_pre_hooks) == 0


def test_small_pytorch_spellings_of_module_code():
    model = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="does not accept copy"):
        model.to("cpu", copy=True)
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(1, 2, nonlinearity="garbage")
    norm = nn.BatchNorm1d(2)
    norm.register_buffer("extra", tg.ones(1), persistent=False)
    assert norm._non_persistent_buffers_set == {"extra"}
    norm._non_persistent_buffers_set.discard("extra")  # PyTorch code edits it so
    assert "extra" in norm.state_dict()
