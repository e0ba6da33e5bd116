"""ExponentialFamily (PyTorch's `torch.distributions.ExponentialFamily`): densities
p(x) = h(x) exp(<theta, t(x)> - A(theta)) given by their natural parameters theta
(`_natural_params`), log normalizer A (`_log_normalizer`) and E[log h(x)]
(`_mean_carrier_measure`). The entropy follows from them,

    H = A(theta) - <theta, grad A(theta)> - E[log h(x)],

with grad A taken by autograd (kept in the graph, so H is differentiable), and so does the
KL divergence between two members of one family (the Bregman divergence of A):

    KL(p || q) = A(theta_q) - A(theta_p) - <theta_q - theta_p, grad A(theta_p)>
"""

from __future__ import annotations

from typing import Any

from ..autograd.engine import autograd_grad
from ..errors import UnsupportedError
from ..tensor import Tensor
from .distribution import Distribution

__all__ = ["ExponentialFamily", "kl_exponential_family"]


class ExponentialFamily(Distribution):
    """A distribution of an exponential family (module docstring)."""

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        raise NotImplementedError(f"{type(self).__name__} has no _natural_params")

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no _log_normalizer")

    @property
    def _mean_carrier_measure(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no _mean_carrier_measure")

    def entropy(self) -> Tensor:
        params = [p.detach().requires_grad_() for p in self._natural_params]
        log_norm = self._log_normalizer(*params)
        grads = autograd_grad(log_norm.sum(), params, create_graph=True)
        result = log_norm - self._mean_carrier_measure
        for theta, g in zip(params, grads):
            result = result - (theta * g).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result


def kl_exponential_family(p: ExponentialFamily, q: ExponentialFamily) -> Tensor:
    """The Bregman divergence of the log normalizer (module docstring), p and q of one type."""
    if type(p) is not type(q):
        raise UnsupportedError(f"kl_divergence: the exponential-family KL needs p and q of one "
                               f"family, got {type(p).__name__} and {type(q).__name__}")
    p_params = [t.detach().requires_grad_() for t in p._natural_params]
    q_params = q._natural_params
    log_norm_p = p._log_normalizer(*p_params)
    grads = autograd_grad(log_norm_p.sum(), p_params, create_graph=True)
    result = q._log_normalizer(*q_params) - log_norm_p
    for tp, tq, g in zip(p_params, q_params, grads):
        term = (tq - tp) * g
        result = result - term.reshape(tuple(term.shape[:len(p.batch_shape)]) + (-1,)).sum(-1)
    return result
