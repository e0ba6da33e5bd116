"""Computation graphs as pictures: Graphviz DOT built from a tensor's `_ctx` chain.

`to_dot(loss)` walks the graph that produced `loss` and returns a
`graphviz.Digraph`: one node per op (its name, parameters, output shape and
dtype) and one per leaf tensor, with edges in data-flow order. Its `.source`
is plain DOT text, built without the Graphviz `dot` program; `render` turns
it into SVG/PNG/PDF with `dot`. In Jupyter a returned Digraph displays
inline. Guide with pictures: docs/graphs.md.

The colour scheme (`COLORS`): outputs amber, parameters (leaves that require
grad) green, inputs (other leaves) blue, ops light grey boxes, scalar
constants as plain grey text. With `show_grad=True` the fill shows the
gradient norm on a log scale instead (blue small, red large; `GRAD_PALETTE`)
and shapes keep the kinds apart (ops boxes, leaves ellipses, outputs bold).

What an op saved for backward (`show_saved=True`) is counted by one rule:
the inputs its backward reads (`Function.saves_inputs`), the items it stored
with `save_for_backward`, and its output if the backward reads it
(`Function.uses_output`). An array's bytes are those of the buffer that owns
its memory (a reshape or broadcast view keeps its base alive), and the graph
total counts each buffer once. Arrays held as op parameters (Where's mask,
GetItem's index) are not counted.

The graph must still exist: `backward()` frees it unless `retain_graph=True`,
so draw before backward, or pass `retain_graph=True` (needed for show_grad).
"""

from __future__ import annotations

import contextlib
import functools
import html
import math
import os
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ArgumentError, DependencyError
from .tensor import Function, Tensor, topological_order

if TYPE_CHECKING:  # graphviz is optional: imported only when a graph is drawn
    import graphviz

COLORS = {
    "output": "#ffc85c",  # the tensors passed to to_dot
    "param": "#9ed79a",   # leaves that require grad
    "input": "#a6c8f0",   # leaves that do not (data, targets)
    "op": "#ececec",      # ops
    "const": "#707070",   # scalar constants: font colour, no box
    "module": "#8a8a8a",  # module cluster outlines
}
# gradient norm, small to large on a log scale: blue (vanishing) .. yellow .. red (exploding)
GRAD_PALETTE = ("#74add1", "#abd9e9", "#ffffbf", "#fdae61", "#f46d43")
_NO_GRAD_FILL = "#ffffff"
_NOT_PARAMS = ("creation_frames", "saves_inputs")  # op attributes that are bookkeeping
_MAX_PARAM_CHARS = 28  # longer op parameters are cut: labels must stay one line wide
_INSTALL_GRAPHVIZ = (
    "Install the Graphviz programs: Debian/Ubuntu `apt-get install graphviz`, macOS "
    "`brew install graphviz`, conda `conda install -c conda-forge graphviz`, Windows "
    "`winget install graphviz` (then make sure `dot` is on PATH)")


# ---------------------------------------------------------------- the graph as data


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
        ctx = self.op
        if ctx is None:
            return []
        items = [(self.inputs[i].ref if self.inputs else f"input {i}", ctx.parents[i].data)
                 for i in ctx.saves_inputs]
        for item in ctx.saved:
            array = item.data if isinstance(item, Tensor) else item
            if isinstance(array, np.ndarray):
                items.append((f"array{array.shape}", array))
        if ctx.uses_output:
            items.append(("output", self.tensor.data))
        return items

    def saved_bytes(self) -> int:
        """Bytes of the distinct buffers behind `saved()`."""
        return _buffer_bytes(array for _, array in self.saved())

    def grad_norm(self) -> float | None:
        """||grad||_2 of this node's tensor, or None if it kept no gradient."""
        grad = self.tensor.grad
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


def _buffer_bytes(arrays: Iterable[np.ndarray]) -> int:
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


# ---------------------------------------------------------------- modules


