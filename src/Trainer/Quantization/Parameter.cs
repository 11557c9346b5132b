namespace TruncEdge.Trainer.Quantization;

/// <summary>What a parameter is; optimizers apply weight decay to weights only.</summary>
public enum ParameterRole
{
    Weight,
    Bias,
    BatchNormScale,
    BatchNormShift,
}

/// <summary>
/// A trainable tensor and its gradient. <see cref="Member"/> is set for the affine parameters of a
/// switchable BatchNorm: they belong to one precision and are trained only with it.
/// <see cref="Version"/> changes whenever <see cref="Value"/> does (optimizer step, load), so
/// derived data (the normalized weights of a quantizer) can be cached between changes.
/// </summary>
public sealed class Parameter
{
    public Parameter(string name, int[] shape, ParameterRole role, Precision? member = null)
    {
        Name = name;
        Shape = shape;
        Role = role;
        Member = member;
        int n = Tensors.Tensor.ShapeLength(shape);
        Value = new float[n];
        Grad = new float[n];
    }

    public string Name { get; }
    public int[] Shape { get; }
    public ParameterRole Role { get; }
    public Precision? Member { get; }
    public float[] Value { get; }
    public float[] Grad { get; }
    public int Length => Value.Length;
    public long Version { get; private set; }

    public bool DecayEligible => Role == ParameterRole.Weight;

    /// <summary>Call after writing <see cref="Value"/>.</summary>
    public void MarkChanged() => Version++;

    public void ZeroGrad() => Array.Clear(Grad);
}
