"""The Optimizer base class: parameter groups, per-parameter state, state dicts, zero_grad,
and the argument checks every optimizer shares.

As in PyTorch, `param_groups` is a list of dicts, each with its "params" list and its own
options (lr, momentum, ...; the constructor's values are the `defaults` a group falls back
on), and `state` maps each parameter to its own dict (momentum buffers, Adam's moments,
step counts). `step()` updates every parameter that has a gradient, in place on `p._data`
with NumPy (no graph, the parameter's dtype kept); parameters whose `.grad` is None are
skipped, and their state does not advance.

No arrays are allocated per step after the first: the update rules (rules.py) write every
intermediate into the state's buffers or into scratch arrays kept per parameter (not part
of the state dict), through ufuncs with `out=`.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, DataError, DTypeError, ShapeError
from ..modes import enable_grad
from ..recording import replay_as_call
from ..tensor import Tensor
from . import state_tensors
from .step_hooks import StepHooks, hooked
from .step_hooks import register_optimizer_step_post_hook as register_optimizer_step_post_hook
from .step_hooks import register_optimizer_step_pre_hook as register_optimizer_step_pre_hook

# the options lr schedulers write into a group besides the optimizer's own (as PyTorch's):
# a saved group may hold them (swa_utils.SWALR's swa_lr; OneCycleLR's and CyclicLR's lr
# and momentum bounds)
SCHEDULER_KEYS = frozenset({"initial_lr", "swa_lr", "max_lr", "min_lr", "max_momentum",
                            "base_momentum"})


class Optimizer(StepHooks):
    """Base class: subclasses pass their `defaults`, check a group's options in
    `_check_group` and update one parameter in `_update(param, grad, state, group, scratch)`.
    A subclass that defines its own `step` gets the step hooks run around it too."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = hooked(cls.__dict__["step"])

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        self._scratch: dict[int, _Scratch] = {}
        groups = _param_list(name, params)
        if not groups:
            raise ArgumentError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def params(self) -> list[Tensor]:
        """Every parameter of every group, in order."""
        return [p for group in self.param_groups for p in group["params"]]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group: a dict with "params" (an iterable of Tensors) and any options, the
        missing ones taken from the defaults. A parameter may belong to one group only."""
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise ArgumentTypeError(f"{name}: a parameter group must be a dict with a "
                                    f"'params' entry, got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else _param_list(name, params)
        params, names = _named(name, params)
        if self.param_groups and (names is None) != ("param_names" not in self.param_groups[0]):
            raise ArgumentError(f"{name}: all parameter groups must be given with names "
                                f"((name, parameter) pairs, as model.named_parameters() gives) "
                                f"or all without")
        param_group = {**param_group, **({} if names is None else {"param_names": names})}
        unknown = set(param_group) - set(self.defaults) - {"params", "param_names"}
        if unknown:
            raise ArgumentError(f"{name}: unknown options {sorted(unknown)} in a parameter "
                                f"group (known: {sorted(self.defaults)})")
        seen = {id(p) for p in self.params}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise DTypeError(f"{name}: parameter {i} is not a Tensor that requires grad "
                                 f"(got {type(p).__name__})")
            if p._ctx is not None:  # its .grad is never filled: PyTorch refuses it too
                raise ArgumentError(f"{name}: can't optimize a non-leaf Tensor (parameter "
                                    f"{i}, shape {tuple(p.shape)}, is the result of an op); "
                                    f"optimize the leaf it was computed from, or detach() it "
                                    f"and set requires_grad_()")
            if id(p) in seen:
                raise ArgumentError(f"{name}: parameter {i} appears more than once")
            seen.add(id(p))
        group = {**self.defaults, **param_group, "params": params}
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        if "weight_decay" in group:  # Rprop and LBFGS have none
            _check_range(name, weight_decay=group["weight_decay"])
        for key in ("maximize", "differentiable", "capturable", "decoupled_weight_decay"):
            if key in group and not isinstance(group[key], bool | np.bool_):
                raise ArgumentTypeError(f"{name}: {key} must be True or False, got "
                                        f"{type(group[key]).__name__} {group[key]!r}")
        if group.get("differentiable"):
            raise ArgumentError(f"{name}: differentiable=True is not supported: tinygrad_bn's "
                                f"optimizers update .data in place, outside the graph")

    @replay_as_call  # tg.compile calls it again on replay (tinygrad_bn/recording.py)
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default, as PyTorch), or to zeros in
        place with set_to_none=False."""
        for group in self.param_groups:
            for p in group["params"]:
                # the slot the engine writes: a parameter is a leaf, its property would
                # only add a call (PyTorch's warning is for a non-leaf's .grad)
                if set_to_none or p._grad is None:
                    p._grad = None
                else:
                    p._grad._data[...] = 0

    @replay_as_call  # reads lr and step counts of the moment: replayed as a call
    @hooked
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update each parameter that has a gradient, in place. `closure` (optional, as
        PyTorch's): called first with gradients enabled, to recompute the loss and its
        gradients; its result is returned (else None)."""
        loss = None
        if closure is not None:
            if not callable(closure):
                raise ArgumentTypeError(f"{type(self).__name__}.step: closure must be callable "
                                        f"or None, got {type(closure).__name__}")
            with enable_grad():
                loss = closure()
        states, scratches, update = self.state, self._scratch, self._update
        for group in self.param_groups:
            if self._group_step(group):  # the rule updated the whole group itself
                continue
            if type(group["lr"]) is Tensor:  # the rules read a number (PyTorch: lr.item())
                group = number_lr(group)
            maximize = group.get("maximize")  # every rule then descends on -g, as PyTorch's
            for p in group["params"]:
                grad = p._grad  # a Tensor or None: `.grad =` takes nothing else
                if grad is None:
                    continue
                data = p._data
                if grad._data.shape != data.shape:  # p.data was replaced since
                    _refuse_grad(type(self).__name__, p)
                state = states.get(p)
                scratch = scratches.get(id(p))
                if scratch is None or scratch.like is not data:
                    scratch = self._scratch_of(p, data, state)
                fresh = state is None
                if fresh:
                    state = {}
                g = grad._data
                if maximize:
                    g = scratch.negated(g)
                update(data, g, state, group, scratch)
                if fresh and state:  # rules without state (plain SGD) keep none
                    states[p] = state
        return loss

    def _group_step(self, group: dict[str, Any]) -> bool:
        """Update a whole group at once, its options read once (a rule whose options make
        it stateless may: plain SGD), and return True; False (the default) leaves the group
        to `step`'s loop over its parameters, `_update` per parameter. A group step must
        give the bits, state and errors of that loop."""
        return False

    def _scratch_of(self, p: Tensor, data: np.ndarray, state: dict[str, Any] | None
                    ) -> _Scratch:
        """p's scratch arrays when they are not yet made for its current array `data`: made
        at p's first step, or told that p's `.data` was replaced (a new shape cannot
        continue an existing `state`: refused with a ShapeError)."""
        scratch = self._scratch.get(id(p))
        if scratch is None:
            scratch = self._scratch[id(p)] = _Scratch([], data)
        elif scratch.follow(data) and state is not None:
            _check_state_shapes(type(self).__name__, p, state, self._state_shape)
        return scratch

    def _state_shape(self, key: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of state array `key` of a parameter of `shape`: the parameter's (a rule
        whose state has other shapes, such as Adafactor's factored moments, says so)."""
        return shape

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], scratch: _Scratch) -> None:
        raise NotImplementedError

    # ---- state dicts ----
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: {"state": {index: {name: value}}, "param_groups": [{options...,
        "params": [indices]}]}, parameters numbered in group order. As PyTorch's, the state
        holds the optimizer's own buffers as Tensors (sharing memory: a later step changes
        them; snapshot with copy.deepcopy) and the step counts as 0-d Tensors
        (tinygrad_bn/optim/state_tensors.py)."""
        index = {id(p): i for i, p in enumerate(self.params)}
        scalars = state_tensors.scalars_of(self)
        state = {index[id(p)]: state_tensors.saved(s, scalars)
                 for p, s in self.state.items() if s}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [index[id(p)] for p in g["params"]]} for g in self.param_groups]
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict` (of an optimizer over parameters
        of the same shapes, grouped the same way): PyTorch's layout (Tensors, 0-d step
        Tensors; PyTorch's own tensors too) or the one earlier versions saved (ndarrays,
        Python numbers). Arrays are copied in, cast to each parameter's dtype."""
        name = type(self).__name__
        where = f"{name}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise DataError(f"{where}: expected a dict with 'state' and 'param_groups', got "
                            f"{_short(state_dict)}")
        saved, entries_by_index = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved, list | tuple) or not all(
                isinstance(g, dict) and isinstance(g.get("params"), list | tuple) for g in saved):
            raise DataError(f"{where}: 'param_groups' must be a list of dicts, each with a "
                            f"'params' list, got {_short(saved)}")
        if not isinstance(entries_by_index, dict):
            raise DataError(f"{where}: 'state' must be a dict from parameter index to its "
                            f"state, got {_short(entries_by_index)}")
        sizes = [len(g["params"]) for g in self.param_groups]
        if [len(g["params"]) for g in saved] != sizes:
            raise DataError(f"{where}: the saved groups hold "
                            f"{[len(g['params']) for g in saved]} parameters, this optimizer's "
                            f"{sizes}")
        params = self.params
        scalars = state_tensors.scalars_of(self)
        new_state: dict[Tensor, dict[str, Any]] = {}
        for i, entries in entries_by_index.items():
            if isinstance(i, bool) or not isinstance(i, int | np.integer | str) or \
                    not str(i).isdigit() or int(i) >= len(params) or \
                    not isinstance(entries, dict):
                raise DataError(f"{where}: state entry {i!r} must map a parameter index in "
                                f"[0, {len(params)}) to a dict, got {_short(entries)}")
            p = params[int(i)]
            restored = {}
            for key, value in entries.items():
                value = state_tensors.restored(where, key, value, scalars)
                if scalars.get(key) is float and key != "step":  # cast as PyTorch casts
                    value = p._data.dtype.type(value)
                if isinstance(value, np.ndarray) and value.ndim:
                    expected = self._state_shape(key, p.shape)
                    if value.shape != expected:
                        raise DataError(f"{where}: state '{key}' of parameter {i} has shape "
                                        f"{value.shape}, expected {expected} for the "
                                        f"parameter {p.shape}")
                    value = value.astype(p.dtype, copy=True)
                restored[key] = copy.deepcopy(value)
            new_state[p] = restored
        groups = []
        for group, saved_group in zip(self.param_groups, saved):
            unknown = set(saved_group) - set(self.defaults) - {"params", "param_names"} - \
                SCHEDULER_KEYS
            if unknown:
                raise DataError(f"{where}: unknown options {sorted(unknown)} in a saved group "
                                f"(known: {sorted(self.defaults)})")
            merged = {**group, **{k: state_tensors.option(copy.deepcopy(v))
                                  for k, v in saved_group.items() if k != "params"}}
            try:  # the options a constructor checks, checked again (a loaded lr = -1 ascends)
                lr = merged.get("lr", 0.0)
                if isinstance(lr, Tensor) and lr.numel() == 1:
                    lr = lr.item()
                if isinstance(lr, bool) or not isinstance(lr, int | float) or lr < 0:
                    raise ArgumentError(f"{name}: lr must be a number >= 0, got "
                                        f"{merged.get('lr')!r}")
                self._check_group(merged)
            except (ArgumentError, ArgumentTypeError, TypeError, KeyError) as error:
                raise DataError(f"{where}: a saved group's options are invalid: "
                                f"{error}") from error
            groups.append(merged)
        for group, merged in zip(self.param_groups, groups):
            group.update(merged)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])


