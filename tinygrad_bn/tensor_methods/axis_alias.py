"""PyTorch's `axis=`, its alias for `dim=` in every method bound from C++
(`x.topk(1, axis=0)`, `x.mode(axis=0)`), for the methods whose signature is PyTorch's `dim`.

`takes_axis` adds a keyword-only `axis=None` to such a method: given alone it is the dim
(it wins over a non-None default such as kthvalue's dim=-1); given with an explicit dim it
is an ArgumentError, as `one_of` says. It costs one Python call per use, so the methods of
a training step (softmax, log_softmax, sum, mean, size) take `axis=` in their own bodies.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from ..keywords import one_of

F = TypeVar("F", bound=Callable[..., Any])

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def takes_axis(method: F) -> F:
    """`method` that also takes `axis=` for its parameter `dim` (see the module's docstring)."""
    signature = inspect.signature(method)
    parameters = list(signature.parameters.values())
    names = [p.name for p in parameters]
    at = names.index("dim")
    # dim's place among the positional arguments; past every one when it is keyword-only
    position = at if parameters[at].kind in _POSITIONAL else len(parameters)
    op = method.__name__

    @functools.wraps(method)
    def with_axis(*args: Any, axis: Any = None, **kwargs: Any) -> Any:
        if axis is not None:
            if len(args) > position:
                args = (*args[:position], one_of(op, "dim", args[position], "axis", axis),
                        *args[position + 1:])
            else:
                kwargs["dim"] = one_of(op, "dim", kwargs.get("dim"), "axis", axis)
        return method(*args, **kwargs)

    # the signature shown (help(), inspect) is the method's with axis= among its keywords
    last = len(parameters) - (parameters[-1].kind is inspect.Parameter.VAR_KEYWORD
                              if parameters else 0)
    axis = inspect.Parameter("axis", inspect.Parameter.KEYWORD_ONLY, default=None)
    with_axis.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*parameters[:last], axis, *parameters[last:]])
    del with_axis.__wrapped__  # inspect would show the method's own signature, without axis
    return with_axis  # type: ignore[return-value]
