"""Joint any-precision training (TRUNCQUANT.md section 5) and per-k evaluation.

Per mini-batch: the full-precision member learns from the labels, then each bit width in
descending order from the soft targets of the member above it ("recursive" distillation); all
gradients accumulate into one optimizer step.
"""
import torch
import torch.nn.functional as F

from .modules import set_weight_bits


def joint_step(model, images, labels, optimizer, bits=(8, 4, 2, 1)):
    """One joint step over the full-precision member and ``bits``; returns the losses by member."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    set_weight_bits(model, None)
    logits = model(images)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    losses = {"fp": loss.item()}
    teacher = logits.detach()
    for k in sorted(bits, reverse=True):
        set_weight_bits(model, k)
        logits = model(images)
        loss = torch.sum(-F.softmax(teacher, dim=1) * F.log_softmax(logits, dim=1), dim=1).mean()
        loss.backward()
        losses[k] = loss.item()
        teacher = logits.detach()
    optimizer.step()
    set_weight_bits(model, None)
    return losses


@torch.no_grad()
def accuracy(model, images, labels, k, batch_size=256):
    """Top-1 accuracy (0..1) at weight bit width k (None: full precision) in eval mode, whose
    weights are the deployed ones (exact 8-bit codes truncated to k, pinned layers at 8)."""
    model.eval()
    set_weight_bits(model, k)
    correct = 0
    for i in range(0, len(images), batch_size):
        correct += (model(images[i:i + batch_size]).argmax(dim=1) == labels[i:i + batch_size]).sum().item()
    set_weight_bits(model, None)
    return correct / len(images)