@dataclass(eq=False)
class ModuleCall:
    """One call of a submodule during `trace_modules`: its dotted path and type."""

    path: str
    type_name: str
    parent: ModuleCall | None
    is_leaf: bool  # a module without submodules: the unit `collapse_modules` draws as one node
    number: int    # 1 for the module's first call, 2 for its second, ...

    @property
    def label(self) -> str:
        again = f" (call {self.number})" if self.number > 1 else ""
        return f"{self.path}: {self.type_name}{again}"

    def within(self, other: ModuleCall) -> bool:
        call: ModuleCall | None = self
        while call is not None and call is not other:
            call = call.parent
        return call is other


class ModuleTrace:
    """Which module call produced each op (and owns each parameter), from `trace_modules`."""

    def __init__(self) -> None:
        self.calls: list[ModuleCall] = []
        # by id, with a weak reference to tell a live tensor from a new one at a reused id
        self._owners: dict[int, tuple[weakref.ref, ModuleCall]] = {}

    def owner(self, tensor: Tensor) -> ModuleCall | None:
        entry = self._owners.get(id(tensor))
        return entry[1] if entry is not None and entry[0]() is tensor else None

    def _claim(self, call: ModuleCall, outputs: list[Tensor], inputs: list[Tensor],
               module: Any) -> None:
        """Own the ops between the call's inputs and outputs that no inner call owns, and the
        module's parameters they use. Inner calls finish first, so they claim first."""
        stop = {id(t) for t in inputs}
        own_params = {id(p) for p in module.parameters()}
        seen: set[int] = set()
        stack = list(outputs)
        while stack:
            tensor = stack.pop()
            if id(tensor) in seen or id(tensor) in stop:
                continue
            seen.add(id(tensor))
            owner = self.owner(tensor)
            if owner is not None and not owner.within(call):
                continue  # made before this call (by a sibling): upstream of its inputs
            if owner is None and (tensor._ctx is not None or id(tensor) in own_params):
                self._owners[id(tensor)] = (weakref.ref(tensor), call)
            if tensor._ctx is not None:
                stack.extend(tensor._ctx.parents or ())


def _tensors_in(values: Iterable[Any]) -> list[Tensor]:
    found = []
    for value in values:
        if isinstance(value, Tensor):
            found.append(value)
        elif isinstance(value, tuple | list):
            found.extend(v for v in value if isinstance(v, Tensor))
    return found


@contextlib.contextmanager
def trace_modules(model: Any) -> Iterator[ModuleTrace]:
    """Record which submodule of `model` produced which ops during the block.

    Pass the trace to `to_dot(..., modules=trace)` to draw one cluster per
    module call, or add `collapse_modules=True` to draw each innermost
    module call (Linear, BatchNorm1d, ...) as a single node::

        with tg.viz.trace_modules(model) as trace:
            loss = F.cross_entropy(model(x), y)
        tg.viz.to_dot(loss, params=model, modules=trace, collapse_modules=True)
    """
    if not hasattr(model, "named_modules"):
        raise ArgumentError(f"trace_modules: needs an nn.Module, got {type(model).__name__}")
    trace = ModuleTrace()
    active: list[ModuleCall] = []
    patched = []
    for path, module in model.named_modules():
        if module is model:
            continue  # the whole model's cluster would be the whole graph
        patched.append((module, module.__dict__.get("forward")))
        object.__setattr__(module, "forward", _traced(trace, active, path, module))
    try:
        yield trace
    finally:
        for module, own_forward in patched:
            del module.__dict__["forward"]  # the class's forward shows through again
            if own_forward is not None:
                object.__setattr__(module, "forward", own_forward)


def _traced(trace: ModuleTrace, active: list[ModuleCall], path: str, module: Any) -> Any:
    forward = module.forward
    is_leaf = next(iter(module.named_children()), None) is None

    def traced_forward(*args: Any, **kwargs: Any) -> Any:
        number = 1 + sum(call.path == path for call in trace.calls)
        call = ModuleCall(path, type(module).__name__, active[-1] if active else None, is_leaf,
                          number)
        active.append(call)
        try:
            out = forward(*args, **kwargs)
        finally:
            active.pop()
        trace._claim(call, _tensors_in([out]), _tensors_in([*args, *kwargs.values()]), module)
        trace.calls.append(call)
        return out

    return traced_forward


