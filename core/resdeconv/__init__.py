"""ResNet + deconvolution hand keypoint network with holistic and part-wise attention (``config``, ``model``).

It shares the CPM's checkpoints, training, validation and ``core.cpm.estimator.CPMEstimator``
(``core.cpm.architectures`` picks the network by the checkpoint's format tag). Importing this package loads no torch.
"""

from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent / "weights"  # the shipped weights: model.safetensors + config.json
