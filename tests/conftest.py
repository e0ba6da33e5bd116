"""Hypothesis profiles: `ci` (reproducible, bounded) and `dev` (more examples), chosen by the
HYPOTHESIS_PROFILE environment variable (CI sets `ci`); a settled heap per test module; and
PyTorch's test utilities without their per-sample stack captures (tests/torch_test_utils.py).
"""

import gc
import os

import pytest
from hypothesis import HealthCheck, settings

from tests import torch_test_utils


@pytest.fixture(autouse=True, scope="module")
def _settled_heap() -> None:
    """What earlier modules left alive (pytest's reports, Hypothesis's example databases,
    caches) moves to the permanent generation before a module runs, so the collector's
    full passes walk only what the module itself makes. Without it a test slows as the
    suite goes on: the benchmark smoke run took 45 s after 1,666 earlier tests and 17 s
    alone (in a process holding 3M objects, a seed-B smoke run: 34.7 s, 4.1 s frozen).
    Objects a test makes are collected as ever (tests of freed graphs hold)."""
    gc.collect()
    gc.freeze()

def _load_our_profile() -> settings:
    """Register the two profiles and load the one HYPOTHESIS_PROFILE names."""
    settings.register_profile(
        "ci",
        max_examples=25,
        deadline=None,
        derandomize=True,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.register_profile(
        "dev",
        max_examples=100,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
    return settings.default


_OURS = _load_our_profile()


def _ensure_our_profile() -> None:
    """PyTorch's test utilities (torch.testing._internal.common_utils, which the OpInfo,
    ModuleInfo and optimizer harnesses import) register a 'dev' profile of their own and
    load it (10 examples, randomized) when first imported: every test collected or run
    after that in the same process drew from it (test_bad_input_nn's guard saw no accepted
    cross_entropy call). Ours is loaded again before each module is collected and each
    test runs."""
    global _OURS
    if settings.default is not _OURS:
        _OURS = _load_our_profile()


def pytest_collectstart(collector: pytest.Collector) -> None:
    _ensure_our_profile()
    torch_test_utils.install_if_imported()


def pytest_runtest_setup(item: pytest.Item) -> None:
    _ensure_our_profile()
    torch_test_utils.install_if_imported()

if settings().derandomize:
    # Hypothesis (>= 6.131) also draws, 5% of the time, constants it collects from the source
    # of every local module imported so far. That pool grows as the suite imports more of
    # tinygrad_bn, so a test's "derandomized" examples depended on which tests ran before it
    # (a guard in tests/test_bad_input_nn.py saw 0 accepted batch_norm calls of 100 in the
    # full suite and 19 alone). The reproducible profile draws without that pool: each
    # test's examples then depend on its own code and strategies only.
    try:
        from hypothesis.internal.conjecture import providers as _providers
        from hypothesis.internal.constants_ast import Constants as _Constants
    except ImportError:  # an older Hypothesis without the pool
        pass
    else:
        if hasattr(_providers, "_get_local_constants"):
            _providers._get_local_constants = _Constants
