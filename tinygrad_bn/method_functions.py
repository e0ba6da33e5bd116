"""PyTorch's module-level functions: `tg.exp(x)`, `tg.sum(x, dim=1)`, `tg.flatten(x, 1)` ...

Each is the Tensor method of the same name applied to `as_tensor(input)`
(so an ndarray or a number works too), with the method's arguments and
semantics; the math of each is in the method's docstring (tensor.py and
tensor_methods/). `tg.max(x, dim=1)` is the values, as `x.max(dim=1)`
(docs/autograd.md, design notes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .tensor import Tensor, as_tensor

__all__ = [
    "abs", "all", "any", "argmax", "argmin", "chunk", "clamp", "clip", "clone", "cos", "cumsum",
    "exp", "flatten", "flip", "gather", "isfinite", "isinf", "isnan", "log", "logsumexp",
    "masked_fill", "matmul", "max", "mean", "min", "norm", "numel", "permute", "prod", "relu",
    "reshape", "sigmoid", "sign", "sin", "split", "sqrt", "squeeze", "std", "sum", "t", "tanh",
    "transpose", "unsqueeze", "var",
]


def _function(name: str) -> Callable[..., Any]:
    method = getattr(Tensor, name)

    def function(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 (PyTorch's name)
        return method(as_tensor(input), *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"`tg.{name}(x, ...)` is `x.{name}(...)` (PyTorch's torch.{name}). " + \
        (method.__doc__ or "")
    return function


abs = _function("abs")  # noqa: A001
all = _function("all")  # noqa: A001
any = _function("any")  # noqa: A001
argmax = _function("argmax")
argmin = _function("argmin")
chunk = _function("chunk")
clamp = _function("clamp")
clip = _function("clip")
clone = _function("clone")
cos = _function("cos")
cumsum = _function("cumsum")
exp = _function("exp")
flatten = _function("flatten")
flip = _function("flip")
gather = _function("gather")
isfinite = _function("isfinite")
isinf = _function("isinf")
isnan = _function("isnan")
log = _function("log")
logsumexp = _function("logsumexp")
masked_fill = _function("masked_fill")
matmul = _function("matmul")
max = _function("max")  # noqa: A001
mean = _function("mean")
min = _function("min")  # noqa: A001
norm = _function("norm")
numel = _function("numel")
permute = _function("permute")
prod = _function("prod")
relu = _function("relu")
reshape = _function("reshape")
sigmoid = _function("sigmoid")
sign = _function("sign")
sin = _function("sin")
split = _function("split")
sqrt = _function("sqrt")
squeeze = _function("squeeze")
std = _function("std")
sum = _function("sum")  # noqa: A001
t = _function("t")
tanh = _function("tanh")
transpose = _function("transpose")
unsqueeze = _function("unsqueeze")
var = _function("var")
