"""The core package never needs mpi4py: only tinygrad_bn.distributed does."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_core_imports_without_mpi4py():
    """With mpi4py blocked the core package and nn import (and never load distributed);
    importing tinygrad_bn.distributed (or using nn.SyncBatchNorm) raises a DependencyError
    naming the extra."""
    code = textwrap.dedent("""
        import sys
        sys.modules["mpi4py"] = None
        import tinygrad_bn, tinygrad_bn.nn, tinygrad_bn.nn.functional
        from tinygrad_bn import nn
        import numpy as np
        y = nn.BatchNorm1d(3)(tinygrad_bn.Tensor(np.random.randn(4, 3).astype(np.float32)))
        assert not any(m.startswith("tinygrad_bn.distributed") for m in sys.modules), \\
            sorted(m for m in sys.modules if "distributed" in m)
        try:
            import tinygrad_bn.distributed
        except tinygrad_bn.DependencyError as error:
            assert 'pip install "tinygrad_bn[mpi]"' in str(error), error
        else:
            raise AssertionError("no DependencyError")
        try:
            nn.SyncBatchNorm(3)
        except tinygrad_bn.DependencyError as error:
            assert "tinygrad_bn[mpi]" in str(error), error
        else:
            raise AssertionError("nn.SyncBatchNorm without mpi4py: no DependencyError")
        try:
            nn.parallel.DistributedDataParallel
        except tinygrad_bn.DependencyError as error:
            assert "tinygrad_bn[mpi]" in str(error), error
        else:
            raise AssertionError("nn.parallel.DistributedDataParallel without mpi4py: no "
                                 "DependencyError")
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
