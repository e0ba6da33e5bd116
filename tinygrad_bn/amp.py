"""PyTorch's automatic mixed precision API (`torch.amp`, `torch.autocast`,
`torch.cuda.amp`), so that training scripts written for it run here.

- `GradScaler("cpu")` scales the loss as PyTorch's CPU scaler does: backward runs on
  loss * s, `unscale_` multiplies the gradients by 1/s (rounded to float32, as PyTorch's)
  and notes whether any is inf or NaN, `step` skips the optimizer's step when one was, and
  `update` halves s after a skipped step (backoff_factor) and doubles it after
  growth_interval steps without one (growth_factor). A scaler for "cuda" is disabled, with
  PyTorch's warning: there is no CUDA here; disabled, every method passes through.
- `autocast` for "cuda" is disabled with PyTorch's warning; for "cpu" with enabled=False it
  does nothing; running ops in lower precision on the CPU (PyTorch's bfloat16 autocast) is
  not supported here and says so on entering.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import ArgumentError, CallOrderError, StateDictError, UnsupportedError
from .modes import no_grad
from .tensor import Tensor

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd", "is_autocast_available",
           "is_autocast_enabled"]

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


def _device_type(op: str, device: Any) -> str:
    name = str(getattr(device, "type", device)).split(":")[0]
    if name not in ("cpu", "cuda", "mps", "xpu", "xla", "hpu", "mtia"):
        raise ArgumentError(f"{op}: expected a device type such as 'cpu' or 'cuda', got "
                            f"{device!r}")
    return name


class GradScaler:
    """Loss scaling for low-precision training (module docstring), PyTorch's
    `torch.amp.GradScaler(device, init_scale, growth_factor, backoff_factor,
    growth_interval, enabled)`."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = _device_type("GradScaler", device)
        if enabled and self._device != "cpu":
            warnings.warn(f"GradScaler is enabled for {self._device!r}, but tinygrad_bn runs "
                          f"on the CPU only. Disabling.", UserWarning, stacklevel=2)
            enabled = False
        self._enabled = bool(enabled)
        if self._enabled:
            if not growth_factor > 1.0:
                raise ArgumentError(f"GradScaler: growth_factor must be > 1, got "
                                    f"{growth_factor!r}")
            if not 0.0 < backoff_factor < 1.0:
                raise ArgumentError(f"GradScaler: backoff_factor must be in (0, 1), got "
                                    f"{backoff_factor!r}")
            if not (isinstance(growth_interval, int) and growth_interval > 0):
                raise ArgumentError(f"GradScaler: growth_interval must be a positive int, "
                                    f"got {growth_interval!r}")
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = growth_interval
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}

    def is_enabled(self) -> bool:
        return self._enabled

    def scale(self, outputs: Any) -> Any:
        """outputs * s: a Tensor, or lists/tuples of them (the same structure back)."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, list | tuple):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ArgumentError(f"GradScaler.scale: outputs must be a Tensor or a list/tuple of "
                            f"Tensors, got {type(outputs).__name__}")

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer),
                                              {"stage": _READY, "found_inf": False})

    def unscale_(self, optimizer: Any) -> None:
        """Multiply the gradients of `optimizer`'s parameters by 1/s in place and note
        whether any of them is inf or NaN (step skips the update then)."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise CallOrderError("GradScaler.unscale_: already called on this optimizer "
                                 "since the last update()")
        if state["stage"] == _STEPPED:
            raise CallOrderError("GradScaler.unscale_: called after step(); call update() "
                                 "first")
        inverse = float(np.float32(1.0 / self._scale))  # PyTorch's: float32 reciprocal
        found_inf = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.grad.mul_(inverse)
                    found_inf = found_inf or not bool(np.isfinite(p.grad.numpy()).all())
        state.update(stage=_UNSCALED, found_inf=found_inf)

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """optimizer.step(*args, **kwargs) unless the unscaled gradients hold an inf or NaN
        (then the step is skipped and None returned); unscales first if not done."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise UnsupportedError("GradScaler.step: a closure is not supported while the "
                                   "scaler is enabled (as in PyTorch)")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise CallOrderError("GradScaler.step: already called since the last update()")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Set the scale for the next iteration: `new_scale` if given, else s * backoff after
        an inf/NaN in any optimizer's gradients, s * growth after growth_interval clean
        steps in a row, s otherwise."""
        if not self._enabled:
            return
        if new_scale is not None:
            value = new_scale.item() if isinstance(new_scale, Tensor) else new_scale
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ArgumentError(f"GradScaler.update: new_scale must be a number or a "
                                    f"one-element Tensor, got {new_scale!r}")
            self._scale = float(value)
        else:
            if not self._per_optimizer:
                raise CallOrderError("GradScaler.update: no inf checks were recorded "
                                     "before update() (call step() or unscale_() first)")
            if any(s["found_inf"] for s in self._per_optimizer.values()):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale *= self._growth_factor
                    self._growth_tracker = 0
        self._per_optimizer.clear()

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = int(new_interval)

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's keys; empty for a disabled scaler."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if not state_dict:
            raise StateDictError("GradScaler.load_state_dict: the state dict is empty, "
                                 "perhaps saved from a disabled GradScaler")
        try:
            self._scale = float(state_dict["scale"])
            self._growth_factor = float(state_dict["growth_factor"])
            self._backoff_factor = float(state_dict["backoff_factor"])
            self._growth_interval = int(state_dict["growth_interval"])
            self._growth_tracker = int(state_dict["_growth_tracker"])
        except KeyError as missing:
            raise StateDictError(f"GradScaler.load_state_dict: the state dict lacks "
                                 f"{missing}") from None


class autocast:  # noqa: N801 (PyTorch's name)
    """`with autocast(device_type, dtype=None, enabled=True, cache_enabled=None)` or as a
    decorator. For "cuda" (not here) it disables itself with PyTorch's warning; for "cpu"
    only enabled=False is supported (module docstring)."""

    def __init__(self, device_type: str = "cuda", dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        self.device = _device_type("autocast", device_type)
        if enabled and self.device != "cpu":
            warnings.warn(f"autocast for {self.device!r} is not available: tinygrad_bn runs "
                          f"on the CPU only. Disabling autocast.", UserWarning, stacklevel=2)
            enabled = False
        self.fast_dtype, self._enabled = dtype, bool(enabled)

    def __enter__(self) -> autocast:
        if self._enabled:
            raise UnsupportedError("autocast: running ops in lower precision on the CPU is "
                                   "not supported by tinygrad_bn (NumPy has no bfloat16); "
                                   "use autocast('cpu', enabled=False) or leave it out")
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def autocast_wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return autocast_wrapper


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can run ops in lower precision on `device_type`: never here."""
    _device_type("is_autocast_available", device_type)
    return False


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether an enabled autocast region is running: never here (entering one refuses)."""
    if device_type is not None:
        _device_type("is_autocast_enabled", device_type)
    return False


def custom_fwd(fwd: Callable | None = None, *, device_type: str = "cuda",
               cast_inputs: Any = None) -> Callable:
    """PyTorch's decorator for a custom Function's forward under autocast: autocast never
    runs enabled here, so the forward runs as written."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd: Callable | None = None, *, device_type: str = "cuda") -> Callable:
    """PyTorch's decorator for a custom Function's backward under autocast: a no-op here."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd

