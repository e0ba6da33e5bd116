"""Watch a backward pass node by node: a recording of what the engine does, as text or as a
self-contained HTML page that steps through it (`tg.viz.trace`, `tinygrad-bn trace`).

`record(loss)` runs the real engine (`tg.grad` with `retain_graph=True`, so no `.grad`
changes and the graph survives) while every op's `backward` is wrapped for the duration:
each call is one step, in the order the engine makes them. A step holds the op, the
gradient that arrived at its output, the rule it applies (its docstring, where each op
states its derivative), what it had saved for backward, and the gradient each parent
receives from it (summed back to the parent's shape, as the engine does). A last step
lists what every leaf received in total.

The page embeds the graph drawn once by Graphviz (SVG, one node per op; a second drawing
with one box per module call when a module trace is given), the steps as JSON and a
little JavaScript: a slider, previous/next buttons and the arrow keys move through the
steps, the current node is highlighted and the parents it sends gradients to are marked.
The drawing pans (drag) and zooms (wheel, +/-, fit); at every step the view moves to the
current node and its neighbours, at a scale that draws labels at least 14 px high (a
large graph scaled to fit its pane would draw them at 5-7 px). Each step shows the op's
backward rule and its forward, both taken from the op's docstring (`op_rules`).
No server, no network: one file that opens from disk in any browser.
"""

from __future__ import annotations

import html
import inspect
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ArgumentError, DependencyError
from ..tensor import Tensor, grad, unbroadcast
from .draw import _graphviz, drawn_boxes, to_dot
from .graph import graph_nodes

_VALUES_SHOWN = 4


def _summary(array: np.ndarray) -> dict[str, Any]:
    """Shape, dtype, L2 norm and the first few values of a gradient."""
    flat = np.asarray(array, dtype=np.float64).ravel()
    return {"shape": list(array.shape), "dtype": str(array.dtype),
            "norm": float(np.linalg.norm(flat)) if flat.size else 0.0,
            "values": [float(v) for v in flat[:_VALUES_SHOWN]], "size": int(flat.size)}


def op_rules(op: type) -> tuple[str, str, str]:
    """(forward, backward, jvp) as an op's docstrings state them: the class docstring's first
    paragraph is `z = FORWARD;  BACKWARD`, the jvp rule a paragraph of it that starts with
    `tz =`, else the first paragraph of its jvp's docstring. The trace page shows them and
    docs/autograd.md's op index lists them (scripts/docs.py)."""
    doc = inspect.getdoc(op) or ""
    paragraphs = doc.split("\n\n")
    forward, _, backward = paragraphs[0].partition(";  ")
    tangent = next((p for p in paragraphs[1:] if p.startswith("tz =")), None)
    if tangent is None:
        jvp_doc = inspect.getdoc(op.__dict__["jvp"]) if "jvp" in op.__dict__ else None
        tangent = (jvp_doc or "").split("\n\n")[0]
    return tuple(" ".join(text.split()) for text in (forward, backward, tangent))


@dataclass
class Step:
    """One call of an op's backward (or, last, the leaves' totals)."""

    index: int
    node: str  # the GraphNode id ("n3"), or "" for the leaves' step
    op: str
    label: str  # the node as one line of the graph's program
    rule: str  # the backward rule (see `op_rules`)
    grad_in: dict[str, Any] | None
    saved: list[dict[str, Any]] = field(default_factory=list)
    sends: list[dict[str, Any]] = field(default_factory=list)
    computes: str = ""  # the forward rule

    def as_text(self) -> str:
        """One line per step, for terminals."""
        if self.grad_in is None:
            leaves = ", ".join(f"{s['to']} {tuple(s['shape'])} |g|={s['norm']:.3g}"
                               for s in self.sends)
            return f"{self.index:3d}  leaves receive: {leaves}"
        sends = ", ".join(f"{s['to']} |g|={s['norm']:.3g}" for s in self.sends) or "nothing"
        return (f"{self.index:3d}  {self.op:<16} grad {tuple(self.grad_in['shape'])} "
                f"|g|={self.grad_in['norm']:.3g} -> {sends}")


@dataclass
class Trace:
    """The steps of one backward pass and the drawings of its graph."""

    steps: list[Step]
    title: str
    svg: str | None = None  # one node per op
    svg_modules: str | None = None  # one box per module call (when modules were traced)
    boxes: dict[str, str] = field(default_factory=dict)  # node id -> its box in svg_modules

    def as_text(self) -> str:
        return "\n".join(step.as_text() for step in self.steps)


