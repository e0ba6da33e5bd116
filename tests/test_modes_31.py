"""torch.autograd's modes under PyTorch's names (surface31): set_detect_anomaly (at once, as
a context and as a decorator), detect_anomaly, no_grad, set_grad_enabled, and the top-level
set_anomaly_enabled / is_anomaly_enabled / is_anomaly_check_nan_enabled. Kept apart from
the bad-input suites: these take no argument to refuse (their refusals are rows of
tests/test_spellings_31.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor


def test_anomaly_modes_under_pytorchs_autograd_names() -> None:
    assert not tg.is_anomaly_enabled()
    tg.autograd.set_detect_anomaly(True)
    try:
        assert tg.is_anomaly_enabled() and tg.is_anomaly_check_nan_enabled()
    finally:
        tg.autograd.set_detect_anomaly(False)
    assert not tg.is_anomaly_enabled()
    with tg.autograd.set_detect_anomaly(True):
        assert tg.is_anomaly_enabled()
    assert not tg.is_anomaly_enabled()
    with tg.autograd.detect_anomaly():
        x = Tensor(np.array([-1.0]), requires_grad=True)
        with pytest.raises(tg.AnomalyError):
            x.sqrt()
    tg.set_anomaly_enabled(True)
    try:
        assert tg.is_anomaly_enabled()
    finally:
        tg.set_anomaly_enabled(False)

    @tg.autograd.set_detect_anomaly(True)
    def inside() -> bool:
        return tg.is_anomaly_enabled()

    assert inside() and not tg.is_anomaly_enabled()
    with tg.autograd.no_grad():
        assert not (Tensor(np.ones(1), requires_grad=True) * 2).requires_grad
    with tg.autograd.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
