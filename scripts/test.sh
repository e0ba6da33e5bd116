#!/usr/bin/env bash
# Sets up a fresh machine and runs the test suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
# System tools: Graphviz (graph pictures) and Chromium + ChromeDriver (the trace page's
# browser test); each installed with apt when run as root and missing, else skipped.
missing=""
command -v dot >/dev/null 2>&1 || missing="$missing graphviz"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) \
      || echo "warning: could not install$missing; the tests that need them will be skipped"
  else
    echo "warning:$missing missing and not root; the tests that need them will be skipped"
  fi
fi
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[dev,mpi]"
# PyTorch 2.13 CPU for the cross-checks (the `crosscheck` extra), best effort: where it cannot
# be installed within ten minutes those tests skip, and the rest of the suite still runs.
timeout 600 python -m pip install -q -e ".[crosscheck]" \
  || echo "warning: torch 2.13.0 could not be installed; the cross-checks against PyTorch will be skipped"
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
# Tests measure correctness, not speed: one BLAS thread avoids OpenBLAS workers
# spinning against each other on a small, busy machine (matmuls 10x slower).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
python -m ruff check .
lint-imports  # the layers (pyproject.toml [tool.importlinter])
# Two worker processes (pytest-xdist), a test file each at a time (--dist loadfile: a
# file's module-level caches and fixtures stay in one process): the suite takes about half
# the time of one process on two cores.
python -m pytest -q -n "${PYTEST_WORKERS:-2}" --dist loadfile
