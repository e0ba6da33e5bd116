"""Measure the tolerances of the PyTorch-idiom corpus (tests/pytorch_scripts/) on PyTorch.

    python scripts/corpus_tolerances.py rounding NAME...   # for scripts compared step by step
    python scripts/corpus_tolerances.py seeds NAME...      # for scripts compared in a band

rounding: runs the script twice on PyTorch, the second time with every matmul, linear,
conv2d and sum output perturbed by a relative N(0, 1) * 2^-52 (float64) or 2^-23
(float32), forward values only, from a private NumPy generator (3 generator seeds). Prints
the largest relative change of any step's loss and of each final: a model of how far a
framework that rounds differently (tinygrad_bn sums in NumPy's order) drifts from PyTorch
on the same path.

seeds: runs the script with every `torch.manual_seed(s)` and `Generator().manual_seed(s)`
shifted to s + k, k = 0..6, and prints the largest distance from k = 0 of the mean loss
over the first and the last 10 steps and of each final: the spread a run with a different
generator (tinygrad_bn's) shows.

Needs torch. The runs use one thread, as the test does.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_pytorch_corpus import SCRIPT_DIR, parse, window_means  # noqa: E402

# Installed through sitecustomize.py in a directory put first on PYTHONPATH.
_ROUNDING_HOOK = '''
import os
if os.environ.get("CORPUS_ROUNDING_SEED"):
    import numpy as np
    import torch
    import torch.nn.functional as F

    _rng = np.random.default_rng(int(os.environ["CORPUS_ROUNDING_SEED"]))

    def _perturbed(fn):
        def wrapped(*args, **kwargs):
            out = fn(*args, **kwargs)
            if isinstance(out, torch.Tensor) and out.is_floating_point():
                rel = 2.0 ** -52 if out.dtype == torch.float64 else 2.0 ** -23
                noise = torch.from_numpy(_rng.standard_normal(tuple(out.shape)))
                out = out + out.detach() * (rel * noise).to(out.dtype)
            return out
        return wrapped

    torch.matmul = _perturbed(torch.matmul)
    torch.Tensor.__matmul__ = _perturbed(torch.Tensor.__matmul__)
    torch.Tensor.sum = _perturbed(torch.Tensor.sum)
    torch.sum = _perturbed(torch.sum)
    F.linear = _perturbed(F.linear)
    F.conv2d = _perturbed(F.conv2d)
'''


def run(source: str, directory: Path, extra_env: dict[str, str]) -> tuple[list[float],
                                                                           dict[str, float]]:
    path = directory / "script.py"
    path.write_text(source)
    env = dict(os.environ, OMP_NUM_THREADS="1", **extra_env,
               PYTHONPATH=os.pathsep.join([str(directory / "hook"), str(ROOT),
                                           str(SCRIPT_DIR)]))
    done = subprocess.run([sys.executable, str(path)], cwd=directory, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the script failed on PyTorch:\n{done.stderr[-2000:]}")
    return parse(done.stdout)


def rounding(name: str, directory: Path) -> str:
    source = (SCRIPT_DIR / f"{name}.py").read_text()
    base_steps, base_finals = run(source, directory, {})
    worst, finals = 0.0, dict.fromkeys(base_finals, 0.0)
    for seed in (1, 2, 3):
        steps, ends = run(source, directory, {"CORPUS_ROUNDING_SEED": str(seed)})
        worst = max([worst] + [abs(a - b) / max(abs(a), abs(b)) for a, b in
                               zip(steps, base_steps) if max(abs(a), abs(b)) > 1e-12])
        for key in finals:
            finals[key] = max(finals[key], abs(ends[key] - base_finals[key]))
    shown = ", ".join(f"{key} {value:.2g}" for key, value in finals.items())
    return f"{name}: steps {worst:.2g} (relative); finals: {shown or 'none'}"


def seeds(name: str, directory: Path) -> str:
    source = (SCRIPT_DIR / f"{name}.py").read_text()
    rows = []
    for shift in range(7):
        shifted = re.sub(r"((?:torch|Generator\(\))\.manual_seed)\(([^()]*)\)",
                         rf"\1(\2 + {shift})", source)
        steps, finals = run(shifted, directory, {})
        first, last = window_means(steps, 10)
        rows.append({"first": first, "last": last, **finals})
    spread = {key: max(abs(row[key] - rows[0][key]) for row in rows) for key in rows[0]}
    return f"{name}: " + ", ".join(f"{key} {value:.2g}" for key, value in spread.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("measure", choices=("rounding", "seeds"))
    parser.add_argument("names", nargs="+", help="script names in tests/pytorch_scripts/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        (directory / "hook").mkdir()
        (directory / "hook" / "sitecustomize.py").write_text(_ROUNDING_HOOK)
        for name in args.names:
            print(globals()[args.measure](name, directory), flush=True)


if __name__ == "__main__":
    main()