# ---------------------------------------------------------------- drawing


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:
        raise DependencyError(
            "viz: drawing graphs needs the graphviz Python package: pip install graphviz "
            "(and the Graphviz programs to render pictures)") from error
    return graphviz


@functools.cache
def _notebook_digraph() -> type:
    """graphviz.Digraph whose notebook display, when `dot` is missing, says how to install
    Graphviz instead of raising graphviz's ExecutableNotFound from inside Jupyter."""
    graphviz = _graphviz()

    class Digraph(graphviz.Digraph):
        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                              **kwargs: Any) -> dict[str, Any]:
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except graphviz.ExecutableNotFound:
                return {"text/plain": f"(graph not drawn: the Graphviz program `dot` is not on "
                                      f"PATH. {_INSTALL_GRAPHVIZ}. The DOT text is in .source)"}

    Digraph.__qualname__ = Digraph.__name__ = "Digraph"
    return Digraph


class RenderedGraph(str):
    """The path of a rendered picture (a `str`), which Jupyter displays inline: SVG and PNG
    files as images, any other format as its path."""

    _MIME = {".svg": "image/svg+xml", ".png": "image/png"}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        mime = self._MIME.get(os.path.splitext(self)[1].lower())
        if mime is None or not os.path.isfile(self):
            return {"text/plain": str(self)}
        with open(self, "rb") as f:
            data = f.read()
        return {mime: data.decode() if mime == "image/svg+xml" else data,
                "text/plain": str(self)}


def _format_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024 or unit == "MiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _grad_color(norm: float | None, low: float, high: float) -> str:
    """Fill for a gradient norm: its log10 placed on the palette between `low` and `high`."""
    if norm is None or norm == 0.0:
        return _NO_GRAD_FILL
    t = 0.5 if high <= low else (math.log10(norm) - low) / (high - low)
    position = min(max(t, 0.0), 1.0) * (len(GRAD_PALETTE) - 1)
    i = min(int(position), len(GRAD_PALETTE) - 2)
    frac = position - i
    a, b = (np.array([int(c[k:k + 2], 16) for k in (1, 3, 5)]) for c in GRAD_PALETTE[i:i + 2])
    r, g, bl = np.rint(a + (b - a) * frac).astype(int)
    return f"#{r:02x}{g:02x}{bl:02x}"


def _grad_text(norm: float | None) -> str:
    return "no .grad" if norm is None else f"‖∇‖ = {norm:.2e}"


def _small(text: str, color: str = "#444444") -> str:
    return f'<font point-size="9" color="{color}">{html.escape(text)}</font>'


@dataclass
class _Drawn:
    """A box to draw: a graph node, or several collapsed into one module call."""

    id: str
    members: list[GraphNode]
    call: ModuleCall | None = None  # set when collapsed

    @property
    def exit(self) -> GraphNode:
        """The member whose tensor leaves the box: its output shape and gradient are shown."""
        return self.members[-1]


