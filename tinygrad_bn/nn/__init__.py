"""Neural-network building blocks: `Module`, `Parameter`, layers; functions in `nn.functional`,
initialisers in `nn.init`, gradient clipping in `nn.utils`."""

from . import functional, init, parallel, utils
from . import modules as modules  # torch.nn.modules.module.register_module_forward_hook &c.
from .activations import (
    ELU,
    GELU,
    Identity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softmin,
    Softplus,
    Tanh,
)
from .activations_extra import (
    CELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)
from .activations_inplace import RReLU
from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss
from .attention import MultiheadAttention
from .attention_functional import multi_head_attention_forward as _multi_head_attention_forward
from .channel_dropout import AlphaDropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv_layers import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from .cross_map_lrn import CrossMapLRN2d
from .ctc_loss import CTCLoss
from .data_parallel import DataParallel
from .distances import CosineSimilarity, HuberLoss, KLDivLoss, PairwiseDistance, SmoothL1Loss
from .embedding import Embedding
from .embedding_bag import EmbeddingBag
from .folding import Fold, Unfold
from .fractional_pooling import FractionalMaxPool2d
from .fractional_pooling3d import FractionalMaxPool3d
from .instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .layers import AvgPool2d, Dropout, Flatten, Linear, MaxPool2d
from .lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
    LazyLinear,
    UninitializedParameter,
)
from .linear_cross_entropy import LinearCrossEntropyLoss, LinearCrossEntropyOptions
from .linear_cross_entropy import linear_cross_entropy as _linear_cross_entropy
from .local_response_norm import LocalResponseNorm
from .loss_modules import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    NLLLoss2d,
)
from .losses_extra import (
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelSoftMarginLoss,
    PoissonNLLLoss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .lp_pooling import LPPool1d, LPPool2d, LPPool3d
from .margin_losses import MultiLabelMarginLoss, MultiMarginLoss
from .module import Buffer, Module, Parameter
from .norm_layers import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm
from .padding_layers import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from .pooling import AdaptiveAvgPool2d
from .pooling3d import AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, MaxPool3d
from .pooling_extra import (
    AdaptiveAvgPool1d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    MaxPool1d,
)
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .rms_norm import RMSNorm
from .shape_layers import Bilinear, PixelShuffle, PixelUnshuffle, Unflatten, Upsample
from .shape_layers_extra import ChannelShuffle, UpsamplingBilinear2d, UpsamplingNearest2d
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .unpooling import MaxUnpool1d, MaxUnpool2d, MaxUnpool3d

__all__ = [
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "AvgPool1d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d",
    "BatchNorm3d", "Bilinear", "CELU", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
    "ConvTranspose2d", "CosineSimilarity", "CrossEntropyLoss", "Dropout", "ELU", "Embedding",
    "Flatten", "GELU", "GLU", "GRU", "GRUCell", "GroupNorm", "Hardshrink", "Hardsigmoid",
    "Hardswish", "Hardtanh", "HuberLoss", "Identity", "KLDivLoss", "L1Loss", "LSTM",
    "LSTMCell", "LayerNorm", "LeakyReLU", "Linear", "LogSigmoid", "LogSoftmax", "MSELoss",
    "MaxPool1d", "MaxPool2d", "Mish", "Module", "ModuleDict", "ModuleList",
    "MultiheadAttention", "NLLLoss", "PairwiseDistance", "Parameter", "ParameterDict",
    "ParameterList", "PixelShuffle",
    "PixelUnshuffle", "RNN", "RNNBase", "RNNCell", "RNNCellBase", "ReLU", "ReLU6", "SELU",
    "Sequential", "SiLU", "Sigmoid", "SmoothL1Loss", "Softmax", "Softplus", "Softshrink",
    "Softsign", "Tanh", "Tanhshrink", "Threshold", "TransformerEncoder",
    "TransformerEncoderLayer", "Unflatten", "Upsample", "functional", "init", "parallel",
    "utils",
    # issue 22: channel dropout, instance norm, PReLU, the margin and likelihood losses
    "AlphaDropout", "CosineEmbeddingLoss", "Dropout1d", "Dropout2d", "Dropout3d",
    "GaussianNLLLoss", "HingeEmbeddingLoss", "InstanceNorm1d", "InstanceNorm2d",
    "InstanceNorm3d", "MarginRankingLoss", "MultiLabelSoftMarginLoss", "PReLU",
    "PoissonNLLLoss", "SoftMarginLoss", "TripletMarginLoss",
]
__all__ += ["Fold", "Unfold"]  # issue 22 (fn22)
__all__ += ["Softmax2d", "Softmin", "Transformer", "TransformerDecoder",
            "TransformerDecoderLayer"]  # surface30
__all__ += ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d",
            "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d",
            "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d",
            "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]  # nn31: the padding layers
__all__ += ["ChannelShuffle", "LocalResponseNorm", "MultiLabelMarginLoss", "MultiMarginLoss",
            "RMSNorm", "RReLU", "UpsamplingBilinear2d", "UpsamplingNearest2d"]  # nn31
__all__ += ["AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "AvgPool3d", "ConvTranspose3d",
            "EmbeddingBag", "LPPool1d", "LPPool2d", "LPPool3d", "MaxPool3d", "MaxUnpool1d",
            "MaxUnpool2d", "MaxUnpool3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
            "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
            "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyInstanceNorm1d",
            "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear",
            "UninitializedParameter", "FeatureAlphaDropout",
            "TripletMarginWithDistanceLoss", "CTCLoss", "Buffer"]  # nn32
__all__ += ["AdaptiveLogSoftmaxWithLoss", "FractionalMaxPool2d", "NLLLoss2d"]  # nnapi33
__all__ += ["CrossMapLRN2d", "DataParallel", "FractionalMaxPool3d"]  # surface34
__all__ += ["LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]  # modinfo35

# Names served by tinygrad_bn.distributed (it needs mpi4py): imported on first use, so that
# `import tinygrad_bn.nn` never loads MPI. Without mpi4py the access raises DependencyError.
_LAZY = {"SyncBatchNorm": ("..distributed.sync_batchnorm", "SyncBatchNorm")}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module, __name__), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# F.multi_head_attention_forward is written with F's own functions (attention_functional.py
# imports functional.py), so it joins nn.functional here rather than by an import there,
# which would close an import circle
functional.multi_head_attention_forward = _multi_head_attention_forward
# F.linear_cross_entropy likewise (linear_cross_entropy.py uses F.linear)
functional.linear_cross_entropy = _linear_cross_entropy
functional.__all__.append("linear_cross_entropy")
