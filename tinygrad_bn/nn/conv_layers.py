"""1-D and 3-D convolution, transposed convolution (1-, 2- and 3-D), and padding modes,
composed from `F.conv2d` (convolution.py) and Tensor ops, so their gradients of every order
are conv2d's and indexing's.

    conv1d(x, w)   conv2d on (N, C, 1, L) with (O, C/g, 1, k) weights
    conv3d(x, w)   y[:, :, t] = sum_i conv2d(x[:, :, t s + i d], w[:, :, i]) over the kernel's
                   depth offsets i: one batched conv2d per offset, the output depths folded
                   into the batch
    conv_transposeNd(x, w)  the adjoint of convNd in x: insert s - 1 zeros between input
                   cells, pad d (k - 1) - p on each side (+ output_padding at the end; a
                   negative width crops), and correlate with the kernel flipped and its
                   in/out channels swapped (per group)

Output length per axis: conv (n + 2p - d (k - 1) - 1) // s + 1; transposed
(n - 1) s - 2p + d (k - 1) + output_padding + 1. padding_mode "reflect", "replicate" or
"circular" pads the input with F.pad first and convolves without padding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..allocation import empty
from ..errors import ArgumentError, ShapeError, names_errors
from ..tensor import Tensor, as_tensor
from . import init
from .arguments import factory_dtype, layer_input, positive_ints, same_dtype, sizes
from .convolution import conv2d
from .module import Module, Parameter
from .padding import pad as _pad

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(op: str, name: str, value: Any, n: int, minimum: int) -> tuple[int, ...]:
    items = tuple(value) if isinstance(value, tuple | list) else (value,) * n
    if len(items) != n or not all(isinstance(v, int | np.integer) and not isinstance(v, bool)
                                  and v >= minimum for v in items):
        raise ArgumentError(f"{op}: {name} must be an int >= {minimum} or a tuple of {n} of "
                            f"them, got {value!r}")
    return tuple(int(v) for v in items)


def _batched(op: str, x: Any, dims: int, weight: Tensor, bias: Any) -> tuple[Tensor, bool]:
    """x as a batch (N, C, *spatial), and whether it was one sample; its dtype checked
    against the weight's and bias's (an array input takes the weight's)."""
    x = layer_input(x, weight.dtype)
    same_dtype(op, x.dtype, weight=weight, bias=bias)
    if x.ndim == dims + 1:
        return x.unsqueeze(0), True
    if x.ndim != dims + 2:
        spatial = ("L",) if dims == 1 else ("D", "H", "W")[3 - dims:]
        raise ShapeError(f"{op}: expected input of shape (N, C, {', '.join(spatial)}) or "
                         f"(C, {', '.join(spatial)}), got {x.shape}")
    return x, False


def same_padding(kernel: tuple[int, ...], dilation: tuple[int, ...]) -> list[tuple[int, int]]:
    """padding="same": total d (k - 1) per axis, the odd cell at the end (PyTorch's)."""
    return [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]


def padded_input(x: Tensor, pairs: list[tuple[int, int]], mode: str) -> Tensor:
    """x with (before, after) widths on its trailing len(pairs) axes, in a padding_mode."""
    widths = [w for pair in reversed(pairs) for w in pair]
    if not any(widths):
        return x
    return _pad(x, widths, "constant" if mode == "zeros" else mode)


def padding_pairs(op: str, padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
                     dilation: tuple[int, ...]) -> list[tuple[int, int]]:
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * n
        if padding != "same":
            raise ArgumentError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', "
                                f"got {padding!r}")
        if any(s != 1 for s in stride):
            raise ArgumentError(f"{op}: padding='same' needs stride 1, got {stride}")
        return same_padding(kernel, dilation)
    return [(p, p) for p in _tuple(op, "padding", padding, n, 0)]


