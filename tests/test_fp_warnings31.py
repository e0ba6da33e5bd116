"""Floating-point edge values give inf/NaN silently, as PyTorch's ops do: no NumPy
RuntimeWarning reaches the user from tinygrad_bn's code (the filter of ops/quiet.py), while
the user's own NumPy warnings and an explicit `simplefilter("error")` still work.

Run in a fresh interpreter, as a script runs: pytest restores the warnings filters after
collecting, which drops any filter a module set while it was imported."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_bn as tg

ROOT = Path(__file__).resolve().parents[1]

EDGES = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-45]

SCRIPT = r"""
import json, sys, warnings
import numpy as np
import tinygrad_bn as tg

EDGES = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-45]
UNARY = ["exp", "log", "sqrt", "rsqrt", "reciprocal", "sigmoid", "tanh", "relu", "abs", "neg",
         "sin", "cos", "log1p", "expm1", "square", "sign", "floor", "exp2", "log2", "log10",
         "erf", "atan", "asin", "acos", "sinh", "cosh"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "remainder"]
found = {}
for dtype in (np.float32, np.float64):
    a = np.repeat(np.array(EDGES, dtype=dtype), len(EDGES))
    b = np.tile(np.array(EDGES, dtype=dtype), len(EDGES))
    for name in UNARY + BINARY + ["casts"]:
        with warnings.catch_warnings(record=True) as record:
            x = tg.tensor(a, requires_grad=True)
            if name == "casts":
                x.double().float(); x.half(); tg.tensor([1e39]); (x * 3e38).sum()
            elif name in UNARY:
                getattr(x, name)().sum().backward()
            else:
                getattr(tg, name)(x, tg.tensor(b, requires_grad=True)).sum().backward()
        own = [str(w.message) for w in record if "tinygrad_bn" in w.filename]
        if own:
            found[f"{name} {np.dtype(dtype)}"] = own
with warnings.catch_warnings(record=True) as record:
    np.ones(1) * np.inf * 0
users = [str(w.message) for w in record]
with warnings.catch_warnings():
    warnings.simplefilter("error")
    try:
        tg.tensor([np.inf]) * 0.0
        raised = False
    except RuntimeWarning:
        raised = True
print(json.dumps({"found": found, "users": users, "raised": raised}))
"""


@pytest.fixture(scope="module")
def outcome() -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": ""}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_ops_and_gradients_at_edge_values_warn_nothing(outcome: dict) -> None:
    assert outcome["found"] == {}


def test_the_users_own_numpy_warnings_still_arrive(outcome: dict) -> None:
    assert outcome["users"] == ["invalid value encountered in multiply"]


def test_an_error_filter_set_by_the_user_still_raises(outcome: dict) -> None:
    assert outcome["raised"]


def test_edge_values_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a = np.repeat(np.array(EDGES, dtype=np.float32), len(EDGES))
    b = np.tile(np.array(EDGES, dtype=np.float32), len(EDGES))
    for name in ["add", "sub", "mul", "div"]:
        ours = getattr(tg.tensor(a), name)(tg.tensor(b)).numpy()
        theirs = getattr(torch.tensor(a), name)(torch.tensor(b)).numpy()
        np.testing.assert_array_equal(ours, theirs, err_msg=name)
