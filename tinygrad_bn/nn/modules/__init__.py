"""PyTorch's import paths under `torch.nn.modules` that user code spells out, such as
`torch.nn.modules.module.register_module_forward_hook`; the code lives in `nn/module.py` and
`nn/hooks.py`."""

from . import module

__all__ = ["module"]
