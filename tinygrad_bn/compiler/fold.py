"""Folding an SGD step into the replayed program.

An optimizer step is recorded as a call (tinygrad_bn/recording.py): on replay the
optimizer runs again as Python, reading the learning rate and its state of the moment.
For plain SGD that Python (the loop over groups and parameters, the gradient checks, the
state and scratch lookups) costs more than its arithmetic at small sizes: ~6 us per
parameter against ~2 us for its two ufunc calls. This module writes SGD's update into the
program instead, as ufunc calls on the gradients' slots with preallocated scratch memory:

    d = g (+ wd p);  b = mu b + (1 - tau) d;  d = d + mu b (nesterov) or b;  p -= lr d,

in exactly the order of `SGD._update` (tinygrad_bn/optim/rules.py), so the parameters come
out bit for bit as the eager step leaves them (tests/test_compile_fold.py draws the
options with Hypothesis and compares). The options (lr, momentum, dampening,
weight_decay) are read from the parameter group at the moment of the step, as the eager
step reads them; they enter the ufuncs as 0-d arrays of the operand's dtype, which is the
value NumPy's weak Python scalars are cast to.

What the folded lines assume is checked when the step is reached, and where anything
differs the program calls `opt.step()` as before (the eager step, exactly):

- the optimizer is an `SGD` (not a subclass) whose options are the ones the lines
  know (checked when the program is built; maximize False, PyTorch's implementation
  switches foreach, fused, differentiable change nothing), its `param_groups` the same list with the
  same groups holding the same parameters, `step()` called without a closure;
- each option is a Python float or int, and which of them are zero (momentum, dampening,
  weight_decay) and nesterov are as recorded: those decide which operations run;
- with momentum, `opt.state` is the same dict holding the same per-parameter dicts and
  momentum buffers as when the program was built.

Parameters that had no gradient at the recorded step are skipped (eager skips them too;
one whose .grad the call left as it was is checked to be None at the step); a gradient
the program did not compute itself leaves the step a call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..optim import SGD
from ..optim.optimizer import Optimizer

_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


# the options SGD._update reads: an option added to SGD later leaves its step a call
# until the lines below learn it
_OPTIONS = {"lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "foreach",
            "differentiable", "fused"}


def foldable(instr: Any, args: tuple, kwargs: dict) -> SGD | None:
    """The SGD optimizer whose recorded `step()` call this is, or None."""
    if instr.target is not Optimizer.step.__wrapped__ or kwargs or len(args) != 1:
        return None
    enc = args[0]
    opt = enc[1] if enc[0] == "ref" else None
    return opt if type(opt) is SGD and set(opt.defaults) == _OPTIONS else None


def _owner(instr: Any, args: tuple, kwargs: dict, function: Any) -> Any:
    """The object whose recorded `function(self, set_to_none=True)` call this is, or None
    (another function, other arguments)."""
    if instr.target is not function or not args or args[0][0] != "ref":
        return None
    rest = [*args[1:], *kwargs.values()]
    if len(args) > 2 or (kwargs and set(kwargs) != {"set_to_none"}) or \
            any(e != ("pyconst", True) for e in rest):
        return None
    return args[0][1]


def _structure(program: Any, opt: Optimizer) -> list[str]:
    """Conditions that the optimizer holds the groups and parameters it holds now."""
    groups = opt.param_groups
    o, pg = program._name("o", opt), program._name("pg", groups)
    checks = [f"{o}.param_groups is {pg}", f"len({pg}) == {len(groups)}"]
    for k, group in enumerate(groups):
        grp, params = program._name("grp", group), group["params"]
        pl = program._name("pl", params)
        checks += [f"{pg}[{k}] is {grp}", f"{grp}['params'] is {pl}",
                   f"len({pl}) == {len(params)}"]
        checks += [f"{pl}[{i}] is {program._name('t', p)}" for i, p in enumerate(params)]
    return checks


def zero_grad_lines(program: Any, instr: Any, args: tuple, kwargs: dict, call: str,
                    first: bool) -> list[str] | None:
    """The program lines of `opt.zero_grad()` (set_to_none, the default) for a plain
    Optimizer: `p.grad = None` for its parameters, under the condition that it holds the
    same groups and parameters. Where that fails, the call is eager's; `first` (nothing
    written yet in this replay): the program raises Changed instead, and the function is
    recorded again (the recorded .grad states after the call would not hold)."""
    opt = _owner(instr, args, kwargs, Optimizer.zero_grad.__wrapped__)
    if not isinstance(opt, Optimizer) or type(opt).params is not Optimizer.params:
        return None
    condition = " and\n            ".join(_structure(program, opt))
    clear = [f"    {program._name('t', p)}._grad = None" for p in opt.params]
    if first:
        program.verified.add(id(opt))
        return [f"    if not ({condition}):  # Optimizer.zero_grad folded (compiler/fold.py)",
                "        raise Changed()", *clear]
    return [f"    if ({condition}):  # Optimizer.zero_grad folded (compiler/fold.py)",
            *("    " + line for line in clear), "    else:", f"        {call}"]


def sgd_lines(program: Any, opt: SGD, grads: tuple, call: str) -> list[str] | None:
    """The program lines of `opt.step()` folded (see the module doc), `call` (the line
    that calls the step) in the branch taken when an assumption fails; None when the
    step cannot be folded at all."""
    slot_of = {id(key[1]): slot for slot, key in program.sources.items()
               if key[0] == "tensor"}
    grad_of = {id(key[1]): g for key, g in zip(program.tensor_keys, grads)
               if key[0] == "tensor"}
    for ufunc in (np.multiply, np.add, np.subtract):
        program.names.setdefault(ufunc.__name__, ufunc)
    groups = opt.param_groups
    o, st = program._name("o", opt), program._name("st", opt.state)
    # the groups and parameters, unless a folded zero_grad of this replay checked them and
    # no replayed call ran since (program.verified)
    checks = ["True"] if id(opt) in program.verified else _structure(program, opt)
    if any(g["momentum"] for g in groups):
        checks.append(f"{o}.state is {st}")
    fills: list[str] = []
    body: list[str] = []
    factors: dict[tuple[str, np.dtype], str] = {}

    def factor(value: str, dtype: np.dtype) -> str:
        """A 0-d array of `dtype` holding the option `value` (an expression) at the step."""
        name = factors.get((value, dtype))
        if name is None:
            name = factors[(value, dtype)] = program._name("f", np.zeros((), dtype))
            fills.append(f"        {name}[()] = {value}")
        return name

    shared: dict[tuple, str] = {}

    def scratch(like: np.ndarray, k: int) -> str:
        """Scratch memory shaped like a parameter, shared by the parameters of that shape
        (their updates run one after the other); made only when a line uses it."""
        key = (like.shape, like.dtype, k)
        if key not in shared:
            shared[key] = program._name("sgd", np.empty_like(like))
        return shared[key]

    for group in groups:
        grp, params = program._name("grp", group), group["params"]
        if group["maximize"]:  # the step negates the gradient first: left a call
            return None
        checks += [f"type({grp}['lr']) in (float, int)", f"not {grp}['maximize']",
                   f"bool({grp}['nesterov']) is {bool(group['nesterov'])}"]
        options = {key: group[key] for key in ("lr", "momentum", "dampening", "weight_decay")}
        if any(type(v) not in (float, int) for v in options.values()):
            return None
        for key in ("momentum", "dampening", "weight_decay"):
            checks.append(f"type({grp}[{key!r}]) in (float, int) and "
                          f"bool({grp}[{key!r}]) is {bool(options[key])}")
        mu, tau, wd = options["momentum"], options["dampening"], options["weight_decay"]
        read = {key: f"{grp}[{key!r}]" for key in options}  # the option at the step
        for p in params:
            t = program._name("t", p)
            g = grad_of.get(id(p), "unknown")
            if g is None:  # no gradient at this step: eager skips the parameter
                continue
            if g == "keep":  # the .grad from before the call: skipped if it is None
                checks.append(f"{t}._grad is None")
                continue
            if not isinstance(g, tuple) or g[0] != "slot" or id(p) not in slot_of:
                return None
            param, grad = program.values[slot_of[id(p)]], program.values[g[1]]
            if param.dtype not in _FLOATS or grad.dtype != param.dtype or \
                    grad.shape != param.shape:
                return None
            dtype, p_expr, d = param.dtype, f"v{slot_of[id(p)]}", f"v{g[1]}"
            s0 = scratch(param, 0)
            if wd:
                body += [f"        multiply({p_expr}, "
                         f"{factor(read['weight_decay'], dtype)}, out=({s0},))",
                         f"        add({s0}, {d}, out=({s0},))"]
                d = s0
            if mu:
                state = opt.state.get(p)
                buf = None if state is None else state.get("momentum_buffer")
                if not isinstance(buf, np.ndarray) or buf.shape != param.shape or \
                        buf.dtype != dtype:
                    return None  # the first step (which makes the buffer) stays a call
                b, sd = program._name("mb", buf), program._name("sd", state)
                checks.append(f"{st}.get({t}) is {sd} and {sd}.get('momentum_buffer') is {b}")
                mu_f = factor(read["momentum"], dtype)
                body.append(f"        multiply({b}, {mu_f}, out=({b},))")
                if tau:
                    out = scratch(param, 1) if d == s0 else s0
                    body += [f"        multiply({d}, "
                             f"{factor('1.0 - ' + read['dampening'], dtype)}, "
                             f"out=({out},))",
                             f"        add({b}, {out}, out=({b},))"]
                else:
                    body.append(f"        add({b}, {d}, out=({b},))")
                if group["nesterov"]:
                    out = scratch(param, 1) if d == s0 else s0
                    body += [f"        multiply({b}, {mu_f}, out=({out},))",
                             f"        add({out}, {d}, out=({out},))"]
                    d = out
                else:
                    d = b
            body += [f"        multiply({d}, {factor(read['lr'], dtype)}, "
                     f"out=({s0},))",
                     f"        subtract({p_expr}, {s0}, out=({p_expr},))"]
    condition = " and\n            ".join(checks)
    return [f"    if ({condition}):  # SGD.step folded (compiler/fold.py)", *fills, *body,
            "    else:", f"        {call}"]
