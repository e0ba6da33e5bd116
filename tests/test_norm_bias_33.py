"""PyTorch 2.13's keyword-only `bias=` of the batch, instance and group norms (and their
lazy twins): bias=False keeps the weight and drops the bias, in the parameters, the state
dict, the output and the repr, as torch's; Hardtanh's deprecated min_value=/max_value=; and
F.normalize's out=."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg

torch = pytest.importorskip("torch")

X4 = np.random.default_rng(3).normal(size=(2, 4, 3, 3))

CASES = [  # (name, constructor arguments, input)
    ("BatchNorm2d", (4,), X4),
    ("BatchNorm1d", (4,), X4[:, :, :, 0]),
    ("InstanceNorm2d", (4,), X4),
    ("GroupNorm", (2, 4), X4),
    ("LazyBatchNorm2d", (), X4),
    ("LazyInstanceNorm1d", (), X4[:, :, :, 0]),
]


@pytest.mark.parametrize("name,args,x", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("bias", [True, False])
def test_bias_false_drops_the_bias_as_pytorch(name: str, args: tuple, x: np.ndarray,
                                              bias: bool) -> None:
    affine = {"affine": True} if "InstanceNorm" in name else {}
    results = []
    for lib in (tg, torch):
        layer = getattr(lib.nn, name)(*args, bias=bias, **affine, dtype=lib.float64)
        with lib.no_grad():
            if layer.weight is not None and not name.startswith("Lazy"):
                layer.weight.copy_(lib.tensor(np.linspace(0.5, 2.0, 4)))
        y = layer(lib.tensor(x))
        results.append((y.detach().numpy(), sorted(layer.state_dict()), repr(layer),
                        layer.bias is None))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-12)
    assert results[0][1:] == results[1][1:]
    assert results[0][3] is (not bias)


def test_hardtanh_takes_the_deprecated_min_value_and_max_value() -> None:
    for lib in (tg, torch):
        with pytest.warns(FutureWarning, match="`min_value` is deprecated and renamed"):
            layer = lib.nn.Hardtanh(min_value=-0.5, max_value=0.25)
        assert (layer.min_val, layer.max_val) == (-0.5, 0.25)
        assert layer(lib.tensor([-2.0, 0.125, 2.0])).tolist() == [-0.5, 0.125, 0.25]


def test_normalize_writes_into_out() -> None:
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    out = tg.zeros(2, 2, dtype=tg.float64)
    assert tg.nn.functional.normalize(tg.tensor(x), out=out) is out
    expected = torch.nn.functional.normalize(torch.tensor(x)).numpy()
    np.testing.assert_allclose(out.numpy(), expected)
    with pytest.raises(tg.ArgumentTypeError, match="normalize: out must be a Tensor"):
        tg.nn.functional.normalize(tg.tensor(x), out=np.zeros((2, 2)))
