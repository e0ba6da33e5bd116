"""The MPI process group: rank, world size, barrier and three collectives.

Every process of an `mpiexec -n N python script.py` job is one rank of
COMM_WORLD; a script started without mpiexec is a world of size 1 and every
collective is the identity (sum over one rank). Arrays travel through mpi4py's
buffer methods (`Allreduce`, `Bcast`, `Allgather`), never the pickle-based
lower-case ones.

    all_reduce(x, op="sum")   ndarray: reduced in place over the ranks and returned;
                              Tensor: a new Tensor from the differentiable op
                              `AllReduce` (forward: y = sum_r x_r on every rank;
                              backward: dx_r = sum_r' g_r', the sum of the incoming
                              gradients, because every rank's y depends on every x_r).
                              op: "sum", "mean" (sum / world size, differentiable too),
                              "max", "min" (arrays, or Tensors that need no gradient).
    broadcast(x, root=0)      ndarray in place / a Tensor's .data in place; returns x.
    all_gather(x)             (world_size, *x.shape): rank r's x in row r. A Tensor
                              gives a Tensor (differentiable: dx_r = sum_r' g_r'[r]).
    barrier()

Agreement check. Before each collective the ranks compare a hash h of their
call's signature (the collective, its op or root, dtype and shape) with ONE extra
Allreduce(MAX) of [h, -h] (max and -min in one call). If any rank differs, every
rank gathers the full signatures and raises the same project error (ShapeError,
DTypeError or DistributedError) naming each rank's shape and dtype, instead of
deadlocking or reducing garbage. `barrier()` is that signature exchange alone, so
a barrier that meets another rank's collective is reported too. The check costs
one small latency-bound message per collective; `set_collective_checks(False)`
(or TINYGRAD_BN_COLLECTIVE_CHECKS=0 in the environment) turns it off.

Counting, for tests and benchmarks: `collective_counts()` returns
{"all_reduce": n, "broadcast": n, "all_gather": n, "barrier": n, "checks": n,
"bytes": n}, the collectives this process made since the last
`reset_collective_counts()` (bytes: the payload each call contributed, as if
sent once; checks: the signature messages). `with count_collectives() as c:`
fills the dict `c` with the counts of the block. Counts are kept even at world
size 1, where no message is sent.

Faults (world size > 1; `faults.py` has the rules, docs/distributed.md the table):
collectives are started non-blocking and polled by the group's JobGuard, so a rank
that left the job (its script ended, sys.exit, os._exit) without joining the
collective raises DistributedError naming it, and so does a collective that takes
longer than the timeout (`set_collective_timeout`, default 1800 s); an uncaught
exception, a non-zero exit, or a rank killed by a signal ends the whole job within
seconds with a message naming the rank and a deterministic exit code.

Every rank must make the same collectives in the same order, including the ones
inside backward: build the same graph on every rank.
"""

from __future__ import annotations

import contextlib
import os
import threading
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import ArgumentError, DependencyError, DistributedError, DTypeError, ShapeError
from ..tensor import Function, Tensor, is_grad_enabled
from .faults import JobGuard

try:
    from mpi4py import MPI
except ImportError as error:  # also sys.modules["mpi4py"] = None
    raise DependencyError(
        'tinygrad_bn.distributed needs mpi4py and an MPI library: pip install '
        '"tinygrad_bn[mpi]" (mpi4py and the mpich wheel)') from error

__all__ = [
    "AllGather", "AllReduce", "ProcessGroup", "all_gather", "all_reduce", "barrier",
    "broadcast", "collective_counts", "count_collectives", "get_group", "rank",
    "reset_collective_counts", "set_collective_checks", "set_collective_timeout", "world_size",
]

_REDUCE_OPS = {"sum": MPI.SUM, "mean": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}
_KINDS = {"all_reduce": 1, "broadcast": 2, "all_gather": 3, "barrier": 4}
_KIND_NAMES = {code: name for name, code in _KINDS.items()}
_OP_CODES = {"sum": 1, "mean": 2, "max": 3, "min": 4}
_MAX_DIMS = 6  # dims sent in the signature; the crc of the whole shape covers the rest
# signature: kind, op or root, dtype.num, itemsize, ndim, size, crc32(shape), dims...
_SIG_LEN = 7 + _MAX_DIMS
_COUNT_KEYS = ("all_reduce", "broadcast", "all_gather", "barrier", "checks", "bytes")