def to_dot(*outputs: Tensor, params: Any = None, show_grad: bool = False,
           show_saved: bool = False, rankdir: str = "LR", modules: ModuleTrace | None = None,
           collapse_modules: bool = False, title: str | None = None,
           grad_range: tuple[float, float] | None = None) -> graphviz.Digraph:
    """The graph that computed `outputs`, as a `graphviz.Digraph` (its `.source` is DOT text).

    - `params`: dict name -> Tensor or a Module, to name the leaves.
    - `show_grad`: label and colour every node by ||grad||_2 (after a
      backward with retain_graph=True; call `retain_grads(out)` before it
      for the ops' gradients, leaves keep theirs anyway). The colours span
      the graph's smallest to largest norm on a log scale, or the fixed
      `grad_range=(low, high)` (to compare pictures; norms outside clip).
    - `show_saved`: per op, what its backward keeps and the bytes; the
      graph's total (each buffer once) goes in the title.
    - `rankdir`: "LR" (left to right) or "TB" (top to bottom).
    - `modules`: a `trace_modules` trace: one cluster per module call;
      `collapse_modules=True` draws each innermost module call as one node.
    """
    if rankdir not in ("LR", "TB"):
        raise ArgumentError(f"to_dot: rankdir must be 'LR' or 'TB', got {rankdir!r}")
    if collapse_modules and modules is None:
        raise ArgumentError("to_dot: collapse_modules=True needs modules=<trace_modules trace>")
    if grad_range is not None and not 0 < grad_range[0] < grad_range[1]:
        raise ArgumentError(f"to_dot: grad_range must be (low, high) with 0 < low < high, got "
                            f"{grad_range!r}")
    _graphviz()  # fails first when the graphviz package is missing
    digraph = _notebook_digraph()
    nodes = graph_nodes(*outputs, params=params)
    norms = {node.id: node.grad_norm() for node in nodes} if show_grad else {}
    logs = [math.log10(n) for n in norms.values() if n]
    if show_grad and not any(n is not None for n in norms.values()):
        raise ArgumentError(
            "to_dot(show_grad=True): no tensor in the graph has a .grad; call "
            "backward(retain_graph=True) first (and tg.viz.retain_grads(out) before it to keep "
            "the ops' gradients)")
    if grad_range is not None:
        low, high = math.log10(grad_range[0]), math.log10(grad_range[1])
    else:
        low, high = (min(logs), max(logs)) if logs else (0.0, 0.0)

    cluster_of = _clusters(nodes, modules) if modules is not None else {}
    drawn = _group(nodes, cluster_of, collapse_modules)
    box_of = {node.id: box for box in drawn for node in box.members}

    graph_label = title or ""
    if show_saved:
        count, total = saved_total(nodes)
        graph_label += (" · " if graph_label else "") + \
            f"saved for backward: {count} buffers, {_format_bytes(total)}"
    graph_attr = {"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "12",
                  "nodesep": "0.25", "ranksep": "0.35", "bgcolor": "white"}
    if graph_label:
        graph_attr.update(labelloc="t", label=f"<<b>{html.escape(graph_label)}</b>>")
    dot = digraph(
        "tinygrad_bn", graph_attr=graph_attr,
        node_attr={"fontname": "Helvetica", "fontsize": "11", "style": "filled",
                   "penwidth": "1", "color": "#555555", "margin": "0.08,0.04"},
        edge_attr={"color": "#666666", "arrowsize": "0.6"})

    # clusters nest like the calls did and appear in data-flow order
    members: dict[ModuleCall | None, list[tuple[str, dict[str, str]]]] = {None: []}
    children: dict[ModuleCall | None, list[ModuleCall]] = {None: []}
    for box in drawn:
        where = box.call.parent if box.call else cluster_of.get(box.members[0].id)
        if collapse_modules and where is not None and where.is_leaf:
            where = where.parent  # a collapsed call's parameter sits beside its node
        new_calls, call = [], where
        while call not in members:  # the call and its not yet seen ancestors
            new_calls.append(call)
            call = call.parent
        for call in reversed(new_calls):
            members[call], children[call] = [], []
            children[call.parent].append(call)
        members[where].append((box.id, _node_attrs(box, show_saved, show_grad, norms, low,
                                                   high)))
    _emit(dot, None, members, children, iter(range(len(members))))
    seen_edges: set[tuple[str, str]] = set()
    for node in nodes:
        for parent in node.inputs:
            src, dst = box_of[parent.id], box_of[node.id]
            edge = (src.id, dst.id)
            if src is dst or (edge in seen_edges and (src.call or dst.call)):
                continue  # inside a collapsed module, or a repeat into one
            seen_edges.add(edge)
            dot.edge(*edge)
    if show_grad and (logs or grad_range):
        dot.node("legend", _legend(low, high), shape="plaintext", style="")
    return dot


