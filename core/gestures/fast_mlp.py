"""Pieces of a fast MLP training loop on the CPU: epoch-wide dropout masks and AdamW.

Both replace torch built-ins that cost more than the tiny networks they train: see
each docstring for the measured reason.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn


def dropout_masks(network: nn.Sequential, n: int, p: float, rng: np.random.Generator) -> list[torch.Tensor]:
    """One (n, width) float32 mask of 0 and 1/(1-p) per Dropout layer; empty when p is 0.

    Drawn for the whole epoch from random bytes (p rounded to 1/256): torch's own
    dropout draws a Bernoulli per element per batch and took ~40% of training time.
    """
    cut = round(p * 256)
    if cut == 0:
        return []
    masks = []
    for width in dropout_widths(network):
        keep = np.frombuffer(rng.bytes(n * width), dtype=np.uint8).reshape(n, width) >= cut
        masks.append(torch.from_numpy(keep.astype(np.float32) * np.float32(256 / (256 - cut))))
    return masks


def dropout_widths(network: nn.Sequential) -> list[int]:
    """Width of the activations each Dropout layer sees: the out_features of the Linear before it."""
    widths, width = [], 0
    for layer in network:
        if isinstance(layer, nn.Linear):
            width = layer.out_features
        elif isinstance(layer, nn.Dropout):
            widths.append(width)
    return widths


def forward_with_masks(network: nn.Sequential, x: torch.Tensor, masks: list[torch.Tensor]) -> torch.Tensor:
    """``network(x)`` with each Dropout replaced by the next of ``masks`` (identity when there are none)."""
    masks_left = iter(masks)
    for layer in network:
        if isinstance(layer, nn.Dropout):
            mask = next(masks_left, None)
            x = x if mask is None else x * mask
        else:
            x = layer(x)
    return x


class AdamW:
    """AdamW (decoupled weight decay), as ``torch.optim.AdamW`` computes it.

    Written out because the first ``torch.optim`` optimiser of a process imports
    ``torch._dynamo``: 2-4 s, longer than a whole training of a typical project.
    """

    def __init__(self, params: list[torch.Tensor], lr: float, weight_decay: float, eps: float = 1e-8) -> None:
        self.params, self.lr, self.weight_decay, self.eps = params, lr, weight_decay, eps
        self.beta1, self.beta2 = 0.9, 0.999
        self.exp_avg = [torch.zeros_like(p) for p in params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in params]
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        step_size = self.lr / (1 - self.beta1**self.steps)
        root_correction = math.sqrt(1 - self.beta2**self.steps)
        params, exp_avg, exp_avg_sq = self.params, self.exp_avg, self.exp_avg_sq
        grads = [p.grad for p in params]  # every parameter has one: the loss depends on all
        # _foreach ops update every tensor in one call each (what torch.optim's default does)
        torch._foreach_mul_(params, 1 - self.lr * self.weight_decay)
        torch._foreach_lerp_(exp_avg, grads, 1 - self.beta1)
        torch._foreach_mul_(exp_avg_sq, self.beta2)
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1 - self.beta2)
        denom = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_div_(denom, root_correction)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(params, exp_avg, denom, value=-step_size)
