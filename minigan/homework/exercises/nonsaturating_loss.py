"""Exercise: the non-saturating generator loss, -log D(G(z)), from logits.

Mirrors ``minigan.gan.losses.generator_loss_nonsaturating`` (Goodfellow et
al., 2014, section 3). With l = D(G(z)) a logit and D = sigmoid(l):

    -log sigmoid(l) = log(1 + exp(-l)) = softplus(-l).

Computed naively, exp(-l) overflows for l << 0 (and sigmoid followed by log
returns -inf, or zero gradient after clipping). Stable forms of
softplus(z) = log(1 + exp(z)) = log(exp(0) + exp(z)) are

    softplus(z) = logsumexp([0, z])                 (shifts by max(0, z) inside)
    softplus(z) = max(z, 0) + log(1 + exp(-|z|))

where no exponential of a positive number is ever taken. The gradient is
sigmoid(z), finite everywhere. Beware: the second form is built from two
kinked pieces, relu and abs, whose kinks cancel only in the value; with the
usual convention relu'(0) = abs'(0) = 0 its gradient at z = 0 comes out 0
instead of sigmoid(0) = 1/2. The log-sum-exp form has no such trap.
"""
from __future__ import annotations

import minigan


def nonsaturating_loss(fake_logits):
    """mean over the batch of softplus(-l) = -log sigmoid(l), written in a
    stable form with minigan ops (not ``minigan.softplus``), so it is finite,
    with a finite and correct gradient, for any logit (even +-1000)."""
    if not isinstance(fake_logits, minigan.Tensor):
        raise TypeError(f"nonsaturating_loss: expected a Tensor of logits, got "
                        f"{type(fake_logits).__name__}")
    # TASK: nonsaturating_loss -- mean of softplus(-logits), in the overflow-free form
    ### BEGIN SOLUTION
    z = -fake_logits
    softplus = minigan.logsumexp(minigan.stack([minigan.zeros_like(z), z]), axis=0)
    return softplus.mean()
    ### END SOLUTION
