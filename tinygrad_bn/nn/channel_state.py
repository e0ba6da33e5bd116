"""The per-channel state that batch norm and instance norm layers share (their own
module, so that neither layer module imports the other): its registration, and the
loading of state dicts saved before `num_batches_tracked` existed (state-dict version 1)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .module import Module, Parameter


def register_channel_state(module: Module, affine: Any, track_running_stats: Any,
                           dtype: Any, bias: Any = True) -> None:
    """The per-channel state of batch and instance norm over `module.num_features`
    channels: weight = 1 and bias = 0 when affine (no bias when bias=False, PyTorch
    2.13's), running_mean = 0, running_var = 1 and num_batches_tracked = 0 when tracking
    running statistics (else None, as PyTorch's)."""
    module.affine, module.track_running_stats = bool(affine), bool(track_running_stats)
    c = module.num_features
    module.register_parameter("weight", Parameter(np.ones(c, dtype)) if affine else None)
    module.register_parameter("bias", Parameter(np.zeros(c, dtype))
                              if affine and bias else None)
    tracked = module.track_running_stats
    module.register_buffer("running_mean", np.zeros(c, dtype) if tracked else None)
    module.register_buffer("running_var", np.ones(c, dtype) if tracked else None)
    module.register_buffer("num_batches_tracked", np.array(0, np.int64) if tracked else None)


def channel_repr(module: Module) -> str:
    """PyTorch's extra_repr of the batch and instance norms (bias= tells whether there is
    one)."""
    return (f"{module.num_features}, eps={module.eps}, momentum={module.momentum}, "
            f"affine={module.affine}, bias={module.bias is not None}, "
            f"track_running_stats={module.track_running_stats}")


class ChannelStateModule(Module):
    """Base of the batch and instance norm layers: state-dict version 2, PyTorch's
    (`num_batches_tracked` was added at version 2)."""

    _version = 2

    def _upgrade_state(self, state: dict[str, Any], prefix: str, version: int | None) -> None:
        """A state dict of version 1 or of no known version (a plain dict, a loaded
        checkpoint) that lacks `num_batches_tracked` keeps the module's own counter, and the
        key is not reported missing (as PyTorch's _NormBase)."""
        key = prefix + "num_batches_tracked"
        counter = self._buffers.get("num_batches_tracked")
        if (version is None or version < 2) and counter is not None and key not in state:
            state[key] = counter.copy()
