namespace TruncEdge.Model.TruncQuant;

/// <summary>
/// The parameters of one BatchNormalization at one weight bit width, per channel:
/// y = Gamma * (x - Mean) / sqrt(Var + Epsilon) + Beta. The arrays are owned by this object.
/// </summary>
public sealed record BatchNormParams(float[] Gamma, float[] Beta, float[] Mean, float[] Var, float Epsilon = 1e-5f)
{
    public int Channels => Gamma.Length;

    /// <summary>Throws <see cref="ArgumentException"/> unless the four arrays have one length and
    /// every value is finite with Var &gt;= 0 and Epsilon &gt; 0.</summary>
    public void Validate(string paramName)
    {
        if (Beta.Length != Gamma.Length || Mean.Length != Gamma.Length || Var.Length != Gamma.Length)
            throw new ArgumentException("gamma, beta, mean and var need the same length", paramName);
        if (!Gamma.Concat(Beta).Concat(Mean).Concat(Var).All(float.IsFinite) || Var.Any(v => v < 0))
            throw new ArgumentException("BatchNorm parameters must be finite and var >= 0", paramName);
        if (!(Epsilon > 0) || !float.IsFinite(Epsilon))
            throw new ArgumentException("epsilon must be positive", paramName);
    }
}
