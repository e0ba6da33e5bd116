"""The Transformer (Vaswani et al. 2017) with PyTorch's submodule names, so state dicts move
between the two: TransformerEncoderLayer is self-attention then a two-layer
feed-forward network, each wrapped in a residual connection and layer norm,

    post-norm (default):  x = norm1(x + sa(x));        x = norm2(x + ff(x))
    pre-norm (norm_first): x = x + sa(norm1(x));        x = x + ff(norm2(x))
    sa(x) = dropout1(self_attn(x, x, x)),  ff(x) = dropout2(linear2(dropout(act(linear1(x)))))

and TransformerEncoder stacks num_layers deep copies of one layer, with an optional final
norm. TransformerDecoderLayer adds attention to the encoder's output (the memory) between
the two, with a third norm; TransformerDecoder stacks it; Transformer is the encoder and
decoder with final norms and Xavier-uniform matrices.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from ..tensor import Tensor, as_tensor
from .activations import gelu, relu
from .arguments import factory_dtype, positive_ints
from .attention import MultiheadAttention
from .containers import ModuleList
from .init import xavier_uniform_
from .layers import Dropout, Linear
from .module import Module
from .norm_layers import LayerNorm

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": relu, "gelu": gelu}


class _TransformerLayer(Module):
    """What the encoder and decoder layers share: one attention per name in `attentions`
    (self_attn first), the feed-forward network (linear1, dropout, linear2), one layer norm
    and one dropout per residual block (norm1.., dropout1..; one block per attention and
    the feed-forward one), in PyTorch's registration order, so state-dict keys match."""

    def __init__(self, op: str, attentions: tuple[str, ...], d_model: int, nhead: int,
                 dim_feedforward: int, dropout: float,
                 activation: str | Callable[[Tensor], Tensor], layer_norm_eps: float,
                 batch_first: bool, norm_first: bool, bias: bool, device: Any,
                 dtype: Any) -> None:
        super().__init__()
        positive_ints(op, d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward)
        factory = {"dtype": factory_dtype(op, device, dtype)}
        for name in attentions:
            setattr(self, name, MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                   batch_first=batch_first, **factory))
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = bool(norm_first)
        blocks = range(1, len(attentions) + 2)
        for i in blocks:
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                **factory))
        for i in blocks:
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation_of(op, activation)

    def _sa_block(self, x: Tensor, mask: Any, padding_mask: Any, is_causal: bool) -> Tensor:
        out = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding_mask,
                             need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(out)

    def _ff_block(self, x: Tensor, dropout: Module) -> Tensor:
        """dropout(linear2(dropout(act(linear1(x))))), `dropout` the block's last one."""
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_TransformerLayer):
    """One encoder block; forward(src, src_mask=None, src_key_padding_mask=None,
    is_causal=False). activation: "relu", "gelu" or a callable."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Tensor], Tensor] = relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("TransformerEncoderLayer", ("self_attn",), d_model, nhead,
                         dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                         norm_first, bias, device, dtype)

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = src if isinstance(src, Tensor) else Tensor(src)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x, self.dropout2))


def _copies(owner: str, name: str, layer: Any, num_layers: int) -> ModuleList:
    """num_layers deep copies of `layer` (parameters copied, not shared), as PyTorch's
    stacks build their `layers`."""
    if not isinstance(layer, Module):
        raise ArgumentTypeError(f"{owner}: {name} must be a Module, got "
                                f"{type(layer).__name__}")
    positive_ints(owner, num_layers=num_layers)
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Module):
    """num_layers copies of `encoder_layer` (parameters copied, not shared) as `layers`,
    then `norm` if given; forward(src, mask=None, src_key_padding_mask=None,
    is_causal=None). enable_nested_tensor and mask_check select PyTorch's fast inference
    paths and change nothing here."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _copies("TransformerEncoder", "encoder_layer", encoder_layer, num_layers)
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


