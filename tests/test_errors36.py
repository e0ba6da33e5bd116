"""Bad calls that PyTorch 2.13 refuses, refused here with an exception of the class PyTorch
raises (ours derive from it and from tinygrad_bn's TinygradError), and the calls it accepts
computed as it computes them. Each test failed before its fix (session 36)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import tinygrad_bn as tg

torch = pytest.importorskip("torch")


def _torch_refusal(call: Callable[[], Any]) -> type[BaseException]:
    """The class of the exception torch raises for call (the test is void if it accepts)."""
    try:
        call()
    except Exception as error:  # noqa: BLE001 (the class is what is compared)
        return type(error)
    raise AssertionError("torch accepts the call: the case compares nothing")


def refused_alike(ours: Callable[[], Any], theirs: Callable[[], Any],
                  kind: type[BaseException]) -> BaseException:
    """Torch refuses theirs with kind; ours is refused with a project error that is a kind."""
    assert issubclass(_torch_refusal(theirs), kind)
    with pytest.raises(tg.TinygradError) as raised:
        ours()
    assert isinstance(raised.value, kind), type(raised.value).__mro__
    return raised.value


# ---- tg.signal.windows: PyTorch's Python checks raise ValueError / TypeError ----
WINDOW_NAMES = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "hamming", "hann",
                "kaiser", "nuttall", "general_hamming"]


@pytest.mark.parametrize("name", WINDOW_NAMES)
def test_a_window_of_an_integer_dtype_is_a_value_error(name: str) -> None:
    refused_alike(lambda: getattr(tg.signal.windows, name)(4, dtype=tg.int64),
                  lambda: getattr(torch.signal.windows, name)(4, dtype=torch.int64), ValueError)


def test_window_arguments_of_the_wrong_type_or_value() -> None:
    w, tw = tg.signal.windows, torch.signal.windows
    refused_alike(lambda: w.hann(3.0), lambda: tw.hann(3.0), TypeError)
    refused_alike(lambda: w.general_cosine(3, a=[]), lambda: tw.general_cosine(3, a=[]),
                  ValueError)
    refused_alike(lambda: w.general_cosine(3, a=None), lambda: tw.general_cosine(3, a=None),
                  TypeError)
    refused_alike(lambda: w.general_hamming(3, alpha="x"),
                  lambda: tw.general_hamming(3, alpha="x"), TypeError)
    refused_alike(lambda: w.hann(3, layout="sparse_coo"),
                  lambda: tw.hann(3, layout=torch.sparse_coo), ValueError)
    assert w.hann(3, layout=tg.ones(1).layout).shape == (3,)
