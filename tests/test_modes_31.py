"""torch.autograd's modes under PyTorch's names (surface31): set_detect_anomaly (at once, as
a context and as a decorator), detect_anomaly, no_grad, set_grad_enabled, and the top-level
set_anomaly_enabled / is_anomaly_enabled / is_anomaly_check_nan_enabled; and the process
settings of tinygrad_bn/settings.py, kept and answered back. Kept apart from the bad-input
suites: the getters take no argument to refuse and typename answers any object (the
setters' refusals are rows of tests/test_spellings_31.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


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


def test_settings_are_kept_and_answered_back() -> None:
    assert tg.get_float32_matmul_precision() == "highest"
    try:
        tg.set_float32_matmul_precision("high")
        assert tg.get_float32_matmul_precision() == "high"
    finally:
        tg.set_float32_matmul_precision("highest")
    tg.set_default_device("cpu")
    assert tg.get_default_device() == tg.device("cpu")
    try:
        tg.set_default_tensor_type(tg.DoubleTensor)
        assert tg.ones(1).dtype == np.float64
        tg.set_default_tensor_type("torch.FloatTensor")
        assert tg.ones(1).dtype == np.float32
    finally:
        tg.set_default_dtype(tg.float32)
    assert tg.set_flush_denormal(True) is False
    assert tg.get_num_interop_threads() >= 1
    try:
        tg.set_num_interop_threads(3)
        assert tg.get_num_interop_threads() == 3
        tg.set_warn_always(True)
        assert tg.is_warn_always_enabled()
    finally:
        tg.set_num_interop_threads(1)
        tg.set_warn_always(False)
    assert tg.typename(tg.ones(2)) == "torch.FloatTensor"
    assert tg.typename(tg.ones(2, dtype=tg.int64)) == "torch.LongTensor"
    assert tg.typename(1.5) == "float" and not tg.is_storage(tg.ones(1))
    data = np.arange(3.0)
    shared = tg.asarray(data)
    data[0] = 7.0
    assert shared.tolist() == [7.0, 1.0, 2.0]
    assert tg.asarray(data, copy=True)._data is not data
    assert tg.asarray([1.0], requires_grad=True).requires_grad
    assert tg.asarray([1, 2], dtype=tg.float64).dtype == np.float64


@needs_torch
def test_typename_and_settings_answer_as_pytorch() -> None:
    assert tg.typename(tg.ones(2)) == torch.typename(torch.ones(2))
    assert tg.typename(1.5) == torch.typename(1.5)
    assert tg.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
