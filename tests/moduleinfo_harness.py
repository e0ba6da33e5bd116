"""PyTorch's module databases run as a differential test: torch 2.13's ModuleInfo entries
(torch.testing._internal.common_modules.module_db) and its older common_nn dictionaries
(criterion_tests, module_tests, get_new_module_tests()) build a module and feed it inputs;
the same module is built on tinygrad_bn and the two are compared.

One case, in this order: the module is constructed on both sides from the same
constructor arguments (torch's tensors, dtypes and functions among them turned into
tinygrad_bn's by tests/opinfo_harness.to_tg), moved to the dtype under test, put in
train or eval mode, and torch's parameters and buffers are copied into ours through
load_state_dict (so our initialisation is not what is compared: state_dict keys and
shapes are, before the copy). Then the forward on copies of the same inputs (outputs
compared by opinfo_harness.difference: float64 to 1e-7, float32 to 1e-4 relative to the
largest value), the buffers after it (running statistics), and the backward of
sum(out * v) for a fixed random v of each floating output: the inputs' gradients and
every parameter's .grad, matched by name. A module that draws (dropout with p > 0 in
training, fractional max pooling, RReLU in training) is compared by shape and dtype only,
and its gradients are not compared. The RNNs' inputs include their PackedSequence ones
(with_packed_sequence=True: the data's gradient compared). check_module_errors runs an
entry's error inputs: ours must raise an instance of torch's exception class.
check_module_double_backward compares second derivatives (Case.compare_double_backward).

common_nn's entries run through the same Case: tests/common_nn_harness.py.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import numpy as np

import tinygrad_bn as tg
from tests.opinfo_harness import Unconvertible, difference, to_tg

# modules whose forward draws random numbers whatever their settings (in training)
DRAWING = frozenset({"FractionalMaxPool2d", "FractionalMaxPool3d", "RReLU"})
INPUTS = 8  # module inputs compared per dtype and mode
# but 3 of these slow ones (a second each on torch and ours: 8 agreed when measured)
HEAVY = frozenset({"Transformer", "TransformerDecoderLayer", "TransformerEncoder",
                   "TransformerEncoderLayer", "CTCLoss"})


class Case:
    """One module and its inputs on both sides, ready to compare."""

    def __init__(self, theirs: Any, ours: Any, args: tuple, kwargs: dict, torch: Any) -> None:
        self.theirs, self.ours, self.torch = theirs, ours, torch
        # a non-leaf input (made by an op from a leaf) becomes a leaf, whose .grad is kept;
        # but log_softmax's output is replayed on our side from its leaf, whose gradients
        # are compared: torch's ctc_loss backward gives exp(lp) - gamma, the gradient of
        # the logits before a log_softmax (right only through log_softmax's backward)
        self.replayed: list[tuple[Any, Any]] = []
        self.args, self.kwargs = _leaves(args, torch), _leaves(kwargs, torch)
        self.our_args = tuple(self._to_tg(a) for a in self.args)
        self.our_kwargs = {k: self._to_tg(v) for k, v in self.kwargs.items()}

    def _to_tg(self, value: Any) -> Any:
        if type(value).__name__ == "PackedSequence":
            return tg.nn.utils.rnn.PackedSequence(*(to_tg(v, self.torch) for v in value))
        function = getattr(value, "grad_fn", None)
        if type(function).__name__ != "LogSoftmaxBackward0":
            return to_tg(value, self.torch)
        leaf = function.next_functions[0][0].variable
        ours = to_tg(leaf, self.torch)
        self.replayed.append((leaf, ours))
        return tg.nn.functional.log_softmax(ours, function._saved_dim)

    def draws(self) -> bool:
        """Whether torch's module draws random numbers in its forward now."""
        torch = self.torch
        if not isinstance(self.theirs, torch.nn.Module) or not self.theirs.training:
            return False
        for sub in self.theirs.modules():
            if type(sub).__name__ in DRAWING:
                return True
            p = getattr(sub, "p", None) if "Dropout" in type(sub).__name__ else \
                getattr(sub, "dropout", None)
            if isinstance(p, float) and p > 0:
                return True
        return False

    def compare(self) -> str | None:
        """The first way ours differs from torch's, or None."""
        torch = self.torch
        expected = self.theirs(*self.args, **self.kwargs)
        try:
            got = self.ours(*self.our_args, **self.our_kwargs)
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return f"forward raises {type(error).__name__}: {str(error)[:160]}"
        random = self.draws()
        if (why := difference(expected, got, random)) is not None:
            return f"forward: {why}"
        flat_e, flat_g = _flat(expected), _flat(got)  # (difference passes a None over)
        if len(flat_e) != len(flat_g) or any((e is None) != (g is None)
                                             for e, g in zip(flat_e, flat_g, strict=True)):
            return f"forward: results {[type(g).__name__ for g in flat_g]}, torch " \
                   f"{[type(e).__name__ for e in flat_e]}"
        if (why := self._buffers_differ()) is not None:
            return why
        if random:
            return None
        outs = [(e, g) for e, g in zip(_flat(expected), _flat(got), strict=False)
                if isinstance(e, torch.Tensor) and e.requires_grad and e.dtype.is_floating_point]
        if not outs:
            return None
        generator = torch.Generator().manual_seed(7)
        total_t, total_g = 0, 0
        for e, g in outs:
            v = torch.randn(e.shape, generator=generator, dtype=e.dtype)
            total_t = total_t + (e * v).sum()
            if not isinstance(g, tg.Tensor):
                return f"an output is a {type(g).__name__}"
            total_g = total_g + (g * tg.tensor(v.numpy())).sum()
        total_t.backward()
        try:
            total_g.backward()
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return f"backward raises {type(error).__name__}: {str(error)[:160]}"
        return self._grads_differ()

    def compare_double_backward(self) -> str | None:
        """The second derivative: g = d sum(out * v) / d inputs (with its graph), then the
        backward of sum(g * u) for fixed random u: the inputs' and parameters' .grad
        compared. None when nothing is differentiable twice, or ours agrees."""
        torch = self.torch
        expected = self.theirs(*self.args, **self.kwargs)
        try:
            got = self.ours(*self.our_args, **self.our_kwargs)
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return f"forward raises {type(error).__name__}: {str(error)[:160]}"
        if self.draws():
            return None
        outs = [(e, g) for e, g in zip(_flat(expected), _flat(got), strict=False)
                if isinstance(e, torch.Tensor) and e.requires_grad and e.dtype.is_floating_point]
        leaves = [(e, g) for e, g in zip(_flat(self.args) + list(self.kwargs.values()),
                                         _flat(self.our_args) + list(self.our_kwargs.values()),
                                         strict=False)
                  if isinstance(e, torch.Tensor) and e.requires_grad and e.is_leaf]
        if not outs or not leaves:
            return None
        generator = torch.Generator().manual_seed(11)
        vs = [torch.randn(e.shape, generator=generator, dtype=e.dtype) for e, _ in outs]
        try:
            first_t = torch.autograd.grad([e for e, _ in outs], [e for e, _ in leaves], vs,
                                          create_graph=True, allow_unused=True)
        except RuntimeError:  # torch has no second derivative here (its fused attention)
            return None
        try:
            first_g = tg.autograd.grad([g for _, g in outs], [g for _, g in leaves],
                                       [tg.tensor(v.numpy()) for v in vs], create_graph=True,
                                       allow_unused=True)
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return f"first grad raises {type(error).__name__}: {str(error)[:160]}"
        total_t, total_g = 0, 0
        for k, (a, b) in enumerate(zip(first_t, first_g, strict=True)):
            if a is None or not a.requires_grad:
                continue
            if b is None:
                return f"input {k}'s first grad: None, torch a tensor"
            if (why := difference(a, b)) is not None:
                return f"input {k}'s first grad: {why}"
            u = torch.randn(a.shape, generator=generator, dtype=a.dtype)
            total_t = total_t + (a * u).sum()
            total_g = total_g + (b * tg.tensor(u.numpy())).sum()
        if isinstance(total_t, int):
            return None
        for e, _ in leaves:
            e.grad = None
        try:
            total_t.backward()
        except RuntimeError:  # no derivative of torch's backward kernel (multi_margin_loss)
            return None
        if not isinstance(total_g, tg.Tensor) or not total_g.requires_grad:
            # ours knows the first gradient is constant (piecewise-linear layers): then
            # torch's second derivatives must all be zero
            if all(e.grad is None or _zero(e.grad) for e in self._torch_leaves()):
                return None
            return "the first gradient has no graph (constant), torch's is not"
        try:
            total_g.backward()
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return f"double backward raises {type(error).__name__}: {str(error)[:160]}"
        why = self._grads_differ()
        return None if why is None else f"double backward: {why}"

    def _torch_leaves(self) -> list[Any]:
        torch = self.torch
        leaves = [e for e in _flat(self.args) + list(self.kwargs.values())
                  if isinstance(e, torch.Tensor) and e.requires_grad and e.is_leaf]
        if isinstance(self.theirs, torch.nn.Module):
            leaves += list(self.theirs.parameters())
        return leaves

    def _buffers_differ(self) -> str | None:
        if not isinstance(self.ours, tg.nn.Module):
            return None
        ours = dict(self.ours.named_buffers())
        for name, want in self.theirs.named_buffers():
            have = ours.get(name)
            if have is None:
                return f"no buffer {name}"
            have = have if isinstance(have, tg.Tensor) else tg.tensor(np.asarray(have))
            if (why := difference(want, have)) is not None:
                return f"buffer {name} after the forward: {why}"
        return None

    def _grads_differ(self) -> str | None:
        torch = self.torch
        pairs = [(f"input {k}", e, g) for k, (e, g) in
                 enumerate(zip(_flat(self.args), _flat(self.our_args), strict=False))]
        pairs += [(f"input {k}'s data", e.data, g.data) for k, (e, g) in
                  enumerate(zip(self.args, self.our_args, strict=False))
                  if type(e).__name__ == "PackedSequence"]
        pairs += [(f"input {k}", self.kwargs[k], self.our_kwargs[k]) for k in self.kwargs]
        pairs += [("log_softmax's input", e, g) for e, g in self.replayed]
        if isinstance(self.ours, tg.nn.Module):
            ours = dict(self.ours.named_parameters())
            pairs += [(f"parameter {n}", p, ours.get(n)) for n, p in
                      self.theirs.named_parameters()]
        for what, e, g in pairs:
            if not isinstance(e, torch.Tensor) or not e.requires_grad or not e.is_leaf:
                continue
            if not isinstance(g, tg.Tensor):
                return f"{what}: none on our side"
            if e.grad is None or g.grad is None:
                if (e.grad is None) != (g.grad is None) and \
                        not _zero(e.grad if e.grad is not None else g.grad):
                    return f"{what}'s grad: {g.grad is None and 'None' or 'set'}, " \
                           f"torch {e.grad is None and 'None' or 'set'}"
                continue
            want = e.grad.to_dense() if e.grad.is_sparse else e.grad
            if want._is_zerotensor():  # (torch's symbolic zeros have no array)
                want = torch.zeros(want.shape, dtype=want.dtype)
            if (why := difference(want, g.grad)) is not None:
                return f"{what}'s grad: {why}"
        return None


