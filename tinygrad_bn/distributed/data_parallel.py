"""DistributedDataParallel: one model replica per rank, gradients averaged in buckets.

Each rank runs the same model on its own part of the global batch. At
construction the wrapper copies rank 0's parameters and buffers to every rank
(one broadcast per dtype, the arrays packed together), so the replicas start
equal; after each backward the gradients are averaged over the ranks,

    p.grad = (1 / N) * sum_r  dL_r / dp      (L_r: rank r's loss on its batch),

so identical optimizers keep the replicas identical. With the global batch B
split into equal parts B_r and each L_r a mean over B_r, that average is the
gradient of the mean loss over B: N ranks take the step one process would take
on the whole batch (exactly, up to rounding, for a model without batch
statistics; with BatchNorm only if it is SyncBatchNorm).

Buckets. The parameters that require grad are grouped, in reverse registration
order (gradients of the last layers arrive first) and by dtype, into buckets of
at most ``bucket_cap_mb`` megabytes (PyTorch's argument and default, 25 MB;
a parameter larger than the cap gets a bucket of its own). Each bucket owns one
flat buffer; when the last gradient of a bucket has arrived, the buffer is
averaged with ONE all-reduce, so a step makes exactly one all-reduce per bucket
(a small model: one in all) instead of one per parameter.

How the averaging is triggered: a gradient hook (``Tensor.register_hook``) on
every parameter, as PyTorch's DDP does, so ``loss.backward()`` stays unchanged
and the gradients are averaged by the time it returns (before
``optimizer.step()``). The engine calls a parameter's hook once per backward,
with that backward's whole gradient for it, just before adding it into
``.grad``: the hook copies ``.grad + gradient`` (what ``.grad`` is about to
become) into its bucket's buffer; the hook that completes a bucket all-reduces
the buffer and sets each of the bucket's ``.grad`` to its average. So, as in
PyTorch, after a synchronized backward every rank's ``.grad`` is the average of
the ranks' ``.grad``: gradients accumulated over several backwards (inside
``no_sync()``, or without zero_grad) are averaged as a whole.

Rules, as in PyTorch: every rank must run the same backwards in the same order
(the all-reduces pair up across ranks); every parameter that requires grad must
get a gradient in each backward (an unused one leaves its bucket waiting, and the
next forward or backward raises a DistributedError naming it; freeze it with
``requires_grad_(False)`` before wrapping instead). ``with ddp.no_sync():``
skips the averaging (local gradients accumulate; the first backward after the
block averages the accumulated sums, as PyTorch's no_sync). The
averaged gradients are constants: ``backward(create_graph=True)`` raises.
``tg.grad`` on the wrapped model's loss would trigger the hooks and write
``.grad``: run it inside ``no_sync()``.

state_dict: the wrapper is a Module whose one child is ``module``, so its
``state_dict()`` keys carry PyTorch's ``module.`` prefix and ``parameters()`` are
the wrapped model's own Parameter objects. Save ``ddp.module.state_dict()`` for a
checkpoint that loads into the bare model.

Buffers (BatchNorm running statistics): with ``broadcast_buffers=True`` (PyTorch's
default) every forward in training mode first copies rank 0's buffers to all
ranks (one packed broadcast per dtype), so plain BatchNorm's running statistics stay
those of rank 0; SyncBatchNorm's are equal on all ranks anyway (pass
``broadcast_buffers=False`` to save the two broadcasts).
"""

from __future__ import annotations

import contextlib
import numbers
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import ArgumentError, DistributedError
from ..nn.module import Module, Parameter
from ..tensor import Tensor
from .process_group import all_reduce, broadcast, world_size

__all__ = ["DistributedDataParallel"]