def record(*outputs: Tensor, grad_outputs: Sequence[Any] | None = None, params: Any = None,
           modules: Any = None, title: str = "backward pass", draw: bool = True) -> Trace:
    """Run backward from `outputs` once and record every step the engine takes."""
    nodes = graph_nodes(*outputs, params=params)
    by_ctx = {id(node.op): node for node in nodes if node.op is not None}
    leaves = [node for node in nodes if node.op is None and node.tensor.requires_grad]
    if not leaves:
        raise ArgumentError("trace: nothing requires grad below the outputs; make an input "
                            "or a parameter with requires_grad=True")
    steps: list[Step] = []
    wrapped = []

    def recorder(ctx: Any, backward: Any) -> Any:
        node = by_ctx[id(ctx)]

        def observed(g: Tensor) -> Any:
            result = backward(g)
            parent_grads = result if isinstance(result, tuple) else (result,)
            sends = []
            for parent, pgrad in zip(node.inputs, parent_grads):
                if pgrad is None or not parent.tensor.requires_grad:
                    continue
                shaped = pgrad if pgrad.shape == parent.tensor.shape \
                    else unbroadcast(pgrad, parent.tensor.shape)
                sends.append({"to": parent.ref, "node": parent.id, **_summary(shaped.data)})
            forward_rule, backward_rule, _ = op_rules(type(ctx))
            steps.append(Step(len(steps), node.id, ctx.name, repr(node), backward_rule,
                              _summary(g.data),
                              [{"what": what, "shape": list(a.shape), "dtype": str(a.dtype),
                                "bytes": int(a.nbytes)} for what, a in node.saved()],
                              sends, forward_rule))
            return result

        return observed

    try:
        for node in nodes:
            if node.op is not None:
                node.op.backward = recorder(node.op, node.op.backward)  # instance attribute
                wrapped.append(node.op)
        leaf_grads = grad(list(outputs), [leaf.tensor for leaf in leaves],
                          grad_outputs=grad_outputs, retain_graph=True)
    finally:
        for ctx in wrapped:
            del ctx.backward  # the class's method again
    steps.append(Step(len(steps), "", "leaves", "what each leaf received in total",
                      "the sum of every gradient sent to it", None, [],
                      [{"to": leaf.ref, "node": leaf.id, **_summary(g.data)}
                       for leaf, g in zip(leaves, leaf_grads) if g is not None]))
    trace = Trace(steps, title)
    if draw:
        _draw(trace, outputs, params, modules, nodes)
    return trace


def _draw(trace: Trace, outputs: Sequence[Tensor], params: Any, modules: Any,
          nodes: list[Any]) -> None:
    """The SVG drawings, or none (with a note on the page) when Graphviz is missing."""
    try:
        graphviz = _graphviz()
    except DependencyError:
        return  # the page says the graph was not drawn
    try:
        trace.svg = to_dot(*outputs, params=params, modules=modules,
                               title=trace.title).pipe(format="svg").decode()
        if modules is not None:
            trace.svg_modules = to_dot(*outputs, params=params, modules=modules,
                                           collapse_modules=True,
                                           title=trace.title).pipe(format="svg").decode()
            trace.boxes = drawn_boxes(nodes, modules)
    except graphviz.ExecutableNotFound:  # the Python package without the `dot` program
        trace.svg = trace.svg_modules = None


def _svg_body(svg: str | None) -> str:
    if svg is None:
        return ('<p class="nodraw">(graph not drawn: the Graphviz program <code>dot</code> '
                "was not found; the steps are below)</p>")
    return svg[svg.index("<svg"):]  # drop the XML prologue: the SVG goes inline


def to_html(trace: Trace) -> str:
    """The self-contained page (see the module docstring)."""
    data = {"title": trace.title, "boxes": trace.boxes,
            "steps": [vars(step) for step in trace.steps]}
    payload = json.dumps(data).replace("</", "<\\/")  # safe inside <script>
    modules_toggle = ('<label><input type="checkbox" id="collapse"> one box per module</label>'
                      if trace.svg_modules else "")
    return _PAGE.format(title=html.escape(trace.title), payload=payload,
                        svg=_svg_body(trace.svg),
                        svg_modules=_svg_body(trace.svg_modules) if trace.svg_modules else "",
                        toggle=modules_toggle, last=len(trace.steps) - 1)


