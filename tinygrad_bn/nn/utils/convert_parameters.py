"""Parameters as one flat vector and back (PyTorch's nn.utils.parameters_to_vector and
vector_to_parameters): the form optimisers that see one vector (line searches,
second-order methods, evolution strategies) and parameter-averaging code use."""

from __future__ import annotations

from collections.abc import Iterable

from ...errors import ArgumentTypeError, ShapeError
from ...tensor import Tensor, concatenate


def _parameter_list(op: str, parameters: Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        raise ArgumentTypeError(f"{op}: expects an iterable of tensors (e.g. "
                                f"model.parameters()), got a single Tensor")
    params = list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise ArgumentTypeError(f"{op}: parameter {i} is a {type(p).__name__}, not a "
                                    f"Tensor")
    if not params:
        raise ShapeError(f"{op}: no parameters given")
    return params


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and joined, in order: a 1-d Tensor, differentiable (its
    gradient lands in each parameter's place)."""
    params = _parameter_list("parameters_to_vector", parameters)
    return concatenate([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each parameter, in order, the next p.numel() values of `vec` as its data, as
    PyTorch does: each parameter's array becomes a view of vec's memory (not recorded by
    autograd). `vec` must hold exactly as many values as the parameters."""
    if not isinstance(vec, Tensor):
        raise ArgumentTypeError(f"vector_to_parameters: vec must be a Tensor, got "
                                f"{type(vec).__name__}")
    params = _parameter_list("vector_to_parameters", parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise ShapeError(f"vector_to_parameters: vec must be 1-d with {total} values (the "
                         f"parameters' total), got shape {vec.shape}")
    start = 0
    for p in params:
        n = p.numel()
        p.data = vec.data[start:start + n].reshape(p.shape)
        start += n
