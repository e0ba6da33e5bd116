#!/usr/bin/env bash
# Sets up a fresh machine and runs the test suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) \
      || echo "warning: could not install Graphviz; rendering tests will be skipped"
  else
    echo "warning: Graphviz 'dot' missing and not root; rendering tests will be skipped"
  fi
fi
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[dev]"
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
python -m ruff check .
python -m pytest -q
