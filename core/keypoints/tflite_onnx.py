"""A TFLite flatbuffer turned into an ONNX graph without TensorFlow: MediaPipe's hand and pose models on onnxruntime.

Only the operators MediaPipe's palm, hand, pose detection and pose landmark models use are known (``OPS``), and
those of its gesture embedder and canned head (``EXTRA_OPS``, in ``tflite_onnx_ops``); any other stops the conversion
with its name. Constant-only operators (``DEQUANTIZE`` of fp16 weights, ``DENSIFY`` of
sparse ones) are evaluated here, so the ONNX file holds plain fp32 weights, computed as TFLite's CPU kernels
compute them (fp16 → fp32). TFLite keeps images NHWC, ONNX's convolutions NCHW: every 4-D activation is held NCHW
while convolutions, pools, resizes, pads and element-wise operators follow one another, and turned back to NHWC
only where an operator depends on the layout (a reshape, a reduction, the outputs), so the graph has few
transposes. The graph's inputs and outputs keep TFLite's names and shapes.

``tflite`` (the flatbuffer schema, pure Python) is needed here only, when ``make`` converts the models.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from core.keypoints.tflite_graph import (
    ConversionError,
    _activation,
    _constant,
    _densify,
    _Graph,
    _options,
    _tensor_shape,
    _Value,
)
from core.keypoints.tflite_onnx_ops import EXTRA_OPS, convert_extra_op

OPSET = 13
IR_VERSION = 8  # what onnxruntime 1.10 and later read: an older runtime than onnx's own default still opens it
_TO_NCHW, _TO_NHWC = [0, 3, 1, 2], [0, 2, 3, 1]
_TF_TO_NCHW_AXIS = {0: 0, 1: 2, 2: 3, 3: 1}


def _same_pads(size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
               dilation: tuple[int, int] = (1, 1)) -> list[int]:  # fmt: skip
    """TensorFlow's SAME padding as ONNX's explicit [top, left, bottom, right]: the odd pixel goes at the end."""
    begins, ends = [], []
    for n, k, s, d in zip(size, kernel, stride, dilation, strict=True):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        begins.append(total // 2)
        ends.append(total - total // 2)
    return begins + ends


def _operand(graph: _Graph, index: int, like_nchw: bool) -> str:
    """An element-wise operand: an activation as it is held, a constant laid out like the other operand."""
    value = graph.values.get(index)
    if value is not None:
        return graph.nchw(value) if like_nchw else graph.nhwc(value)
    array = _constant(graph, index).astype(np.float32)
    if like_nchw:
        array = array.reshape((1,) * (4 - array.ndim) + array.shape).transpose(_TO_NCHW)
    return graph.const(array)


def _convert_op(graph: _Graph, op: Any, name: str) -> None:
    import tflite

    inputs = [int(i) for i in op.InputsAsNumpy()]
    out_index = int(op.OutputsAsNumpy()[0])
    out_shape = _tensor_shape(graph, out_index)
    hint = graph.sub.Tensors(out_index).Name().decode().replace("/", "_")[-48:]
    value = graph.values.get(inputs[0])

    def emit(onnx_name: str, nchw: bool) -> None:
        graph.values[out_index] = _Value(onnx_name, out_shape, nchw and len(out_shape) == 4)

    if name == "DEQUANTIZE":
        graph.constants[out_index] = _constant(graph, inputs[0]).astype(np.float32)
    elif name == "DENSIFY":
        graph.constants[out_index] = _densify(graph, inputs[0])
    elif name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        depthwise = name == "DEPTHWISE_CONV_2D"
        opts = _options(op, tflite.DepthwiseConv2DOptions if depthwise else tflite.Conv2DOptions)
        weights = _constant(graph, inputs[1]).astype(np.float32)  # conv: OHWI; depthwise: 1HW(C·M)
        kernel = weights.shape[1:3]
        weights = weights.transpose(3, 0, 1, 2) if depthwise else weights.transpose(0, 3, 1, 2)
        stride, dilation = (opts.StrideH(), opts.StrideW()), (opts.DilationHFactor(), opts.DilationWFactor())
        in_shape = value.shape
        pads = [0, 0, 0, 0]
        if opts.Padding() == tflite.Padding.SAME:
            pads = _same_pads(in_shape[1:3], kernel, stride, dilation)
        args = [graph.nchw(value), graph.const(weights, "w")]
        if len(inputs) > 2 and inputs[2] >= 0:
            args.append(graph.const(_constant(graph, inputs[2]).astype(np.float32), "b"))
        conv = graph.node("Conv", args, hint, kernel_shape=list(kernel), strides=list(stride),
                          dilations=list(dilation), pads=pads, group=in_shape[3] if depthwise else 1)  # fmt: skip
        emit(_activation(graph, conv, opts.FusedActivationFunction()), True)
    elif name == "MAX_POOL_2D":
        opts = _options(op, tflite.Pool2DOptions)
        kernel, stride = (opts.FilterHeight(), opts.FilterWidth()), (opts.StrideH(), opts.StrideW())
        pads = _same_pads(value.shape[1:3], kernel, stride) if opts.Padding() == tflite.Padding.SAME else [0] * 4
        pool = graph.node("MaxPool", [graph.nchw(value)], hint, kernel_shape=list(kernel),
                          strides=list(stride), pads=pads)  # fmt: skip
        emit(_activation(graph, pool, opts.FusedActivationFunction()), True)
    elif name == "PRELU":
        # PReLU(x) = Relu(x) - alpha·Relu(-x), as 1×1 depthwise convolutions: onnxruntime's blocked (NCHWc) kernels
        # take convolutions, ReLUs and additions but not PRelu, and the layout changes around each PRelu took half
        # the palm detector's time (12.0 → 5.7 ms a frame on one thread, the outputs within 1e-4)
        channels = value.shape[3]
        alpha = np.broadcast_to(_constant(graph, inputs[1]).astype(np.float32).reshape(-1), (channels,))
        source = graph.nchw(value)

        def depthwise(name: str, weights: npt.NDArray[np.float32], tag: str) -> str:
            kernel = graph.const(weights.reshape(channels, 1, 1, 1).astype(np.float32), "w")
            return graph.node("Conv", [name, kernel], tag, kernel_shape=[1, 1], group=channels)

        ones = np.ones(channels, np.float32)
        positive = graph.node("Relu", [depthwise(source, ones, "id")], "pos")
        negative = graph.node("Relu", [depthwise(source, -ones, "neg")], "neg")
        emit(graph.node("Add", [depthwise(negative, -alpha, "alpha"), positive], hint), True)
    elif name == "ADD":
        opts = _options(op, tflite.AddOptions)
        held = [graph.values[i] for i in inputs if i in graph.values]
        as_nchw = all(len(v.shape) == 4 for v in held) and any(v.nchw for v in held) and len(out_shape) == 4
        add = graph.node("Add", [_operand(graph, i, as_nchw) for i in inputs], hint)
        emit(_activation(graph, add, opts.FusedActivationFunction()), as_nchw)
    elif name == "LOGISTIC":
        emit(graph.node("Sigmoid", [value.name], hint), value.nchw)
    elif name == "PAD":
        paddings = _constant(graph, inputs[1]).astype(np.int64)  # (rank, 2) in NHWC order
        if len(value.shape) == 4:
            paddings = paddings[_TO_NCHW]
        source = graph.nchw(value)
        pads = graph.const(np.concatenate([paddings[:, 0], paddings[:, 1]]), "pads")
        emit(graph.node("Pad", [source, pads], hint), len(value.shape) == 4)
    elif name == "RESIZE_BILINEAR":
        opts = _options(op, tflite.ResizeBilinearOptions)
        mode = "align_corners" if opts.AlignCorners() else "half_pixel" if opts.HalfPixelCenters() else "asymmetric"
        size = np.array([1, value.shape[3], *out_shape[1:3]], dtype=np.int64)
        resize = graph.node("Resize", [graph.nchw(value), "", "", graph.const(size, "size")], hint,
                            mode="linear", coordinate_transformation_mode=mode)  # fmt: skip
        emit(resize, True)
    elif name == "DEPTH_TO_SPACE":
        opts = _options(op, tflite.DepthToSpaceOptions)
        emit(graph.node("DepthToSpace", [graph.nchw(value)], hint, blocksize=opts.BlockSize(), mode="DCR"), True)
    elif name == "CONCATENATION":
        opts = _options(op, tflite.ConcatenationOptions)
        held = [graph.values[i] for i in inputs]
        axis = opts.Axis() % len(out_shape)
        as_nchw = len(out_shape) == 4 and all(v.nchw for v in held)
        parts = [v.name if as_nchw else graph.nhwc(v) for v in held]
        concat = graph.node("Concat", parts, hint, axis=_TF_TO_NCHW_AXIS[axis] if as_nchw else axis)
        emit(_activation(graph, concat, opts.FusedActivationFunction()), as_nchw)
    elif name == "RESHAPE":
        shape = graph.const(np.array(out_shape, dtype=np.int64), "shape")
        emit(graph.node("Reshape", [graph.nhwc(value), shape], hint), False)
    elif name == "MEAN":
        opts = _options(op, tflite.ReducerOptions)
        axes = [int(a) for a in np.atleast_1d(_constant(graph, inputs[1]))]
        emit(graph.node("ReduceMean", [graph.nhwc(value)], hint, axes=axes, keepdims=int(opts.KeepDims())), False)
    elif name == "FULLY_CONNECTED":
        opts = _options(op, tflite.FullyConnectedOptions)
        weights = _constant(graph, inputs[1]).astype(np.float32)  # (out, in)
        flat = graph.node("Reshape", [graph.nhwc(value), graph.const(np.array([-1, weights.shape[1]], np.int64))],
                          "flat")  # fmt: skip
        args = [flat, graph.const(weights, "w")]
        if len(inputs) > 2 and inputs[2] >= 0:
            args.append(graph.const(_constant(graph, inputs[2]).astype(np.float32), "b"))
        dense = graph.node("Gemm", args, hint, transB=1)
        dense = _activation(graph, dense, opts.FusedActivationFunction())
        emit(graph.node("Reshape", [dense, graph.const(np.array(out_shape, np.int64), "shape")], hint), False)
    elif name in EXTRA_OPS:
        convert_extra_op(graph, op, name)
    else:
        raise ConversionError(f"the TFLite operator {name} is not supported by this converter")


OPS: frozenset[str] = frozenset({
    "DEQUANTIZE", "DENSIFY", "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "PRELU", "ADD", "LOGISTIC", "PAD",
    "RESIZE_BILINEAR", "DEPTH_TO_SPACE", "CONCATENATION", "RESHAPE", "MEAN", "FULLY_CONNECTED",
})  # fmt: skip


def _operator_names() -> dict[int, str]:
    import tflite

    return {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_") and isinstance(v, int)}


def convert(tflite_bytes: bytes, graph_name: str = "model") -> Any:
    """The ONNX ``ModelProto`` of a TFLite model's bytes; ``ConversionError`` names what it cannot convert."""
    if len(tflite_bytes) < 8 or tflite_bytes[4:8] != b"TFL3":
        raise ConversionError("not a TFLite model (no TFL3 identifier)")
    import tflite
    from onnx import TensorProto, helper

    model = tflite.Model.GetRootAsModel(tflite_bytes, 0)
    if model.SubgraphsLength() != 1:
        raise ConversionError(f"a model of {model.SubgraphsLength()} subgraphs; one is expected")
    graph = _Graph(model, model.Subgraphs(0))
    names = _operator_names()
    inputs = []
    for j in range(graph.sub.InputsLength()):
        index = graph.sub.Inputs(j)
        tensor_name, shape = graph.sub.Tensors(index).Name().decode(), _tensor_shape(graph, index)
        graph.values[index] = _Value(tensor_name, shape)
        inputs.append(helper.make_tensor_value_info(tensor_name, TensorProto.FLOAT, list(shape)))
    for i in range(graph.sub.OperatorsLength()):
        op = graph.sub.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        _convert_op(graph, op, names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "CUSTOM"))
    outputs = []
    for j in range(graph.sub.OutputsLength()):
        index = graph.sub.Outputs(j)
        tensor_name, value = graph.sub.Tensors(index).Name().decode(), graph.values[graph.sub.Outputs(j)]
        graph.nodes.append(helper.make_node("Identity", [graph.nhwc(value)], [tensor_name]))
        outputs.append(helper.make_tensor_value_info(tensor_name, TensorProto.FLOAT, list(value.shape)))
    onnx_graph = helper.make_graph(graph.nodes, graph_name, inputs, outputs, graph.initializers)
    onnx_model = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                   producer_name="handteach core.keypoints.tflite_onnx")  # fmt: skip
    onnx_model.ir_version = IR_VERSION
    return onnx_model
