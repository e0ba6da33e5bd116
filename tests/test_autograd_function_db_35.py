"""PyTorch's database of custom autograd.Functions (torch 2.13's
torch.testing._internal.autograd_function_db) run on tinygrad_bn's tg.autograd.Function:
forward, backward, double backward, jvp and vmap of each entry compared with torch
(tests/autograd_function_harness.py explains how). A check torch itself refuses (an entry
without forward AD or a vmap rule) is skipped, as PyTorch's tests skip it.

KNOWN names the checks that differ, with the reason; a listed check must still differ
(strict), every other must agree.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")
if not torch.__version__.startswith("2.13"):
    pytest.skip("the autograd.Function database is torch 2.13's", allow_module_level=True)

import torch.testing._internal.autograd_function_db as module  # noqa: E402

from tests.autograd_function_harness import CHECKS, TorchRefuses, run_check  # noqa: E402

ENTRIES = {op.name: op for op in module.autograd_function_db}
CASES = [f"{name}:{check}" for name in ENTRIES for check in CHECKS]

KNOWN: dict[str, frozenset[str]] = {}
LISTED = {case: reason for reason, cases in KNOWN.items() for case in cases}


@pytest.mark.parametrize("case", CASES)
def test_autograd_function_agrees_with_torch(case: str) -> None:
    name, check = case.split(":")
    op = ENTRIES[name]
    if check == "jvp" and not op.supports_forward_ad or \
            check == "double backward" and not op.supports_gradgrad:
        pytest.skip(f"{name} does not support {check} in torch")
    try:
        difference = run_check(op, check, module, torch)
    except TorchRefuses as refusal:
        pytest.skip(f"torch refuses: {refusal}")
    if case in LISTED:
        assert difference is not None, f"{case} agrees with torch now: take it off its list"
        pytest.xfail(f"{LISTED[case]}: {difference}")
    assert difference is None, f"{case}: {difference}"


def test_the_lists_name_cases() -> None:
    assert len(ENTRIES) == 14
    assert set(LISTED) <= set(CASES)
