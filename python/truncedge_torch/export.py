"""``export(model, path, input_shape)``: the model as TruncEdge's ONNX profile (docs/model-format.md).

Its own graph writer, not ``torch.onnx.export``: the model is traced with torch.fx (TruncEdge's
modules and the standard layers kept whole), and each node is written as the profile's ops. So
nothing is folded behind the user's back (``torch.onnx.export`` in eval mode folds BatchNorm
into the convolution, which the profile cannot use), and the weight quantizer is never part of
the graph: each weight layer stores its latent float weights and the exact 8-bit codes and E
(``W.tq_codes``, ``W.tq_mean_abs``), each switchable BatchNorm its parameters for every k 1..8
(``<param>.k<k>``).
"""
import operator

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import torch
from torch import fx, nn

from .modules import QConv2d, QLinear, QuantAct, QuantInput, _SwitchableBatchNorm
from .quantizers import weight_codes

OPSET = 13

SUPPORTED = ("QuantInput (first)", "QConv2d", "QLinear", "QuantAct", "SwitchableBatchNorm2d/1d", "nn.BatchNorm2d/1d",
             "nn.ReLU", "nn.MaxPool2d", "nn.AvgPool2d", "nn.AdaptiveAvgPool2d(1)", "nn.Flatten", "torch.flatten(x, 1)",
             "+ / torch.add of two tensors")


class ExportError(ValueError):
    """The model uses something the TruncEdge profile cannot express; the message says what and where."""


class _Tracer(fx.Tracer):
    """Keeps TruncEdge's modules and the standard layers as single nodes."""

    def is_leaf_module(self, m, qualname):
        return isinstance(m, (QuantInput, QConv2d, QLinear, QuantAct, _SwitchableBatchNorm)) or super().is_leaf_module(m, qualname)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


