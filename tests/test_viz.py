"""viz: the DOT text of computation graphs (parsed here), saved-bytes accounting, rendering."""

import html
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn, viz
from tinygrad_bn.graph_examples import EXAMPLES, build
from tinygrad_bn.nn.norm_layers import BatchNorm1d

pytest.importorskip("graphviz")

NODE = re.compile(r"^\t(\w+) \[(.*)\]$")
EDGE = re.compile(r"^\t(\w+) -> (\w+)")


def parse(dot) -> tuple[dict[str, dict], list[tuple[str, str]]]:
    """Nodes (id -> {"text": label lines, "attrs": raw attribute text}) and edges of DOT text."""
    nodes, edges = {}, []
    for line in dot.source.splitlines():
        if (edge := EDGE.match(line)) is not None:
            edges.append(edge.groups())
        elif (node := NODE.match(line)) is not None and node.group(1) not in ("graph", "node",
                                                                             "edge"):
            attrs = node.group(2)
            label = re.search(r"label=<(.*)>(?= \w+=|$)", attrs) or \
                re.search(r"label=(\"[^\"]*\"|\S+)", attrs)
            text = re.sub(r"<[^>]+>", "", label.group(1).replace("<br/>", "\n")).strip('"')
            nodes[node.group(1)] = {"text": html.unescape(text).split("\n"), "attrs": attrs}
    return nodes, edges


def op_names(nodes: dict[str, dict]) -> list[str]:
    return [n["text"][0] for n in nodes.values() if re.search(r"shape=box( |$)", n["attrs"])]


def f64(*shape, requires_grad=True, seed=0, name=None):
    data = np.random.default_rng(seed).standard_normal(shape)
    return Tensor(data, requires_grad=requires_grad, name=name)


# ---------------------------------------------------------------- structure


def test_known_expression_has_one_node_per_op_and_leaf_and_one_edge_per_use():
    a, b = f64(2, 3, name="a"), f64(2, 3, seed=1, name="b")
    y = (a * b + a).sum()
    nodes, edges = parse(viz.to_dot(y))
    assert len(nodes) == 5  # a, b, Mul, Add, Sum
    assert sorted(op_names(nodes)) == ["Add", "Mul", "Sum"]
    by_name = {n["text"][0]: key for key, n in nodes.items()}
    assert sorted(edges) == sorted([(by_name["a"], by_name["Mul"]), (by_name["b"], by_name["Mul"]),
                                    (by_name["Mul"], by_name["Add"]),
                                    (by_name["a"], by_name["Add"]),
                                    (by_name["Add"], by_name["Sum"])])


def test_edges_follow_data_flow_every_node_after_its_inputs():
    x = f64(3, 4)
    y = ((x.exp() + x.tanh()) * x).mean(axis=0)
    nodes, edges = parse(viz.to_dot(y))
    order = list(nodes)
    assert all(order.index(src) < order.index(dst) for src, dst in edges)


UNARY = {"exp": Tensor.exp, "tanh": Tensor.tanh, "sigmoid": Tensor.sigmoid, "neg": Tensor.__neg__}


@given(st.lists(st.sampled_from(sorted(UNARY)), min_size=1, max_size=12))
@settings(max_examples=15)
def test_a_chain_of_k_unary_ops_has_k_plus_one_nodes_and_k_edges(chain):
    x = f64(2)
    y = x
    for name in chain:
        y = UNARY[name](y)
    nodes, edges = parse(viz.to_dot(y))
    assert len(nodes) == len(chain) + 1 and len(edges) == len(chain)
    expected = [{"exp": "Exp", "tanh": "HyperbolicTangent", "sigmoid": "Logistic", "neg": "Neg"}[n]
                for n in chain]
    assert op_names(nodes) == expected


def test_labels_carry_shape_dtype_op_parameters_and_parameter_names():
    layer = nn.Linear(4, 3)
    x = Tensor(np.ones((5, 4), np.float32), name="batch")
    y = layer(x).sum(axis=1)
    nodes, _ = parse(viz.to_dot(y, params=layer))
    texts = {n["text"][0]: n["text"] for n in nodes.values()}
    assert texts["weight"][1] == "(3, 4) float32"
    assert texts["bias"][1] == "(3,) float32"
    assert texts["batch"][1] == "(5, 4) float32"
    assert texts["Affine"][1] == "(5, 3) float32"  # F.linear is one op (nn.functional.Affine)
    assert texts["Sum"][1:3] == ["axes=(1,), keepdims=False", "(5,) float32"]