@names_errors("conv1d")
def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of (N, C, L) or (C, L) input with (O, C/groups, k) weights."""
    weight = as_tensor(weight)
    x, single = _batched("conv1d", input, 1, weight, bias)
    if weight.ndim != 3:
        raise ShapeError(f"conv1d: weight must be 3-D (out_channels, in_channels/groups, k), "
                         f"got shape {weight.shape}")
    (s,), (d,) = _tuple("conv1d", "stride", stride, 1, 1), _tuple("conv1d", "dilation",
                                                                 dilation, 1, 1)
    pairs = padding_pairs("conv1d", padding, tuple(weight.shape[2:]), (s,), (d,))
    x = padded_input(x, pairs, "zeros")
    y = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, s), 0, (1, d), groups).squeeze(2)
    return y.squeeze(0) if single else y


@names_errors("conv3d")
def conv3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D cross-correlation of (N, C, D, H, W) or (C, D, H, W) input with
    (O, C/groups, kd, kh, kw) weights."""
    weight = as_tensor(weight)
    x, single = _batched("conv3d", input, 3, weight, bias)
    if weight.ndim != 5:
        raise ShapeError(f"conv3d: weight must be 5-D (out_channels, in_channels/groups, kd, "
                         f"kh, kw), got shape {weight.shape}")
    stride = _tuple("conv3d", "stride", stride, 3, 1)
    dilation = _tuple("conv3d", "dilation", dilation, 3, 1)
    x = padded_input(x, padding_pairs("conv3d", padding, tuple(weight.shape[2:]), stride,
                                         dilation), "zeros")
    n, c, depth = x.shape[:3]
    kd, sd, dd = weight.shape[2], stride[0], dilation[0]
    out_depth = (depth - dd * (kd - 1) - 1) // sd + 1
    if out_depth < 1:
        raise ShapeError(f"conv3d: input depth {depth} (padded) is smaller than the dilated "
                         f"kernel depth {dd * (kd - 1) + 1}; input {x.shape}, weight "
                         f"{weight.shape}")
    y = None
    for i in range(kd):
        start = i * dd
        planes = x[:, :, start:start + sd * (out_depth - 1) + 1:sd]  # (N, C, OD, H, W)
        planes = planes.transpose(1, 2).reshape(n * out_depth, c, *x.shape[3:])
        term = conv2d(planes, weight[:, :, i], None, stride[1:], 0, dilation[1:], groups)
        y = term if y is None else y + term
    y = y.reshape(n, out_depth, *y.shape[1:]).transpose(1, 2)
    if bias is not None:
        bias = as_tensor(bias)
        if bias.shape != (weight.shape[0],):
            raise ShapeError(f"conv3d: bias must have shape ({weight.shape[0]},), got "
                             f"{bias.shape}")
        y = y + bias.reshape(-1, 1, 1, 1)
    return y.squeeze(0) if single else y