def side_by_side(traces: Sequence[Trace]) -> str:
    """One page holding several traces next to each other (each its own page, embedded with
    `srcdoc`: still one self-contained file)."""
    frames = "".join(f'<iframe title="{html.escape(t.title)}" srcdoc="{html.escape(to_html(t))}">'
                     "</iframe>" for t in traces)
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            + html.escape(" vs ".join(t.title for t in traces)) + "</title><style>"
            "body{margin:0;display:flex;height:100vh}iframe{flex:1;border:0;"
            "border-right:2px solid #888}</style></head><body>" + frames + "</body></html>")


def write(traces: Trace | Sequence[Trace], path: str | os.PathLike,
          format: str = "html") -> str:  # noqa: A002
    """Write one trace (or several, side by side) as an HTML page (`format="html"`) or as
    text, one line per step; returns the path."""
    if format not in ("html", "text"):
        raise ArgumentError(f"trace: format must be 'html' or 'text', got {format!r}")
    traces = [traces] if isinstance(traces, Trace) else list(traces)
    if format == "text":
        content = "\n\n".join(f"{t.title}\n{t.as_text()}" for t in traces) + "\n"
    else:
        content = to_html(traces[0]) if len(traces) == 1 else side_by_side(traces)
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8") as f:
        f.write(content)
    return path


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 14px/1.4 Helvetica, Arial, sans-serif; margin: 0; display: flex; height: 100vh; }}
#graph {{ flex: 3; position: relative; overflow: hidden; border-right: 1px solid #ccc;
  cursor: grab; touch-action: none; }}
