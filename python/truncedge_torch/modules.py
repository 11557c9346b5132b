"""Drop-in modules for TruncQuant training: the model's weight bit width is switched with
``set_weight_bits(model, k)`` (k = None for the full-precision member), as the firmware does at
run time.

* ``QuantInput``: the model input, 8-bit codes / 255 (what the compiled Program takes as uint8).
* ``QConv2d``, ``QLinear``: nn.Conv2d / nn.Linear whose weights are quantized at the active k.
  ``pinned=True`` keeps a layer at 8 bits at every k, as TruncEdge pins the first and the last
  weight layer by default. In ``eval()`` mode the weights are the deployed ones: the exact 8-bit
  codes the exporter writes (``weight_codes``), truncated to k, so PyTorch's accuracy at k is the
  integer Program's up to float32 rounding.
* ``QuantAct(bits)``: the activation quantizer (clamp to [0, 1], round to a b-bit code); the
  full-precision member uses plain ReLU instead.
* ``SwitchableBatchNorm2d`` / ``SwitchableBatchNorm1d``: one BatchNorm per trained weight bit
  width and one for full precision; a k that was not trained uses the nearest trained k above
  it (the exporter writes the same choice into the file).
"""
import torch
from torch import nn
import torch.nn.functional as F

from .quantizers import QUANTIZERS, TRUNCQUANT, deployed_weight, quantize_activation, quantize_weight, weight_codes


class _Switchable:
    """A module whose behaviour follows the model's weight bit width."""

    def set_weight_bits(self, k):  # pragma: no cover - overridden
        raise NotImplementedError


class QuantInput(nn.Module, _Switchable):
    """The model input: values code / 255, re-quantized to 8 bits (a no-op on exact codes)."""

    def set_weight_bits(self, k):
        pass

    def forward(self, x):
        return quantize_activation(x, 8)


class _QuantizedWeights(_Switchable):
    """Shared by QConv2d and QLinear: the active bit width, pinning, and the deployed weights."""

    def _init_quant(self, quantizer, pinned):
        if quantizer not in QUANTIZERS:
            raise ValueError(f"quantizer must be one of {QUANTIZERS}, got {quantizer!r}")
        self.quantizer = quantizer
        self.pinned = pinned
        self.bits = None  # None: full precision
        self._codes = None  # (weight version, weight, E, 8-bit codes), computed once per weight update

    def set_weight_bits(self, k):
        self.bits = None if k is None else (8 if self.pinned else k)

    def quantized_weight(self):
        if self.bits is None:
            return quantize_weight(self.weight, None)
        if self.training:
            return quantize_weight(self.weight, self.bits, self.quantizer)
        return self.deployed_weight(self.bits).to(self.weight.dtype)

    def deployed_weight(self, k):
        """The real weights of the compiled Program at k (exact codes, truncated)."""
        version = self.weight._version
        if self._codes is None or self._codes[0] != version or self._codes[1] is not self.weight:
            e, codes = weight_codes(self.weight, self.quantizer)
            self._codes = (version, self.weight, e, codes)
        return deployed_weight(self._codes[2], self._codes[3], k)


class QConv2d(nn.Conv2d, _QuantizedWeights):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, groups=1, bias=False,
                 quantizer=TRUNCQUANT, pinned=False):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding, groups=groups, bias=bias)
        self._init_quant(quantizer, pinned)

    def forward(self, x):
        return F.conv2d(x, self.quantized_weight(), self.bias, self.stride, self.padding, self.dilation, self.groups)


class QLinear(nn.Linear, _QuantizedWeights):
    def __init__(self, in_features, out_features, bias=True, quantizer=TRUNCQUANT, pinned=False):
        super().__init__(in_features, out_features, bias=bias)
        self._init_quant(quantizer, pinned)

    def forward(self, x):
        return F.linear(x, self.quantized_weight(), self.bias)


class QuantAct(nn.Module, _Switchable):
    """b-bit activation quantizer; ReLU in the full-precision member."""

    def __init__(self, bits=4):
        super().__init__()
        if not (isinstance(bits, int) and 1 <= bits <= 8):
            raise ValueError(f"activation bits are 1..8, got {bits!r}")
        self.bits = bits
        self.full_precision = True

    def set_weight_bits(self, k):
        self.full_precision = k is None

    def forward(self, x):
        return F.relu(x) if self.full_precision else quantize_activation(x, self.bits)


class _SwitchableBatchNorm(nn.Module, _Switchable):
    _bn = None  # the BatchNorm class

    def __init__(self, num_features, bits=(1, 2, 4, 8), pinned=False, eps=1e-5, momentum=0.1):
        super().__init__()
        bits = (8,) if pinned else tuple(sorted(set(bits)))
        if not bits or any(not (isinstance(k, int) and 1 <= k <= 8) for k in bits):
            raise ValueError(f"trained bit widths are 1..8, got {bits!r}")
        self.trained_bits = bits
        self.pinned = pinned
        self.bn = nn.ModuleDict({"fp": self._bn(num_features, eps=eps, momentum=momentum)})
        for k in bits:
            self.bn[str(k)] = self._bn(num_features, eps=eps, momentum=momentum)
        self.active = "fp"

    def bits_for(self, k):
        """The trained bit width whose BatchNorm serves k: k itself, else the nearest above (8 when pinned)."""
        if self.pinned:
            return 8
        above = [b for b in self.trained_bits if b >= k]
        return min(above) if above else max(self.trained_bits)

    def set_weight_bits(self, k):
        self.active = "fp" if k is None else str(self.bits_for(k))

    def forward(self, x):
        return self.bn[self.active](x)


class SwitchableBatchNorm2d(_SwitchableBatchNorm):
    _bn = nn.BatchNorm2d


class SwitchableBatchNorm1d(_SwitchableBatchNorm):
    _bn = nn.BatchNorm1d


def set_weight_bits(model, k):
    """Switches every TruncEdge module of ``model`` to weight bit width k (1..8), or to the
    full-precision member (k = None). Returns the model."""
    if k is not None and not (isinstance(k, int) and 1 <= k <= 8):
        raise ValueError(f"weight bit widths are 1..8 (or None for full precision), got {k!r}")
    for m in model.modules():
        if isinstance(m, _Switchable):
            m.set_weight_bits(k)
    return model
