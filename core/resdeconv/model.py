"""The ResNet + deconvolution hand network ("simple baselines", Xiao et al. 2018) with attention.

* **backbone**: a stride-2 stem, then ResNet stages of basic blocks (two 3×3 convolutions and a shortcut),
  each halving the map: (N, 3, S, S) → (N, widths[-1], S/32, S/32) with four stages.
* **head**: three ×2 steps back up (4×4 transposed convolutions, or nearest ×2 + 3×3 convolution),
  (N, head_channels[-1], S/4, S/4).
* **attention** (switchable, ``ResDeconvConfig.attention``), after Chu et al., "Multi-context attention"
  (CVPR 2017): a *holistic* map (N, 1, h, w) in 0..1 weighs the head's features where the hand is; *part-wise*
  maps (N, 6, h, w), one per finger and the palm, each weigh the features its own joints' heatmaps are read from.
* **output**: 22 heatmaps (21 joints + background) as one "stage", so the CPM's targets, losses, decoder,
  validation and ``CPMEstimator`` serve this network unchanged.
"""

from __future__ import annotations

import dataclasses
import itertools

import torch
from torch import nn

from core.cpm.model import conv_bn_relu
from core.resdeconv.config import PARTS, ResDeconvConfig

JOINT_PART = tuple(next(p for p, joints in enumerate(PARTS) if j in joints) for j in range(21))  # part of each joint


class BasicBlock(nn.Module):
    """ResNet's basic block: 3×3 conv-BN-ReLU, 3×3 conv-BN, plus the shortcut (1×1 projected when the shape changes)."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = conv_bn_relu(c_in, c_out, 3, stride)
        self.conv2 = nn.Sequential(nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out))
        self.shortcut = (
            nn.Identity()
            if stride == 1 and c_in == c_out
            else nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
        )
        nn.init.zeros_(self.conv2[1].weight)  # each block starts as its shortcut: deep stacks train from the first step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv2(self.conv1(x)) + self.shortcut(x))


def up_step(c_in: int, c_out: int, head: str) -> nn.Sequential:
    """(N, c_in, h, w) → (N, c_out, 2h, 2w)."""
    if head == "deconv":
        return nn.Sequential(
            nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)
        )
    return nn.Sequential(nn.Upsample(scale_factor=2.0, mode="nearest"), *conv_bn_relu(c_in, c_out, 3))


class Backbone(nn.Module):
    """(N, 3, S, S) normalised crop → (N, widths[-1], S/2^(n+1), S/2^(n+1))."""

    def __init__(self, cfg: ResDeconvConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = [conv_bn_relu(3, cfg.stem_channels, 3, 2)]
        c = cfg.stem_channels
        for width, depth in zip(cfg.widths, cfg.depths, strict=True):
            layers.append(BasicBlock(c, width, 2))
            layers += [BasicBlock(width, width, 1) for _ in range(depth - 1)]
            c = width
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class JointHeatmaps(nn.Module):
    """21 joint heatmaps read by 1×1 from the head's features, each from the features weighted by its part's map.

    (N, C, h, w) features and optional (N, 6, h, w) part attention → (N, 21, h, w). A 1×1 reader is linear at
    each cell, so reading joint j from ``features × a_part(j)`` equals ``a_part(j) × (W_j · features) + b_j``:
    the same function as one reader per part (Chu et al.), at the cost of one convolution.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.reader = nn.Conv2d(channels, len(JOINT_PART), 1, bias=False)
        self.bias = nn.Parameter(torch.zeros(len(JOINT_PART)))
        nn.init.normal_(self.reader.weight, std=0.01)  # start at the prior: joints nowhere
        self.register_buffer("joint_part", torch.tensor(JOINT_PART), persistent=False)

    def forward(self, features: torch.Tensor, parts: torch.Tensor | None = None) -> torch.Tensor:
        maps = self.reader(features)
        if parts is not None:
            maps = maps * parts[:, self.joint_part]  # each joint's map weighted by its own part's attention
        return maps + self.bias[None, :, None, None]


