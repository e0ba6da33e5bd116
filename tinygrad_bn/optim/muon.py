"""Muon (Jordan et al. 2024), PyTorch 2.13's `torch.optim.Muon`: momentum SGD whose update
is orthogonalized, for matrices only.

Per parameter P with gradient G and momentum buffer B (B_0 = 0):
    B <- B + (1 - mu)(G - B)                      (PyTorch's lerp)
    U = G + mu (B - G) if nesterov else B
    O = NS_k(U)                                   (k Newton-Schulz iterations, below)
    P <- P (1 - lr wd) - lr' O,   lr' = lr sqrt(max(1, A/B)) ("original", the default)
                                  or 0.2 lr sqrt(max(A, B)) ("match_rms_adamw")
for P of shape (A, B). NS_k runs on U / ||U||_F (the spectral norm then <= 1), transposed
to be wide, as the quintic X <- a X + (b S + c S S) X with S = X X^T, which pushes every
singular value towards 1 (an approximate U V^T of U's SVD).

As PyTorch's, the iteration runs in bfloat16. NumPy has no bfloat16, so each result is
rounded to it from float32 (round to nearest, ties to even: `bfloat16_round`), the
products accumulated in float32 before the rounding, as PyTorch's CPU kernels do; the
results then agree with PyTorch's bit for bit on small matrices (measured on thousands of
draws up to 16 x 8), while on larger ones (64 x 32) PyTorch's blocked products may round
some element the other way: an update element then differs by one bfloat16 step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from .optimizer import Optimizer, _check_range, _Scratch

# Keller Jordan's quintic's coefficients and steps, PyTorch's defaults
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
NS_STEPS = 5


def bfloat16_round(x: np.ndarray) -> np.ndarray:
    """Values rounded to the nearest bfloat16 (ties to even), as float32: from float64
    directly (through float32 would round twice), else from float32."""
    x = np.asarray(x)
    if x.dtype == np.float64:  # keep 7 of the 52 mantissa bits
        bits = x.view(np.uint64)
        rounded = (bits + np.uint64((1 << 44) - 1) + ((bits >> np.uint64(45)) & np.uint64(1))) \
            >> np.uint64(45) << np.uint64(45)
        out = rounded.view(np.float64).astype(np.float32)
    else:  # keep 7 of the 23
        x = x.astype(np.float32)
        bits = x.view(np.uint32).astype(np.uint64)
        rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
        out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), np.float32(np.nan), out.reshape(x.shape))


def orthogonalized(g: np.ndarray, coefficients: tuple[float, float, float], steps: int,
                   eps: float) -> np.ndarray:
    """NS_steps(g) of the module docstring, in bfloat16 (as float32 values)."""
    a, b, c = (np.float32(v) for v in coefficients)
    x = bfloat16_round(g)
    tall = g.shape[0] > g.shape[1]
    if tall:
        x = x.T
    norm = bfloat16_round(np.sqrt(np.sum(x * x, dtype=np.float32)))
    x = bfloat16_round(x / max(norm, bfloat16_round(np.float32(eps))))
    for _ in range(steps):
        gram = bfloat16_round(x @ x.T)
        update = bfloat16_round(_fused(b, gram, (c * (gram @ gram)).astype(np.float32)))
        x = bfloat16_round(_fused(a, x, (update @ x).astype(np.float32)))
    return x.T if tall else x


def _fused(scale: np.float32, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """scale y + t rounded once to float32, as a fused multiply-add (PyTorch's addmm
    beta C + alpha (A @ B) on bfloat16: alpha (A @ B) rounded to float32 first, then
    beta C added in one rounding; measured to agree with it bit for bit): the product of
    two float32 values is exact in float64."""
    return (np.float64(scale) * y.astype(np.float64) + t).astype(np.float32)


class Muon(Optimizer):
    """PyTorch's Muon(params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
    ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    every parameter a matrix (see the module docstring). State: momentum_buffer."""

    def __init__(self, params: Any, lr: float = 1e-3, weight_decay: float = 0.1,
                 momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: tuple[float, float, float] = NS_COEFFICIENTS,
                 eps: float = 1e-7, ns_steps: int = NS_STEPS,
                 adjust_lr_fn: str | None = None) -> None:
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay,
                                  "momentum": momentum, "nesterov": nesterov,
                                  "ns_coefficients": ns_coefficients, "eps": eps,
                                  "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn})
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ShapeError(f"Muon: takes matrices (2-D parameters) only, got a "
                                     f"parameter of shape {p.shape}")

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_range("Muon", lr=group["lr"], momentum=group["momentum"])
        if group["adjust_lr_fn"] not in (None, "original", "match_rms_adamw"):
            raise ArgumentError(f"Muon: adjust_lr_fn must be None, 'original' or "
                                f"'match_rms_adamw', got {group['adjust_lr_fn']!r}")
        steps, coefficients = group["ns_steps"], group["ns_coefficients"]
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps < 100:
            raise ArgumentError(f"Muon: ns_steps must be an int in [0, 100), got {steps!r}")
        if not isinstance(coefficients, tuple | list) or len(coefficients) != 3:
            raise ArgumentError(f"Muon: ns_coefficients must be 3 numbers (a, b, c), got "
                                f"{coefficients!r}")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        mu, lr = group["momentum"], group["lr"]
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = np.zeros_like(param)
        _lerp(buf, grad, 1.0 - mu, buf, s[0])
        update = _lerp(grad, buf, mu, s[1], s[0]) if group["nesterov"] else buf
        ortho = orthogonalized(update, tuple(group["ns_coefficients"]), group["ns_steps"],
                               group["eps"])
        rows, cols = param.shape
        scale = {None: math.sqrt(max(1, rows / cols)), "original": math.sqrt(max(1, rows / cols)),
                 "match_rms_adamw": 0.2 * math.sqrt(max(rows, cols))}[group["adjust_lr_fn"]]
        decay, rate = 1 - lr * group["weight_decay"], lr * scale
        kind = group.get("lr_dtype")
        if kind is not None:  # a Tensor lr: PyTorch computes these in its dtype
            kind = np.dtype(kind).type
            decay = float(kind(1) - kind(kind(lr) * kind(group["weight_decay"])))
            rate = float(kind(lr) * kind(scale))
        param *= decay
        step = s[0]
        step[...] = ortho  # bfloat16 values: exact in the parameter's dtype
        step *= -rate
        param += step


def _lerp(start: np.ndarray, end: np.ndarray, weight: float, out: np.ndarray,
          tmp: np.ndarray) -> np.ndarray:
    """start + weight (end - start) into out, with PyTorch's two forms (weight < 0.5 from
    start, else end - (end - start)(1 - weight)), so the bits agree."""
    np.subtract(end, start, out=tmp)
    if weight < 0.5:
        tmp *= weight
        np.add(start, tmp, out=out)
    else:
        tmp *= 1 - weight
        np.subtract(end, tmp, out=out)
    return out
