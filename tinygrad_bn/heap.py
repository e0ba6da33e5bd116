"""The C heap that NumPy's arrays come from, tuned to reuse large buffers (glibc only).

A training step allocates the same large temporaries every time (activations, window
matrices, gradients: megabytes each). glibc's malloc serves them from fresh mmap()s or from
heap memory it keeps giving back to the kernel (its trim threshold adapts to twice the
largest freed chunk), so every step pays a page fault per 4 KiB page again. In a VM that
fault is microseconds: measured on this project's 2-core VM, the small-CNN step (batch 64)
spent 30-45% of its CPU time there (docs/performance.md, "The heap").

At import, tinygrad_bn sets two of glibc's mallopt parameters, as the environment variables
MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ would:

- MMAP_THRESHOLD 32 MiB: chunks below it come from the heap (glibc's own dynamic
  threshold reaches the same 32 MiB at most), so they can be reused;
- TRIM_THRESHOLD 128 MiB: up to that much free memory stays at the top of the heap
  instead of going back to the kernel after each step.

The price: a process keeps up to 128 MiB of freed memory (RSS) for reuse. Nothing changes
when the variables are set already (the user's choice wins), with
TINYGRAD_BN_MALLOC=default, or on a C library without mallopt (musl, macOS, Windows).
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 128 << 20


def tune() -> bool:
    """Set the two thresholds; True when they were set (see the module doc)."""
    if not sys.platform.startswith("linux") or os.environ.get("TINYGRAD_BN_MALLOC") == "default":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 (glibc only: musl's mallopt does nothing)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


tuned = tune()