class _Writer:
    def __init__(self, model):
        self.model = model
        self.nodes, self.inits, self.names = [], [], set()
        self.trained_bits = set()
        self.quantizers = set()
        self.activation_bits = set()

    def init(self, name, array, dtype=None):
        array = np.asarray(array, dtype=dtype)
        self.inits.append(numpy_helper.from_array(array, name))

    def node(self, op, inputs, output, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], name=name, **attrs))
        return output

    def act_quant(self, x, name, bits):
        self.activation_bits.add(bits)
        self.init(name + ".min", np.float32(0))
        self.init(name + ".max", np.float32(1))
        self.init(name + ".scale", np.float32(1.0 / ((1 << bits) - 1)))
        self.init(name + ".zero_point", np.uint8(0))
        c = self.node("Clip", [x, name + ".min", name + ".max"], name + ".clip", name + ".clip")
        q = self.node("QuantizeLinear", [c, name + ".scale", name + ".zero_point"], name + ".quantize", name + ".quantize")
        return self.node("DequantizeLinear", [q, name + ".scale", name + ".zero_point"], name, name)

    def weights(self, name, module):
        w = module.weight.detach().to(torch.float32)
        self.quantizers.add(module.quantizer)
        self.init(name + ".weight", w.numpy())
        e, codes = weight_codes(w, module.quantizer)
        self.init(name + ".weight.tq_codes", codes.numpy())
        self.init(name + ".weight.tq_mean_abs", np.float32(e))
        inputs = [name + ".weight"]
        if module.bias is not None:
            self.init(name + ".bias", module.bias.detach().to(torch.float32).numpy())
            inputs.append(name + ".bias")
        return inputs

    def batch_norm(self, x, name, m):
        if isinstance(m, _SwitchableBatchNorm):
            own = m.bn[str(m.bits_for(8))]
            variants = {} if m.pinned else {k: m.bn[str(m.bits_for(k))] for k in range(1, 9)}
            self.trained_bits.update(m.trained_bits if not m.pinned else ())
        else:
            own, variants = m, {}
        if not own.track_running_stats or own.running_mean is None:
            raise ExportError(f"{name}: a BatchNorm without running statistics cannot be folded")
        params = ["weight", "bias", "running_mean", "running_var"]

        def values(bn):
            return [bn.weight.detach(), bn.bias.detach(), bn.running_mean, bn.running_var]

        for p, v in zip(params, values(own)):
            self.init(f"{name}.{p}", v.to(torch.float32).numpy())
        for k, bn in variants.items():
            for p, v in zip(params, values(bn)):
                self.init(f"{name}.{p}.k{k}", v.to(torch.float32).numpy())
        return self.node("BatchNormalization", [x] + [f"{name}.{p}" for p in params], name, name, epsilon=float(own.eps))

    def module(self, n, m, x, name):
        if isinstance(m, QuantInput):
            raise ExportError(f"{name}: QuantInput must be the model's first module, applied to the input")
        if isinstance(m, QConv2d):
            if m.padding_mode != "zeros" or _pair(m.dilation) != (1, 1) or isinstance(m.padding, str):
                raise ExportError(f"{name}: only zero padding given as numbers and dilation 1 are in the profile")
            (kh, kw), (sh, sw), (ph, pw) = _pair(m.kernel_size), _pair(m.stride), _pair(m.padding)
            return self.node("Conv", [x] + self.weights(name, m), name, name, kernel_shape=[kh, kw], strides=[sh, sw],
                             pads=[ph, pw, ph, pw], group=m.groups, dilations=[1, 1])
        if isinstance(m, QLinear):
            return self.node("Gemm", [x] + self.weights(name, m), name, name, alpha=1.0, beta=1.0, transB=1)
        if isinstance(m, QuantAct):
            return self.act_quant(x, name, m.bits)
        if isinstance(m, (_SwitchableBatchNorm, nn.BatchNorm2d, nn.BatchNorm1d)):
            return self.batch_norm(x, name, m)
        if isinstance(m, nn.ReLU):
            return self.node("Relu", [x], name, name)
        if isinstance(m, nn.MaxPool2d):
            if _pair(m.dilation) != (1, 1) or m.ceil_mode or m.return_indices:
                raise ExportError(f"{name}: MaxPool2d with dilation, ceil_mode or indices is not in the profile")
            (kh, kw), (sh, sw), (ph, pw) = _pair(m.kernel_size), _pair(m.stride if m.stride is not None else m.kernel_size), _pair(m.padding)
            return self.node("MaxPool", [x], name, name, kernel_shape=[kh, kw], strides=[sh, sw], pads=[ph, pw, ph, pw])
        if isinstance(m, nn.AvgPool2d):
            if m.ceil_mode or m.divisor_override is not None:
                raise ExportError(f"{name}: AvgPool2d with ceil_mode or divisor_override is not in the profile")
            (kh, kw), (sh, sw), (ph, pw) = _pair(m.kernel_size), _pair(m.stride if m.stride is not None else m.kernel_size), _pair(m.padding)
            return self.node("AveragePool", [x], name, name, kernel_shape=[kh, kw], strides=[sh, sw], pads=[ph, pw, ph, pw],
                             count_include_pad=int(m.count_include_pad))
        if isinstance(m, nn.AdaptiveAvgPool2d):
            if _pair(m.output_size) != (1, 1):
                raise ExportError(f"{name}: only AdaptiveAvgPool2d(1) (a global average pool) is in the profile")
            return self.node("GlobalAveragePool", [x], name, name)
        if isinstance(m, nn.Flatten):
            if m.start_dim != 1 or m.end_dim != -1:
                raise ExportError(f"{name}: only Flatten(1) is in the profile")
            return self.node("Flatten", [x], name, name, axis=1)
        if isinstance(m, (nn.Dropout, nn.Identity)):
            return x
        raise ExportError(f"{name}: {type(m).__name__} is not in the TruncEdge profile; supported: {', '.join(SUPPORTED)}")

    def function(self, n, args, name):
        target = n.target
        if target in (operator.add, torch.add) and len(args) == 2 and all(isinstance(a, str) for a in args):
            return self.node("Add", list(args), name, name)
        if target in (torch.flatten,) and (args[1:] == [1] or n.kwargs.get("start_dim") == 1):
            return self.node("Flatten", [args[0]], name, name, axis=1)
        if target in (torch.relu, nn.functional.relu):
            return self.node("Relu", [args[0]], name, name)
        what = getattr(target, "__name__", str(target))
        if what in ("abs", "tanh", "mean", "max", "floor", "clamp"):
            raise ExportError(f"{name}: '{what}' in the traced forward: a weight quantizer must not be exported; "
                              "use QConv2d / QLinear, whose weights the exporter writes as latent weights plus codes")
        raise ExportError(f"{name}: call of {what} is not in the TruncEdge profile; supported: {', '.join(SUPPORTED)}")


