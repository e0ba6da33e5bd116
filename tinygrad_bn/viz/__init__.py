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

The package: `graph.py` (the graph as data, saved-bytes accounting), `modules.py`
(`trace_modules`), `draw.py` (DOT and pictures), `backward_trace.py` (`trace`: a
backward pass step by step, as text or an HTML page).

The graph must still exist: `backward()` frees it unless `retain_graph=True`,
so draw before backward, or pass `retain_graph=True` (needed for show_grad).
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import ArgumentError
from ..tensor import Tensor
from .draw import (
    COLORS,
    GRAD_PALETTE,
    RenderedGraph,
    drawn_boxes,
    render,
    to_dot,
)
from .graph import GraphNode, graph_nodes, retain_grads, saved_total
from .modules import ModuleCall, ModuleTrace, trace_modules

__all__ = ["COLORS", "GRAD_PALETTE", "GraphNode", "ModuleCall", "ModuleTrace", "RenderedGraph",
           "TracePage", "drawn_boxes", "graph_nodes", "render", "retain_grads", "saved_total",
           "to_dot", "trace", "trace_modules"]


class TracePage(str):
    """The path of a written trace (a str), which Jupyter displays inline: the page in one
    self-contained iframe."""

    def _repr_html_(self) -> str:
        import html

        with open(self, encoding="utf-8") as f:
            page = f.read()
        if not page.lstrip().startswith("<"):  # a text trace
            return f"<pre>{html.escape(page)}</pre>"
        return (f'<iframe srcdoc="{html.escape(page)}" style="width:100%;height:640px;'
                f'border:1px solid #ccc"></iframe>')


TRACE_FORMATS = {".html": "html", ".htm": "html", ".txt": "text"}


def trace(*outputs: Tensor, path: str | os.PathLike = "trace.html", format: str | None = None,  # noqa: A002
          **kwargs: Any) -> TracePage:
    """Record the backward pass from `outputs` step by step and write it as a self-contained
    HTML page that steps through it, or as one line per step: the format follows the path's
    suffix (.html or .txt; `format` "html"/"text" must agree). Returns the path, as a str
    that displays the page inline in Jupyter. Keyword arguments (params, modules, title,
    grad_outputs) go to `tinygrad_bn.viz.backward_trace.record`, which explains what is
    recorded. No `.grad` changes and the graph is kept."""
    from . import backward_trace

    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in TRACE_FORMATS:
        raise ArgumentError(f"trace: path {os.fspath(path)!r} must end in .html or .txt (the "
                            f"suffix sets the format)")
    if format is not None and format != TRACE_FORMATS[suffix]:
        raise ArgumentError(f"trace: path {os.fspath(path)!r} has suffix {suffix} but format is "
                            f"{format!r}")
    return TracePage(backward_trace.write(backward_trace.record(*outputs, **kwargs), path,
                                          TRACE_FORMATS[suffix]))
