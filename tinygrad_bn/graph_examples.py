"""Named example graphs for `tinygrad-bn graph NAME` and docs/graphs.md.

Each builder makes a small model with fixed seeds, runs it, and returns a
`GraphExample`: the output tensors plus the `viz.to_dot` options that draw it
well. `build(name)` looks one up; `EXAMPLES` lists them:

- `bn-composite`: batch norm from primitive ops (many nodes, many saved arrays).
- `bn-fused`: the same batch norm as the single `FusedBatchNorm` op.
- `mlp`: Linear -> BatchNorm1d -> ReLU blocks with a cross-entropy loss, one
  node per module, coloured by gradient norm after backward.
- `cnn`: Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d -> Flatten -> Linear, one
  cluster per module.
- `second-order`: y = tanh(w x) and dy/dx from `tg.grad(create_graph=True)`:
  the graph of a gradient, which can be differentiated again.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import nn, viz
from .errors import ArgumentError
from .nn import functional as F
from .nn.norm_layers import BatchNorm1d, BatchNorm2d
from .tensor import Tensor, grad
from .viz import backward_trace


@dataclass
class GraphExample:
    """Output tensors and the `viz.to_dot` keyword arguments that draw them."""

    name: str
    description: str
    outputs: tuple[Tensor, ...]
    options: dict[str, Any] = field(default_factory=dict)

    def to_dot(self, **overrides: Any) -> Any:
        """The example's `graphviz.Digraph` (`overrides` replace its `to_dot` options)."""
        return viz.to_dot(*self.outputs, **{**self.options, **overrides})

    def render(self, path: str, format: str = "svg", **overrides: Any) -> str:  # noqa: A002
        """Render to `path.<format>` (see `viz.render`) and return the file's path."""
        return viz.render(*self.outputs, path=path, format=format,
                          **{**self.options, **overrides})


def _rng() -> np.random.Generator:
    nn.init.manual_seed(0)  # layer initialisation
    return np.random.default_rng(0)  # data


def bn_example(impl: str = "composite", batch: int = 32, features: int = 4) -> GraphExample:
    """Training-mode batch norm of an (N, C) activation x that requires grad, with
    gamma/beta: `impl` "composite" (primitive ops) or "fused" (one op)."""
    rng = _rng()
    bn = BatchNorm1d(features, impl=impl)
    x = Tensor(rng.standard_normal((batch, features)).astype(np.float32), requires_grad=True,
               name="x")
    y = bn(x)
    return GraphExample(
        f"bn-{impl}", f"BatchNorm1d({features}, impl={impl!r}) on x of shape {x.shape}",
        (y,), {"params": bn, "show_saved": True, "title": f"{impl} batch norm"})


def mlp_example(batch_norm: bool = True, depth: int = 3, width: int = 16,
                weight_std: float | None = None) -> GraphExample:
    """An MLP on a random batch, after `backward(retain_graph=True)`: one node per module,
    coloured by the gradient norm. `weight_std` re-initialises the Linear weights as
    N(0, std^2): with 0.01 and no batch norm the gradients vanish toward the input."""
    rng = _rng()
    layers: list[nn.Module] = []
    width_in = 8
    for _ in range(depth):
        # a bias before batch norm is wasted: BN subtracts the mean, its gradient is 0
        layers.append(nn.Linear(width_in, width, bias=not batch_norm))
        if batch_norm:
            layers.append(BatchNorm1d(width))
        layers.append(nn.ReLU())
        width_in = width
    layers.append(nn.Linear(width_in, 3))
    model = nn.Sequential(*layers)
    if weight_std is not None:
        for name, param in model.named_parameters():
            if name.endswith("weight") and param.ndim == 2:
                param.data[...] = rng.normal(0.0, weight_std, param.shape)
    x = Tensor(rng.standard_normal((32, 8)).astype(np.float32), name="x")
    target = rng.integers(0, 3, size=32)
    with viz.trace_modules(model) as trace:
        loss = F.cross_entropy(model(x), target)
    viz.retain_grads(loss)
    loss.backward(retain_graph=True)
    kind = "with batch norm" if batch_norm else "without batch norm"
    scale = "" if weight_std is None else f", weights N(0, {weight_std}²)"
    return GraphExample(
        "mlp", f"MLP {kind}, {depth} hidden layers of {width}{scale}: gradient norms", (loss,),
        {"params": model, "modules": trace, "collapse_modules": True, "show_grad": True,
         "title": f"MLP {kind}{scale}: gradient norms"})