class _Bucket:
    """Parameters of one dtype whose gradients are averaged together by one all-reduce.

    ``flat`` holds the gradients end to end (parameter i at ``slices[i]``);
    ``arrived[i]`` says whether parameter i's gradient of the current backward is in it.
    """

    def __init__(self, index: int, names: list[str], params: list[Parameter]) -> None:
        self.index = index
        self.names = names
        self.params = params
        sizes = [p.data.size for p in params]
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.slices = [slice(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]
        self.flat = np.zeros(int(starts[-1]), params[0].dtype)
        self.arrived = [False] * len(params)
        self.waiting = len(params)
        self.done = False  # averaged in the current backward

    @property
    def nbytes(self) -> int:
        return self.flat.nbytes

    def missing(self) -> list[str]:
        return [n for n, arrived in zip(self.names, self.arrived) if not arrived]

    def reset(self) -> None:
        self.arrived = [False] * len(self.params)
        self.waiting = len(self.params)
        self.done = False


def _make_buckets(named: list[tuple[str, Parameter]], cap_bytes: int) -> list[_Bucket]:
    """Reverse registration order, split by dtype, each bucket at most `cap_bytes` (a
    larger parameter alone)."""
    open_buckets: dict[np.dtype, tuple[list[str], list[Parameter], int]] = {}
    groups: list[tuple[list[str], list[Parameter]]] = []
    for name, param in reversed(named):
        names, params, nbytes = open_buckets.get(param.dtype, ([], [], 0))
        if params and nbytes + param.data.nbytes > cap_bytes:
            groups.append((names, params))
            names, params, nbytes = [], [], 0
        names.append(name)
        params.append(param)
        open_buckets[param.dtype] = (names, params, nbytes + param.data.nbytes)
    groups.extend((names, params) for names, params, _ in open_buckets.values())
    return [_Bucket(i, names, params) for i, (names, params) in enumerate(groups)]


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the MPI ranks (see the module
    docstring for the averaging, the buckets and the rules).

    ``bucket_cap_mb``: the largest bucket, in MiB (2**20 bytes, as PyTorch counts
    it). ``broadcast_buffers``: copy rank 0's buffers
    to every rank at each training forward. After each backward, ``last_sync`` holds
    that backward's averaging: ``{"all_reduce": n, "bytes": n, "seconds": s}``.
    """

    def __init__(self, module: Module, bucket_cap_mb: float = 25.0,
                 broadcast_buffers: bool = True) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise ArgumentError(f"DistributedDataParallel: expected an nn.Module, got "
                                f"{type(module).__name__}")
        if isinstance(bucket_cap_mb, bool) or not isinstance(bucket_cap_mb, numbers.Real) \
                or not bucket_cap_mb > 0:
            raise ArgumentError(f"DistributedDataParallel: bucket_cap_mb must be a positive "
                                f"number, got {bucket_cap_mb!r}")
        self.module = module
        self.world_size = world_size()
        self.broadcast_buffers = bool(broadcast_buffers)
        self.bucket_cap_mb = float(bucket_cap_mb)
        self._local = threading.local()  # no_sync() is per thread
        with_grad = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        self.buckets = _make_buckets(with_grad, int(self.bucket_cap_mb * 2**20))
        self.last_sync: dict[str, float] = {"all_reduce": 0, "bytes": 0, "seconds": 0.0}
        self._broadcast_state()
        ref = weakref.ref(self)  # hooks must not keep a dropped wrapper alive
        for bucket in self.buckets:
            for i, param in enumerate(bucket.params):
                param.register_hook(_hook(ref, bucket, i))

    # ---- rank 0's state to every rank ----
    def _broadcast_state(self) -> None:
        arrays = [p.data for p in self.module.parameters()] + self._buffer_arrays()
        _broadcast_coalesced(arrays)

    def _buffer_arrays(self) -> list[np.ndarray]:
        """The module's buffers as the arrays to copy into (a Tensor buffer: its data)."""
        return [b.data if isinstance(b, Tensor) else b for b in self.module.buffers()]

    # ---- forward ----
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        self._check_finished("forward")
        if self.broadcast_buffers and self.training:
            _broadcast_coalesced(self._buffer_arrays())
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backwards inside the block accumulate local gradients without averaging."""
        previous = self._syncing()
        self._local.sync = False
        try:
            yield
        finally:
            self._local.sync = previous

    def _syncing(self) -> bool:
        return getattr(self._local, "sync", True)

    def _started(self) -> bool:
        """Whether the current backward has begun averaging (some gradient arrived)."""
        return any(b.done or b.waiting != len(b.params) for b in self.buckets)

    def _check_finished(self, where: str) -> None:
        """Raise if an earlier backward left buckets waiting for gradients."""
        if not self._started():
            return
        names = [n for b in self.buckets if not b.done for n in b.missing()]
        for bucket in self.buckets:
            bucket.reset()
        raise DistributedError(
            f"DistributedDataParallel.{where}: the last backward gave no gradient to "
            f"parameter(s) {', '.join(names)}, so their bucket was never averaged; every "
            f"parameter that requires grad must take part in the loss on every rank "
            f"(freeze unused ones with requires_grad_(False) before wrapping)")

    # ---- the averaging, called by the parameters' hooks ----
    def _on_grad(self, bucket: _Bucket, i: int, grad: Tensor) -> Tensor | None:
        if not self._syncing():
            return None
        if grad.requires_grad:
            raise DistributedError(
                "DistributedDataParallel: backward(create_graph=True) is not supported (the "
                "averaged gradients are constants); compute higher-order gradients inside "
                "ddp.no_sync() and all-reduce them yourself")
        if bucket.arrived[i] or bucket.done:  # an earlier backward left buckets waiting
            self._check_finished("backward")
        if not self._started():  # the first gradient of a backward
            self.last_sync = {"all_reduce": 0, "bytes": 0, "seconds": 0.0}
        param = bucket.params[i]
        slot = bucket.flat[bucket.slices[i]]
        if param.data.dtype != slot.dtype or param.data.size != slot.size:
            raise DistributedError(
                f"DistributedDataParallel: parameter {bucket.names[i]} is now "
                f"{param.data.dtype} of {param.data.size} values, it was {slot.dtype} of "
                f"{slot.size} when wrapped; call .to(dtype) before wrapping the model")
        slot = slot.reshape(param.data.shape)
        if param.grad is None:
            slot[...] = grad.data
        else:
            np.add(param.grad.data, grad.data, out=slot)
        bucket.arrived[i] = True
        bucket.waiting -= 1
        if bucket.waiting:
            return None
        return self._average(bucket, i)

    def _average(self, bucket: _Bucket, current: int) -> Tensor:
        """All-reduce the full bucket and make each average its parameter's .grad: set for
        the others; for the current one returned, onto a .grad reset to None (the engine
        adds the hook's result to .grad right after the hook)."""
        start = time.perf_counter()
        all_reduce(bucket.flat, op="mean")
        self.last_sync["all_reduce"] += 1
        self.last_sync["bytes"] += bucket.nbytes
        self.last_sync["seconds"] += time.perf_counter() - start
        for j, (param, part) in enumerate(zip(bucket.params, bucket.slices)):
            if j != current:
                param.grad = Tensor._from_op(bucket.flat[part].reshape(param.data.shape).copy(),
                                             None)
        param = bucket.params[current]
        param.grad = None
        bucket.reset()
        bucket.done = True
        if all(b.done for b in self.buckets):  # the backward's last bucket
            for b in self.buckets:
                b.done = False
        return Tensor._from_op(
            bucket.flat[bucket.slices[current]].reshape(param.data.shape).copy(), None)

    def extra_repr(self) -> str:
        sizes = ", ".join(f"{b.nbytes} B" for b in self.buckets)
        return f"world_size={self.world_size}, buckets=[{sizes}]"


def _broadcast_coalesced(arrays: list[np.ndarray]) -> None:
    """Rank 0's values into `arrays` in place, with one broadcast per dtype: the arrays of
    a dtype are packed end to end into one buffer and unpacked afterwards."""
    by_dtype: dict[np.dtype, list[np.ndarray]] = {}
    for array in arrays:
        by_dtype.setdefault(array.dtype, []).append(array)
    for group in by_dtype.values():
        flat = broadcast(np.concatenate([a.ravel() for a in group]), root=0)
        start = 0
        for array in group:
            array[...] = flat[start:start + array.size].reshape(array.shape)
            start += array.size


def _hook(ref: weakref.ref, bucket: _Bucket, i: int) -> Any:
    def hook(grad: Tensor) -> Tensor | None:
        ddp = ref()
        return None if ddp is None else ddp._on_grad(bucket, i, grad)
    return hook