def _emit(graph: Any, call: ModuleCall | None,
          members: dict[ModuleCall | None, list[tuple[str, dict[str, str]]]],
          children: dict[ModuleCall | None, list[ModuleCall]], numbers: Iterator[int]) -> None:
    """Add `call`'s nodes to `graph`, then one nested cluster per child call."""
    for node_id, attrs in members[call]:
        graph.node(node_id, **attrs)
    for child in children[call]:
        with graph.subgraph(name=f"cluster_{next(numbers)}") as sub:
            sub.attr(label=child.label, style="rounded,dashed", color=COLORS["module"],
                     fontcolor="#333333", fontsize="10")
            _emit(sub, child, members, children, numbers)


def _clusters(nodes: list[GraphNode], trace: ModuleTrace) -> dict[str, ModuleCall]:
    """node id -> the module call it is drawn in: ops and parameters by the trace, constants
    with their consumers when those all sit in one call (the eps inside a BatchNorm, say)."""
    where = {node.id: trace.owner(node.tensor) for node in nodes}
    consumers: dict[str, set[ModuleCall | None]] = {}
    for node in nodes:
        for parent in node.inputs:
            consumers.setdefault(parent.id, set()).add(where[node.id])
    for node in nodes:
        users = consumers.get(node.id, set())
        if where[node.id] is None and node.kind == "const" and len(users) == 1:
            where[node.id] = next(iter(users))
    return {key: call for key, call in where.items() if call is not None}


def _group(nodes: list[GraphNode], cluster_of: dict[str, ModuleCall],
           collapse: bool) -> list[_Drawn]:
    """Boxes to draw, in data-flow order: one per node, or one per collapsed module call
    (its parameters stay separate nodes so their names show; its constants fold in)."""
    drawn: list[_Drawn] = []
    collapsed: dict[int, _Drawn] = {}
    for node in nodes:
        call = cluster_of.get(node.id)
        if collapse and call is not None and call.is_leaf and node.kind != "param":
            if id(call) not in collapsed:
                collapsed[id(call)] = _Drawn(f"m{len(collapsed)}", [], call)
                drawn.append(collapsed[id(call)])
            collapsed[id(call)].members.append(node)
        else:
            drawn.append(_Drawn(node.id, [node]))
    # a collapsed box's output is the member used outside it (or a graph output)
    for box in collapsed.values():
        inside = {n.id for n in box.members}
        used_outside = {p.id for n in nodes if n.id not in inside for p in n.inputs}
        exits = [n for n in box.members if n.id in used_outside or n.is_output]
        box.members.sort(key=lambda n: n in exits)
    return drawn


def drawn_boxes(nodes: list[GraphNode], modules: ModuleTrace) -> dict[str, str]:
    """node id -> the id of the box that draws it with `collapse_modules=True`."""
    return {node.id: box.id for box in _group(nodes, _clusters(nodes, modules), True)
            for node in box.members}


def trace(*outputs: Tensor, path: str | os.PathLike = "trace.html", format: str = "html",  # noqa: A002
          **kwargs: Any) -> str:
    """Record the backward pass from `outputs` step by step and write it as a self-contained
    HTML page that steps through it (`format="html"`) or as one line per step ("text");
    returns the path. Keyword arguments (params, modules, title, grad_outputs) go to
    `tinygrad_bn.backward_trace.record`, which explains what is recorded. No `.grad` changes
    and the graph is kept."""
    from . import backward_trace

    return backward_trace.write(backward_trace.record(*outputs, **kwargs), path, format)


