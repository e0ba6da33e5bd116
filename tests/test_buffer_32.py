"""nn.Buffer, PyTorch's: assigned to a module attribute it registers a buffer (persistent
or not), which the module holds as a plain Tensor sharing its data; state-dict keys and
named_buffers equal PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn


def _module(lib):
    class WithBuffers(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = lib.nn.Buffer(lib.ones(3))
            self.cache = lib.nn.Buffer(lib.zeros(2), persistent=False)
            self.linear = lib.nn.Linear(3, 1)

        def forward(self, x):
            return self.linear(x * self.scale)
    return WithBuffers()


def test_buffers_register_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _module(tg), _module(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert type(ours.scale) is tg.Tensor and not ours.scale.requires_grad
    ours.double()
    assert ours.scale.dtype == np.float64
    data = tg.ones(2)
    module = nn.Module()
    module.b = nn.Buffer(data)
    data._data[0] = 5.0  # the module's buffer shares the Buffer's data
    assert module.b.numpy()[0] == 5.0
    assert "b" in dict(module.named_buffers())
