"""TruncQuant and round weight quantizers, the activation quantizer (TRUNCQUANT.md sections 2, 3).

Two forms of the same definitions:

* ``weight_codes`` computes the 8-bit codes and E exactly as TruncEdge's compiler does
  (src/Model/TruncQuant/WeightCodes.cs): float64, ``math.tanh`` on each element (the C library's
  tanh, which .NET's Math.Tanh also calls), so the codes written into the ONNX file are the ones
  the compiler would compute, bit for bit.
* ``quantize_weight`` and ``quantize_activation`` are the differentiable fake-quant forms used in
  training (straight-through estimator), in the tensor's own dtype.
"""
import math

import torch

TRUNCQUANT = "truncquant"
ROUND = "round"
QUANTIZERS = (TRUNCQUANT, ROUND)


def _check_bits(k):
    if not (isinstance(k, int) and 1 <= k <= 8):
        raise ValueError(f"weight bit widths are 1..8, got {k!r}")


def _check_quantizer(quantizer):
    if quantizer not in QUANTIZERS:
        raise ValueError(f"quantizer must be one of {QUANTIZERS}, got {quantizer!r}")


def code_at(u, k, quantizer):
    """The k-bit code of a normalised weight u in [0, 1] (a Python float)."""
    _check_bits(k)
    _check_quantizer(quantizer)
    n = (1 << k) - 1
    if quantizer == TRUNCQUANT:
        # u * 2^k is exact in float64: that is what makes truncation line up bit for bit.
        return min(math.floor(u * (1 << k)), n)
    # round half away from zero (u * n >= 0, so: half up), as WeightCodes.CodeAt does
    return int(math.floor(u * n + 0.5))


def weight_codes(weight, quantizer=TRUNCQUANT, bits=8):
    """E = mean(|x|) and the ``bits``-bit codes (a torch.uint8 tensor of the weight's shape).

    Exactly src/Model/TruncQuant/WeightCodes.cs: every element widened to float64, E summed in
    element order, t = tanh(x), M = max |t|, u = t / (2M) + 1/2 (1/2 for all when M = 0).
    """
    _check_bits(bits)
    _check_quantizer(quantizer)
    values = weight.detach().to(torch.float32).reshape(-1).tolist()
    if not values:
        raise ValueError("a weight tensor needs at least one element")
    sum_abs = 0.0
    t = []
    for x in values:
        if not math.isfinite(x):
            raise ValueError(f"weight value {x} is not finite")
        sum_abs += abs(x)
        t.append(math.tanh(x))
    m = max(abs(v) for v in t)
    codes = [code_at(0.5 if m == 0 else v / (2 * m) + 0.5, bits, quantizer) for v in t]
    return sum_abs / len(values), torch.tensor(codes, dtype=torch.uint8).reshape(weight.shape)


class _StraightThrough(torch.autograd.Function):
    """Forward: the quantized value; backward: the gradient of the unquantized one."""

    @staticmethod
    def forward(ctx, x, q):
        return q

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def quantize_weight(weight, k, quantizer=TRUNCQUANT):
    """The real weights at k bits, E (2q/n - 1), with q the quantizer's k-bit code; k = None is the
    full-precision member, E t / M. Gradients flow through tanh and M, not through E."""
    e = weight.detach().abs().mean()
    t = torch.tanh(weight)
    m = torch.clamp(t.abs().max(), min=torch.finfo(weight.dtype).tiny)  # M takes a gradient, as autograd does
    if k is None:
        return e * t / m
    _check_bits(k)
    _check_quantizer(quantizer)
    u = t / (2 * m) + 0.5
    n = (1 << k) - 1
    with torch.no_grad():
        if quantizer == TRUNCQUANT:
            q = torch.clamp(torch.floor(u * (1 << k)), max=n)
        else:
            q = torch.floor(u * n + 0.5)
    # the level 2q/n - 1 in the forward pass, the gradient of 2u - 1 in the backward pass
    level = _StraightThrough.apply(2 * u - 1, (2 * q / n - 1).to(u.dtype))
    return e * level


def deployed_weight(e, codes8, k):
    """The real weights the compiled Program uses at k bits: E s / n with s = 2 (q8 >> (8 - k)) - n,
    from the exact codes of ``weight_codes`` (float64 E, as the compiler folds it)."""
    _check_bits(k)
    n = (1 << k) - 1
    s = 2 * torch.bitwise_right_shift(codes8.to(torch.int64), 8 - k) - n
    return e * s.to(torch.float64) / n


def quantize_activation(x, bits):
    """round(clamp(x, 0, 1) * Q) / Q with Q = 2^b - 1, ties to even (torch.round, as ONNX
    QuantizeLinear and the integer Program round); gradient straight through inside (0, 1)."""
    if not (isinstance(bits, int) and 1 <= bits <= 8):
        raise ValueError(f"activation bits are 1..8, got {bits!r}")
    q = (1 << bits) - 1
    y = torch.clamp(x, 0.0, 1.0)
    return _StraightThrough.apply(y, torch.round(y.detach() * q) / q)
