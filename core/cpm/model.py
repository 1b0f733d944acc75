"""The hand Convolutional Pose Machine (Wei et al., CVPR 2016), sized for a CPU.

Structure, as in the paper:

* **image features** ``x = F(crop)``: computed once and shared by every stage. Here a
  small backbone of depthwise-separable (MobileNet-style) or plain 3×3 blocks instead of
  VGG, so a crop costs a few milliseconds on two CPU cores.
* **stage 1** ``b1 = g1(x)``: image features → 22 belief maps (21 joints + background).
* **stage t ≥ 2** ``bt = gt(x ⊕ b(t-1))``: the same image features concatenated with
  the previous stage's beliefs. Large (7×7) kernels let each stage see further, so
  later stages resolve ambiguous joints from the confident ones around them.
* **intermediate supervision**: every stage's beliefs are compared with the target,
  and the loss is summed over stages (``cpm_loss``).
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from core.cpm.config import CPMConfig


def conv_bn_relu(c_in: int, c_out: int, kernel: int = 3, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """Conv (no bias, BN follows) → BatchNorm → ReLU, 'same' padding."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class ResidualBlock(nn.Module):
    """A block whose ``transform`` (N, c_in, h, w) → (N, c_out, h/stride, w/stride) is added to its input when
    the shape is kept."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.residual = stride == 1 and c_in == c_out

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.transform(x)
        return x + y if self.residual else y


class SeparableBlock(ResidualBlock):
    """Depthwise k×k conv + pointwise 1×1 conv; residual when shape is kept."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 3, stride: int = 1) -> None:
        super().__init__(c_in, c_out, stride)
        self.depthwise = conv_bn_relu(c_in, c_in, kernel, stride, groups=c_in)
        self.pointwise = conv_bn_relu(c_in, c_out, 1)

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class DenseBlock(ResidualBlock):
    """One full k×k conv; residual when shape is kept.

    More weights per multiply than a separable block, and a CPU's dense convolutions run
    much closer to its peak than depthwise ones: for the same training minutes the
    shipped dense model trains about twice the parameters at a narrower width.
    """

    def __init__(self, c_in: int, c_out: int, kernel: int = 3, stride: int = 1) -> None:
        super().__init__(c_in, c_out, stride)
        self.conv = conv_bn_relu(c_in, c_out, kernel, stride)

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


def make_block(cfg: CPMConfig, c_in: int, c_out: int, kernel: int = 3, stride: int = 1) -> nn.Module:
    """The convolution block ``cfg.block`` names: (N, c_in, h, w) → (N, c_out, h/stride, w/stride)."""
    block = DenseBlock if cfg.block == "dense" else SeparableBlock
    return block(c_in, c_out, kernel, stride)