class ProcessGroup:
    """The ranks of one communicator (COMM_WORLD by default) and their collectives on
    ndarrays. Counts are guarded by a lock (collectives may come from several threads)."""

    def __init__(self, comm: Any = None) -> None:
        self.comm = MPI.COMM_WORLD if comm is None else comm
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.checks = os.environ.get("TINYGRAD_BN_COLLECTIVE_CHECKS", "1") != "0"
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(_COUNT_KEYS, 0)
        self.guard: JobGuard | None = None  # the default group's, when size > 1

    def _wait(self, request: Any, kind: str) -> None:
        """Complete a started collective: through the guard (which notices a rank that
        left, and the timeout) when there is one, else MPI's blocking Wait."""
        if self.guard is None:
            request.Wait()
        else:
            self.guard.wait(request, kind)

    # ---- counting ----
    def _count(self, kind: str, nbytes: int) -> None:
        with self._lock:
            self._counts[kind] += 1
            self._counts["bytes"] += nbytes

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts = dict.fromkeys(_COUNT_KEYS, 0)

    # ---- the agreement check ----
    def _agree(self, kind: str, detail: int, array: np.ndarray | None) -> None:
        """One Allreduce(MAX) of [h, -h], h a hash of this rank's signature: every rank
        sees max h == min h, or every rank takes the error path. Skipped when checks
        are off. (Python's hash of a tuple of ints is the same in every process.)"""
        if self.size == 1 or not self.checks:
            return
        key = (_KINDS[kind], detail) if array is None else \
            (_KINDS[kind], detail, array.dtype.num, array.dtype.itemsize, array.shape)
        h = hash(key)
        both = np.array([h, -h], np.int64)
        self._wait(self.comm.Iallreduce(MPI.IN_PLACE, both, op=MPI.MAX), kind)
        with self._lock:
            self._counts["checks"] += 1
        if both[0] != -both[1]:
            self._disagreement(kind, _signature(kind, detail, array), array)

    def _disagreement(self, kind: str, sig: np.ndarray, array: np.ndarray | None) -> None:
        """All ranks are here together: gather every rank's signature (a fixed-size
        buffer) and raise one error that names each rank's view."""
        every = np.empty((self.size, _SIG_LEN), np.int64)
        self._wait(self.comm.Iallgather(sig, every), kind)
        views = []
        for r, s in enumerate(every):
            what = _KIND_NAMES.get(int(s[0]), "?")
            if s[4] >= 0:
                shape = tuple(int(d) for d in s[7:7 + min(int(s[4]), _MAX_DIMS)])
                dims = shape if s[4] <= _MAX_DIMS else f"{shape} + ... ({s[4]} dims)"
                what += f" shape {dims} dtype {_dtype_name(int(s[2]), int(s[3]))}"
            if s[0] == _KINDS["broadcast"]:
                what += f" root={s[1]}"
            elif s[0] == _KINDS["all_reduce"]:
                what += f" op={_op_name(int(s[1]))}"
            views.append(f"rank {r}: {what}")
        listing = "; ".join(views)
        if len(set(every[:, 0])) > 1 or len(set(every[:, 1])) > 1:
            cls, about = DistributedError, "the collective (or its op or root)"
        elif len(set(every[:, 2])) > 1 or len(set(every[:, 3])) > 1:
            cls, about = DTypeError, "the array's dtype"
        else:
            cls, about = ShapeError, "the array's shape"
        raise cls(f"{kind} on rank {self.rank} of {self.size}: the ranks disagree on "
                  f"{about}, expected the same on every rank; {listing}")

    # ---- collectives on arrays ----
    def all_reduce(self, x: np.ndarray, op: str = "sum") -> np.ndarray:
        mpi_op = _reduce_op(op)
        _check_array("all_reduce", x)
        if op == "mean" and x.dtype.kind != "f":
            raise DTypeError(f"all_reduce: op='mean' needs a floating array, got {x.dtype}")
        self._agree("all_reduce", _OP_CODES[op], x)
        self._count("all_reduce", x.nbytes)
        if self.size > 1 and x.size:
            buf = x if x.flags.c_contiguous else np.ascontiguousarray(x)
            self._wait(self.comm.Iallreduce(MPI.IN_PLACE, buf, op=mpi_op), "all_reduce")
            if buf is not x:
                x[...] = buf
            if op == "mean":
                x *= np.array(1.0 / self.size, x.dtype)
        return x

    def broadcast(self, x: np.ndarray, root: int = 0) -> np.ndarray:
        _check_array("broadcast", x)
        if isinstance(root, bool) or not isinstance(root, int | np.integer) \
                or not 0 <= root < self.size:
            raise ArgumentError(f"broadcast: root must be a rank in [0, {self.size}), got "
                                f"{root!r}")
        self._agree("broadcast", int(root), x)
        self._count("broadcast", x.nbytes)
        if self.size > 1 and x.size:
            buf = x if x.flags.c_contiguous else np.ascontiguousarray(x)
            self._wait(self.comm.Ibcast(buf, root=int(root)), "broadcast")
            if buf is not x:
                x[...] = buf
        return x

    def all_gather(self, x: np.ndarray) -> np.ndarray:
        _check_array("all_gather", x)
        self._agree("all_gather", 0, x)
        self._count("all_gather", x.nbytes)
        out = np.empty((self.size,) + x.shape, x.dtype)
        if self.size == 1:
            out[0] = x
        elif x.size:
            send = np.ascontiguousarray(x)
            self._wait(self.comm.Iallgather(send, out), "all_gather")
        return out

    def barrier(self) -> None:
        """The signature exchange alone is the barrier (MPI's Barrier when checks are off)."""
        self._count("barrier", 0)
        if self.size > 1 and self.checks:
            self._agree("barrier", 0, None)
        elif self.size > 1:
            self._wait(self.comm.Ibarrier(), "barrier")


