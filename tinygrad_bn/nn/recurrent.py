"""Recurrent layers: RNN, LSTM and GRU over whole sequences, and their one-step cells, with
PyTorch's parameter names, layouts, initialisation, gate order and state-dict keys.

Every step is composed of Tensor ops (matrix products, sigmoid, tanh, slicing), so autograd
derives the gradients (back-propagation through time) and their derivatives. Per layer and
direction the input projection x W_ih^T + b_ih of all time steps is one matrix product;
only the recurrence h W_hh^T runs step by step. The gate equations, with sigma the
logistic function and * the elementwise product:

    RNN:   h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)            act = tanh or relu
    LSTM:  i, f, g, o = split(x W_ih^T + b_ih + h W_hh^T + b_hh)  (gate order i f g o)
           c' = sigma(f) * c + sigma(i) * tanh(g);  h' = sigma(o) * tanh(c')
           with proj_size > 0: h' = (sigma(o) * tanh(c')) W_hr^T
    GRU:   r, z, n from x W_ih^T + b_ih and h W_hh^T + b_hh   (gate order r z n)
           r = sigma(x_r + h_r), z = sigma(x_z + h_z), n = tanh(x_n + r * h_n)
           h' = (1 - z) * n + z * h

Every weight and bias starts in U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch.
A PackedSequence input (nn.utils.rnn) runs each sequence over its own length only: past
it the state is kept (h' = h), so h_n is the state at the sequence's last real step, and
the output comes back packed the same way.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..allocation import empty
from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor, as_tensor, concatenate, stack, where
from . import init
from .arguments import factory_dtype, layer_input, positive_ints, probability, same_dtype, sizes
from .functional import dropout, linear
from .module import Module, Parameter
from .utils.rnn import PackedSequence, packed_like, pad_packed_sequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _gates(name: str, mode: str) -> int:
    """How many gate blocks a cell of `mode` stacks in its weights."""
    if mode not in _GATES:
        raise ArgumentError(f"{name}: mode must be one of {sorted(_GATES)}, got {mode!r}")
    return _GATES[mode]


def _new_param(op: str, shape: tuple[int, ...], dtype: np.dtype) -> Parameter:
    return Parameter(empty(f"{op} parameter", shape, dtype))


def _rnn_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, mode: str) -> Tensor:
    pre = xw + linear(h, w_hh, b_hh)
    return pre.tanh() if mode == "RNN_TANH" else pre.relu()


def _gru_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    x_r, x_z, x_n = xw.chunk(3, -1)
    h_r, h_z, h_n = linear(h, w_hh, b_hh).chunk(3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return n + z * (h - n)  # (1 - z) n + z h


def _lstm_step(xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None) -> tuple[Tensor, Tensor]:
    i, f, g, o = (xw + linear(h, w_hh, b_hh)).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return (h if w_hr is None else linear(h, w_hr)), c


def _activation(op: str, nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ArgumentError(f"{op}: Unknown nonlinearity: must be 'tanh' or 'relu', got "
                            f"{nonlinearity!r}")
    return "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU: parameters per layer and direction named
    weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and weight_hr_l{k} for an
    LSTM with proj_size), "_reverse" appended for the backward direction."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        positive_ints(name, input_size=input_size, hidden_size=hidden_size,
                      num_layers=num_layers)
        dtype = factory_dtype(name, device, dtype)
        if isinstance(proj_size, bool) or not isinstance(proj_size, int | np.integer) \
                or proj_size < 0:
            raise ArgumentError(f"{name}: proj_size must be an int >= 0, got {proj_size!r}")
        if proj_size and mode != "LSTM":
            raise ArgumentError(f"{name}: proj_size is supported by LSTM only")
        if proj_size >= hidden_size:
            raise ArgumentError(f"{name}: proj_size ({proj_size}) must be smaller than "
                                f"hidden_size ({hidden_size})")
        self.mode = mode
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.bias = int(num_layers), bool(bias)
        self.batch_first, self.bidirectional = bool(batch_first), bool(bidirectional)
        self.dropout, self.proj_size = probability(name, dropout), int(proj_size)
        gate_size = _gates(name, mode) * self.hidden_size
        out_size = self.proj_size or self.hidden_size
        directions = 2 if self.bidirectional else 1
        self._flat_weights_names: list[str] = []
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else out_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, out_size))]
                if self.bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if self.proj_size:
                    shapes.append(("weight_hr", (self.proj_size, self.hidden_size)))
                for kind, shape in shapes:
                    key = f"{kind}_l{layer}{suffix}"
                    setattr(self, key, _new_param(f"{name} {key}", shape, dtype))
                    self._flat_weights_names.append(key)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """PyTorch compacts cuDNN's weight memory here; there is nothing to do on NumPy."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction, in PyTorch's order."""
        per = len(self._flat_weights_names) // (self.num_layers * (1 + self.bidirectional))
        weights = [getattr(self, n) for n in self._flat_weights_names]
        return [weights[i:i + per] for i in range(0, len(weights), per)]

    @property
    def _flat_weights(self) -> list[Tensor | None]:
        """PyTorch's: the weights by _flat_weights_names, as the attributes read now (a
        weight_norm or parametrization puts a computed tensor where a Parameter was)."""
        return [getattr(self, n, None) for n in self._flat_weights_names]

    def _layer_params(self, layer: int, suffix: str) -> tuple[Tensor, ...]:
        def get(name: str) -> Tensor | None:  # an attribute: nn.utils.weight_norm's too
            return getattr(self, name, None)
        return (get(f"weight_ih_l{layer}{suffix}"), get(f"bias_ih_l{layer}{suffix}"),
                get(f"weight_hh_l{layer}{suffix}"), get(f"bias_hh_l{layer}{suffix}"),
                get(f"weight_hr_l{layer}{suffix}"))

    def _check_input(self, x: Any) -> tuple[Tensor, bool, PackedSequence | None]:
        """x as (L, N, H_in), whether it came unbatched, and the PackedSequence it came as
        (None if padded)."""
        if isinstance(x, PackedSequence):
            padded, _ = pad_packed_sequence(x)
            if padded.ndim != 3 or padded.shape[-1] != self.input_size:
                raise ShapeError(f"{self!r}: expected packed rows of {self.input_size} "
                                 f"features, got data of shape {x.data.shape}")
            same_dtype(repr(self), padded.dtype, weight_ih_l0=self.weight_ih_l0)
            return padded, False, x
        x = layer_input(x, self.weight_ih_l0.dtype)
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            layout = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
            raise ShapeError(f"{self!r}: expected input of shape {layout} or (L, H_in) with "
                             f"H_in = {self.input_size}, got {x.shape}")
        same_dtype(repr(self), x.dtype, weight_ih_l0=self.weight_ih_l0)
        if x.ndim == 2:
            return x.unsqueeze(1), True, None
        return (x.transpose(0, 1) if self.batch_first else x), False, None

    def _check_state(self, what: str, h: Any, batch: int, size: int, unbatched: bool,
                     like: Tensor) -> Tensor:
        """An initial state as (D * num_layers, N, size); zeros when None."""
        layers = self.num_layers * (1 + self.bidirectional)
        if h is None:
            return Tensor(np.zeros((layers, batch, size), dtype=like.dtype))
        h = as_tensor(h)
        expected = (layers, size) if unbatched else (layers, batch, size)
        if h.shape != expected:
            raise ShapeError(f"{self!r}: expected {what} of shape {expected}, got {h.shape}")
        same_dtype(repr(self), like.dtype, **{what: h})
        return h.unsqueeze(1) if unbatched else h

    def _run(self, x: Tensor, states: list[tuple[Tensor, ...]],
             packed: PackedSequence | None = None) -> tuple[Tensor, list]:
        """Run every layer and direction over x (L, N, H_in) from `states` (one tuple per
        layer and direction); returns the last layer's output (L, N, D H_out) and the final
        states in the same order. For a packed input each sequence's state changes only
        at its own steps."""
        directions = 2 if self.bidirectional else 1
        finals = []
        steps = x.shape[0]
        lengths = None if packed is None else packed.lengths()
        running = None if lengths is None else [Tensor((lengths > t)[:, None])
                                                for t in range(steps)]
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(("", "_reverse")[:directions]):
                w_ih, b_ih, w_hh, b_hh, w_hr = self._layer_params(layer, suffix)
                xw = linear(x, w_ih, b_ih)  # all time steps at once
                state = states[layer * directions + d]
                seq: list[Tensor | None] = [None] * steps
                order = range(steps - 1, -1, -1) if d else range(steps)
                for t in order:
                    if self.mode == "LSTM":
                        new = _lstm_step(xw[t], state[0], state[1], w_hh, b_hh, w_hr)
                    elif self.mode == "GRU":
                        new = (_gru_step(xw[t], state[0], w_hh, b_hh),)
                    else:
                        new = (_rnn_step(xw[t], state[0], w_hh, b_hh, self.mode),)
                    if running is not None:  # finished sequences keep their state
                        new = tuple(where(running[t], n, old) for n, old in zip(new, state))
                    state = new
                    seq[t] = state[0]
                outputs.append(stack(seq, 0))
                finals.append(state)
            x = outputs[0] if directions == 1 else concatenate(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, True)
        return x, finals

    def _finish(self, out: Tensor, unbatched: bool, packed: PackedSequence | None = None
                ) -> Tensor | PackedSequence:
        if packed is not None:
            return packed_like(out, packed)
        if unbatched:
            return out.squeeze(1)
        return out.transpose(0, 1) if self.batch_first else out

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        """RNN's and GRU's forward (one hidden state; LSTM has its own): (output, h_n)."""
        x, unbatched, packed = self._check_input(input)
        h0 = self._check_state("hx", hx, x.shape[1], self.hidden_size, unbatched, x)
        out, finals = self._run(x, [(h0[k],) for k in range(h0.shape[0])], packed)
        h_n = stack([s[0] for s in finals], 0)
        return self._finish(out, unbatched, packed), (h_n.squeeze(1) if unbatched else h_n)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(RNNBase):
    """Elman RNN, h_t = act(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh); forward(input, hx)
    returns (output, h_n) with output (L, N, D hidden_size) (batch_first: (N, L, ...)) and
    h_n (D num_layers, N, hidden_size)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        self.nonlinearity = nonlinearity
        super().__init__(_activation("RNN", nonlinearity), input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al. 2014) in PyTorch's form (the reset gate multiplies
    h W_hn^T + b_hn); returns (output, h_n) as RNN."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber 1997, with forget gate); forward(input,
    (h_0, c_0)) returns (output, (h_n, c_n)); h has proj_size features when proj_size > 0
    (Sak et al. 2014), c always hidden_size."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)

    def forward(self, input: Any, hx: Any = None  # noqa: A002
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        x, unbatched, packed = self._check_input(input)
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise ArgumentError(f"{self!r}: hx must be a pair (h_0, c_0), got "
                                f"{type(hx).__name__}")
        h0, c0 = (None, None) if hx is None else hx
        batch = x.shape[1]
        h0 = self._check_state("h_0", h0, batch, self.proj_size or self.hidden_size, unbatched, x)
        c0 = self._check_state("c_0", c0, batch, self.hidden_size, unbatched, x)
        out, finals = self._run(x, [(h0[k], c0[k]) for k in range(h0.shape[0])], packed)
        h_n, c_n = stack([s[0] for s in finals], 0), stack([s[1] for s in finals], 0)
        if unbatched:
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return self._finish(out, unbatched, packed), (h_n, c_n)


class RNNCellBase(Module):
    """One step of a recurrent layer: weight_ih (G hidden, input), weight_hh (G hidden,
    hidden), bias_ih and bias_hh (G hidden,); input (N, input_size) or (input_size,)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        sizes(name, input_size=input_size, hidden_size=hidden_size)
        dtype = factory_dtype(name, device, dtype)
        self.mode = mode
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), \
            bool(bias)
        gates = _gates(name, mode) * self.hidden_size
        self.weight_ih = _new_param(f"{name} weight_ih", (gates, self.input_size), dtype)
        self.weight_hh = _new_param(f"{name} weight_hh", (gates, self.hidden_size), dtype)
        if self.bias:
            self.bias_ih = _new_param(f"{name} bias_ih", (gates,), dtype)
            self.bias_hh = _new_param(f"{name} bias_hh", (gates,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _check_input(self, x: Any) -> tuple[Tensor, bool]:
        x = layer_input(x, self.weight_ih.dtype)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ShapeError(f"{self!r}: expected input of shape (N, {self.input_size}) or "
                             f"({self.input_size},), got {x.shape}")
        same_dtype(repr(self), x.dtype, weight_ih=self.weight_ih)
        return (x.unsqueeze(0), True) if x.ndim == 1 else (x, False)

    def _check_state(self, what: str, h: Any, x: Tensor, unbatched: bool) -> Tensor:
        if h is None:
            return Tensor(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))
        h = as_tensor(h)
        expected = (self.hidden_size,) if unbatched else (x.shape[0], self.hidden_size)
        if h.shape != expected:
            raise ShapeError(f"{self!r}: expected {what} of shape {expected}, got {h.shape}")
        same_dtype(repr(self), x.dtype, **{what: h})
        return h.unsqueeze(0) if unbatched else h

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity=relu"
        return text


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        self.nonlinearity = nonlinearity
        super().__init__(_activation("RNNCell", nonlinearity), input_size, hidden_size, bias,
                         device, dtype)

    def forward(self, input: Any, hx: Any = None) -> Tensor:  # noqa: A002
        x, unbatched = self._check_input(input)
        h = self._check_state("hx", hx, x, unbatched)
        h = _rnn_step(linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh,
                      self.mode)
        return h.squeeze(0) if unbatched else h


class GRUCell(RNNCellBase):
    """One GRU step (the equations in the module docstring)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Any, hx: Any = None) -> Tensor:  # noqa: A002
        x, unbatched = self._check_input(input)
        h = self._check_state("hx", hx, x, unbatched)
        h = _gru_step(linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    """One LSTM step; forward(input, (h, c)) returns (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        x, unbatched = self._check_input(input)
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise ArgumentError(f"{self!r}: hx must be a pair (h, c), got {type(hx).__name__}")
        h0, c0 = (None, None) if hx is None else hx
        h = self._check_state("h", h0, x, unbatched)
        c = self._check_state("c", c0, x, unbatched)
        h, c = _lstm_step(linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh,
                          self.bias_hh, None)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)
