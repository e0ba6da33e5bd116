"""tg.lab: the Monitor's statistics against hand computations, check_grad's verdicts on right
and wrong gradients and its shape explanations, retain / retain_all."""

import math

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn

X = np.array([[3.0, -1.0], [0.5, 2.0], [-2.0, 0.25], [1.0, 1.0]])
W = np.array([[1.0, 0.0], [0.5, -0.5], [1.0, 1.0]])  # with B: unit 2 < 0 for every row
B = np.array([0.0, 0.1, -10.0])
C = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 1.0], [2.0, 0.5, -1.0], [1.0, 1.0, 1.0]])


def model(activation: nn.Module) -> nn.Sequential:
    net = nn.Sequential(nn.Linear(2, 3), activation).double()
    net[0].weight.data[...] = W
    net[0].bias.data[...] = B
    return net


def train_one_step(net: nn.Sequential, mon: tg.lab.Monitor, lr: float = 0.1) -> None:
    opt = tg.optim.SGD(net.parameters(), lr=lr)
    opt.zero_grad()
    (net(Tensor(X)) * Tensor(C)).sum().backward()  # d loss / d output = C
    opt.step()
    mon.step()


def test_monitor_tanh_statistics_match_hand_computation() -> None:
    net = model(nn.Tanh())
    mon = tg.lab.Monitor(net)
    weight_before = W.copy()
    train_one_step(net, mon)
    out = np.tanh(X @ W.T + B)
    stats = mon.summary()["1 (Tanh)"]
    assert stats["mean"] == pytest.approx(out.mean())
    assert stats["std"] == pytest.approx(out.std())
    assert stats["saturated"] == pytest.approx(np.mean(np.abs(out) > 0.97))
    assert 0 < stats["saturated"] < 1  # the example has both kinds
    assert stats["grad_mean"] == pytest.approx(C.mean())
    assert stats["grad_std"] == pytest.approx(C.std())
    grad_w = ((1 - out ** 2) * C).T @ X
    update = -0.1 * grad_w
    after = weight_before + update
    np.testing.assert_allclose(net[0].weight.data, after)
    w_stats = mon.summary()["0.weight"]
    assert w_stats["update_ratio"] == pytest.approx(math.log10(update.std() / after.std()))
    assert w_stats["grad_data_ratio"] == pytest.approx(grad_w.std() / after.std())


def test_monitor_relu_dead_units_and_sigmoid_saturation() -> None:
    net = model(nn.ReLU())
    mon = tg.lab.Monitor(net)
    train_one_step(net, mon)
    assert mon.summary()["1 (ReLU)"]["dead"] == pytest.approx(1 / 3)  # unit 2 of 3
    net = model(nn.Sigmoid())
    mon = tg.lab.Monitor(net)
    train_one_step(net, mon)
    s = 1 / (1 + np.exp(-(X @ W.T + B)))
    expected = np.mean((s < 0.015) | (s > 0.985))
    assert mon.summary()["1 (Sigmoid)"]["saturated"] == pytest.approx(expected)
    assert expected > 0


def test_monitor_ignores_no_grad_passes_and_remove_detaches() -> None:
    net = model(nn.Tanh())
    mon = tg.lab.Monitor(net)
    train_one_step(net, mon)
    before = mon.summary()["1 (Tanh)"]["mean"]
    with tg.no_grad():
        net(Tensor(X * 10))
    train_one_step(net, mon)
    assert len(mon.history) == 2
    after_params = net[0].weight.data.copy()
    mon.remove()
    net(Tensor(X * 10))
    assert mon._out["1"] is not None and mon.summary()["1 (Tanh)"]["mean"] != before
    np.testing.assert_array_equal(after_params, net[0].weight.data)
    last = mon._out["1"]
    net(Tensor(X * 10))  # detached: no new record
    assert mon._out["1"] is last


def test_monitor_plot_writes_a_png(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    net = model(nn.Tanh())
    mon = tg.lab.Monitor(net)
    for _ in range(3):
        train_one_step(net, mon)
    path = mon.plot(tmp_path / "health.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_monitor_rejects_a_non_module() -> None:
    with pytest.raises(tg.ArgumentTypeError, match="nn.Module"):
        tg.lab.Monitor(lambda x: x)


def forward_with_intermediates():
    x = Tensor(X, requires_grad=True)
    with tg.lab.retain_all():
        mean = x.mean(axis=0, keepdims=True)
        centered = x - mean
        loss = (centered ** 2).sum()
    loss.backward()
    return x, mean, centered


def test_check_grad_verdicts_on_right_nearly_right_and_wrong_gradients(capsys) -> None:
    x, mean, centered = forward_with_intermediates()
    right = 2 * centered.data
    r = tg.lab.check_grad("centered", right, centered)
    assert r.exact and r.approx and r.maxdiff == 0 and r
    near = tg.lab.check_grad("centered", Tensor(right + 1e-12), centered)
    assert not near.exact and near.approx and 0 < near.maxdiff < 1e-11
    wrong = tg.lab.check_grad("centered", right * 1.01, centered)
    assert not wrong.exact and not wrong.approx and not wrong
    assert wrong.maxdiff == pytest.approx(np.abs(right * 0.01).max())
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("centered        | exact: True  | approximate: True ")
    assert "approximate: False" in printed[2]
    # the mean's gradient: -sum over rows of the centered gradient, kept 2-d
    dmean = -(2 * centered.data).sum(axis=0, keepdims=True)
    assert tg.lab.check_grad("mean", dmean, mean, verbose=False).approx


def test_check_grad_explains_shape_mismatches() -> None:
    x, mean, centered = forward_with_intermediates()
    dmean = -(2 * centered.data).sum(axis=0)  # keepdim forgotten: (2,) for (1, 2)
    r = tg.lab.check_grad("mean", dmean, mean, verbose=False)
    assert not r.approx and math.isnan(r.maxdiff) and "keepdim=True" in r.explanation
    r = tg.lab.check_grad("mean", -2 * centered.data, mean, verbose=False)  # not summed
    assert "broadcast in the forward pass" in r.explanation and "(0,)" in r.explanation
    r = tg.lab.check_grad("centered", (2 * centered.data).sum(axis=0), centered, verbose=False)
    assert "missing axes" in r.explanation


def test_check_grad_needs_a_retained_gradient() -> None:
    x = Tensor(X, requires_grad=True)
    y = x * 2
    z = tg.lab.retain(x * 3)
    (y + z).sum().backward()
    with pytest.raises(tg.BackwardError, match=r"tg.lab.retain"):
        tg.lab.check_grad("y", np.ones_like(X), y)
    assert tg.lab.check_grad("z", np.ones_like(X), z, verbose=False).exact
    with pytest.raises(tg.BackwardError, match="does not require grad"):
        tg.lab.check_grad("c", np.ones(2), Tensor(np.ones(2)))
    after = x * 4  # made after the retain_all block: not retained
    after.sum().backward()
    assert after.grad is None