def _signature(kind: str, detail: int, array: np.ndarray | None) -> np.ndarray:
    """A fixed-size int64 description of a collective call, gathered on the error path:
    kind, op or root, dtype.num, itemsize, ndim, size, crc32(shape), the first dims."""
    sig = np.full(_SIG_LEN, -1, np.int64)
    sig[0], sig[1] = _KINDS[kind], detail
    if array is not None:
        shape = array.shape
        sig[2:7] = (array.dtype.num, array.dtype.itemsize, array.ndim, array.size,
                    zlib.crc32(repr(shape).encode()))
        dims = shape[:_MAX_DIMS]
        sig[7:7 + len(dims)] = dims
    return sig


def _reduce_op(op: str) -> Any:
    if op not in _REDUCE_OPS:
        raise ArgumentError(f"all_reduce: op must be one of {tuple(_REDUCE_OPS)}, got {op!r}")
    return _REDUCE_OPS[op]


def _check_array(name: str, x: Any) -> None:
    if not isinstance(x, np.ndarray):
        raise DTypeError(f"{name}: expected an ndarray or a Tensor, got {type(x).__name__}")
    if x.dtype.kind not in "biuf":
        raise DTypeError(f"{name}: expected a boolean, integer or floating array, got dtype "
                         f"{x.dtype}")


def _dtype_name(num: int, itemsize: int) -> str:
    for dtype in (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
                  np.uint64, np.uint32, np.uint16, np.uint8, np.bool_):
        if np.dtype(dtype).num == num:
            return np.dtype(dtype).name
    return f"<dtype {num}, {itemsize} bytes>"


def _op_name(code: int) -> str:
    return next((name for name, c in _OP_CODES.items() if c == code), "?")


# ---------------------------------------------------------------- the default group, faults

_group: ProcessGroup | None = None
_group_lock = threading.Lock()


def get_group() -> ProcessGroup:
    """The default group (COMM_WORLD), created on first use."""
    global _group
    if _group is None:
        with _group_lock:
            if _group is None:
                group = ProcessGroup()
                if group.size > 1:
                    group.guard = JobGuard(group.comm, MPI)
                    group.guard.install()
                _group = group
    return _group


def rank() -> int:
    """This process's rank in COMM_WORLD (0 without mpiexec)."""
    return get_group().rank


def world_size() -> int:
    """The number of ranks (1 without mpiexec)."""
    return get_group().size


def barrier() -> None:
    """Wait until every rank has arrived (also checks that they all called barrier)."""
    get_group().barrier()


def set_collective_checks(enabled: bool) -> None:
    """Turn the per-collective agreement check (one small extra Allreduce) on or off."""
    get_group().checks = bool(enabled)


def set_collective_timeout(seconds: float | None) -> None:
    """Raise DistributedError when a collective has not completed after `seconds` (None:
    wait forever). Default 1800, or TINYGRAD_BN_COLLECTIVE_TIMEOUT; world size 1 ignores it."""
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(
            seconds, int | float) or not seconds > 0):
        raise ArgumentError(f"set_collective_timeout: expected a positive number of seconds "
                            f"or None, got {seconds!r}")
    guard = get_group().guard
    if guard is not None:
        guard.timeout = None if seconds is None else float(seconds)


