"""`torch.utils.hooks`'s `RemovableHandle`: what every hook registration returns."""

from ..nn.hooks import RemovableHandle

__all__ = ["RemovableHandle"]
