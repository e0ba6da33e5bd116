"""Faults in a job of more than one rank: however a rank leaves, the job ends within
seconds, a message names the rank, and the exit code is deterministic.

MPI itself guarantees none of this. A rank that returns from its script while the
others wait in a collective leaves them blocked forever (MPI_Finalize waits for them,
they wait for it); one that dies outright is noticed by mpiexec, which kills the rest,
but its report names a process id (often one of the killed ones) and its exit code
depends on which death it saw first. The guard below closes those holes; the rules it
implements are documented in docs/distributed.md ("Faults").

    how rank r leaves                       what happens                     job exits
    an uncaught exception (any thread)      "rank r/N: uncaught exception"   1
                                            + traceback, MPI_Abort
    sys.exit(c) / os._exit(c), c != 0       "rank r/N: sys.exit(c) ..."      c (mod 256)
                                            MPI_Abort(c) at once
    Ctrl-C (KeyboardInterrupt)              as sys.exit(130)                 130
    the script ends (or sys.exit(0),        the exit handshake: r tells      0 when every
    os._exit(0))                            every rank it left, then waits   rank ends so;
                                            until all have ended             otherwise 1
    killed by a signal (SIGKILL ...),       mpiexec kills the job; the       the signal (9)
    or the interpreter crashes              rank's watchdog prints "rank r/N
                                            (pid p) ended without leaving
                                            the job"

The exit handshake. A rank that ends normally sends every other rank a notice on a
private duplicate of the communicator: [its exit code, the number of collectives it
completed], then waits for the same notice from each other rank (no timeout: the
others may legitimately work on). Collectives are started non-blocking and polled;
while waiting, a rank reads the notices that arrived. If rank s left after completing
`done` collectives and this rank waits in its collective number k (counted from 0)
with done <= k, s never joins it: the rank raises DistributedError naming s, and the
uncaught error aborts the job with exit code 1. (done > k means s did join this
collective, which will then complete.)

The collective timeout. A collective that has not completed after `timeout` seconds
raises DistributedError (a rank is stuck in a loop or a deadlock, or waits in a
collective this guard cannot see, e.g. one of its own on mpi4py). Default 1800 s, as
PyTorch's process groups; set_collective_timeout(seconds or None) or
TINYGRAD_BN_COLLECTIVE_TIMEOUT (seconds; 0 or "none": wait forever).

The exit code of sys.exit is caught by a thin wrapper of sys.exit and os._exit,
installed with the guard (Python's atexit does not see the code): a bare
`raise SystemExit(3)` is seen as a normal end (the handshake, then code 3 from the
interpreter if every rank ends).

The watchdog. A rank killed by a signal runs no Python; a /bin/sh child of each
rank, reading a pipe the rank holds open, sees the end of file and prints the rank's
message. It holds a copy of every descriptor the rank had (its MPI sockets,
mpiexec's pipes), so neither mpiexec nor the other ranks notice the death until the
watchdog has spoken and exited; mpiexec then kills the other ranks, whose watchdogs
see the same end of file. Only the first death speaks: it creates a marker directory
unique to the node's share of the job (the parent process, mpiexec's proxy, and its
start time) and the watchdogs of the ranks killed after it find it there. A rank
that aborts the job itself creates the marker first and says goodbye to its
watchdog. A process forked by the rank (a multiprocessing worker) keeps the pipe
open and delays the watchdog until it ends too.

After DistributedError from a collective the group is unusable (a collective is left
pending): the error is meant to end the job, and it does when uncaught.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from typing import Any, NoReturn

import numpy as np

from ..errors import ArgumentError, DistributedError

_TAG_LEFT = 7301           # the tag of the exit notices on the private communicator
_ABORT_GRACE_S = 0.3       # between printing a message and MPI_Abort: mpiexec forwards it
_DEFAULT_TIMEOUT_S = 1800.0
_SPINS = 200               # polls before the wait loop starts to sleep between polls
_MARKER_AGE_S = 3600.0   # fault markers older than this are removed
_MAX_PAUSE_S = 1e-3        # the longest sleep between two polls of a pending collective

_os_exit = os._exit  # the real one (install() wraps os._exit)

_WATCHDOG = """
read -r line || if mkdir "$TG_MARK" 2>/dev/null; then
  echo "rank $TG_RANK/$TG_SIZE (pid $TG_PID) ended without leaving the job (killed by \
a signal such as SIGKILL, or the interpreter died): mpiexec ends the job" >&2
fi
"""


def timeout_from_env() -> float | None:
    """TINYGRAD_BN_COLLECTIVE_TIMEOUT in seconds (0 or "none": no limit), else 1800."""
    value = os.environ.get("TINYGRAD_BN_COLLECTIVE_TIMEOUT")
    if value is None:
        return _DEFAULT_TIMEOUT_S
    if value.strip().lower() in ("0", "none", ""):
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ArgumentError(f"TINYGRAD_BN_COLLECTIVE_TIMEOUT must be a positive number of "
                            f"seconds, 0 or 'none', got {value!r}")
    return seconds


class JobGuard:
    """The fault handling of one multi-rank group (see the module docstring)."""

    def __init__(self, comm: Any, mpi: Any) -> None:
        self.mpi = mpi
        self.comm = comm
        self.control = comm.Dup()  # the notices never meet the collectives' traffic
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.timeout = timeout_from_env()
        self.completed = 0          # collectives this rank completed
        self.left: dict[int, tuple[int, int]] = {}  # rank -> (exit code, its completed)
        self.exit_code: int | None = None
        self.broken: str | None = None
        self.finished = False
        self.pid = os.getpid()      # forked children must not act for the rank
        self.lock = threading.Lock()
        self.marker = _marker_path()
        self.watchdog = self._start_watchdog()

    # ---- waiting for a collective ----
    def wait(self, request: Any, what: str) -> None:
        """Poll `request` (a started collective) until it completes; raise
        DistributedError if a rank left without joining it, or after the timeout."""
        if self.broken is not None:
            raise DistributedError(f"{what} on rank {self.rank} of {self.size}: the group is "
                                   f"unusable after an earlier fault: {self.broken}")
        k = self.completed
        start = time.monotonic()
        spins, pause = 0, 1e-5
        while not request.Test():
            self.receive_notices()
            for source, (code, done) in sorted(self.left.items()):
                if done <= k:
                    self.broken = (f"rank {source} left the job (exit code {code}) after "
                                   f"{done} collectives, without joining this rank's "
                                   f"collective #{k}")
                    raise DistributedError(
                        f"{what} on rank {self.rank} of {self.size}: {self.broken}; every "
                        f"rank must make the same collectives in the same order (did rank "
                        f"{source} skip a final barrier or a step?)")
            if self.timeout is not None and time.monotonic() - start > self.timeout:
                self.broken = f"{what} timed out"
                raise DistributedError(
                    f"{what} on rank {self.rank} of {self.size}: not complete after "
                    f"{self.timeout:g} s (this rank's collective #{k}); another rank is "
                    f"stuck, far slower, or waits in a different collective. "
                    f"set_collective_timeout(seconds or None) or "
                    f"TINYGRAD_BN_COLLECTIVE_TIMEOUT changes the limit")
            spins += 1
            if spins > _SPINS:
                time.sleep(pause)
                pause = min(2 * pause, _MAX_PAUSE_S)
        self.completed += 1

    def receive_notices(self) -> None:
        status = self.mpi.Status()
        while self.control.Iprobe(source=self.mpi.ANY_SOURCE, tag=_TAG_LEFT, status=status):
            note = np.empty(2, np.int64)
            self.control.Recv(note, source=status.Get_source(), tag=_TAG_LEFT)
            self.left[status.Get_source()] = (int(note[0]), int(note[1]))

    # ---- leaving ----
    def leave(self) -> None:
        """The exit handshake of a rank that ends normally (code 0)."""
        with self.lock:
            if self.finished or os.getpid() != self.pid or self.mpi.Is_finalized():
                return
            self.finished = True
        note = np.array([0, self.completed], np.int64)
        others = [r for r in range(self.size) if r != self.rank]
        sends = [self.control.Isend(note, dest=r, tag=_TAG_LEFT) for r in others]
        self.receive_notices()
        waiting = [r for r in others if r not in self.left]
        notes = {r: np.empty(2, np.int64) for r in waiting}
        recvs = [self.control.Irecv(notes[r], source=r, tag=_TAG_LEFT) for r in waiting]
        pause = 1e-4
        while not self.mpi.Request.Testall(recvs + sends):
            time.sleep(pause)
            pause = min(2 * pause, 0.01)
        self.tell_watchdog("ok")

    def fail(self, code: int, message: str) -> NoReturn:
        """Print `message` as rank r's, then end the whole job with exit code `code`."""
        if os.getpid() != self.pid:
            _os_exit(code)
        sys.stderr.write(f"rank {self.rank}/{self.size}: {message}")
        sys.stdout.flush()
        sys.stderr.flush()
        try:  # the first death of the job speaks; the ranks mpiexec kills next stay silent
            os.mkdir(self.marker)
        except OSError:
            pass
        self.tell_watchdog("bye")
        # Abort tears the job down at once, and mpiexec can drop output its forwarder has
        # not yet passed on: a short grace lets the message reach the user
        time.sleep(_ABORT_GRACE_S)
        self.comm.Abort(code)
        _os_exit(code)  # MPICH's MPI_Abort can return once mpiexec has the request

    # ---- hooks ----
    def install(self) -> None:
        """excepthooks, the sys.exit/os._exit wrappers and the atexit handshake."""
        previous = sys.excepthook
        sys_exit = sys.exit

        def on_exception(kind: type[BaseException], value: BaseException, tb: Any) -> None:
            if os.getpid() != self.pid:
                previous(kind, value, tb)
            elif issubclass(kind, KeyboardInterrupt):
                self.exit_code = 130
                previous(kind, value, tb)
            else:
                text = "".join(traceback.format_exception(kind, value, tb))
                self.fail(1, f"uncaught exception, aborting the MPI job:\n{text}")

        def on_thread_exception(args: Any) -> None:
            on_exception(args.exc_type, args.exc_value, args.exc_traceback)

        def exit_wrapper(status: object = None) -> None:
            self.exit_code = _exit_code(status)
            sys_exit(status)

        def os_exit_wrapper(status: int) -> None:
            if os.getpid() == self.pid:
                code = _exit_code(status)
                if code:
                    self.fail(code, f"os._exit({status!r}) while the job runs: aborting the "
                                    f"MPI job with exit code {code}\n")
                self.leave()
            _os_exit(status)

        sys.excepthook = on_exception
        threading.excepthook = on_thread_exception
        sys.exit = exit_wrapper
        os._exit = os_exit_wrapper
        atexit.register(self.at_exit)

    def at_exit(self) -> None:
        if os.getpid() != self.pid or self.mpi.Is_finalized():
            return
        code = self.exit_code or 0
        if code:
            self.fail(code, f"sys.exit({code}) while the job runs: aborting the MPI job with "
                            f"exit code {code}\n")
        self.leave()

    # ---- the watchdog ----
    def _start_watchdog(self) -> Any:
        shell = shutil.which("sh")
        if shell is None or os.name != "posix":
            return None
        env = dict(os.environ, TG_RANK=str(self.rank), TG_SIZE=str(self.size),
                   TG_PID=str(self.pid), TG_MARK=self.marker)
        # close_fds=False: the watchdog keeps the rank's sockets and pipes open after the
        # rank died, so that mpiexec reacts only after the watchdog has spoken
        return subprocess.Popen([shell, "-c", _WATCHDOG], stdin=subprocess.PIPE,
                                env=env, start_new_session=True, close_fds=False)

    def tell_watchdog(self, word: str) -> None:
        if self.watchdog is None or self.watchdog.stdin.closed:
            return
        try:
            self.watchdog.stdin.write(f"{word}\n".encode())
            self.watchdog.stdin.close()
        except OSError:
            pass


def _exit_code(status: object) -> int:
    """The process exit code Python derives from sys.exit's argument (mod 256)."""
    if status is None:
        return 0
    if isinstance(status, int):
        return status & 0xFF
    return 1


def _marker_path() -> str:
    """A path unique to this node's share of the job: mpiexec's proxy (our parent) and
    its start time (pids are reused). Markers older than an hour are removed here: the
    job that made one has ended (a watchdog cannot clean up: mpiexec kills what the
    watchdog would leave behind)."""
    parent = os.getppid()
    try:
        with open(f"/proc/{parent}/stat") as stat:
            started = stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        started = "0"
    folder = os.path.join(tempfile.gettempdir(), "tinygrad_bn-faults")
    try:
        os.makedirs(folder, exist_ok=True)
        for old in os.scandir(folder):
            if time.time() - old.stat().st_mtime > _MARKER_AGE_S:
                os.rmdir(old.path)
    except OSError:
        pass  # another rank removed it first, or no temporary directory: no marker then
    return os.path.join(folder, f"job-{parent}-{started}")