def cnn_example() -> GraphExample:
    """A small CNN on a (4, 1, 8, 8) batch, one cluster per module."""
    rng = _rng()
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    x = Tensor(rng.standard_normal((4, 1, 8, 8)).astype(np.float32), name="images")
    target = rng.integers(0, 3, size=4)
    with viz.trace_modules(model) as trace:
        loss = F.cross_entropy(model(x), target)
    return GraphExample("cnn", "Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d -> Flatten -> "
                        "Linear, one cluster per module", (loss,),
                        {"params": model, "modules": trace, "title": "a small CNN"})


def second_order_example() -> GraphExample:
    """y = tanh(w * x) summed, and its gradient g = dy/dx built with create_graph=True:
    the drawing holds both, the backward's ops feeding g."""
    rng = _rng()
    x = Tensor(rng.standard_normal(3), requires_grad=True, name="x")
    w = Tensor(np.array(0.5), requires_grad=True, name="w")
    y = (w * x).tanh().sum()
    (g,) = grad(y, x, create_graph=True)
    g.name = "dy/dx"
    return GraphExample("second-order", "y = sum(tanh(w x)) and dy/dx = w (1 - tanh²(w x)), "
                        "a graph that can be differentiated again", (y, g),
                        {"title": "y = Σ tanh(w·x) and its gradient dy/dx (create_graph=True)"})


EXAMPLES: dict[str, Callable[[], GraphExample]] = {
    "bn-composite": lambda: bn_example("composite"),
    "bn-fused": lambda: bn_example("fused"),
    "mlp": mlp_example,
    "cnn": cnn_example,
    "second-order": second_order_example,
}


def build(name: str) -> GraphExample:
    """The example graph called `name` (one of `EXAMPLES`)."""
    if name not in EXAMPLES:
        raise ArgumentError(f"graph example {name!r} does not exist; choose one of "
                            f"{', '.join(EXAMPLES)}")
    return EXAMPLES[name]()


def trace(name: str, draw: bool = True) -> backward_trace.Trace:
    """The backward trace of example `name` (`tinygrad-bn trace NAME`); outputs that are
    not scalars get a fixed random upstream gradient (a sum would give batch norm's input
    a zero gradient; so would one equal to x, drawn from the examples' own seed)."""
    example = build(name)
    rng = np.random.default_rng(1)  # not the examples' seed 0, which drew x itself
    grad_outputs = [None if out.ndim == 0 else rng.standard_normal(out.shape).astype(out.dtype)
                    for out in example.outputs]
    options = {k: example.options[k] for k in ("params", "modules") if k in example.options}
    return backward_trace.record(*example.outputs, grad_outputs=grad_outputs,
                                 title=example.description, draw=draw, **options)


# docs/graphs.md's pictures: file stem -> (builder, to_dot overrides)
DOC_IMAGES: dict[str, tuple[Callable[[], GraphExample], dict[str, Any]]] = {
    "graph-bn-composite": (EXAMPLES["bn-composite"], {"rankdir": "TB"}),
    "graph-bn-fused": (EXAMPLES["bn-fused"], {"rankdir": "TB"}),
    # one colour scale for both MLPs, so that their colours compare
    "graph-mlp-bn-grad": (lambda: mlp_example(weight_std=0.01),
                          {"rankdir": "TB", "grad_range": (1e-6, 1.0)}),
    "graph-mlp-nobn-grad": (lambda: mlp_example(batch_norm=False, weight_std=0.01),
                            {"rankdir": "TB", "grad_range": (1e-6, 1.0)}),
    "graph-second-order": (second_order_example, {}),
    "graph-cnn": (cnn_example, {"rankdir": "TB"}),
}


def write_doc_images(directory: str, format: str = "png") -> list[str]:  # noqa: A002
    """Render every picture of docs/graphs.md into `directory`; returns the files written
    (their .gv sources are removed: the pictures are what the docs show)."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    written = []
    for stem, (builder, overrides) in DOC_IMAGES.items():
        path = Path(directory) / stem
        written.append(builder().render(str(path), format=format, **overrides))
        path.with_suffix(".gv").unlink()
    return written


if __name__ == "__main__":  # python -m tinygrad_bn.graph_examples docs/img
    print("\n".join(write_doc_images(sys.argv[1] if len(sys.argv) > 1 else "docs/img")))
