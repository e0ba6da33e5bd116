"""Two helpers of PyTorch's test utilities (torch.testing._internal.common_utils), which the
OpInfo, ModuleInfo and OptimInfo harnesses drive, made cheap with the same results here.

Every OpInfo `sample_inputs` / `error_inputs` call wraps its generator in a
TrackedInputIter, which
- looks for the unittest.TestCase method running it (`extract_test_fn`) through
  `inspect.stack()`: that reads the source lines of every frame of pytest's deep stack
  and resolves each frame's module (0.02-0.1 s a call; two calls per sample_inputs);
- reseeds before each sample (`set_rng_seed`) with `torch.manual_seed`, which also queues
  the seed for CUDA, XPU and MTIA, none of them ever initialised here: each queueing
  stores a `traceback.format_stack()` of that deep stack (three per sample).
Measured (cProfile, tests/test_opinfo_34.py on four entries): about 80% of the run.

The replacements compute the same thing: `extract_test_fn` walks the same frames without
reading source (pytest's test functions are no TestCase methods, so it finds None as
before), and the seeding sets the same CPU generator, `random` and NumPy states
(`torch.default_generator.manual_seed` is the last step of `torch.manual_seed`), so the
samples drawn are the same ones. Installed by tests/conftest.py once common_utils is
imported (no test imports torch for this).
"""

from __future__ import annotations

import sys
import unittest
from collections.abc import Callable
from typing import Any

_MODULE = "torch.testing._internal.common_utils"
_MARK = "_tinygrad_bn_quick"


def _quick_extract_test_fn() -> Callable | None:
    """common_utils.extract_test_fn without inspect.stack(): the innermost frame whose
    `self` is a unittest.TestCase running a test method gives that method's function."""
    frame = sys._getframe(1)
    while frame is not None:
        self_val = frame.f_locals.get("self")
        if isinstance(self_val, unittest.TestCase):
            try:
                *_, cls_name, test_name = self_val.id().rsplit(".", 2)
                if cls_name == type(self_val).__name__ and test_name.startswith("test"):
                    return getattr(self_val, test_name).__func__
            except Exception:  # noqa: BLE001 (the original gives up the same way)
                return None
        frame = frame.f_back
    return None


def _cpu_seeding(common_utils: Any) -> Callable[..., None]:
    import numpy as np
    import torch

    def set_rng_seed(seed: int | None = None) -> None:
        """common_utils.set_rng_seed on the CPU generator only (no accelerator queues)."""
        if seed is None:
            seed = common_utils.SEED
        torch.default_generator.manual_seed(int(seed))
        common_utils.random.seed(seed)
        if common_utils.TEST_NUMPY:
            np.random.seed(seed)

    return set_rng_seed


def install_if_imported() -> None:
    """Replace the two helpers in every torch testing module that holds them, once
    common_utils has been imported (a no-op before that and after the first time)."""
    common_utils = sys.modules.get(_MODULE)
    if common_utils is None or getattr(common_utils, _MARK, False):
        return
    replacements = {
        common_utils.extract_test_fn: _quick_extract_test_fn,
        common_utils.set_rng_seed: _cpu_seeding(common_utils),
    }
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith("torch.testing._internal"):
            continue
        for attr in ("extract_test_fn", "set_rng_seed"):
            original = getattr(module, attr, None)
            if original in replacements:
                setattr(module, attr, replacements[original])
    setattr(common_utils, _MARK, True)