def test_params_from_named_parameters_of_a_sequential_use_dotted_names():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    y = model(Tensor(np.ones((4, 2), np.float32))).sum()
    nodes, _ = parse(viz.to_dot(y, params=dict(model.named_parameters())))
    names = {n["text"][0] for n in nodes.values()}
    assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= names


def test_kinds_get_the_documented_colours_and_shapes():
    w = f64(3, name="w")
    x = Tensor(np.ones(3), name="x")
    y = (w * x * 2.0).sum()
    nodes, _ = parse(viz.to_dot(y, params={"w": w}))
    attrs = {n["text"][0]: n["attrs"] for n in nodes.values()}
    assert f'fillcolor="{viz.COLORS["param"]}"' in attrs["w"] and "shape=ellipse" in attrs["w"]
    assert f'fillcolor="{viz.COLORS["input"]}"' in attrs["x"]
    assert f'fillcolor="{viz.COLORS["op"]}"' in attrs["Mul"] and "shape=box" in attrs["Mul"]
    assert f'fillcolor="{viz.COLORS["output"]}"' in attrs["Sum"]
    assert "shape=plaintext" in attrs["2"]  # the constant, by its value


def test_rankdir_option_and_its_validation():
    y = f64(2).exp()
    assert "rankdir=TB" in viz.to_dot(y, rankdir="TB").source
    assert "rankdir=LR" in viz.to_dot(y).source
    with pytest.raises(tg.ArgumentError, match="rankdir"):
        viz.to_dot(y, rankdir="RL")


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(tg.ArgumentError, match="at least one"):
        viz.to_dot()
    with pytest.raises(tg.ArgumentError, match="must be Tensors"):
        viz.to_dot(np.ones(3))
    with pytest.raises(tg.ArgumentError, match="params must be"):
        viz.to_dot(f64(2).exp(), params=[1, 2])


def test_graph_node_repr_reads_like_a_program():
    a, b = f64(2, 3, name="a"), f64(2, 3, seed=1, name="b")
    nodes = viz.graph_nodes((a * b).sum(axis=0))
    assert [repr(n) for n in nodes] == [
        "a: param (2, 3) float64", "b: param (2, 3) float64",
        "n2 = Mul(a, b) -> (2, 3) float64",
        "n3 = Sum(n2, axes=(0,), keepdims=False) -> (3,) float64"]


def test_a_freed_graph_raises_an_error_naming_retain_graph():
    x = f64(3)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(tg.BackwardError, match="retain_graph=True"):
        viz.to_dot(y)


# ---------------------------------------------------------------- batch norm


def bn_graph(impl: str, shape=(16, 4)):
    x = Tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32),
               requires_grad=True, name="x")
    bn = BatchNorm1d(shape[1], impl=impl)
    return bn(x), bn, x


def test_composite_batch_norm_shows_its_primitive_ops():
    y, bn, _ = bn_graph("composite")
    nodes, _ = parse(viz.to_dot(y, params=bn))
    ops = op_names(nodes)
    for primitive in ("Sum", "Sub", "Mul", "Add", "Sqrt", "Div"):
        assert primitive in ops
    assert not any("BatchNorm" in op for op in ops)
    assert len(ops) > 10


def test_fused_batch_norm_is_exactly_one_node():
    y, bn, _ = bn_graph("fused")
    nodes, edges = parse(viz.to_dot(y, params=bn))
    assert op_names(nodes) == ["FusedBatchNorm"]
    names = {n["text"][0] for n in nodes.values()}
    assert names == {"x", "weight", "bias", "FusedBatchNorm"} and len(edges) == 3


def test_fused_batch_norm_saves_less_than_composite():
    totals = {}
    for impl in ("composite", "fused"):
        y, _, x = bn_graph(impl, shape=(64, 8))
        nodes = viz.graph_nodes(y)
        totals[impl] = viz.saved_total(nodes)[1]
    # composite keeps x - mean and xhat (2 full arrays), fused keeps x (1) plus per-channel data
    full = 64 * 8 * 4
    assert totals["composite"] > 2 * full > totals["fused"] > full


# ---------------------------------------------------------------- saved bytes


def saved_label_bytes(node_text: list[str]) -> int:
    line = next(t for t in node_text if t.startswith("saves"))
    number, unit = re.search(r": ([\d.]+) (B|KiB|MiB)$", line).groups()
    return round(float(number) * {"B": 1, "KiB": 1024, "MiB": 1024**2}[unit])