def number_lr(group: dict[str, Any]) -> dict[str, Any]:
    """The group with a Tensor lr (PyTorch allows one: a scheduler or a compiled step may
    change it in place) read as the Python float the update rules take, and its dtype as
    "lr_dtype" (for a rule that computes in it, as PyTorch's Muon); the group itself keeps
    the Tensor."""
    lr = group["lr"]
    return {**group, "lr": float(lr.item()), "lr_dtype": lr.dtype} if isinstance(lr, Tensor) \
        else group


def _short(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


class _Scratch:
    """Scratch arrays of one parameter (its shape and dtype), made at the first step that
    needs them and reused by every later one; `s[k]` is the k-th."""

    __slots__ = ("arrays", "like", "negative")

    def __init__(self, arrays: list[np.ndarray], like: np.ndarray) -> None:
        self.arrays, self.like = arrays, like
        self.negative: np.ndarray | None = None

    def follow(self, like: np.ndarray) -> bool:
        """The parameter's array now: arrays made for another shape or dtype go (a `.data`
        replaced by one of a new shape failed, of a new dtype rounded through the old one).
        Returns whether the shape or dtype changed."""
        old = self.like
        self.like = like
        if old.shape != like.shape or old.dtype != like.dtype:
            self.arrays, self.negative = [], None
            return True
        return False

    def negated(self, grad: np.ndarray) -> np.ndarray:
        """-grad, in an array of its own kept for the next steps (maximize=True)."""
        if self.negative is None:
            self.negative = np.empty_like(self.like)
        return np.negative(grad, out=self.negative)

    def __getitem__(self, k: int) -> np.ndarray:
        arrays = self.arrays
        while len(arrays) <= k:
            arrays.append(np.empty_like(self.like))
        return arrays[k]


def _param_list(name: str, params: Any) -> list:
    """The optimizer's parameters (or groups) as a list; a single Tensor, an un-called method
    such as `model.parameters` and other non-iterables are refused (iterating a Tensor would
    walk its rows and optimize slices of it)."""
    if isinstance(params, Tensor):
        raise ArgumentTypeError(
            f"{name}: params must be an iterable of Tensors, got a single Tensor of shape "
            f"{params.shape}; pass [p] or model.parameters()")
    if not isinstance(params, Iterable):
        hint = " (a method: call it, e.g. model.parameters())" if callable(params) else ""
        raise ArgumentTypeError(f"{name}: params must be an iterable of Tensors, got "
                                f"{type(params).__name__}{hint}")
    return list(params)


def _named(name: str, params: list) -> tuple[list, list[str] | None]:
    """A group's parameters and their names, when it is given as (name, parameter) pairs
    (PyTorch's `optimizer(model.named_parameters())`: the names are kept in the group as
    "param_names" and saved in the state dict); None without names. All or none named."""
    pairs = [isinstance(p, tuple) for p in params]
    if not any(pairs):
        return params, None
    if not all(pairs) or any(len(p) != 2 or not isinstance(p[0], str) for p in params):
        raise ArgumentError(f"{name}: all parameters of a group must be (name, parameter) "
                            f"pairs or all plain parameters, got "
                            f"{[type(p).__name__ for p in params][:6]}")
    return [p for _, p in params], [n for n, _ in params]


def _refuse_grad(name: str, p: Tensor) -> None:
    """Raise for a p.grad of another shape than p's (its array was replaced after the
    gradient was set: NumPy would broadcast a wrong one). `.grad =` takes only None or a
    Tensor of p's shape, so that is the one way a wrong gradient can get there."""
    grad = p._grad
    raise ShapeError(f"{name}.step: a parameter of shape {p.shape} has a .grad of shape "
                     f"{grad.shape}; they must match")


def _check_state_shapes(name: str, p: Tensor, state: dict[str, Any],
                        expected: Callable[[str, tuple[int, ...]], tuple[int, ...]]) -> None:
    """A parameter whose `.data` took a new shape cannot continue its old state (PyTorch
    fails too, inside the update); say so rather than fail in NumPy."""
    for key, value in state.items():
        if isinstance(value, np.ndarray) and value.ndim and value.shape != expected(key,
                                                                                    p.shape):
            raise ShapeError(f"{name}.step: a parameter's .data now has shape {p.shape}, but "
                             f"its state '{key}' was made for shape {value.shape}; create the "
                             f"optimizer again (or delete optimizer.state[p]) after replacing "
                             f".data with an array of another shape")


def switches(maximize: bool = False, foreach: bool | None = None,
             differentiable: bool = False, **more: Any) -> dict[str, Any]:
    """The options PyTorch's optimizers share besides their rule's: maximize (ascend: every
    rule runs on -g) and the switches that choose among PyTorch's implementations of one
    rule (foreach, fused, capturable). tinygrad_bn has one implementation, so those are
    kept in the groups, as PyTorch keeps them (state dicts read alike), and change
    nothing; differentiable=True is refused (`_check_group`)."""
    return {"maximize": maximize, "foreach": foreach, "differentiable": differentiable, **more}


def _check_range(name: str, upper: float = math.inf, **values: float) -> None:
    """Each value must be a real number (not a bool) in [0, upper); lr may also be a Tensor
    of one element (PyTorch's Tensor lr)."""
    for key, value in values.items():
        if key == "lr" and isinstance(value, Tensor):
            if value.numel() != 1 or value.dtype.kind != "f":
                raise ArgumentError(f"{name}: a Tensor lr must be one floating-point element, "
                                    f"got shape {value.shape} of {value.dtype}")
            value = value.item()
        if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
            raise ArgumentTypeError(f"{name}: {key} must be a real number, got "
                                    f"{type(value).__name__} {value!r}")
        if not 0.0 <= value < upper:
            bound = "" if upper == math.inf else f" and < {upper}"
            raise ArgumentError(f"{name}: {key} must be >= 0{bound}, got {value}")


def _check_betas(name: str, betas: Any) -> None:
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise ArgumentError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
    _check_range(name, upper=1.0, beta1=betas[0], beta2=betas[1])
