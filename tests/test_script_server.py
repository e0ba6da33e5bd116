"""tests/script_server.py starts each script as `python script.py` would: as __main__, from
its directory, with its exit code, its output in files, a fresh NumPy global generator,
and a time limit."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.script_server import Server

SCRIPT = """\
import os, sys
import numpy as np
print(__name__, sys.argv == [__file__], os.getcwd() == os.path.dirname(__file__),
      sys.path[0] == os.path.dirname(__file__))
print(np.random.random())
sys.stderr.write("to stderr\\n")
{tail}
"""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    served = Server(["numpy"], dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    yield served
    served.close()


def _run(server: Server, tmp_path: Path, tail: str, timeout: float = 60, **given: object
         ) -> tuple[int | None, str, str]:
    script = tmp_path / "sub" / "script.py"
    script.parent.mkdir(exist_ok=True)
    script.write_text(SCRIPT.format(tail=tail))
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    code = server.run(script, out, err, timeout, **given)
    return code, out.read_text(), err.read_text()


def test_a_script_runs_as_main_from_its_directory(server: Server, tmp_path: Path) -> None:
    code, out, err = _run(server, tmp_path, "")
    assert code == 0
    assert out.splitlines()[0] == "__main__ True True True"
    assert err == "to stderr\n"


def test_each_script_draws_from_a_freshly_seeded_numpy(server: Server, tmp_path: Path) -> None:
    first = _run(server, tmp_path, "")[1].splitlines()[1]
    second = _run(server, tmp_path, "")[1].splitlines()[1]
    assert first != second  # as in two fresh processes, not the server's state twice


@pytest.mark.parametrize("tail, code", [("sys.exit(3)", 3), ("sys.exit()", 0),
                                        ("raise SystemExit('bad')", 1)])
def test_the_exit_code_is_the_scripts(server: Server, tmp_path: Path, tail: str,
                                      code: int) -> None:
    assert _run(server, tmp_path, tail)[0] == code


def test_an_exception_exits_1_with_its_traceback(server: Server, tmp_path: Path) -> None:
    code, out, err = _run(server, tmp_path, "raise KeyError('missing')")
    assert code == 1 and "Traceback" in err and err.strip().endswith("KeyError: 'missing'")
    assert len(out.splitlines()) == 2  # what it printed before is kept


def test_a_script_past_its_time_limit_is_killed(server: Server, tmp_path: Path) -> None:
    code, out, _ = _run(server, tmp_path, "sys.stdout.flush()\nimport time\ntime.sleep(60)",
                        timeout=1)
    assert code is None and out.startswith("__main__")
    assert _run(server, tmp_path, "")[0] == 0  # and the server serves the next one


def test_the_arguments_and_directory_given(server: Server, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    code, out, _ = _run(server, tmp_path, "print(sys.argv[1:], os.getcwd())",
                        args=["a", "b c"], cwd=tmp_path / "elsewhere")
    assert code == 0
    assert out.splitlines()[0] == "__main__ False False True"  # sys.path[0]: the script's
    assert out.splitlines()[2] == f"['a', 'b c'] {tmp_path / 'elsewhere'}"