#graph.dragging {{ cursor: grabbing; }}
#graph-ops, #graph-modules {{ width: 100%; height: 100%; }}
#graph svg {{ width: 100%; height: 100%; display: block; user-select: none; }}
#view {{ position: absolute; right: 8px; top: 8px; z-index: 1; }}
#view button {{ min-width: 28px; }}
#side {{ flex: 2; overflow: auto; padding: 8px 14px; min-width: 320px; }}
#controls {{ position: sticky; top: 0; background: white; padding-bottom: 6px; }}
#slider {{ width: 100%; }}
svg g.node.current > path, svg g.node.current > polygon, svg g.node.current > ellipse
  {{ stroke: #d62728; stroke-width: 4px; }}
svg g.node.receives > path, svg g.node.receives > polygon, svg g.node.receives > ellipse
  {{ stroke: #2ca02c; stroke-width: 3px; stroke-dasharray: 5 3; }}
svg g.node.done {{ opacity: 0.55; }}
table {{ border-collapse: collapse; margin: 4px 0 10px; }}
td, th {{ border: 1px solid #ddd; padding: 2px 6px; text-align: left; font-size: 12px; }}
code, .mono {{ font-family: Menlo, Consolas, monospace; font-size: 12px; }}
h2 {{ font-size: 16px; margin: 10px 0 4px; }} .nodraw {{ color: #a00; padding: 8px; }}
#graph-modules {{ display: none; }}
@media (max-width: 1000px) {{
  body {{ flex-direction: column; }}
  #graph {{ flex: none; height: 52vh; border-right: 0; border-bottom: 1px solid #ccc; }}
  #side {{ flex: 1; min-width: 0; }}
}}
</style></head>
<body>
<div id="graph"><div id="view"><button id="zoom-in" title="zoom in (+)">+</button>
<button id="zoom-out" title="zoom out (-)">&minus;</button>
<button id="fit" title="the whole graph (0)">fit</button>
<button id="focus" title="back to the current node (.)">current</button></div>
<div id="graph-ops">{svg}</div><div id="graph-modules">{svg_modules}</div></div>
<div id="side">
 <div id="controls">
  <h1 style="font-size:18px;margin:4px 0">{title}</h1>
  <button id="prev">&larr; previous</button> <button id="next">next &rarr;</button>
  <span id="step-label"></span> {toggle}<br>
  <input type="range" id="slider" min="0" max="{last}" value="0">
 </div>
 <h2>op</h2><div id="op-name" class="mono"></div><div id="op-label" class="mono"></div>
 <h2>gradient arriving</h2><div id="grad-in" class="mono"></div>
 <h2>backward rule</h2><div id="rule"></div>
 <h2>its forward</h2><div id="computes"></div>
 <h2>saved for backward</h2><table id="saved"></table>
 <h2 id="sends-heading">sends to its inputs</h2><table id="sends"></table>
</div>
<script type="application/json" id="trace-data">{payload}</script>
<script>
const data = JSON.parse(document.getElementById("trace-data").textContent);
const steps = data.steps;
let current = 0;
const fmt = (x) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4) || x === 0
  ? x.toPrecision(4) : x.toExponential(2);
const grad = (g) => `shape (${{g.shape.join(", ")}}) ${{g.dtype}}, |g| = ${{fmt(g.norm)}}, ` +
  `[${{g.values.map(fmt).join(", ")}}${{g.size > g.values.length ? ", ..." : ""}}]`;
function svgNodes() {{
  const out = {{}};
  for (const g of document.querySelectorAll("svg g.node")) {{
    const t = g.querySelector("title"); if (t) (out[t.textContent] ||= []).push(g);
  }}
  return out;
}}
const nodes = svgNodes();
function mark(id, cls) {{
  for (const key of [id, data.boxes[id]]) for (const g of nodes[key] || []) g.classList.add(cls);
}}
function rows(table, header, items) {{
  table.innerHTML = "<tr>" + header.map((h) => `<th>${{h}}</th>`).join("") + "</tr>" +
    items.map((r) => "<tr>" + r.map((c) => `<td>${{c}}</td>`).join("") + "</tr>").join("");
}}
// ---- the view: pan (drag), zoom (wheel, buttons), and each step brought into view
// The SVG fills the pane; what it shows is its viewBox. Graphviz writes labels at 14 units,
// so a scale of READABLE / 14 pixels per unit draws them READABLE px high.
const READABLE = 14, pane = document.getElementById("graph");
const full = new Map();  // svg -> its whole drawing [x, y, w, h]
for (const svg of pane.querySelectorAll("svg")) {{
  full.set(svg, svg.getAttribute("viewBox").split(/[ ,]+/).map(Number));
  svg.removeAttribute("width"); svg.removeAttribute("height");
}}
const shown = () => [...full.keys()].find((svg) => svg.getBoundingClientRect().width > 0);
function setView(svg, cx, cy, scale) {{
  const r = svg.getBoundingClientRect(), w = r.width / scale, h = r.height / scale;
  svg.setAttribute("viewBox", `${{cx - w / 2}} ${{cy - h / 2}} ${{w}} ${{h}}`);
}}
function viewOf(svg) {{
  const [x, y, w, h] = svg.getAttribute("viewBox").split(/[ ,]+/).map(Number);
  return {{cx: x + w / 2, cy: y + h / 2, scale: svg.getBoundingClientRect().width / w}};
}}
function box(svg, g) {{  // a node's bounding box in the svg's viewBox units
  const b = g.getBBox(), m = svg.getScreenCTM().inverse().multiply(g.getScreenCTM());
  const pts = [[b.x, b.y], [b.x + b.width, b.y + b.height]].map(([x, y]) =>
    new DOMPoint(x, y).matrixTransform(m));
  return [pts[0].x, pts[0].y, pts[1].x, pts[1].y];
}}
function fit(svg) {{
  const [x, y, w, h] = full.get(svg), r = svg.getBoundingClientRect();
  setView(svg, x + w / 2, y + h / 2, Math.min(r.width / w, r.height / h, 1.6));
}}
function focusStep() {{  // the current node and its neighbours, at a readable size
  const svg = shown(); if (!svg) return;
  const marked = [...svg.querySelectorAll("g.node.current, g.node.receives")];
  const [, , W, H] = full.get(svg), r = svg.getBoundingClientRect();
  const whole = Math.min(r.width / W, r.height / H);
  if (!marked.length || !svg.querySelector("g.node.current") && whole >= READABLE / 14)
    return fit(svg);  // the last step: every leaf, the whole graph when it is readable
  const bs = marked.map((g) => box(svg, g));
  const x0 = Math.min(...bs.map((b) => b[0])), y0 = Math.min(...bs.map((b) => b[1]));
  const x1 = Math.max(...bs.map((b) => b[2])), y1 = Math.max(...bs.map((b) => b[3]));
  const pad = 40;
  const fits = Math.min(r.width / (x1 - x0 + 2 * pad), r.height / (y1 - y0 + 2 * pad));
  const scale = Math.max(READABLE / 14, Math.min(fits, 1.6));
  const cur = svg.querySelector("g.node.current");
  const [cx, cy] = fits * 1.0001 >= scale || !cur ? [(x0 + x1) / 2, (y0 + y1) / 2]
    : ((b) => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])(box(svg, cur));
  setView(svg, cx, cy, scale);
}}
function zoom(factor, px, py) {{
  const svg = shown(); if (!svg) return;
  const v = viewOf(svg), r = svg.getBoundingClientRect();
  const ux = v.cx + ((px ?? r.left + r.width / 2) - r.left - r.width / 2) / v.scale;
  const uy = v.cy + ((py ?? r.top + r.height / 2) - r.top - r.height / 2) / v.scale;
  const s = v.scale * factor;  // keep the point under the pointer in place
  setView(svg, ux - (ux - v.cx) / factor, uy - (uy - v.cy) / factor, s);
}}
pane.addEventListener("wheel", (e) => {{
  e.preventDefault(); zoom(Math.exp(-e.deltaY * 0.0015), e.clientX, e.clientY);
}}, {{passive: false}});
let drag = null;
pane.addEventListener("pointerdown", (e) => {{
  if (e.target.closest("#view")) return;
  const svg = shown(); if (!svg) return;
  drag = {{x: e.clientX, y: e.clientY, v: viewOf(svg), svg}}; pane.classList.add("dragging");
}});
window.addEventListener("pointermove", (e) => {{
  if (!drag) return;
  setView(drag.svg, drag.v.cx - (e.clientX - drag.x) / drag.v.scale,
          drag.v.cy - (e.clientY - drag.y) / drag.v.scale, drag.v.scale);
}});
window.addEventListener("pointerup", () => {{ drag = null; pane.classList.remove("dragging"); }});
document.getElementById("zoom-in").onclick = () => zoom(1.25);
document.getElementById("zoom-out").onclick = () => zoom(0.8);
document.getElementById("fit").onclick = () => {{ const svg = shown(); if (svg) fit(svg); }};
document.getElementById("focus").onclick = focusStep;
// ---- the steps
function show(i) {{
  current = Math.max(0, Math.min(steps.length - 1, i));
  const s = steps[current];
  document.getElementById("slider").value = current;
  document.getElementById("step-label").textContent = `step ${{current + 1}} of ${{steps.length}}`;
  for (const g of document.querySelectorAll("svg g.node"))
    g.classList.remove("current", "receives", "done");
  for (const done of steps.slice(0, current)) if (done.node) mark(done.node, "done");
  if (s.node) mark(s.node, "current");
  for (const send of s.sends) mark(send.node, "receives");
  document.getElementById("op-name").textContent = s.op;
  document.getElementById("op-label").textContent = s.label;
  document.getElementById("grad-in").textContent = s.grad_in ? grad(s.grad_in) : "(the end)";
  document.getElementById("rule").textContent = s.rule;
  document.getElementById("computes").textContent = s.computes || "-";
  rows(document.getElementById("saved"), ["what", "shape", "dtype", "bytes"],
       s.saved.map((a) => [a.what, `(${{a.shape.join(", ")}})`, a.dtype, a.bytes]));
  document.getElementById("sends-heading").textContent = s.grad_in
    ? "sends to its inputs" : "what each leaf received in total";
  rows(document.getElementById("sends"), [s.grad_in ? "to" : "leaf", "gradient"],
       s.sends.map((x) => [x.to, grad(x)]));
  document.querySelectorAll("#sends tr").forEach((tr, k) => {{ if (k) tr.className = "send"; }});
  focusStep();
}}
document.getElementById("prev").onclick = () => show(current - 1);
document.getElementById("next").onclick = () => show(current + 1);
document.getElementById("slider").oninput = (e) => show(Number(e.target.value));
document.addEventListener("keydown", (e) => {{
  if (e.key === "ArrowRight") show(current + 1);
  if (e.key === "ArrowLeft") show(current - 1);
  if (e.key === "+" || e.key === "=") zoom(1.25);
  if (e.key === "-") zoom(0.8);
  if (e.key === "0") {{ const svg = shown(); if (svg) fit(svg); }}
  if (e.key === ".") focusStep();
}});
const collapse = document.getElementById("collapse");
if (collapse) collapse.onchange = () => {{
  document.getElementById("graph-ops").style.display = collapse.checked ? "none" : "block";
  document.getElementById("graph-modules").style.display = collapse.checked ? "block" : "none";
  focusStep();
}};
window.addEventListener("resize", focusStep);
show(Number((location.hash.match(/step=(\\d+)/) || [0, 0])[1]));
</script>
</body></html>
"""
