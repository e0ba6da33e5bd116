"""Turn a PyTorch script into a tinygrad_bn script by rewriting its import lines only.

Every form of importing torch maps to the same form on tinygrad_bn, indented or not:

    import torch                      -> import tinygrad_bn as torch
    import torch as th                -> import tinygrad_bn as th
    import torch.nn as nn             -> import tinygrad_bn.nn as nn
    import torch.nn                   -> import tinygrad_bn.nn, tinygrad_bn as torch
    from torch import nn, optim       -> from tinygrad_bn import nn, optim
    from torch.utils.data import X    -> from tinygrad_bn.utils.data import X

Every other line is left exactly as it was, so the line numbers of a traceback are the
original script's. A line importing torch together with other modules
(`import torch, numpy`) is refused rather than half-rewritten.
"""

from __future__ import annotations

import re

_IMPORT = re.compile(r"^(?P<indent>\s*)import torch(?P<path>(\.\w+)*)(?P<alias> as \w+)?\s*$")
_FROM = re.compile(r"^(?P<indent>\s*)from torch(?P<path>(\.\w+)*) import (?P<names>.+)$")
_ANY = re.compile(r"^\s*(import|from)\s+torch\b")


def swap_line(line: str) -> str:
    """One import line of torch rewritten for tinygrad_bn; other lines unchanged."""
    if not _ANY.match(line):
        return line
    if match := _FROM.match(line):
        return f"{match['indent']}from tinygrad_bn{match['path']} import {match['names']}"
    if match := _IMPORT.match(line):
        indent, path, alias = match["indent"], match["path"], match["alias"]
        if alias:
            return f"{indent}import tinygrad_bn{path}{alias}"
        if path:  # `import torch.nn` binds the name torch: bind it to tinygrad_bn
            return f"{indent}import tinygrad_bn{path}, tinygrad_bn as torch"
        return f"{indent}import tinygrad_bn as torch"
    raise ValueError(f"cannot swap the import line {line!r}: import torch on a line of its own")


def to_tinygrad_bn(script: str) -> str:
    """The script with every torch import line swapped (see the module docstring)."""
    return "\n".join(swap_line(line) for line in script.splitlines()) + \
        ("\n" if script.endswith("\n") else "")