def _conv_transpose(op: str, dims: int, input: Any, weight: Any, bias: Any,  # noqa: A002
                    stride: Any, padding: Any, output_padding: Any, groups: int,
                    dilation: Any) -> Tensor:
    weight = as_tensor(weight)
    x, single = _batched(op, input, dims, weight, bias)
    if weight.ndim != dims + 2:
        raise ShapeError(f"{op}: weight must be {dims + 2}-D (in_channels, out_channels/groups, "
                         f"kernel...), got shape {weight.shape}")
    stride = _tuple(op, "stride", stride, dims, 1)
    padding = _tuple(op, "padding", padding, dims, 0)
    output_padding = _tuple(op, "output_padding", output_padding, dims, 0)
    dilation = _tuple(op, "dilation", dilation, dims, 1)
    positive_ints(op, groups=groups)
    if any(op_ >= max(s, d) for op_, s, d in zip(output_padding, stride, dilation)):
        raise ArgumentError(f"{op}: output_padding {output_padding} must be smaller than "
                            f"stride {stride} or dilation {dilation}")
    c = x.shape[1]
    if c != weight.shape[0] or c % groups:
        raise ShapeError(f"{op}: input {x.shape} has {c} channels, weight {weight.shape} "
                         f"expects {weight.shape[0]} (divisible by groups={groups})")
    kernel = tuple(weight.shape[2:])
    sizes = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
             zip(x.shape[2:], stride, padding, dilation, kernel, output_padding)]
    if min(sizes) < 1:
        raise ShapeError(f"{op}: the output would have size {tuple(sizes)} for input "
                         f"{x.shape}, weight {weight.shape}, stride {stride}, padding "
                         f"{padding}, dilation {dilation}, output_padding {output_padding}")
    # zeros between the cells: (n - 1) s + 1 per axis
    for k, s in enumerate(stride):
        if s > 1:
            axis = 2 + k
            n = x.shape[axis]
            spread = x.unsqueeze(axis + 1)
            spread = spread.pad([(0, 0)] * (axis + 1) + [(0, s - 1)] +
                                [(0, 0)] * (x.ndim - axis - 1))
            shape = x.shape[:axis] + (n * s,) + x.shape[axis + 1:]
            x = spread.reshape(shape)[(slice(None),) * axis + (slice(0, (n - 1) * s + 1),)]
    pairs = [(d * (k - 1) - p, d * (k - 1) - p + o)
             for k, d, p, o in zip(kernel, dilation, padding, output_padding)]
    x = _pad(x, [w for pair in reversed(pairs) for w in pair])
    cin, cout_g = weight.shape[0], weight.shape[1]
    w = weight.reshape(groups, cin // groups, cout_g, *kernel).transpose(1, 2) \
        .reshape(groups * cout_g, cin // groups, *kernel).flip(tuple(range(2, 2 + dims)))
    y = (conv1d, conv2d, conv3d)[dims - 1](x, w, bias, 1, 0, dilation, groups)
    return y.squeeze(0) if single else y


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """The transposed 1-D convolution of (N, C_in, L) input with (C_in, C_out/groups, k)
    weights (the gradient of conv1d in its input)."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """The transposed 2-D convolution of (N, C_in, H, W) input with
    (C_in, C_out/groups, kh, kw) weights (the gradient of conv2d in its input)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """The transposed 3-D convolution of (N, C_in, D, H, W) input with
    (C_in, C_out/groups, kd, kh, kw) weights (the gradient of conv3d in its input)."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def check_padding_mode(op: str, padding_mode: Any) -> str:
    if padding_mode not in PADDING_MODES:
        raise ArgumentError(f"{op}: padding_mode must be one of {PADDING_MODES}, got "
                            f"{padding_mode!r}")
    return padding_mode


class _ConvNd(Module):
    """Shared constructor of the convolution layers: weight (out, in/groups, *kernel) (for
    transposed layers (in, out/groups, *kernel)), bias (out,), PyTorch's initialisation
    (kaiming_uniform_ with a = sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)))."""

    dims = 1
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name, n = type(self).__name__, self.dims
        sizes(name, in_channels=in_channels, out_channels=out_channels)
        positive_ints(name, groups=groups)
        dtype = factory_dtype(name, device, dtype)
        if in_channels % groups or out_channels % groups:
            raise ArgumentError(f"{name}: groups={groups} must divide both in_channels="
                                f"{in_channels} and out_channels={out_channels}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(name, "kernel_size", kernel_size, n, 1)
        self.stride = _tuple(name, "stride", stride, n, 1)
        self.dilation = _tuple(name, "dilation", dilation, n, 1)
        self.padding_mode = check_padding_mode(name, padding_mode)
        if self.transposed:
            if padding_mode != "zeros":
                raise ArgumentError(f"{name}: only padding_mode='zeros' is supported")
            self.padding: Any = _tuple(name, "padding", padding, n, 0)
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            padding_pairs(name, padding, self.kernel_size, self.stride, self.dilation)
            self.padding = padding if isinstance(padding, str) else \
                _tuple(name, "padding", padding, n, 0)
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(empty(f"{name} weight", shape, dtype))
        self.register_parameter(
            "bias", Parameter(empty(f"{name} bias", (out_channels,), dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = init.fans(self.weight.shape)[0]
            bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        weight = self.weight  # read once: a parametrized weight is computed at each read
        x = self._checked(layer_input(input, weight.dtype))
        if self.padding_mode == "zeros":
            padding = self.padding
        else:  # pad in the mode, then convolve without padding
            x = padded_input(x, padding_pairs(type(self).__name__, self.padding,
                                              self.kernel_size, self.stride, self.dilation),
                             self.padding_mode)
            padding = 0
        return self.function(x, weight, self.bias, self.stride, padding, self.dilation,
                             self.groups)

    def _checked(self, x: Tensor) -> Tensor:
        """x, after checking its rank, channels and that each padded spatial size holds the
        dilated kernel; the error names the layer, so that a mistake deep inside a
        Sequential points at the right one."""
        n = self.dims
        spatial = ("L",) if n == 1 else ("D", "H", "W")[3 - n:]
        if x.ndim not in (n + 1, n + 2) or x.shape[-n - 1] != self.in_channels:
            raise ShapeError(f"{self!r}: expected input of shape (N, {self.in_channels}, "
                             f"{', '.join(spatial)}) or ({self.in_channels}, "
                             f"{', '.join(spatial)}), got {x.shape}")
        if self.padding == "same":
            return x
        pads = (0,) * n if isinstance(self.padding, str) else self.padding
        sides = ("length",) if n == 1 else ("depth", "height", "width")[3 - n:]
        for axis, side in enumerate(sides):
            size = x.shape[axis - n]
            padded = size + 2 * pads[axis]
            reach = self.dilation[axis] * (self.kernel_size[axis] - 1) + 1
            if reach > padded:
                raise ShapeError(f"{self!r}: input {side} {size} (padded: {padded}) is smaller "
                                 f"than the dilated kernel ({reach}); input shape {x.shape}")
        return x

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self.dims:
            text += f", padding={self.padding}"  # str, as PyTorch's: padding=same
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        output_padding = getattr(self, "output_padding", None)  # the transposed ones'
        if output_padding is not None and output_padding != (0,) * self.dims:
            text += f", output_padding={output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """conv1d over (N, C, L) or (C, L) input; weight (out, in/groups, k)."""

    dims = 1
    function = staticmethod(conv1d)


class Conv2d(_ConvNd):
    """2-D cross-correlation of (N, C, H, W) or (C, H, W) input with weights of shape
    (out_channels, in_channels / groups, kh, kw); see `F.conv2d`."""

    dims = 2
    function = staticmethod(conv2d)


class Conv3d(_ConvNd):
    """conv3d over (N, C, D, H, W) or (C, D, H, W) input; weight (out, in/groups, kd, kh, kw)."""

    dims = 3
    function = staticmethod(conv3d)


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)
        self.output_padding = _tuple(type(self).__name__, "output_padding", output_padding,
                                     self.dims, 0)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        """output_padding, or the one that gives `output_size` (its last `dims` entries)."""
        if output_size is None:
            return self.output_padding
        name, n = type(self).__name__, self.dims
        sizes = _tuple(name, "output_size", list(output_size)[-n:], n, 0)
        extra = []
        for k in range(n):
            base = (x.shape[-n + k] - 1) * self.stride[k] - 2 * self.padding[k] + \
                self.dilation[k] * (self.kernel_size[k] - 1) + 1
            if not base <= sizes[k] < base + max(self.stride[k], self.dilation[k]):
                raise ShapeError(f"{name}: output_size {tuple(output_size)} is not reachable "
                                 f"from input {x.shape}: axis {k} can be {base} to "
                                 f"{base + max(self.stride[k], self.dilation[k]) - 1}")
            extra.append(sizes[k] - base)
        return tuple(extra)


class ConvTranspose1d(_ConvTransposeNd):
    """conv_transpose1d; weight (in, out/groups, k); forward(input, output_size=None)."""

    dims = 1

    def forward(self, input: Any, output_size: Any = None) -> Tensor:  # noqa: A002
        x = as_tensor(input)
        return conv_transpose1d(x, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(x, output_size), self.groups,
                                self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """conv_transpose2d; weight (in, out/groups, kh, kw); forward(input, output_size=None)."""

    dims = 2

    def forward(self, input: Any, output_size: Any = None) -> Tensor:  # noqa: A002
        x = as_tensor(input)
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(x, output_size), self.groups,
                                self.dilation)


class ConvTranspose3d(_ConvTransposeNd):
    """conv_transpose3d; weight (in, out/groups, kd, kh, kw); forward(input,
    output_size=None)."""

    dims = 3

    def forward(self, input: Any, output_size: Any = None) -> Tensor:  # noqa: A002
        x = as_tensor(input)
        return conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(x, output_size), self.groups,
                                self.dilation)