class ImageFeatures(nn.Module):
    """Shared backbone: (N, 3, S, S) crop → (N, feature_channels, S/stride, S/stride)."""

    def __init__(self, cfg: CPMConfig) -> None:
        super().__init__()
        c0, c = cfg.stem_channels, cfg.feature_channels
        layers: list[nn.Module] = [conv_bn_relu(3, c0, 3, stride=2)]  # S/2
        layers.append(make_block(cfg, c0, c // 2, 3, stride=2))  # S/4
        if cfg.stride == 8:
            layers.append(make_block(cfg, c // 2, c // 2, 3, stride=2))  # S/8
        layers.append(make_block(cfg, c // 2, c, 3))
        layers += [make_block(cfg, c, c, 3) for _ in range(cfg.backbone_blocks - 1)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class GlobalContext(nn.Module):
    """Adds one summary of the whole crop to every cell: (N, C, h, w) → (N, C, h, w).

    A cell's 3×3 neighbourhood cannot tell a left palm from a right back (mirror
    images); the summary carries that whole-hand decision to every joint's map.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.summary = nn.Sequential(nn.Linear(channels, channels), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.summary(x.mean(dim=(2, 3)))[:, :, None, None]


class Stage(nn.Module):
    """One CPM stage: (N, C_in, h, w) → (N, 22, h, w) beliefs (raw, unbounded: trained to the 0..1 targets)."""

    def __init__(self, c_in: int, cfg: CPMConfig) -> None:
        super().__init__()
        c = cfg.stage_channels
        self.enter = conv_bn_relu(c_in, c, 1)
        self.context = GlobalContext(c) if cfg.global_context else nn.Identity()
        self.blocks = nn.Sequential(*[make_block(cfg, c, c, cfg.stage_kernel) for _ in range(cfg.stage_blocks)])
        self.beliefs = nn.Conv2d(c, cfg.num_maps, 1)
        # start at the prior (joints nowhere, background everywhere) rather than at noise
        nn.init.normal_(self.beliefs.weight, std=0.01)
        nn.init.zeros_(self.beliefs.bias)
        nn.init.ones_(self.beliefs.bias[-1:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.beliefs(self.blocks(self.context(self.enter(x))))


class HandCPM(nn.Module):
    """Crop → list of T belief-map stacks, one per stage."""

    def __init__(self, cfg: CPMConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.features = ImageFeatures(cfg)
        c = cfg.feature_channels
        first = Stage(c, cfg)  # stage 1: image features only
        later = [Stage(c + cfg.num_maps, cfg) for _ in range(cfg.stages - 1)]  # stages 2..T: features ⊕ beliefs
        self.stages = nn.ModuleList([first, *later])
        self.handedness = nn.Linear(c, 1) if cfg.handedness_head else None  # logit of "right hand"
        # ImageNet-like statistics, so the network sees roughly zero-mean, unit-variance pixels
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1) * 255, persistent=False)
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1) * 255, persistent=False)

    def forward(self, crops: torch.Tensor) -> list[torch.Tensor]:
        """crops: (N, 3, S, S) float RGB in 0..255 → T tensors (N, 22, S/stride, S/stride)."""
        return self.forward_all(crops)[0]

    def forward_all(self, crops: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor | None]:
        """Beliefs as ``forward``, and the (N,) logit that the hand is a right hand (None without that head)."""
        x = self.features((crops - self.mean) / self.std)  # (N, C, h, w), shared by all stages
        beliefs = [self.stages[0](x)]  # (N, 22, h, w)
        for stage in self.stages[1:]:
            beliefs.append(stage(torch.cat([x, beliefs[-1]], dim=1)))  # (N, C+22, h, w) → (N, 22, h, w)
        right = None if self.handedness is None else self.handedness(x.mean(dim=(2, 3)))[:, 0]
        return beliefs, right


class TrainingView(nn.Module):
    """The model with ``forward_all`` as its forward, so that a DistributedDataParallel wrapper sees both outputs."""

    def __init__(self, model: nn.Module) -> None:  # a HandCPM or any network with its forward_all
        super().__init__()
        self.model = model

    def forward(self, crops: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor | None]:
        return self.model.forward_all(crops)


def cpm_loss(beliefs: list[torch.Tensor], target: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Intermediate supervision: squared error summed over stages.

    Args:
        beliefs: T tensors (N, 22, h, w), one per stage.
        target: (N, 22, h, w) target maps from ``heatmaps.encode``.
        weight: optional (N, 22, 1, 1) per-map weight (0 for joints the teacher did not see).

    Returns:
        scalar: Σ_t mean over (N, h, w) of Σ_maps (b_t − target)², i.e. per-pixel error summed over maps.
    """
    total = beliefs[0].new_zeros(())
    for stage_beliefs in beliefs:
        err = (stage_beliefs - target) ** 2  # (N, 22, h, w)
        if weight is not None:
            err = err * weight
        total = total + err.sum(dim=1).mean()
    return total


def handedness_loss(right_logit: torch.Tensor | None, right: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of the right-hand logit (N,) against right (N,): 1 right, 0 left, −1 unknown (ignored)."""
    if right_logit is None:
        return right.new_zeros(())
    known = right >= 0
    if not bool(known.any()):
        return right_logit.sum() * 0.0  # still part of the graph: data-parallel training expects every weight used
    return nn.functional.binary_cross_entropy_with_logits(right_logit[known], right[known])


def soft_argmax(beliefs: torch.Tensor, sharpness: float = 10.0) -> torch.Tensor:
    """Expected position under softmax(sharpness · beliefs): (N, K, h, w) → (N, K, 2) (x, y) in cells.

    Differentiable stand-in for the peak, used only by the training loss.
    """
    n, k, h, w = beliefs.shape
    weights = torch.softmax(beliefs.reshape(n, k, h * w) * sharpness, dim=-1).reshape(n, k, h, w)
    xs = torch.arange(w, dtype=beliefs.dtype, device=beliefs.device)
    ys = torch.arange(h, dtype=beliefs.dtype, device=beliefs.device)
    return torch.stack([(weights.sum(dim=2) * xs).sum(-1), (weights.sum(dim=3) * ys).sum(-1)], dim=-1)


def coordinate_loss(beliefs: list[torch.Tensor], cells: torch.Tensor, inside: torch.Tensor) -> torch.Tensor:
    """L1 distance (in cells) between each stage's soft-argmax and the target joints, summed over stages.

    Heatmap regression alone learns slowly at first (few pixels carry a peak); this
    term pulls every joint map's mass towards the right place from the first steps.

    Args:
        beliefs: T tensors (N, 22, h, w).
        cells: (N, 21, 2) target joints in cells.
        inside: (N, 21) 1 for joints inside the crop of a crop with a hand, else 0.
    """
    total = beliefs[0].new_zeros(())
    for stage_beliefs in beliefs:
        err = (soft_argmax(stage_beliefs[:, : cells.shape[1]]) - cells).abs().sum(-1)  # (N, 21)
        total = total + (err * inside).sum() / inside.sum().clamp(min=1.0)
    return total


def fused_for_inference(model: nn.Module) -> nn.Module:
    """An eval-mode copy of a heatmap network with every BatchNorm folded into the convolution before it.

    The same beliefs (to float rounding) from fewer operations: a single small crop on a CPU is
    dominated by per-layer overhead. The copy is for inference only; train and save ``model``.
    Any ``nn.Sequential`` holding a (transposed) convolution directly followed by a BatchNorm is folded.
    """
    fused = copy.deepcopy(model).eval()
    for block in fused.modules():
        if not isinstance(block, nn.Sequential):
            continue
        for i in range(len(block) - 1):
            conv, norm = block[i], block[i + 1]
            if isinstance(conv, (nn.Conv2d, nn.ConvTranspose2d)) and isinstance(norm, nn.BatchNorm2d):
                block[i] = fuse_conv_bn_eval(conv, norm, transpose=isinstance(conv, nn.ConvTranspose2d))
                block[i + 1] = nn.Identity()
    return fused
