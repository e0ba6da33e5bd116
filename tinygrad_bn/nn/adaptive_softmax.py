"""nn.AdaptiveLogSoftmaxWithLoss, PyTorch's adaptive softmax (Grave et al., 2016): the
classes are split by `cutoffs` c_1 < ... < c_k into a shortlist [0, c_1) and tail clusters
[c_i, c_(i+1)) (c_(k+1) = n_classes). The head, a Linear to c_1 + k outputs, scores the
shortlist classes and one entry per cluster; cluster i has its own two-layer projection
tail[i] = Linear(d, d // div_value^(i+1)) -> Linear(., c_(i+2) - c_(i+1)), both without bias.
Then

    log p(y | x) = head_logp(x)[y]                                    y in the shortlist
    log p(y | x) = head_logp(x)[c_1 + i] + tail_logp_i(x)[y - c_(i+1)]  y in cluster i

with head_logp / tail_logp_i the log-softmax of the head / tail outputs. forward(input,
target) returns (output, loss): output the log-probability of each target, loss the mean of
-output; a tail runs only on the rows whose targets fall in its cluster, as PyTorch's.
log_prob(input) gives every class's log-probability and predict(input) its argmax.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, IndexOutOfRange, ShapeError
from ..tensor import Tensor, as_tensor, concatenate
from .activations import log_softmax
from .containers import ModuleList, Sequential
from .layers import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax over n_classes (see the module docstring)."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ArgumentError("AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of "
                                "length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs)
                or any(int(c) != c for c in cutoffs)):
            raise ArgumentError("AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of "
                                "unique, positive integers sorted in an increasing order, "
                                "where each value is between 1 and n_classes-1, got "
                                f"{cutoffs} for n_classes={n_classes}")
        self.in_features, self.n_classes = int(in_features), int(n_classes)
        self.cutoffs = [int(c) for c in cutoffs] + [self.n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        factory = {"device": device, "dtype": dtype}
        self.head = Linear(self.in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(self.in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(self.in_features, hidden, bias=False, **factory),
                                        Linear(hidden, size, bias=False, **factory)))

    def reset_parameters(self) -> None:
        """Each Linear's own initialisation, again."""
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                layer.reset_parameters()

    def _batched(self, input: Any, target: Any) -> tuple[Tensor, np.ndarray, bool]:  # noqa: A002
        x = as_tensor(input)
        t = np.asarray(target._data if isinstance(target, Tensor) else target)
        if t.dtype.kind not in "iu":
            raise ArgumentError(f"AdaptiveLogSoftmaxWithLoss: target must hold class indices "
                                f"(integers), got dtype {t.dtype}")
        if t.ndim == 1:
            if x.ndim != 2:
                raise ShapeError("AdaptiveLogSoftmaxWithLoss: 1D target tensor expects 2D "
                                 f"input tensors, but found inputs with size {x.shape}")
            if x.shape[0] != t.shape[0]:
                raise ShapeError("AdaptiveLogSoftmaxWithLoss: Input and target should have "
                                 f"the same size in the batch dimension, got {x.shape[0]} "
                                 f"and {t.shape[0]}")
            return x, t, True
        if t.ndim == 0:
            if x.ndim != 1:
                raise ShapeError("AdaptiveLogSoftmaxWithLoss: 0D target tensor expects 1D "
                                 f"input tensors, but found inputs with size {x.shape}")
            return x.reshape(1, -1), t.reshape(1), False
        raise ShapeError("AdaptiveLogSoftmaxWithLoss: 0D or 1D target tensor expected, "
                         "multi-target not supported")

    def forward(self, input: Any, target: Any) -> _ASMoutput:  # noqa: A002
        x, t, batched = self._batched(input, target)
        if x.shape[1] != self.in_features:
            raise ShapeError(f"AdaptiveLogSoftmaxWithLoss: input of shape {x.shape}, expected "
                             f"{self.in_features} features")
        if t.size and (t.min() < 0 or t.max() >= self.n_classes):
            raise IndexOutOfRange(f"AdaptiveLogSoftmaxWithLoss: Target values should be in "
                                  f"[0, {self.n_classes - 1}], but values in range "
                                  f"[{t.min()}, {t.max()}] were found.")
        n = len(t)
        head_logp = log_softmax(self.head(x), dim=1)
        # the head's column per row: the class itself, or its cluster's entry
        column = t.copy()
        parts, rows = [], []
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            chosen = np.flatnonzero((t >= low) & (t < high))
            if not chosen.size:
                continue
            column[chosen] = self.shortlist_size + i
            tail_logp = log_softmax(self.tail[i](x[chosen]), dim=1)
            parts.append(tail_logp[np.arange(chosen.size), t[chosen] - low])
            rows.append(chosen)
        output = head_logp[np.arange(n), column]
        if parts:  # each tail's term, put back in row order (0 for the shortlist rows)
            shortlist = np.setdiff1d(np.arange(n), np.concatenate(rows))
            tails = concatenate([*parts, Tensor(np.zeros(shortlist.size, x.dtype))])
            order = np.argsort(np.concatenate([*rows, shortlist]), kind="stable")
            output = output + tails[order]
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.reshape(()), loss)

    def _full_log_prob(self, x: Tensor, head_output: Tensor) -> Tensor:
        head_logp = log_softmax(head_output, dim=1)
        pieces = [head_logp[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = log_softmax(self.tail[i](x), dim=1)
            pieces.append(cluster + head_logp[:, self.shortlist_size + i:
                                              self.shortlist_size + i + 1])
        return concatenate(pieces, axis=1)

    def log_prob(self, input: Any) -> Tensor:  # noqa: A002
        """log p(c | x) for every class c: (N, n_classes), or (n_classes,) for 1-d input."""
        x = as_tensor(input)
        if x.ndim not in (1, 2):
            raise ShapeError(f"AdaptiveLogSoftmaxWithLoss.log_prob: expected input of shape "
                             f"(N, {self.in_features}) or ({self.in_features},), got {x.shape}")
        rows = x.reshape(1, -1) if x.ndim == 1 else x
        result = self._full_log_prob(rows, self.head(rows))
        return result.reshape(-1) if x.ndim == 1 else result

    def predict(self, input: Any) -> Tensor:  # noqa: A002
        """The most likely class per row (argmax of log_prob)."""
        return Tensor(np.argmax(self.log_prob(input)._data, axis=-1))
