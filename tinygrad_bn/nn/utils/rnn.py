"""Variable-length sequences for recurrent layers (PyTorch's nn.utils.rnn): pad_sequence,
and PackedSequence with pack_padded_sequence, pad_packed_sequence and pack_sequence; their
inverses unpad_sequence and unpack_sequence.

A PackedSequence holds a batch of sequences of lengths l_1 >= l_2 >= ... (after sorting
by length) time step by time step, without padding: `data` has, for each t, the rows of
the sequences still running at t (`batch_sizes[t]` of them), so sum(l_i) rows in all;
`sorted_indices` maps the sorted order to the batch's, `unsorted_indices` back. The
recurrent layers (nn/recurrent.py) take one and run each sequence only over its own
length: the state of a finished sequence stays as it was, so h_n is each sequence's
state at its last real step. Packing and unpacking are index and join operations,
differentiable in the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from ...errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from ...tensor import Tensor, concatenate, stack

__all__ = ["PackedSequence", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence",
           "unpack_sequence", "unpad_sequence",
           "pad_sequence"]


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


class PackedSequence(NamedTuple):
    """Sequences packed step by step (see the module docstring): data (sum of lengths, *),
    batch_sizes (int64, one per step), sorted_indices and unsorted_indices (int64, or None
    when the batch was already sorted)."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def lengths(self) -> np.ndarray:
        """Each sequence's length, in the batch's order."""
        sizes = self.batch_sizes.numpy()
        by_sorted = np.array([(sizes > i).sum() for i in range(int(sizes[0]))], np.int64) \
            if sizes.size else np.zeros(0, np.int64)
        if self.unsorted_indices is None:
            return by_sorted
        return by_sorted[self.unsorted_indices.numpy()]

    # PyTorch's conversions of a PackedSequence: they change `data` only
    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """`data.to(...)` (a dtype, the CPU); the sizes and indices stay as they are."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self) -> PackedSequence:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self._replace(data=self.data.cuda(*args, **kwargs))  # refused: no GPU

    def double(self) -> PackedSequence:
        return self.to(np.float64)

    def float(self) -> PackedSequence:
        return self.to(np.float32)

    def half(self) -> PackedSequence:
        return self.to(np.float16)

    def long(self) -> PackedSequence:
        return self.to(np.int64)

    def int(self) -> PackedSequence:
        return self.to(np.int32)

    def short(self) -> PackedSequence:
        return self.to(np.int16)

    def char(self) -> PackedSequence:
        return self.to(np.int8)

    def byte(self) -> PackedSequence:
        return self.to(np.uint8)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _lengths(op: str, lengths: Any, batch: int, longest: int) -> np.ndarray:
    values = np.asarray(lengths.numpy() if isinstance(lengths, Tensor) else lengths)
    if values.dtype.kind not in "iu" and not (values.dtype.kind == "f" and
                                              np.all(values == np.round(values))):
        raise DTypeError(f"{op}: lengths must be integers, got {values!r}")
    values = values.astype(np.int64)
    if values.shape != (batch,):
        raise ShapeError(f"{op}: expected {batch} lengths (one per sequence), got shape "
                         f"{values.shape}")
    if values.size and (values.min() <= 0 or values.max() > longest):
        raise ArgumentError(f"{op}: every length must lie in [1, {longest}] (the padded "
                            f"length), got {values.tolist()}")
    return values


def pack_padded_sequence(input: Any, lengths: Any, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (L, B, *) (batch_first: (B, L, *)) of sequences of the given
    lengths; with `enforce_sorted` the lengths must be decreasing, else the batch is
    sorted here and the order kept in sorted_indices / unsorted_indices."""
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"pack_padded_sequence: input must be a Tensor, got "
                                f"{type(input).__name__}")
    if input.ndim < 2:
        raise ShapeError(f"pack_padded_sequence: input must have a time and a batch axis, got "
                         f"shape {input.shape}")
    x = input.transpose(0, 1) if batch_first else input  # (L, B, *)
    sizes = _lengths("pack_padded_sequence", lengths, x.shape[1], x.shape[0])
    if enforce_sorted:
        if np.any(np.diff(sizes) > 0):
            raise ArgumentError(f"pack_padded_sequence: lengths {sizes.tolist()} must be sorted "
                                f"in decreasing order when enforce_sorted=True; pass "
                                f"enforce_sorted=False to have them sorted")
        order = None
    else:
        order = np.argsort(-sizes, kind="stable")
        x, sizes = x[:, order], sizes[order]
    steps = int(sizes[0]) if sizes.size else 0
    batch_sizes = np.array([(sizes > t).sum() for t in range(steps)], np.int64)
    data = _packed_rows(x, batch_sizes)
    if order is None:
        return PackedSequence(data, Tensor(batch_sizes))
    return PackedSequence(data, Tensor(batch_sizes), Tensor(order.astype(np.int64)),
                          Tensor(np.argsort(order).astype(np.int64)))


