"""The graph behind some tensors as data: one `GraphNode` per op and leaf, and what each op
keeps for backward (the accounting rule: docs/graphs.md, "How saved bytes are counted")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ArgumentError
from ..tensor import Function, Tensor, topological_order

# op attributes that are bookkeeping, not parameters
_NOT_PARAMS = ("creation_frames", "saves_inputs", "anomaly_consumers", "reads_no_values")
_MAX_PARAM_CHARS = 28  # longer op parameters are cut: labels must stay one line wide

@dataclass(eq=False, repr=False)
class GraphNode:
    """One node of a drawn graph: an op (standing for the tensor it produced) or a leaf.

    `kind` is "op", "param" (a leaf in `params`, or without `params` any leaf
    that requires grad), "const" (a one-element leaf that does not require
    grad) or "input" (any other leaf). `repr`
    reads like a line of a program: `n3 = Mul(x, fc.weight) -> (4, 3) float32`.
    """

    id: str
    tensor: Tensor
    kind: str
    name: str
    inputs: tuple[GraphNode, ...] = ()
    is_output: bool = False

    @property
    def op(self) -> Function | None:
        return self.tensor._ctx

    @property
    def ref(self) -> str:
        """How other nodes' reprs refer to this one: its id for an op, else its name."""
        return self.id if self.kind == "op" else self.name

    def params(self) -> dict[str, str]:
        """The op's parameters (axes, shape, ...) as short strings; empty for a leaf."""
        if self.op is None:
            return {}
        return {key: _short(value) for key, value in vars(self.op).items()
                if not key.startswith("_") and key not in _NOT_PARAMS and _is_shown(value)}

    def saved(self) -> list[tuple[str, np.ndarray]]:
        """(what, array) for every array this op keeps for its backward, by the module's rule."""
        if self.op is None:
            return []
        return saved_arrays(self.op, self.tensor.data,
                            [node.ref for node in self.inputs] if self.inputs else None)

    def saved_bytes(self) -> int:
        """Bytes of the distinct buffers behind `saved()`."""
        return buffer_bytes(array for _, array in self.saved())

    def grad_norm(self) -> float | None:
        """||grad||_2 of this node's tensor, or None if it kept no gradient."""
        grad = self.tensor._grad  # (the slot: no warning for a non-leaf that kept none)
        return None if grad is None else float(np.linalg.norm(grad.data.astype(np.float64)))

    def __repr__(self) -> str:
        shape = f"{self.tensor.shape} {self.tensor.dtype}"
        if self.kind == "op":
            args = [node.ref for node in self.inputs]
            args += [f"{key}={value}" for key, value in self.params().items()]
            return f"{self.id} = {self.name}({', '.join(args)}) -> {shape}"
        return f"{self.name}: {self.kind} {shape}"


def _is_shown(value: Any) -> bool:
    """Op parameters worth a label: scalars, names, dtypes, shapes; not arrays or tensors."""
    if isinstance(value, tuple):
        return all(_is_shown(v) for v in value)
    return value is None or isinstance(value, bool | int | float | str | np.dtype | slice |
                                       np.generic | type)


def _short(value: Any) -> str:
    if isinstance(value, slice):
        text = ":".join("" if v is None else str(v) for v in (value.start, value.stop, value.step))
        text = text.rstrip(":") if value.step is None else text
        text = text if ":" in text else text + ":"
    elif isinstance(value, tuple) and any(isinstance(v, slice) for v in value):
        text = "[" + ", ".join(_short(v) for v in value) + "]"
    elif isinstance(value, np.dtype | type):
        text = np.dtype(value).name
    elif isinstance(value, float | np.floating):
        text = f"{float(value):.4g}"
    else:
        text = str(value)
    return text if len(text) <= _MAX_PARAM_CHARS else text[:_MAX_PARAM_CHARS - 1] + "…"


def _owner_buffer(array: np.ndarray) -> np.ndarray:
    """The ndarray that owns `array`'s memory (views keep their base alive)."""
    owner, node = array, getattr(array, "base", None)
    while node is not None:
        if isinstance(node, np.ndarray):
            owner = node
        node = getattr(node, "base", None)
    return owner


