"""PyTorch's implementations in a worker process of their own, driven block by block.

Why: PyTorch's intra-op threads (OpenMP, MKL) live as long as the process that ran them.
With PyTorch in the suite's own process, every tinygrad_bn block shares the process, the
cores and the OpenMP runtime with the threads PyTorch's default-thread blocks started,
which is not what a user's tinygrad_bn process looks like (docs/performance.md, "Default
threads, fourth pass (stop 29)" has the A/B). So by default the suite imports torch only
here: the parent sends "build this workload", "set n threads", "time a block of k calls",
and the worker answers over a pipe. The rounds stay interleaved exactly as before; only
the process that runs PyTorch's blocks changed, and it times them itself (the pipe is
outside every timed call).

The worker builds the same workload the parent builds (the builders are deterministic:
every workload seeds its own generator) and keeps the implementations whose framework is
PyTorch, so both processes start from identical parameters and the agreement check
compares like with like.
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_bn.errors import TinygradError

from .measure import TORCH, Impl, _to_numpy


class WorkerFailed(TinygradError, RuntimeError):
    """The PyTorch worker process raised (its traceback is in the message) or died."""


def _serve(conn: Any, use_torch: bool) -> None:
    """The worker's loop: one request, one (ok, value) answer, until "stop" or EOF."""
    torch = None
    if use_torch:
        try:
            import torch
        except ImportError:
            torch = None
    impls: dict[tuple[str, str], Impl] = {}
    default = torch.get_num_threads() if torch is not None else None

    def build(name: str) -> list[str]:
        from .cases import workloads

        built = next(b for b in workloads(torch) if b.name == name)()
        mine = [impl for impl in built.impls if impl.framework == TORCH]
        impls.update({(name, impl.name): impl for impl in mine})
        return [impl.name for impl in mine]

    def block(name: str, impl: str, calls: int, clock: str) -> list[float]:
        return impls[(name, impl)].block(calls, time.process_time if clock == "cpu"
                                         else time.perf_counter)

    def memory(shape: tuple[int, ...]) -> Any:
        from .memory import bn_memory

        return bn_memory(shape, torch).get(TORCH)

    handlers: dict[str, Callable[..., Any]] = {
        # str(): torch's TorchVersion, unpickled, would import torch into the parent
        "info": lambda: None if torch is None else {
            "torch": str(torch.__version__), "torch_threads": default},
        "build": build,
        "threads": lambda n: torch.set_num_threads(default if n is None else n),
        "call": lambda name, impl: impls[(name, impl)].call(),
        "block": block,
        "result": lambda name, impl: _to_numpy(impls[(name, impl)].result()),
        "memory": memory,
        "drop": lambda name: [impls.pop(key) for key in list(impls) if key[0] == name] and None,
    }
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request[0] == "stop":
            return
        try:
            conn.send((True, handlers[request[0]](*request[1:])))
        except BaseException:  # reported to the parent, which raises WorkerFailed
            conn.send((False, traceback.format_exc()))


class TorchWorker:
    """The parent's handle on the worker process (spawned, so that no state of the parent,
    its thread pool included, is inherited). `info` is None when torch is not importable
    there."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, True), daemon=True,
                                   name="tinygrad_bn-bench-torch")
        self.process.start()
        child.close()
        self.info: dict[str, Any] | None = self.ask("info")

    def ask(self, *request: Any) -> Any:
        try:
            self.conn.send(request)
            ok, value = self.conn.recv()
        except (EOFError, OSError) as error:
            raise WorkerFailed(f"bench: the PyTorch worker process ended ({error!r}) while "
                               f"answering {request[0]!r}") from error
        if not ok:
            raise WorkerFailed(f"bench: the PyTorch worker failed on {request[0]!r}:\n{value}")
        return value

    def impls(self, name: str) -> list[Impl]:
        """The workload's PyTorch implementations, as Impls whose calls and blocks run in the
        worker (the worker's own clock times them)."""
        return [RemoteImpl(self, name, impl) for impl in self.ask("build", name)]

    def set_threads(self, n: int | None) -> None:
        """torch.set_num_threads(n) in the worker; None: its default."""
        self.ask("threads", n)

    def close(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send(("stop",))
            except OSError:
                pass
            self.process.join(timeout=10)
            if self.process.is_alive():  # only the process this handle started
                self.process.kill()
                self.process.join()
        self.conn.close()

    def __enter__(self) -> TorchWorker:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class RemoteImpl(Impl):
    """An Impl whose step runs in the worker: `call` and `block` return the worker's
    timings, `result` its result as an array."""

    def __init__(self, worker: TorchWorker, workload: str, name: str) -> None:
        super().__init__(name, TORCH, self._unsupported)
        self.worker, self.workload = worker, workload

    @staticmethod
    def _unsupported(_: Any) -> Any:
        raise TinygradError("bench: a PyTorch implementation in the worker process is run "
                            "through call, block or result, not step")

    def call(self, clock: Callable[[], float] = time.perf_counter) -> float:
        return float(self.worker.ask("call", self.workload, self.name))

    def block(self, calls: int, clock: Callable[[], float] = time.perf_counter) -> list[float]:
        name = "cpu" if clock is time.process_time else "wall"
        return list(self.worker.ask("block", self.workload, self.name, calls, name))

    def result(self) -> np.ndarray:
        return np.asarray(self.worker.ask("result", self.workload, self.name))


__all__ = ["RemoteImpl", "TorchWorker", "WorkerFailed"]
