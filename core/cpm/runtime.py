"""A fused heatmap network (CPM or ResNet-deconv) as an onnxruntime session: what ``CPMEstimator`` runs per crop.

On these 2-vCPU machines onnxruntime runs the network about 3.5× faster than PyTorch
eager for one 128-px crop (1.9–2.5 against 8.0–8.9 ms, one thread), so ``flip_test``
fits the 10 ms budget. The graph is exported in memory from the weights already
loaded (0.3 s), so nothing but the safetensors checkpoint is ever read from disk.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import numpy.typing as npt
import torch


class _StackedStages(torch.nn.Module):
    def __init__(self, network: torch.nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, 22, h, w) beliefs of every stage and (B, A, h, w) attention (A = 0 for a network without)."""
        if hasattr(self.network, "forward_attention"):  # a ResNet-deconv: one stack, and where it looked
            heatmaps, attention = self.network.forward_attention(crops)
            return heatmaps[:, None], attention
        stages = self.network(crops)
        return torch.stack(stages, dim=1), stages[-1][:, :0]


class BeliefRuntime:
    """Belief maps of a batch of crops with onnxruntime.

    Args:
        network: an inference copy of a ``HandCPM`` or ``HandResDeconv`` (``fused_for_inference``); not kept.
        input_size: the crop side S in pixels.
        threads: onnxruntime intra-op threads (0: its default, all cores).
    """

    def __init__(self, network: torch.nn.Module, input_size: int, threads: int = 1) -> None:
        import onnxruntime

        buffer = io.BytesIO()
        with warnings.catch_warnings(), torch.no_grad():
            # the TorchScript exporter is deprecated, but the dynamo one needs onnxscript (not installed)
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _StackedStages(network).eval(),
                (torch.zeros(1, 3, input_size, input_size),),
                buffer,
                input_names=["crops"],
                output_names=["beliefs", "attention"],
                dynamic_axes={"crops": {0: "batch"}, "beliefs": {0: "batch"}, "attention": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])

    def __call__(self, crops: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """(B, 3, S, S) float32 RGB in 0–255 → (B, T, 22, h, w) float32 beliefs of every stage."""
        return self.run(crops)[0]

    def run(self, crops: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Beliefs as ``__call__``, and (B, A, h, w) float32 attention maps in 0..1 (A = 0 for a CPM)."""
        beliefs, attention = self._session.run(None, {"crops": np.ascontiguousarray(crops, dtype=np.float32)})
        return beliefs, attention