def saved_arrays(ctx: Function, output: np.ndarray, input_names: list[str] | None = None
                 ) -> list[tuple[str, np.ndarray]]:
    """(what, array) for every array the op `ctx` keeps for its backward: the inputs its
    backward reads (`saves_inputs`, named by `input_names` when given), the items it stored
    (`ctx.saved`, named by the op's `saved_names` when it has them), and its output when its
    backward reads that (`uses_output`)."""
    items = [(input_names[i] if input_names else f"input {i}", ctx.parents[i].data)
             for i in ctx.saves_inputs]
    names = getattr(ctx, "saved_names", ())  # an op may name what it saves
    for k, item in enumerate(ctx.saved):
        array = item.data if isinstance(item, Tensor) else item
        if isinstance(array, np.ndarray):
            items.append((names[k] if k < len(names) else f"array{array.shape}", array))
    if ctx.uses_output:
        items.append(("output", output))
    return items


def buffer_bytes(arrays: Iterable[np.ndarray]) -> int:
    """Bytes of the distinct buffers behind `arrays` (views of one buffer count once)."""
    buffers = {id(b): b.nbytes for b in map(_owner_buffer, arrays)}
    return sum(buffers.values())


def saved_total(nodes: Iterable[GraphNode]) -> tuple[int, int]:
    """(buffers, bytes) that the ops among `nodes` keep for backward, each buffer once."""
    buffers = {id(b): b.nbytes for node in nodes for _, a in node.saved()
               for b in [_owner_buffer(a)]}
    return len(buffers), sum(buffers.values())


def _param_names(params: Any) -> dict[int, str]:
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    if not isinstance(params, Mapping):
        raise ArgumentError(f"viz: params must be a dict name -> Tensor or a Module, got "
                            f"{type(params).__name__}")
    return {id(t): str(name) for name, t in params.items() if isinstance(t, Tensor)}


def graph_nodes(*outputs: Tensor, params: Any = None) -> list[GraphNode]:
    """The graph behind `outputs` as a list of `GraphNode`, inputs before the ops using them.

    Leaves are named from `params` (a dict name -> Tensor, e.g.
    `dict(model.named_parameters())`, or a Module), else by `Tensor.name`,
    else `leaf<k>`/`input<k>`; one-element constants by their value.
    `print(*graph_nodes(loss), sep="\\n")` lists the graph as a program.
    """
    if not outputs:
        raise ArgumentError("viz: give at least one output tensor")
    for out in outputs:
        if not isinstance(out, Tensor):
            raise ArgumentError(f"viz: outputs must be Tensors, got {type(out).__name__}")
    names = _param_names(params)
    output_ids = {id(t) for t in outputs}
    nodes: dict[int, GraphNode] = {}
    counts = {"param": 0, "input": 0}
    for index, tensor in enumerate(topological_order(outputs, constants=True)):
        ctx = tensor._ctx
        if ctx is not None:
            kind, name = "op", ctx.name
            inputs = tuple(nodes[id(p)] for p in ctx.parents)
        else:
            inputs = ()
            # with `params` given, only those are parameters: x with requires_grad is an input
            is_param = id(tensor) in names if names else tensor.requires_grad
            kind = ("param" if is_param else
                    "const" if tensor.data.size == 1 and not tensor.requires_grad else "input")
            name = names.get(id(tensor)) or tensor.name
            if kind == "const":
                name = name or _short(tensor.data.item())
            elif name is None:
                name = f"{'leaf' if kind == 'param' else 'input'}{counts[kind]}"
                counts[kind] += 1
        nodes[id(tensor)] = GraphNode(f"n{index}", tensor, kind, name, inputs,
                                      id(tensor) in output_ids)
    return list(nodes.values())


def retain_grads(*outputs: Tensor) -> None:
    """Mark every op output in the graph with `retain_grad()`, so that a following
    `backward(retain_graph=True)` leaves a `.grad` on each node for `show_grad=True`."""
    for tensor in topological_order(outputs, constants=True):
        if tensor._ctx is not None:
            tensor.retain_grad()

