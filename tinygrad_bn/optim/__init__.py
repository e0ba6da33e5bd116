"""Optimizers with PyTorch's update rules, defaults, parameter groups and state dicts, and
(in `lr_scheduler`) learning-rate schedules. Every step updates the parameters in place and
allocates no arrays after the first (in-place ufuncs into buffers kept per parameter)."""

from . import lr_scheduler
from .optimizer import Optimizer
from .rules import SGD, AdaGrad, Adagrad, Adam, AdamW, RMSprop

__all__ = ["SGD", "AdaGrad", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