def _activation_of(op: str, activation: str | Callable[[Tensor], Tensor]
                   ) -> Callable[[Tensor], Tensor]:
    """The feed-forward activation: "relu", "gelu" or a callable."""
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ArgumentError(f"{op}: activation must be 'relu', 'gelu' or a callable, got "
                                f"{activation!r}")
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise ArgumentTypeError(f"{op}: activation must be 'relu', 'gelu' or a callable, got "
                                f"{type(activation).__name__}")
    return activation


class TransformerDecoderLayer(_TransformerLayer):
    """One decoder block: self-attention over tgt, attention to the encoder's memory, then
    the feed-forward network, each in a residual connection with its layer norm (norm1,
    norm2, norm3; norm_first: pre-norm); forward(tgt, memory, tgt_mask=None,
    memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    tgt_is_causal=False, memory_is_causal=False)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Tensor], Tensor] = relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("TransformerDecoderLayer", ("self_attn", "multihead_attn"), d_model,
                         nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                         batch_first, norm_first, bias, device, dtype)

    def _mha_block(self, x: Tensor, memory: Any, mask: Any, padding_mask: Any,
                   is_causal: bool) -> Tensor:
        return self.dropout2(self.multihead_attn(x, memory, memory, attn_mask=mask,
                                                 key_padding_mask=padding_mask,
                                                 need_weights=False, is_causal=is_causal)[0])

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        x = tgt if isinstance(tgt, Tensor) else Tensor(tgt)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))
        return self.norm3(x + self._ff_block(x, self.dropout3))


class TransformerDecoder(Module):
    """num_layers copies of `decoder_layer` as `layers`, then `norm` if given;
    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False)."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _copies("TransformerDecoder", "decoder_layer", decoder_layer, num_layers)
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder: `encoder` (num_encoder_layers encoder layers and a final layer
    norm) reads src into a memory that `decoder` (num_decoder_layers decoder layers and a
    final layer norm) attends to while reading tgt; every parameter of 2 or more dims
    starts Xavier-uniform, as PyTorch's. forward(src, tgt, src_mask=None, tgt_mask=None,
    memory_mask=None, src_key_padding_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
    memory_is_causal=False) -> (T, N, E) (batch_first: (N, T, E))."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Tensor], Tensor] = relu,
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        block = {"d_model": d_model, "nhead": nhead, "dim_feedforward": dim_feedforward,
                 "dropout": dropout, "activation": activation, "layer_norm_eps": layer_norm_eps,
                 "batch_first": batch_first, "norm_first": norm_first, "bias": bias,
                 "device": device, "dtype": dtype}
        norm = {"eps": layer_norm_eps, "bias": bias, "device": device, "dtype": dtype}
        self.encoder = custom_encoder if custom_encoder is not None else TransformerEncoder(
            TransformerEncoderLayer(**block), num_encoder_layers, LayerNorm(d_model, **norm))
        self.decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            TransformerDecoderLayer(**block), num_decoder_layers, LayerNorm(d_model, **norm))
        self.d_model, self.nhead, self.batch_first = int(d_model), int(nhead), bool(batch_first)
        for p in self.parameters():
            if p.ndim > 1:
                xavier_uniform_(p)

    def forward(self, src: Any, tgt: Any, src_mask: Any = None, tgt_mask: Any = None,
                memory_mask: Any = None, src_key_padding_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        src, tgt = as_tensor(src), as_tensor(tgt)
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and tgt.ndim == 3 and src.shape[batch] != tgt.shape[batch]:
            raise ShapeError(f"Transformer: the batch sizes of src {src.shape} and tgt "
                             f"{tgt.shape} differ (batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ShapeError(f"Transformer: the feature size of src {src.shape} and tgt "
                             f"{tgt.shape} must be d_model = {self.d_model}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None
                                        ) -> Tensor:
        """The causal mask (sz, sz): 0 on and below the diagonal, -inf above it."""
        positive_ints("Transformer.generate_square_subsequent_mask", sz=sz)
        mask = np.triu(np.full((sz, sz), -np.inf), 1)
        return Tensor(mask.astype(np.float32 if dtype is None else dtype))
