"""Run the benchmark suite as a plain script: `python benchmarks/run.py [--quick] [--out F.json]`.

The suite is the package tinygrad_bn/benchmarking/ (also behind `tinygrad-bn bench`);
see docs/performance.md for the workloads, the latest table and the targets.
"""

import sys

from tinygrad_bn.benchmarking import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