def test_saved_bytes_equal_the_saved_arrays_nbytes():
    x = f64(5, 7, name="x")
    w = f64(5, 7, seed=1, name="w").astype(np.float32)
    x32 = x.astype(np.float32)
    e = (x32 * w).exp()
    nodes = {n.name: n for n in viz.graph_nodes(e)}
    assert nodes["Mul"].saved_bytes() == x32.data.nbytes + w.data.nbytes
    assert nodes["Exp"].saved_bytes() == e.data.nbytes  # Exp saves its output
    assert nodes["Cast"].saved_bytes() == 0
    dot_nodes, _ = parse(viz.to_dot(e, show_saved=True))
    labels = {n["text"][0]: n["text"] for n in dot_nodes.values()}
    assert saved_label_bytes(labels["Mul"]) == x32.data.nbytes + w.data.nbytes
    assert saved_label_bytes(labels["Exp"]) == e.data.nbytes


def test_graph_total_counts_each_buffer_once():
    x = f64(10, name="x")
    sq = x * x  # saves x twice: one buffer
    cube = sq * x  # saves sq and x (again)
    y = cube.tanh()  # saves its output
    dot = viz.to_dot(y, show_saved=True)
    expected = x.data.nbytes + sq.data.nbytes + y.data.nbytes
    assert f"saved for backward: 3 buffers, {expected} B" in dot.source
    assert viz.graph_nodes(sq)[-1].saved_bytes() == x.data.nbytes


def test_a_saved_view_counts_the_buffer_it_keeps_alive():
    w = f64(4, 6, name="w")
    flat = w.reshape(24)  # a view of w's buffer
    y = flat * flat.exp()
    mul = viz.graph_nodes(y)[-1]
    assert mul.saved_bytes() == w.data.nbytes + flat.exp().data.nbytes


def test_fused_batch_norm_saved_bytes_are_its_arrays_nbytes():
    y, bn, x = bn_graph("fused")
    node = viz.graph_nodes(y, params=bn)[-1]
    expected = x.data.nbytes + bn.weight.data.nbytes + sum(a.nbytes for a in y._ctx.saved)
    assert node.saved_bytes() == expected
    nodes, _ = parse(viz.to_dot(y, params=bn, show_saved=True))
    fused = next(n["text"] for n in nodes.values() if n["text"][0] == "FusedBatchNorm")
    assert saved_label_bytes(fused) == expected


# ---------------------------------------------------------------- gradients


def test_show_grad_labels_each_node_with_its_gradient_norm_and_colours_by_magnitude():
    x = f64(4, name="x")
    big = x * 100.0
    y = big.sum() + (x * 0.01).sum()
    viz.retain_grads(y)
    y.backward(retain_graph=True)
    nodes, _ = parse(viz.to_dot(y, show_grad=True))
    norms = {}
    for key, node in nodes.items():
        line = next((t for t in node["text"] if t.startswith("‖∇‖ = ")), None)
        if line is not None:
            norms[key] = float(line.split("= ")[1])
    assert len(norms) == 6  # x, 2 Mul, 2 Sum, Add; not the constants
    assert sorted(norms.values()) == pytest.approx([1, 1, 1, 2, 2, 200.02], rel=1e-2)
    assert norms[next(k for k, n in nodes.items() if n["text"][0] == "x")] == \
        pytest.approx(np.linalg.norm(x.grad.data), rel=1e-2)
    smallest, largest = min(norms, key=norms.get), max(norms, key=norms.get)
    assert f'fillcolor="{viz.GRAD_PALETTE[0]}"' in nodes[smallest]["attrs"]
    assert f'fillcolor="{viz.GRAD_PALETTE[-1]}"' in nodes[largest]["attrs"]
    assert "legend" in nodes


def test_a_zero_gradient_is_drawn_white_not_as_the_smallest_norm():
    x = f64(3, name="x")
    y = ((x * 2.0) * 0.0).sum() + x.sum()  # x * 2 gets a zero gradient
    viz.retain_grads(y)
    y.backward(retain_graph=True)
    nodes, _ = parse(viz.to_dot(y, show_grad=True))
    zero = [n for n in nodes.values() if "‖∇‖ = 0.00e+00" in n["text"]]
    assert len(zero) == 1 and 'fillcolor="#ffffff"' in zero[0]["attrs"]


def test_grad_range_fixes_the_colour_scale_and_clips_outside_it():
    x = f64(4, name="x")
    y = (x * 1e-3).sum()
    y.backward(retain_graph=True)  # x.grad = 1e-3 * ones(4): norm 2e-3
    attrs = {n["text"][0]: n["attrs"] for n in parse(viz.to_dot(
        y, show_grad=True, grad_range=(2e-3, 1.0)))[0].values()}
    assert f'fillcolor="{viz.GRAD_PALETTE[0]}"' in attrs["x"]
    attrs = {n["text"][0]: n["attrs"] for n in parse(viz.to_dot(
        y, show_grad=True, grad_range=(1e-9, 1e-6)))[0].values()}
    assert f'fillcolor="{viz.GRAD_PALETTE[-1]}"' in attrs["x"]
    with pytest.raises(tg.ArgumentError, match="grad_range"):
        viz.to_dot(y, show_grad=True, grad_range=(1.0, 0.1))


