"""PyTorch's nn.utils: gradient clipping and gradient norms (clip_grad.py), parameters as
one vector and back (convert_parameters.py), variable-length sequences for recurrent layers
(`nn.utils.rnn`: pad_sequence, PackedSequence, pack_padded_sequence, pad_packed_sequence,
pack_sequence), folding an eval-mode batch norm into the layer before it (fusion.py),
parametrizations (`nn.utils.parametrize`, and weight and spectral norm in
`nn.utils.parametrizations`), the older hook-based weight_norm and spectral_norm, and
pruning through masks (`nn.utils.prune`)."""

from . import parametrizations, parametrize, prune, rnn
from .clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .fusion import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from .norm_hooks import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "get_total_norm", "parameters_to_vector",
           "parametrizations", "parametrize", "prune", "remove_spectral_norm", "remove_weight_norm",
           "rnn", "spectral_norm", "vector_to_parameters", "weight_norm"]
