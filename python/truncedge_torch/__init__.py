"""TruncQuant training in PyTorch, exported to TruncEdge's ONNX profile (python/README.md)."""
from .quantizers import ROUND, TRUNCQUANT, deployed_weight, quantize_activation, quantize_weight, weight_codes
from .modules import (QConv2d, QLinear, QuantAct, QuantInput, SwitchableBatchNorm1d, SwitchableBatchNorm2d,
                      set_weight_bits)
from .train import accuracy, joint_step
from .export import ExportError, export

__all__ = ["ROUND", "TRUNCQUANT", "deployed_weight", "quantize_activation", "quantize_weight", "weight_codes",
           "QConv2d", "QLinear", "QuantAct", "QuantInput", "SwitchableBatchNorm1d", "SwitchableBatchNorm2d",
           "set_weight_bits", "accuracy", "joint_step", "ExportError", "export"]
__version__ = "0.1.0"
