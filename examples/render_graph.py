"""Draw computation graphs: batch norm from primitive ops vs the fused op.

    python examples/render_graph.py     (needs: pip install graphviz, and the Graphviz programs)

`tg.viz.to_dot(out)` returns a graphviz.Digraph (its `.source` is DOT text);
`tg.viz.render(out, path=..., format=...)` writes the picture with Graphviz's
`dot`. Draw before `backward()`, which frees the graph.
"""

import numpy as np

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn

rng = np.random.default_rng(0)
x = Tensor(rng.standard_normal((16, 3)).astype(np.float32), requires_grad=True, name="x")

for impl in ("composite", "fused"):
    bn = nn.BatchNorm1d(3, impl=impl)
    y = bn(x)
    dot = tg.viz.to_dot(y, params=bn, show_saved=True, title=f"{impl} batch norm")
    print(f"{impl}: {dot.source.count('->')} edges in the DOT source")
    try:
        path = tg.viz.render(y, path=f"bn-{impl}", format="svg", params=bn, show_saved=True,
                             title=f"{impl} batch norm")
        print(f"  wrote {path}")
    except tg.DependencyError as error:  # no `dot` program: the .gv source is still written
        print(f"  {error}")
