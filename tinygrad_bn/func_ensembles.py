"""torch.func.stack_module_state: the parameters and buffers of several models of one
architecture stacked along a new leading dim, for model ensembling with vmap:

    params, buffers = stack_module_state(models)
    out = vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))(
        params, buffers, x)                       # out[i] = models[i](x)

Each stacked parameter is a new leaf (requiring grad when the models' parameters do), cut
from the models' own tensors, as PyTorch's; each stacked buffer is a plain tensor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import ArgumentError, ArgumentTypeError
from .tensor import Tensor, stack

__all__ = ["stack_module_state"]


def stack_module_state(models: Sequence[Any]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """({name: the models' parameter `name` stacked}, {name: their buffer stacked})."""
    try:
        models = list(models)  # a list, tuple or nn.ModuleList of modules
    except TypeError:
        raise ArgumentTypeError(f"stack_module_state: expected a list of modules, got "
                                f"{type(models).__name__}") from None
    if not models:
        raise ArgumentError("stack_module_state: expected a non-empty list of modules")
    for i, model in enumerate(models):
        if not hasattr(model, "named_parameters") or not hasattr(model, "named_buffers"):
            raise ArgumentTypeError(f"stack_module_state: model {i} is not an nn.Module: "
                                    f"got {type(model).__name__}")
        if model.training != models[0].training:
            raise ArgumentError("stack_module_state: the models must all be in training mode "
                                "or all in eval mode")
    params = [dict(model.named_parameters()) for model in models]
    buffers = [{k: v if isinstance(v, Tensor) else Tensor(v)  # batch norm keeps ndarrays
                for k, v in model.named_buffers()} for model in models]
    for i in range(1, len(models)):
        for kind, found in (("parameters", params), ("buffers", buffers)):
            if list(found[i]) != list(found[0]) or any(
                    found[i][k].shape != found[0][k].shape for k in found[0]):
                raise ArgumentError(f"stack_module_state: model {i}'s {kind} differ from "
                                    f"model 0's in names or shapes; the models must share one "
                                    f"architecture")
    stacked_params = {}
    for name in params[0]:
        joined = stack([p[name].detach() for p in params])
        stacked_params[name] = joined.requires_grad_(any(p[name].requires_grad for p in params))
    stacked_buffers = {name: stack([b[name].detach() for b in buffers]) for name in buffers[0]}
    return stacked_params, stacked_buffers