def export(model, path, input_shape, weight_bits=None, activation_bits=None):
    """Writes ``model`` (built from this package's modules) to ``path`` in TruncEdge's ONNX profile.

    input_shape: (C, H, W) of one sample; the file takes a uint8 [1, C, H, W] input whose codes
    are the model's input values times 255. weight_bits: the trained bit widths (default: those
    of the switchable BatchNorms). Raises ExportError, naming the module, for anything outside
    the profile.
    """
    was_training = model.training
    model.eval()
    try:
        graph = _Tracer().trace(model)
        modules = dict(model.named_modules())
        w = _Writer(model)
        env = {}
        placeholders = [n for n in graph.nodes if n.op == "placeholder"]
        if len(placeholders) != 1:
            raise ExportError(f"the model takes {len(placeholders)} inputs; the profile has one")
        output_name = None
        for n in graph.nodes:
            name = n.name.replace("_", ".") if n.op != "call_module" else n.target
            args = [env.get(a.name, a) if isinstance(a, fx.Node) else a for a in n.args]
            if n.op == "placeholder":
                env[n.name] = "input"
            elif n.op == "call_module":
                m = modules[n.target]
                if isinstance(m, QuantInput):
                    if args[0] != "input":
                        raise ExportError(f"{n.target}: QuantInput must be applied to the model input")
                    w.init("input.scale", np.float32(1.0 / 255))
                    w.init("input.zero_point", np.uint8(0))
                    env[n.name] = w.node("DequantizeLinear", ["input", "input.scale", "input.zero_point"], "input.dequantize", "input.dequantize")
                else:
                    if not args or not isinstance(args[0], str):
                        raise ExportError(f"{n.target}: its input is not a tensor of the traced graph")
                    env[n.name] = w.module(n, m, args[0], n.target)
            elif n.op == "call_function":
                env[n.name] = w.function(n, args, name)
            elif n.op == "call_method":
                if n.target == "flatten" and (args[1:] == [1] or n.kwargs.get("start_dim") == 1):
                    env[n.name] = w.node("Flatten", [args[0]], name, name, axis=1)
                else:
                    raise ExportError(f"{name}: tensor method .{n.target}() is not in the TruncEdge profile; supported: {', '.join(SUPPORTED)}")
            elif n.op == "get_attr":
                raise ExportError(f"{n.target}: a parameter used directly in the forward (a weight quantizer written by hand?): "
                                  "a weight quantizer must not be exported; use QConv2d / QLinear, whose weights the exporter "
                                  "writes as latent weights plus codes")
            elif n.op == "output":
                output_name = args[0]
            else:
                raise ExportError(f"{name}: {n.op} nodes are not in the TruncEdge profile")
        if "input.dequantize" not in [x.output[0] for x in w.nodes]:
            raise ExportError("the model's first module must be QuantInput (the uint8 input of the compiled model)")
        if not isinstance(output_name, str):
            raise ExportError("the model must return one tensor")
        c, h, wd = input_shape
        with torch.no_grad():
            out_shape = list(model(torch.zeros(1, c, h, wd)).shape)
        g = helper.make_graph(w.nodes, model.__class__.__name__,
                              [helper.make_tensor_value_info("input", TensorProto.UINT8, [1, c, h, wd])],
                              [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, out_shape)], w.inits)
        onnx_model = helper.make_model(g, producer_name="truncedge_torch", opset_imports=[helper.make_opsetid("", OPSET)])
        onnx_model.ir_version = 8
        quantizers = w.quantizers or {"truncquant"}
        if len(quantizers) != 1:
            raise ExportError(f"the layers mix weight quantizers {sorted(quantizers)}; the profile has one per model")
        bits = sorted(weight_bits if weight_bits is not None else (w.trained_bits or {1, 2, 4, 8}))
        meta = {"truncquant.profile": "1", "truncquant.weight_quantizer": quantizers.pop(),
                "truncquant.weight_bits": ",".join(str(k) for k in bits)}
        act = activation_bits if activation_bits is not None else (max(w.activation_bits - {8}) if w.activation_bits - {8} else None)
        if act is not None:
            meta["truncquant.activation_bits"] = str(act)
        for k, v in sorted(meta.items()):
            onnx_model.metadata_props.add(key=k, value=v)
        onnx.checker.check_model(onnx_model)
        onnx.save(onnx_model, path)
        return onnx_model
    finally:
        model.train(was_training)
