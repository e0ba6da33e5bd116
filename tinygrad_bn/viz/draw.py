"""Drawing with Graphviz: `to_dot` builds DOT text from the graph (no Graphviz program
needed), `render` runs `dot` to make a picture."""

from __future__ import annotations

import functools
import html
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentError, DependencyError
from ..tensor import Tensor
from .graph import GraphNode, buffer_bytes, graph_nodes, saved_total
from .modules import ModuleCall, ModuleTrace

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
_INSTALL_GRAPHVIZ = (
    "Install the Graphviz programs: Debian/Ubuntu `apt-get install graphviz`, macOS "
    "`brew install graphviz`, conda `conda install -c conda-forge graphviz`, Windows "
    "`winget install graphviz` (then make sure `dot` is on PATH)")



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
            saved = buffer_bytes(a for n in box.members for _, a in n.saved())
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

