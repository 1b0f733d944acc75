"""A TFLite flatbuffer's graph as the converters read it (``core.keypoints.tflite_onnx`` for the image networks,
``core.keypoints.tflite_onnx_ops`` for the gesture embedder's operators): its tensors, constants (fp16 and sparse
weights made fp32 as TFLite's CPU kernels make them), operator options and fused activations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

_TO_NCHW, _TO_NHWC = [0, 3, 1, 2], [0, 2, 3, 1]


class ConversionError(ValueError):
    """A model this converter cannot turn into ONNX (an unknown operator or tensor layout)."""


@dataclass
class _Value:
    name: str
    shape: tuple[int, ...]  # TFLite's (NHWC) shape
    nchw: bool = False  # held transposed to NCHW in the ONNX graph


@dataclass
class _Graph:
    model: Any  # tflite.Model
    sub: Any  # tflite.SubGraph
    nodes: list[Any] = field(default_factory=list)
    initializers: list[Any] = field(default_factory=list)
    values: dict[int, _Value] = field(default_factory=dict)
    constants: dict[int, npt.NDArray[Any]] = field(default_factory=dict)
    _names: int = 0

    def fresh(self, hint: str) -> str:
        self._names += 1
        return f"{hint}__{self._names}"

    def const(self, array: npt.NDArray[Any], hint: str = "c") -> str:
        from onnx import numpy_helper

        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], hint: str, **attrs: Any) -> str:
        from onnx import helper

        out = self.fresh(hint)
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def nchw(self, value: _Value) -> str:
        if value.nchw or len(value.shape) != 4:
            return value.name
        return self.node("Transpose", [value.name], "nchw", perm=_TO_NCHW)

    def nhwc(self, value: _Value) -> str:
        if not value.nchw:
            return value.name
        return self.node("Transpose", [value.name], "nhwc", perm=_TO_NHWC)


def _tensor_shape(graph: _Graph, index: int) -> tuple[int, ...]:
    return tuple(int(d) for d in graph.sub.Tensors(index).ShapeAsNumpy())


def _raw_buffer(graph: _Graph, index: int) -> npt.NDArray[Any] | None:
    import tflite

    tensor = graph.sub.Tensors(index)
    data = graph.model.Buffers(tensor.Buffer()).DataAsNumpy()
    if isinstance(data, int) or data.size == 0:
        return None
    dtypes = {tflite.TensorType.FLOAT32: np.float32, tflite.TensorType.FLOAT16: np.float16,
              tflite.TensorType.INT32: np.int32, tflite.TensorType.INT64: np.int64}  # fmt: skip
    if tensor.Type() not in dtypes:
        raise ConversionError(f"tensor {tensor.Name().decode()!r} has an unsupported type {tensor.Type()}")
    values = np.frombuffer(data.tobytes(), dtype=dtypes[tensor.Type()])
    if tensor.Sparsity() is not None:
        return values  # DENSIFY shapes it
    return values.reshape(_tensor_shape(graph, index))


def _index_vector(table: Any, kind: int) -> npt.NDArray[np.int64]:
    import tflite

    vectors = {tflite.SparseIndexVector.Int32Vector: tflite.Int32Vector,
               tflite.SparseIndexVector.Uint16Vector: tflite.Uint16Vector,
               tflite.SparseIndexVector.Uint8Vector: tflite.Uint8Vector}  # fmt: skip
    if kind not in vectors:
        raise ConversionError(f"unsupported sparse index vector type {kind}")
    vector = vectors[kind]()
    vector.Init(table.Bytes, table.Pos)
    return vector.ValuesAsNumpy().astype(np.int64)


def _densify(graph: _Graph, index: int) -> npt.NDArray[Any]:
    """A sparse constant (dense leading dimensions, one compressed last dimension) as a dense array."""
    tensor = graph.sub.Tensors(index)
    sparsity, shape = tensor.Sparsity(), _tensor_shape(graph, index)
    order = sparsity.TraversalOrderAsNumpy()
    dims = [sparsity.DimMetadata(d) for d in range(sparsity.DimMetadataLength())]
    if sparsity.BlockMapLength() or list(order) != list(range(len(shape))) or any(d.Format() for d in dims[:-1]):
        raise ConversionError(f"sparse tensor {tensor.Name().decode()!r}: only a compressed last dimension is known")
    last = dims[-1]
    segments = _index_vector(last.ArraySegments(), last.ArraySegmentsType())
    columns = _index_vector(last.ArrayIndices(), last.ArrayIndicesType())
    values = _raw_buffer(graph, index)
    rows = int(np.prod(shape[:-1]))
    dense = np.zeros((rows, shape[-1]), dtype=values.dtype)
    row_of = np.repeat(np.arange(rows), np.diff(segments))
    dense[row_of, columns] = values[: len(columns)]
    return dense.reshape(shape)


def _constant(graph: _Graph, index: int) -> npt.NDArray[Any] | None:
    if index in graph.constants:
        return graph.constants[index]
    if graph.sub.Tensors(index).Sparsity() is not None:
        return None  # only a DENSIFY reads it
    return _raw_buffer(graph, index)


def _options(op: Any, kind: type) -> Any:
    table = op.BuiltinOptions()
    options = kind()
    options.Init(table.Bytes, table.Pos)
    return options


def _activation(graph: _Graph, name: str, fused: int) -> str:
    import tflite

    if fused == tflite.ActivationFunctionType.NONE:
        return name
    if fused == tflite.ActivationFunctionType.RELU:
        return graph.node("Relu", [name], "relu")
    if fused == tflite.ActivationFunctionType.RELU6:
        return graph.node("Clip", [name, graph.const(np.float32(0)), graph.const(np.float32(6))], "relu6")
    raise ConversionError(f"unsupported fused activation {fused}")
