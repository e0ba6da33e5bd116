"""Figures with matplotlib (an optional extra), drawn off-screen with the Agg backend."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

_MISSING = ("matplotlib is not installed, so no figure was drawn (the JSON has every "
            "number); install it with: pip install 'tinygrad_bn[examples]'")

BN_COLOR, PLAIN_COLOR = "#d62728", "#1f77b4"  # with / without batch norm, in every figure
COLORS = {"batch": BN_COLOR, "none": PLAIN_COLOR, "layer": "#2ca02c", "group": "#9467bd"}


def pyplot() -> Any:
    """`matplotlib.pyplot` on the Agg backend, or None (after a message) when matplotlib is
    missing: experiments then still write their JSON."""
    try:
        import matplotlib
    except ImportError:
        print(_MISSING, file=sys.stderr)
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, path: Path, rect: tuple[float, float, float, float] | None = None) -> Path:
    """Lay `fig` out tight (inside `rect`, figure fractions, when space is kept for a figure
    legend), write it as a PNG and free it."""
    import matplotlib.pyplot as plt

    fig.tight_layout(rect=rect)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
