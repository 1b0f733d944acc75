"""The TFLite operators of small landmark-vector models (MediaPipe's gesture embedder and its canned head) as ONNX.

``core.keypoints.tflite_onnx`` converts the image networks; these operators work on plain (batch, …) tensors
that never go NCHW, so each reads its activation as TFLite holds it (``graph.nhwc``). Kept apart so the image
networks' conversion stays exactly as it was: their graphs never reach this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.keypoints.tflite_graph import ConversionError, _activation, _constant, _options, _tensor_shape, _Value

# TFLite's element-wise operator → ONNX's (both broadcast numpy-style)
_BINARY = {"SUB": "Sub", "DIV": "Div", "MUL": "Mul", "MAXIMUM": "Max", "MINIMUM": "Min"}
_REDUCE = {"REDUCE_MAX": "ReduceMax", "REDUCE_MIN": "ReduceMin", "SUM": "ReduceSum"}
EXTRA_OPS: frozenset[str] = frozenset({*_BINARY, *_REDUCE, "GATHER", "UNPACK", "STRIDED_SLICE", "SOFTMAX"})


def _operand(graph: Any, index: int) -> str:
    """An input as TFLite lays it out: an activation, or a constant as an initializer."""
    value = graph.values.get(index)
    if value is not None:
        return graph.nhwc(value)
    return graph.const(_constant(graph, index).astype(np.float32))


def convert_extra_op(graph: Any, op: Any, name: str) -> bool:
    """Adds ``op`` to ``graph`` when it is one of ``EXTRA_OPS`` (True), else leaves the graph as it was (False)."""
    import tflite

    if name not in EXTRA_OPS:
        return False
    inputs = [int(i) for i in op.InputsAsNumpy()]
    outputs = [int(i) for i in op.OutputsAsNumpy()]
    hint = graph.sub.Tensors(outputs[0]).Name().decode().replace("/", "_")[-48:]

    def emit(onnx_name: str, index: int = outputs[0]) -> None:
        graph.values[index] = _Value(onnx_name, _tensor_shape(graph, index), False)

    if name in _BINARY:
        node = graph.node(_BINARY[name], [_operand(graph, i) for i in inputs], hint)
        fused = {"SUB": tflite.SubOptions, "DIV": tflite.DivOptions, "MUL": tflite.MulOptions}.get(name)
        emit(_activation(graph, node, _options(op, fused).FusedActivationFunction()) if fused else node)
    elif name in _REDUCE:
        axes = [int(a) for a in np.atleast_1d(_constant(graph, inputs[1]))]
        keep = int(_options(op, tflite.ReducerOptions).KeepDims())
        emit(graph.node(_REDUCE[name], [_operand(graph, inputs[0])], hint, axes=axes, keepdims=keep))
    elif name == "GATHER":
        opts = _options(op, tflite.GatherOptions)
        if opts.BatchDims():
            raise ConversionError("GATHER with batch_dims is not supported by this converter")
        indices = graph.const(_constant(graph, inputs[1]).astype(np.int64), "indices")
        emit(graph.node("Gather", [_operand(graph, inputs[0]), indices], hint, axis=opts.Axis()))
    elif name == "UNPACK":
        axis = _options(op, tflite.UnpackOptions).Axis()
        source = _operand(graph, inputs[0])
        drop = graph.const(np.array([axis], np.int64), "axes")  # UNPACK drops the axis; a 1-element Gather keeps it
        for part, index in enumerate(outputs):
            taken = graph.node("Gather", [source, graph.const(np.array([part], np.int64), "part")], hint, axis=axis)
            emit(graph.node("Squeeze", [taken, drop], hint), index)
    elif name == "STRIDED_SLICE":
        emit(_strided_slice(graph, op, inputs, hint))
    elif name == "SOFTMAX":
        beta = _options(op, tflite.SoftmaxOptions).Beta()
        source = _operand(graph, inputs[0])
        if beta != 1.0:
            source = graph.node("Mul", [source, graph.const(np.float32(beta))], "beta")
        emit(graph.node("Softmax", [source], hint, axis=-1))
    return True


def _strided_slice(graph: Any, op: Any, inputs: list[int], hint: str) -> str:
    """TensorFlow's strided slice with constant bounds: masks resolved here into ONNX's Slice (and Squeeze)."""
    import tflite

    opts = _options(op, tflite.StridedSliceOptions)
    if opts.EllipsisMask() or opts.NewAxisMask():
        raise ConversionError("STRIDED_SLICE with an ellipsis or new axes is not supported by this converter")
    begin, end, strides = (_constant(graph, i).astype(np.int64) for i in inputs[1:4])
    big = np.iinfo(np.int64).max
    starts, ends, shrink = [], [], []
    for axis in range(len(begin)):
        forward = strides[axis] > 0
        start = (0 if forward else -1) if opts.BeginMask() >> axis & 1 else begin[axis]
        stop = (big if forward else -big) if opts.EndMask() >> axis & 1 else end[axis]
        if opts.ShrinkAxisMask() >> axis & 1:
            stop = begin[axis] + 1 if begin[axis] != -1 else big
            shrink.append(axis)
        starts.append(start)
        ends.append(stop)
    args = [_operand(graph, inputs[0]), graph.const(np.array(starts, np.int64), "starts"),
            graph.const(np.array(ends, np.int64), "ends"), graph.const(np.arange(len(begin), dtype=np.int64), "axes"),
            graph.const(strides, "steps")]  # fmt: skip
    sliced = graph.node("Slice", args, hint)
    if shrink:
        sliced = graph.node("Squeeze", [sliced, graph.const(np.array(shrink, np.int64), "axes")], hint)
    return sliced
