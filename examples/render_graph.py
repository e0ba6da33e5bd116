"""Draw computation graphs: batch norm from primitive ops vs the fused op.

    python examples/render_graph.py [OUT_DIR]   (needs: pip install graphviz, and Graphviz)

The pictures go to OUT_DIR (default: a tinygrad_bn_examples folder in the system's
temporary directory).

`tg.viz.to_dot(out)` returns a graphviz.Digraph (its `.source` is DOT text);
`tg.viz.render(out, path=..., format=...)` writes the picture with Graphviz's
`dot`. Draw before `backward()`, which frees the graph.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn

default_out = Path(tempfile.gettempdir()) / "tinygrad_bn_examples"
out = Path(sys.argv[1]) if len(sys.argv) > 1 else default_out
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)
x = Tensor(rng.standard_normal((16, 3)).astype(np.float32), requires_grad=True, name="x")

for impl in ("composite", "fused"):
    bn = nn.BatchNorm1d(3, impl=impl)
    y = bn(x)
    dot = tg.viz.to_dot(y, params=bn, show_saved=True, title=f"{impl} batch norm")
    print(f"{impl}: {dot.source.count('->')} edges in the DOT source")
    try:
        path = tg.viz.render(y, path=str(out / f"bn-{impl}"), format="svg", params=bn,
                             show_saved=True, title=f"{impl} batch norm")
        print(f"  wrote {path}")
    except tg.DependencyError as error:  # no `dot` program: the .gv source is still written
        print(f"  {error}")