class HandResDeconv(nn.Module):
    """Crop → [heatmaps] (one stack of 22, like a one-stage CPM); ``forward_attention`` adds the attention maps."""

    def __init__(self, cfg: ResDeconvConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.backbone = Backbone(cfg)
        c = cfg.widths[-1]
        steps = []
        for width in cfg.head_channels:
            steps.append(up_step(c, width, cfg.head))
            c = width
        self.head = nn.Sequential(*steps)
        self.holistic = nn.Conv2d(c, 1, 3, 1, 1) if cfg.holistic else None
        self.parts = nn.Conv2d(c, len(PARTS), 3, 1, 1) if cfg.part_wise else None
        self.joints = JointHeatmaps(c)
        self.background = nn.Conv2d(c, 1, 1)
        self.handedness = nn.Linear(cfg.widths[-1], 1) if cfg.handedness_head else None
        for attention in (self.holistic, self.parts):
            if attention is not None:  # start looking everywhere (sigmoid 0.88), then learn where not to
                nn.init.normal_(attention.weight, std=0.01)
                nn.init.constant_(attention.bias, 2.0)
        nn.init.normal_(self.background.weight, std=0.01)  # start at the prior: background everywhere
        nn.init.ones_(self.background.bias)
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1) * 255, persistent=False)
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1) * 255, persistent=False)

    def forward(self, crops: torch.Tensor) -> list[torch.Tensor]:
        """crops: (N, 3, S, S) float RGB 0..255 → [(N, 22, S/stride, S/stride)]."""
        return self.forward_all(crops)[0]

    def forward_all(self, crops: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor | None]:
        """Heatmaps as ``forward``, and the (N,) right-hand logit (None without that head)."""
        heatmaps, _, right = self._run(crops)
        return [heatmaps], right

    def forward_attention(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, 22, h, w) heatmaps and (N, A, h, w) attention in 0..1: the holistic map first when on, then the
        six part maps when on (A = 0 without attention)."""
        heatmaps, attention, _ = self._run(crops)
        return heatmaps, attention

    def _run(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        deep = self.backbone((crops - self.mean) / self.std)  # (N, C, S/32, S/32)
        features = self.head(deep)  # (N, c, h, w)
        maps: list[torch.Tensor] = []
        if self.holistic is not None:
            whole = torch.sigmoid(self.holistic(features))  # (N, 1, h, w)
            features = features * whole
            maps.append(whole)
        parts = None
        if self.parts is not None:
            parts = torch.sigmoid(self.parts(features))  # (N, 6, h, w)
            maps.append(parts)
        joints = self.joints(features, parts)  # (N, 21, h, w)
        heatmaps = torch.cat([joints, self.background(features)], dim=1)  # (N, 22, h, w)
        attention = torch.cat(maps, dim=1) if maps else features.new_zeros((len(crops), 0, *features.shape[2:]))
        right = None if self.handedness is None else self.handedness(deep.mean(dim=(2, 3)))[:, 0]
        return heatmaps, attention, right

    def attention_names(self) -> list[str]:
        """What each channel of ``forward_attention``'s attention is, in order."""
        from core.resdeconv.config import PART_NAMES

        return (["hand"] if self.holistic is not None else []) + (list(PART_NAMES) if self.parts is not None else [])


def _stage_starts(depths: tuple[int, ...]) -> list[int]:
    """Index in ``Backbone.layers`` of each stage's first block (the stem is 0)."""
    return list(itertools.accumulate((1, *depths[:-1])))


def deepen(model: HandResDeconv, depths: tuple[int, ...]) -> HandResDeconv:
    """``model`` with more basic blocks a stage, trained weights kept: each added block starts as its shortcut (its
    last BatchNorm's scale is zero), so the deeper network computes what ``model`` did until training moves it.

    Used by ``train-keypoints --init CKPT --depths ..``: a deeper network grown from shipped weights rather than
    trained from scratch. Same depths: ``model`` itself.
    """
    old = tuple(model.cfg.depths)
    depths = tuple(depths)
    if len(depths) != len(old) or any(new < was for new, was in zip(depths, old, strict=True)):
        raise ValueError(f"cannot deepen depths {old} to {depths}: one count a stage, none smaller")
    if depths == old:
        return model
    grown = HandResDeconv(dataclasses.replace(model.cfg, depths=depths))
    moved = {
        f"backbone.layers.{was + b}.": f"backbone.layers.{now + b}."
        for stage, (was, now) in enumerate(zip(_stage_starts(old), _stage_starts(depths), strict=True))
        for b in range(old[stage])
    }
    state = {}
    for key, value in model.state_dict().items():
        prefix = next((p for p in moved if key.startswith(p)), None)
        state[moved[prefix] + key[len(prefix) :] if prefix else key] = value
    missing, unexpected = grown.load_state_dict(state, strict=False)
    added = {f"backbone.layers.{i}." for i in range(1, 1 + sum(depths))} - set(moved.values())
    if unexpected or not all(any(k.startswith(p) for p in added) for k in missing):  # only added blocks start new
        raise RuntimeError(f"deepen: weights not carried over: missing {missing}, unexpected {unexpected}")
    return grown.to(next(model.parameters()).device)
