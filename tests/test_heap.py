"""tinygrad_bn/heap.py: glibc's malloc thresholds set at import, unless the user chose."""

import os
import subprocess
import sys

import pytest

from tinygrad_bn import heap

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

PROBE = "import tinygrad_bn.heap as h; print(h.tuned)"


def _probe(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                          "TINYGRAD_BN_MALLOC")}
    result = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env,
                            "PYTHONPATH": os.getcwd()}, capture_output=True, text=True,
                            check=True)
    return result.stdout.strip()


def test_thresholds_are_set_at_import_on_glibc():
    import ctypes
    try:
        ctypes.CDLL(None).gnu_get_libc_version  # noqa: B018
    except AttributeError:
        pytest.skip("not glibc")
    assert _probe() == "True"
    assert heap.tune() is (os.environ.get("TINYGRAD_BN_MALLOC") != "default"
                           and "MALLOC_MMAP_THRESHOLD_" not in os.environ
                           and "MALLOC_TRIM_THRESHOLD_" not in os.environ)


def test_the_users_choice_wins():
    assert _probe(MALLOC_TRIM_THRESHOLD_="1000") == "False"
    assert _probe(MALLOC_MMAP_THRESHOLD_="1000") == "False"
    assert _probe(TINYGRAD_BN_MALLOC="default") == "False"