def test_show_grad_without_any_gradient_says_to_run_backward():
    with pytest.raises(tg.ArgumentError, match="retain_graph=True"):
        viz.to_dot((f64(3) * 2.0).sum(), show_grad=True)


def test_without_retain_grads_op_nodes_say_they_kept_no_grad():
    x = f64(3, name="x")
    y = (x * 2.0).sum()
    y.backward(retain_graph=True)
    nodes, _ = parse(viz.to_dot(y, show_grad=True))
    texts = {n["text"][0]: n["text"] for n in nodes.values()}
    assert "no .grad" in texts["Mul"]
    assert any(t.startswith("‖∇‖") for t in texts["x"])


def test_graph_of_a_gradient_from_create_graph_renders_its_backward_ops():
    x = f64(3, name="x")
    y = (x * x * x).sum()
    (g,) = tg.grad(y, x, create_graph=True)
    nodes, edges = parse(viz.to_dot(g))
    assert "x" in {n["text"][0] for n in nodes.values()}
    assert op_names(nodes).count("Mul") >= 3 and len(edges) >= len(nodes) - 1
    (gg,) = tg.grad(g.sum(), x)  # the drawn graph is the one differentiated again
    np.testing.assert_allclose(gg.data, 6 * x.data)


# ---------------------------------------------------------------- modules


def traced_mlp():
    model = nn.Sequential(nn.Linear(4, 5), BatchNorm1d(5, impl="composite"), nn.ReLU(),
                          nn.Linear(5, 2))
    x = Tensor(np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32), name="x")
    with viz.trace_modules(model) as trace:
        y = model(x).sum()
    return model, trace, y


def cluster_bodies(source: str) -> dict[str, str]:
    """cluster label -> the DOT text of its body (these clusters do not nest)."""
    parts = re.split(r"\tsubgraph cluster_\d+ \{\n", source)[1:]
    return {re.search(r'label="([^"]+)"', part).group(1): part.split("\t}")[0] for part in parts}


def test_module_clusters_group_each_calls_ops_and_parameters():
    model, trace, y = traced_mlp()
    dot = viz.to_dot(y, params=model, modules=trace)
    bodies = cluster_bodies(dot.source)
    assert list(bodies) == ["0: Linear", "1: BatchNorm1d", "2: ReLU", "3: Linear"]
    assert "<b>Affine</b>" in bodies["0: Linear"] and "0.weight" in bodies["0: Linear"]
    assert "Sqrt" in bodies["1: BatchNorm1d"] and "1.bias" in bodies["1: BatchNorm1d"]
    assert "1e-05" in bodies["1: BatchNorm1d"]  # the constant goes with its consumer
    assert "Sqrt" not in bodies["0: Linear"] + bodies["3: Linear"]
    assert "axes=(0, 1)" not in "".join(bodies.values())  # the loss's Sum is nobody's
    assert "forward" not in vars(model[0])  # tracing left the modules as they were


def test_collapse_modules_draws_one_node_per_module_call():
    model, trace, y = traced_mlp()
    nodes, edges = parse(viz.to_dot(y, params=model, modules=trace, collapse_modules=True))
    modules = [n["text"] for n in nodes.values() if "shape=box3d" in n["attrs"]]
    assert [m[0] for m in modules] == ["0: Linear", "1: BatchNorm1d", "2: ReLU", "3: Linear"]
    # mean: Sum, Mul; var: Sub, Mul, Sum, Mul; Add eps, Sqrt, Div; Reshape, Mul, Reshape, Add
    assert modules[1][1] == "13 ops" and modules[1][2] == "(6, 5) float32"
    # only the loss's Sum stays an op; parameters keep their own nodes
    assert op_names(nodes) == ["Sum"]
    assert {"0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"} <= \
        {n["text"][0] for n in nodes.values()}
    assert len(edges) == len(set(edges))