def collective_counts() -> dict[str, int]:
    """This process's collectives since the last reset (see the module docstring)."""
    return get_group().counts()


def reset_collective_counts() -> None:
    get_group().reset_counts()


@contextlib.contextmanager
def count_collectives() -> Iterator[dict[str, int]]:
    """`with count_collectives() as c: ...` leaves the block's counts in the dict c."""
    group = get_group()
    before = group.counts()
    counts: dict[str, int] = {}
    try:
        yield counts
    finally:
        after = group.counts()
        counts.update({k: after[k] - before[k] for k in after})


# ---------------------------------------------------------------- collectives: public API


def all_reduce(x: np.ndarray | Tensor, op: str = "sum") -> np.ndarray | Tensor:
    """Reduce over the ranks (see the module docstring): an ndarray in place (returned), a
    Tensor into a new Tensor through the differentiable `AllReduce` ("sum", "mean")."""
    group = get_group()
    if not isinstance(x, Tensor):
        return group.all_reduce(x, op)
    _reduce_op(op)
    if op in ("sum", "mean"):
        return AllReduce.apply(x, scale=1.0 if op == "sum" else 1.0 / group.size)
    if x.requires_grad and is_grad_enabled():
        raise ArgumentError(f"all_reduce: op={op!r} is not differentiable; use it on a "
                            f"Tensor that needs no gradient (or under no_grad)")
    return Tensor._from_op(group.all_reduce(x.data.copy(), op), None)


def broadcast(x: np.ndarray | Tensor, root: int = 0) -> np.ndarray | Tensor:
    """Overwrite x (an ndarray, or a Tensor's .data) with rank `root`'s values; returns x."""
    get_group().broadcast(x.data if isinstance(x, Tensor) else x, root)
    return x


def all_gather(x: np.ndarray | Tensor) -> np.ndarray | Tensor:
    """Every rank's x stacked in rank order: shape (world_size, *x.shape)."""
    if isinstance(x, Tensor):
        return AllGather.apply(x)
    return get_group().all_gather(x)


# ---------------------------------------------------------------- differentiable ops


class AllReduce(Function):
    """y = scale * sum_r x_r, the same on every rank (scale 1: sum, 1/N: mean);  dx = scale *
    sum_r g_r, an all-reduce of g.

    tz = scale * sum_r tx_r (linear).

    Every rank's y depends on every rank's x, so with each rank's loss L_r the
    gradient of the total sum_r L_r is dx_r = scale * sum_r' g_r': the backward is
    the same all-reduce of the incoming gradients (linear, hence differentiable
    again: under create_graph it is built from this op)."""

    fresh_grads = True  # the ndarray backward reduces a new copy of g

    def forward(self, x: np.ndarray) -> np.ndarray:
        return _scaled_sum(x.copy(), self.scale)

    def backward(self, g: Tensor) -> Tensor:
        if is_grad_enabled():
            return AllReduce.apply(g, scale=self.scale)
        return Tensor._from_op(_scaled_sum(g.data.copy(), self.scale), None)

    def jvp(self, tx: Tensor) -> Tensor:
        """Linear: the same all-reduce of the tangents (a collective: under forward mode
        every rank's input must carry a tangent, or the ranks wait for each other)."""
        return AllReduce.apply(tx, scale=self.scale)


def _scaled_sum(a: np.ndarray, scale: float) -> np.ndarray:
    get_group().all_reduce(a, "sum")
    if scale != 1.0:
        a *= np.array(scale, a.dtype)
    return a


class AllGather(Function):
    """y[r] = x_r for every rank r, on every rank;  dx_r = sum_r' g_r'[r].

    Rank r's x_r reaches every rank's y[r], so its gradient is an all-reduce of g, of which
    each rank keeps its row (a reduce-scatter built from the sum).

    tz[r] = tx_r (linear)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return get_group().all_gather(x)

    def backward(self, g: Tensor) -> Tensor:
        r = get_group().rank
        if is_grad_enabled():
            return AllReduce.apply(g, scale=1.0)[r]
        return Tensor._from_op(get_group().all_reduce(g.data.copy())[r].copy(), None)

    def jvp(self, tx: Tensor) -> Tensor:
        """Linear: the gathered tangents (a collective, as AllReduce.jvp)."""
        return AllGather.apply(tx)
