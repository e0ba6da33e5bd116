"""Runs scripts as `python script.py` would, each in a process of its own, without paying
the framework's import each time: a server process imports the framework once and forks
a child per script (tests/test_pytorch_corpus.py runs ~50 scripts on each framework;
importing torch costs ~2 s of CPU and tinygrad_bn ~0.7 s, most of a short script's run).

What a child starts from is what a fresh interpreter has after `import <framework>`: the
server imports nothing else and runs nothing, both frameworks seed their generators with
a fixed default seed at import (so children draw as fresh processes do), Python's
`random` reseeds itself in a forked child, NumPy's global generator is reseeded from the
OS here (a fresh process's is), and PYTHONHASHSEED and the thread settings come from the
environment the server was started with. The child runs the script as `__main__` from
its directory (sys.argv, sys.path[0], cwd as `python script.py` sets them; or the
arguments and working directory given, as `cd CWD; python script.py ARGS...`), with its
stdout and stderr going to files, and exits with the script's exit code (1 and a
traceback on stderr for an uncaught exception).

Protocol, one JSON line each way: {"script", "args", "cwd" (null: the script's
directory), "stdout", "stderr"} -> {"pid"} when the child starts, then {"returncode"} when
it ends. Run as `python script_server.py MODULE...` (the modules to import first).
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def _child(script: str, args: list[str], cwd: str | None, stdout: str, stderr: str
           ) -> None:
    """Run `script` as __main__ in this (forked) process and exit with its code."""
    import runpy
    import traceback

    import numpy as np

    code: int = 1
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, stdout), (2, stderr)):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
        directory = str(Path(script).parent)
        os.chdir(cwd or directory)
        sys.argv = [script, *args]
        sys.path[0] = directory
        np.random.seed()  # as a fresh interpreter's (whatever NumPy does at a fork)
        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as done:
            if done.code is None or isinstance(done.code, int):
                code = done.code or 0
            else:
                print(done.code, file=sys.stderr)
        except BaseException:  # noqa: BLE001 (reported as the interpreter reports it)
            traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 (a closed stream: nothing to flush)
                pass
        os._exit(code)


def serve(modules: list[str]) -> None:
    for module in modules:
        importlib.import_module(module)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            _child(request["script"], request["args"], request["cwd"], request["stdout"],
                   request["stderr"])
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)


class Server:
    """A running server (see the module's docstring): `run` one script at a time."""

    def __init__(self, modules: list[str], env: dict[str, str]) -> None:
        # unbuffered replies: a line the reader had buffered would not wake select()
        self._process = subprocess.Popen([sys.executable, __file__, *modules], env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         bufsize=0)

    def _reply(self, timeout: float | None = None) -> dict | None:
        """The server's next line, or None when none came within `timeout` seconds."""
        import select

        assert self._process.stdout is not None
        fd, line = self._process.stdout.fileno(), b""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not line.endswith(b"\n"):
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([fd], [], [], left)[0]:
                return None
            byte = os.read(fd, 1)
            if not byte:
                raise RuntimeError("the script server ended: " + line.decode(errors="replace"))
            line += byte
        return json.loads(line)

    def run(self, script: Path, stdout: Path, stderr: Path, timeout: float,
            args: Sequence[str] = (), cwd: Path | None = None) -> int | None:
        """The script's exit code, or None when it ran past `timeout` seconds (killed)."""
        import signal

        assert self._process.stdin is not None
        request = {"script": str(script), "args": list(args),
                   "cwd": None if cwd is None else str(cwd), "stdout": str(stdout),
                   "stderr": str(stderr)}
        self._process.stdin.write(json.dumps(request).encode() + b"\n")
        reply = self._reply()
        assert reply is not None
        done = self._reply(timeout)
        if done is None:
            os.kill(reply["pid"], signal.SIGKILL)
            self._reply()
            return None
        return done["returncode"]

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=60)


if __name__ == "__main__":
    serve(sys.argv[1:])
