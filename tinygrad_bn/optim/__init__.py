"""Optimizers with PyTorch's update rules, defaults, parameter groups and state dicts, and
(in `lr_scheduler`) learning-rate schedules. Every step updates the parameters in place and
allocates no arrays after the first (in-place ufuncs into buffers kept per parameter); LBFGS
works on flat copies of the parameters and gradients."""

from . import lr_scheduler, swa_utils
from .adafactor import Adafactor
from .adaptive_rules import ASGD, Adadelta, Adamax, NAdam, RAdam, Rprop
from .lbfgs import LBFGS
from .muon import Muon
from .optimizer import Optimizer
from .rules import SGD, AdaGrad, Adagrad, Adam, AdamW, RMSprop
from .sparse_adam import SparseAdam

__all__ = ["ASGD", "LBFGS", "SGD", "AdaGrad", "Adafactor", "Adadelta", "Adagrad", "Adam", "AdamW",
           "Adamax", "Muon", "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop", "SparseAdam",
           "lr_scheduler", "swa_utils"]
