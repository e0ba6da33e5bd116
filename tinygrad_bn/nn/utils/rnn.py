"""Variable-length sequences for recurrent layers (PyTorch's nn.utils.rnn): pad_sequence."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ...errors import ArgumentError, ArgumentTypeError, ShapeError
from ...tensor import Tensor, concatenate, stack

__all__ = ["pad_sequence"]


def pad_sequence(sequences: Tensor | Iterable[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Sequences of shapes (L_i, *) padded with `padding_value` to the longest L and
    stacked: (L, B, *), or (B, L, *) with `batch_first`; the padding goes after each
    sequence (`padding_side="right"`) or before it ("left"). Differentiable in the
    sequences: the padding's cells get no gradient."""
    if padding_side not in ("left", "right"):
        raise ArgumentError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                            f"{padding_side!r}")
    seqs = list(sequences.unbind(0) if isinstance(sequences, Tensor) else sequences)
    if not seqs:
        raise ShapeError("pad_sequence: received an empty list of sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise ArgumentTypeError(f"pad_sequence: sequence {i} is a {type(s).__name__}, not "
                                    f"a Tensor")
        if s.ndim == 0:
            raise ShapeError(f"pad_sequence: sequence {i} is 0-d; each needs a length axis")
        if s.shape[1:] != seqs[0].shape[1:]:
            raise ShapeError(f"pad_sequence: sequence {i} has shape {s.shape}, whose trailing "
                             f"axes differ from sequence 0's {seqs[0].shape} (only the "
                             f"length may differ)")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        missing = longest - s.shape[0]
        if missing:
            pad = Tensor(np.full((missing, *s.shape[1:]), padding_value).astype(s.dtype))
            s = concatenate([s, pad] if padding_side == "right" else [pad, s])
        padded.append(s)
    return stack(padded, dim=0 if batch_first else 1)
