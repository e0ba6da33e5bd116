"""`tg.backends`: the flags reproducibility preambles set (`tg.backends.cudnn.deterministic
= True`, `.benchmark = False`) and the availability checks device selection asks
(`tg.backends.mps.is_available()`). No such backend exists here: the flags are stored and
change nothing, the checks answer False."""

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