def _packed_rows(x: Tensor, batch_sizes: np.ndarray) -> Tensor:
    """The rows of x (L, B, *), B in sorted order, that a PackedSequence keeps: step by
    step, the first batch_sizes[t] sequences."""
    return concatenate([x[t, :int(n)] for t, n in enumerate(batch_sizes)], 0)


def packed_like(padded: Tensor, like: PackedSequence) -> PackedSequence:
    """`padded` (L, B, *), in the batch's order, packed as `like` is (its lengths, order
    and batch sizes): how a recurrent layer returns its output for a packed input."""
    x = padded if like.sorted_indices is None else padded[:, like.sorted_indices.numpy()]
    return PackedSequence(_packed_rows(x, like.batch_sizes.numpy()), like.batch_sizes,
                          like.sorted_indices, like.unsorted_indices)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """(padded, lengths): the inverse of pack_padded_sequence, in the batch's original
    order; padded to `total_length` steps when given (at least the longest length)."""
    if not isinstance(sequence, PackedSequence):
        raise ArgumentTypeError(f"pad_packed_sequence: expects a PackedSequence, got "
                                f"{type(sequence).__name__}")
    data, sizes = sequence.data, sequence.batch_sizes.numpy()
    batch, steps = int(sizes[0]), len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ArgumentError(f"pad_packed_sequence: total_length {total_length} is shorter "
                                f"than the longest sequence ({steps})")
        steps = total_length
    rows, start = [], 0
    for t in range(steps):
        n = int(sizes[t]) if t < len(sizes) else 0
        piece = data[start:start + n]
        start += n
        if n < batch:
            fill = np.full((batch - n, *data.shape[1:]), padding_value).astype(data.dtype)
            piece = concatenate([piece, Tensor(fill)], 0) if n else Tensor(fill)
        rows.append(piece)
    padded = stack(rows, 0)  # (L, B, *) in sorted order
    if sequence.unsorted_indices is not None:
        padded = padded[:, sequence.unsorted_indices.numpy()]
    lengths = Tensor(sequence.lengths())
    return (padded.transpose(0, 1) if batch_first else padded), lengths


def pack_sequence(sequences: Iterable[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *): pad_sequence, then pack_padded_sequence."""
    seqs = list(sequences)
    lengths = [s.shape[0] if isinstance(s, Tensor) and s.ndim else 0 for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False
                   ) -> list[Tensor]:
    """The inverse of pad_sequence: sequence i is padded[:lengths[i], i] ((L, B, *) layout;
    padded[i, :lengths[i]] with batch_first)."""
    if not isinstance(padded_sequences, Tensor) or padded_sequences.ndim < 2:
        raise ArgumentTypeError(f"unpad_sequence: expects a padded Tensor (L, B, *) or "
                                f"(B, L, *), got {type(padded_sequences).__name__}")
    padded = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    counts = _lengths("unpad_sequence", lengths, padded.shape[0], padded.shape[1])
    return [padded[i, :int(n)] for i, n in enumerate(counts)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of pack_sequence: the list of sequences, in the batch's order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