def _leaves(value: Any, torch: Any) -> Any:
    if isinstance(value, torch.Tensor):
        replayed = type(value.grad_fn).__name__ == "LogSoftmaxBackward0" and \
            type(value.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"
        return value.detach().requires_grad_() if value.requires_grad and \
            value.grad_fn is not None and not replayed else value
    if type(value).__name__ == "PackedSequence":  # its data made a leaf, the rest as is
        return type(value)(_leaves(value.data, torch), *value[1:])
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return type(value)(_leaves(v, torch) for v in value)
    if isinstance(value, dict):
        return {k: _leaves(v, torch) for k, v in value.items()}
    return value


def _zero(grad: Any) -> bool:
    return bool((grad == 0).all())


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [x for v in value for x in _flat(v)]
    return [value]


def state_difference(theirs: Any, ours: Any) -> str | None:
    """How ours's state_dict keys and shapes differ from torch's module's, or None."""
    want = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    have = {k: tuple(np.shape(v)) for k, v in ours.state_dict().items()}
    if list(want) != list(have):
        missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        return f"state_dict keys: missing {missing}, extra {extra}" if missing or extra \
            else "state_dict keys in another order"
    for k, shape in want.items():
        if have[k] != shape:
            return f"state_dict {k}: shape {have[k]}, torch {shape}"
    return None


def copy_state(theirs: Any, ours: Any, torch: Any) -> str | None:
    """torch's parameters and buffers loaded into ours; how that failed, or None."""
    state = {k: tg.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    try:
        ours.load_state_dict(state)
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return f"load_state_dict raises {type(error).__name__}: {str(error)[:160]}"
    return None


def _layer_settings(layer: Any, torch: Any) -> dict[str, Any]:
    """The constructor keywords a torch TransformerEncoderLayer/DecoderLayer was built with,
    read back from its parts."""
    activation = layer.activation
    if isinstance(activation, torch.nn.Module):
        activation = type(activation).__name__.lower()
    return {"d_model": layer.self_attn.embed_dim, "nhead": layer.self_attn.num_heads,
            "dim_feedforward": layer.linear1.out_features, "dropout": layer.dropout.p,
            "activation": to_tg(activation, torch), "layer_norm_eps": layer.norm1.eps,
            "batch_first": layer.self_attn.batch_first, "norm_first": layer.norm_first,
            "bias": layer.linear1.bias is not None}


# torch modules that a constructor takes as an argument, rebuilt as ours from their settings
REBUILT = {"TransformerEncoderLayer": _layer_settings, "TransformerDecoderLayer": _layer_settings}


def constructor_to_tg(value: Any, torch: Any) -> Any:
    """Constructor arguments as tinygrad_bn's (opinfo_harness.to_tg), a torch layer among
    them rebuilt as ours with the same settings (its state is copied later with the
    module's)."""
    if isinstance(value, torch.nn.Module) and type(value).__name__ in REBUILT:
        name = type(value).__name__
        return getattr(tg.nn, name)(**REBUILT[name](value, torch))
    if isinstance(value, list | tuple):
        return type(value)(constructor_to_tg(v, torch) for v in value)
    if isinstance(value, dict):
        return {k: constructor_to_tg(v, torch) for k, v in value.items()}
    return to_tg(value, torch)


def tg_dtype(torch_dtype: Any) -> Any:
    return getattr(tg, str(torch_dtype).rsplit(".", 1)[-1])


def module_cases(info: Any, torch: Any, dtypes: tuple[Any, ...], per_dtype: int = INPUTS
                 ) -> Iterator[tuple[str, Any, Any, Any]]:
    """(label, torch's module input, dtype, training) for a ModuleInfo entry."""
    for dtype in dtypes:
        if dtype not in info.dtypes:
            continue
        for training in (True, False):
            torch.manual_seed(0)
            inputs = info.module_inputs_func(info, device="cpu", dtype=dtype,
                                             requires_grad=True, training=training)
            if "with_packed_sequence" in inspect.signature(info.module_inputs_func).parameters:
                inputs = inputs[:per_dtype] + [
                    i for i in info.module_inputs_func(info, device="cpu", dtype=dtype,
                                                       requires_grad=True, training=training,
                                                       with_packed_sequence=True)
                    if _packed(i)][:per_dtype]
            for k, module_input in enumerate(inputs[:2 * per_dtype]):
                label = f"{str(dtype).rsplit('.', 1)[-1]} {'train' if training else 'eval'} " \
                        f"#{k} {module_input.desc or ''}".strip()
                yield label, module_input, dtype, training


def _packed(module_input: Any) -> bool:
    return any(type(a).__name__ == "PackedSequence" for a in module_input.forward_input.args)


def check_module_entry(info: Any, torch: Any, dtypes: tuple[Any, ...],
                       per_dtype: int = INPUTS) -> tuple[int, str | None, str | None]:
    """(cases compared, the first numeric difference, the first state/repr difference)."""
    name = info.module_cls.__name__
    cls = getattr(tg.nn, name, None)
    if cls is None:
        return 0, f"no tg.nn.{name}", None
    compared, structure = 0, None
    per_dtype = min(per_dtype, 3) if name in HEAVY else per_dtype
    for label, module_input, dtype, training in module_cases(info, torch, dtypes, per_dtype):
        c_args, c_kwargs = module_input.constructor_input.args, \
            module_input.constructor_input.kwargs
        try:
            our_c = constructor_to_tg(c_args, torch), constructor_to_tg(c_kwargs, torch)
        except Unconvertible:
            continue
        theirs = info.module_cls(*c_args, **c_kwargs).to(dtype).train(training)
        try:
            ours = cls(*our_c[0], **our_c[1]).to(tg_dtype(dtype)).train(training)
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return compared, f"{label}: constructor raises {type(error).__name__}: " \
                             f"{str(error)[:160]}", structure
        if structure is None and "Lazy" not in name:
            structure = state_difference(theirs, ours)
            if structure is None and repr(theirs) != repr(ours):
                structure = f"{label}: repr {repr(ours)[:160]!r}, torch {repr(theirs)[:160]!r}"
        if "Lazy" in name:  # materialise both the same way before the copy
            with torch.no_grad():
                theirs(*module_input.forward_input.args, **module_input.forward_input.kwargs)
        if (why := copy_state(theirs, ours, torch)) is not None:
            return compared, f"{label}: {why}", structure
        try:
            case = Case(theirs, ours, module_input.forward_input.args,
                        module_input.forward_input.kwargs, torch)
        except Unconvertible:
            continue
        if (why := case.compare()) is not None:
            return compared, f"{label}: {why}", structure
        compared += 1
    return compared, None, structure


def check_module_errors(info: Any, torch: Any, dtype: Any) -> tuple[int, str | None]:
    """(error inputs checked, the first one ours does not refuse as torch does) for a
    ModuleInfo entry's module_error_inputs_func: construction or forward must raise, an
    instance of torch's exception class (messages differ: not compared)."""
    cls = getattr(tg.nn, info.module_cls.__name__, None)
    if cls is None:
        return 0, f"no tg.nn.{info.module_cls.__name__}"
    if info.module_error_inputs_func is None:
        return 0, None
    from torch.testing._internal.common_modules import ModuleErrorEnum
    checked = 0
    inputs = info.module_error_inputs_func(info, device="cpu", dtype=dtype,
                                           requires_grad=False, training=True)
    for k, error_input in enumerate(inputs):
        module_input = error_input.module_error_input
        c = module_input.constructor_input
        on_forward = error_input.error_on == ModuleErrorEnum.FORWARD_ERROR
        try:
            our_c = constructor_to_tg(c.args, torch), constructor_to_tg(c.kwargs, torch)
            f = module_input.forward_input
            our_f = (to_tg(f.args, torch), to_tg(f.kwargs, torch)) if on_forward else None
        except Unconvertible:
            continue
        try:
            module = cls(*our_c[0], **our_c[1])
            if our_f is not None:
                module(*our_f[0], **our_f[1])
        except error_input.error_type:
            checked += 1
            continue
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return checked, f"#{k} ({error_input.error_regex[:60]!r}): raises " \
                            f"{type(error).__name__}, torch {error_input.error_type.__name__}:" \
                            f" {str(error)[:120]}"
        return checked, f"#{k} ({error_input.error_regex[:60]!r}): no error, torch raises " \
                        f"{error_input.error_type.__name__}"
    return checked, None


def check_module_double_backward(info: Any, torch: Any, per_dtype: int = 2
                                 ) -> tuple[int, str | None]:
    """(cases compared, the first difference) of the second derivatives of a ModuleInfo
    entry that supports them (supports_gradgrad), float64, train and eval."""
    name = info.module_cls.__name__
    cls = getattr(tg.nn, name, None)
    if cls is None:
        return 0, f"no tg.nn.{name}"
    compared = 0
    for label, module_input, dtype, training in module_cases(info, torch, (torch.float64,),
                                                             per_dtype):
        c = module_input.constructor_input
        try:
            our_c = constructor_to_tg(c.args, torch), constructor_to_tg(c.kwargs, torch)
        except Unconvertible:
            continue
        theirs = info.module_cls(*c.args, **c.kwargs).to(dtype).train(training)
        ours = cls(*our_c[0], **our_c[1]).to(tg_dtype(dtype)).train(training)
        if "Lazy" in name:
            with torch.no_grad():
                theirs(*module_input.forward_input.args, **module_input.forward_input.kwargs)
        if (why := copy_state(theirs, ours, torch)) is not None:
            return compared, f"{label}: {why}"
        try:
            case = Case(theirs, ours, module_input.forward_input.args,
                        module_input.forward_input.kwargs, torch)
        except Unconvertible:
            continue
        if (why := case.compare_double_backward()) is not None:
            return compared, f"{label}: {why}"
        compared += 1
    return compared, None