def _node_attrs(box: _Drawn, show_saved: bool, show_grad: bool, norms: dict[str, float | None],
                low: float, high: float) -> dict[str, str]:
    node = box.exit
    if node.kind == "const" and box.call is None:
        return {"label": html.escape(node.name), "shape": "plaintext", "style": "",
                "fontcolor": COLORS["const"], "fontsize": "10"}
    shape_text = html.escape(f"{node.tensor.shape} {node.tensor.dtype}")
    if box.call is not None:
        ops = sum(n.kind == "op" for n in box.members)
        rows = [f"<b>{html.escape(box.call.label)}</b>",
                _small(f"{ops} op" + ("s" if ops != 1 else "")), shape_text]
        if show_saved:
            saved = _buffer_bytes(a for n in box.members for _, a in n.saved())
            rows.append(_small(f"saves {_format_bytes(saved)}", "#7a3e00"))
        kind = "module"
    else:
        kind = node.kind
        rows = [f"<b>{html.escape(node.name)}</b>"]
        if node.kind == "op" and node.tensor.name:
            rows.append(_small(f"“{node.tensor.name}”"))
        rows += [_small(line, "#555555") for line in _wrap(
            [f"{k}={v}" for k, v in node.params().items()])]
        rows.append(shape_text)
        if show_saved and node.kind == "op":
            what = ", ".join(w for w, _ in node.saved())
            text = f"saves {what}: {_format_bytes(node.saved_bytes())}" if what else "saves nothing"
            rows.append(_small(text, "#7a3e00"))
    attrs = {"shape": {"op": "box", "module": "box3d"}.get(kind, "ellipse"),
             "style": "rounded,filled" if kind == "op" else "filled",
             "fillcolor": COLORS["op" if kind == "module" else kind]}
    if node.is_output:
        attrs.update(fillcolor=COLORS["output"], penwidth="2.2")
    if show_grad and kind == "input":
        attrs["fillcolor"] = _NO_GRAD_FILL  # the palette's blue must not read as a norm
    elif show_grad:
        norm = norms[node.id]
        attrs["fillcolor"] = _grad_color(norm, low, high)
        rows.append(_small(_grad_text(norm), "#000000"))
        if norm is None:
            attrs["style"] += ",dashed"
    attrs["label"] = "<" + "<br/>".join(rows) + ">"
    return attrs


def _wrap(items: list[str], width: int = 40) -> list[str]:
    """Join items with ", " into lines of about `width` characters."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += ", " + item
        else:
            lines.append(item)
    return lines


def _legend(low: float, high: float) -> str:
    """A strip of the gradient palette labelled with the norms it stands for."""
    steps = len(GRAD_PALETTE)
    cells = []
    for i in range(steps):
        log = low + (high - low) * i / (steps - 1)
        color = _grad_color(10**log, low, high)
        cells.append(f'<td bgcolor="{color}"><font point-size="9">{10**log:.1e}</font></td>')
    return ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="3"><tr>'
            '<td border="0"><font point-size="9">‖∇‖:</font></td>' + "".join(cells) +
            "</tr></table>>")


def render(*outputs: Tensor, path: str = "graph", format: str = "svg",  # noqa: A002
           **kwargs: Any) -> RenderedGraph:
    """Draw the graph of `outputs` (see `to_dot`; keyword arguments go to it) into
    `path + "." + format` with the Graphviz `dot` program, and return that file's path
    (a `RenderedGraph`: a str that a notebook displays as the picture).

    The DOT source is always saved to `path + ".gv"` first; when `dot` is
    missing, a `DependencyError` says so, names the .gv file and how to install
    Graphviz. No shell is involved: the graphviz package runs `dot` directly.
    """
    graphviz = _graphviz()
    if format not in graphviz.FORMATS:
        raise ArgumentError(f"render: unknown format {format!r}; use e.g. 'svg', 'png' or 'pdf'")
    dot = to_dot(*outputs, **kwargs)
    source = dot.save(filename=os.fspath(path) + ".gv")
    target = os.fspath(path) + "." + format
    try:
        return RenderedGraph(graphviz.render("dot", format=format, filepath=source,
                                             outfile=target))
    except graphviz.ExecutableNotFound as error:
        raise DependencyError(
            f"render: the Graphviz program `dot` was not found on PATH, so {target} was not "
            f"made; the DOT source is saved in {source} (any DOT viewer opens it). "
            f"{_INSTALL_GRAPHVIZ}.") from error
