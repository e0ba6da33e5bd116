"""`python -m tinygrad_bn ...` runs the `tinygrad-bn` command line."""

import sys

from tinygrad_bn.cli import main

sys.exit(main())