class Block(nn.Module):
    """y = bn(fc(x)) + x: a module with submodules and an op of its own."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.bn = BatchNorm1d(width, impl="composite")

    def forward(self, x):
        return self.bn(self.fc(x)) + x


def test_nested_modules_nest_clusters_and_own_their_glue_ops():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(Block(3), shared, Block(3), shared)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    with viz.trace_modules(model) as trace:
        y = model(x)
    assert [c.label for c in trace.calls] == [
        "0.fc: Linear", "0.bn: BatchNorm1d", "0: Block", "1: Linear", "2.fc: Linear",
        "2.bn: BatchNorm1d", "2: Block", "1: Linear (call 2)"]
    residual = model[2](x)  # outside the trace: nobody's
    assert trace.owner(residual) is None
    assert trace.owner(y).label == "1: Linear (call 2)"
    add = y._ctx.parents[0]  # y = Linear(the 2nd Block's Add, W, b)
    assert add._ctx.name == "Add" and trace.owner(add).label == "2: Block"
    source = viz.to_dot(y, params=model, modules=trace, collapse_modules=True).source
    # the inner calls are drawn inside their Block's cluster
    block = source.split('label="0: Block"')[1].split('label="1: Linear"')[0]
    assert "<b>0.fc: Linear</b>" in block and "<b>0.bn: BatchNorm1d</b>" in block
    assert "<b>Add</b>" in block


def test_collapse_needs_a_trace_and_trace_needs_a_module():
    with pytest.raises(tg.ArgumentError, match="trace_modules"):
        viz.to_dot(f64(2).exp(), collapse_modules=True)
    with pytest.raises(tg.ArgumentError, match="nn.Module"):
        with viz.trace_modules(object()):
            pass


# ---------------------------------------------------------------- examples, rendering


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_named_example_builds_a_graph(name):
    nodes, edges = parse(build(name).to_dot())
    assert nodes and edges
    if name == "bn-fused":
        assert op_names(nodes) == ["FusedBatchNorm"]


def test_unknown_example_names_the_choices():
    with pytest.raises(tg.ArgumentError, match="bn-composite"):
        build("nope")


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


@needs_dot
def test_render_writes_a_valid_svg_and_the_dot_source(tmp_path):
    y, bn, _ = bn_graph("fused")
    out = viz.render(y, params=bn, path=str(tmp_path / "bn"), format="svg", show_saved=True)
    assert out == str(tmp_path / "bn.svg")
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter() if t.tag.endswith("text")]
    assert "FusedBatchNorm" in texts and "weight" in texts
    assert (tmp_path / "bn.gv").read_text().startswith("digraph")


def test_render_without_dot_saves_the_source_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    y = f64(3).exp()
    with pytest.raises(tg.DependencyError, match="apt-get install graphviz") as info:
        viz.render(y, path=str(tmp_path / "g"), format="png")
    assert str(tmp_path / "g.gv") in str(info.value)
    assert (tmp_path / "g.gv").read_text().startswith("digraph")
    assert not (tmp_path / "g.png").exists()


def test_render_returns_a_path_that_a_notebook_displays(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    y = f64(3).exp()
    svg = viz.render(y, path=str(tmp_path / "g"), format="svg")
    assert svg == str(tmp_path / "g.svg") and isinstance(svg, str)
    assert svg._repr_mimebundle_()["image/svg+xml"].lstrip().startswith(("<?xml", "<svg"))
    png = viz.render(y, path=str(tmp_path / "g"), format="png")
    assert png._repr_mimebundle_()["image/png"][:4] == b"\x89PNG"
    pdf = viz.render(y, path=str(tmp_path / "g"), format="pdf")
    assert pdf._repr_mimebundle_() == {"text/plain": str(tmp_path / "g.pdf")}


def test_notebook_display_without_dot_shows_the_install_hint(tmp_path, monkeypatch):
    dot = viz.to_dot(f64(3).exp())
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    bundle = dot._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "apt-get install graphviz" in bundle["text/plain"]


def test_render_rejects_an_unknown_format(tmp_path):
    with pytest.raises(tg.ArgumentError, match="format"):
        viz.render(f64(3).exp(), path=str(tmp_path / "g"), format="docx")


def test_missing_graphviz_package_says_pip_install_graphviz(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    with pytest.raises(tg.DependencyError, match="pip install graphviz"):
        viz.to_dot(f64(3).exp())


def test_importing_tinygrad_bn_does_not_import_graphviz():
    code = "import sys, tinygrad_bn as tg; tg.viz.to_dot; print('graphviz' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ})
    assert result.stdout.strip() == "False"


def test_tensor_repr_names_its_op_and_the_shape_when_values_are_elided():
    big = f64(50, 3) * 2.0
    assert repr(big).endswith(", shape=(50, 3), dtype=float64, grad_fn=<Mul>)")
    assert "..." in repr(big)
    small = Tensor([1.0, 2.0])
    assert repr(small) == "Tensor([1. 2.], dtype=float32)"
