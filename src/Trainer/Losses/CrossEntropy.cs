using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Losses;

/// <summary>
/// Softmax cross-entropy on feature-major logits [K, N] (class k of sample n at k*N + n).
/// <see cref="Hard"/> uses labels; <see cref="Soft"/> uses target distributions, the
/// "recursive" distillation of TRUNCQUANT.md section 5 (targets are the detached softmax of the
/// next higher member). Both return the batch-mean loss and write its gradient
/// (softmax - target) / N and the softmax itself.
/// </summary>
public static class CrossEntropy
{
    public static LossResult Hard(Tensor logits, ReadOnlySpan<int> labels, float[] grad, float[] probs)
    {
        int k = logits[0], n = logits[1];
        if (labels.Length != n)
        {
            throw new ArgumentException($"{labels.Length} labels for a batch of {n}");
        }
        double loss = 0;
        int correct = 0;
        for (int b = 0; b < n; b++)
        {
            int label = labels[b];
            if ((uint)label >= (uint)k)
            {
                throw new ArgumentException($"label {label} outside [0, {k})");
            }
            var (logSum, arg) = Softmax(logits.Data, k, n, b, probs);
            loss += logSum - logits.Data[label * n + b];
            correct += arg == label ? 1 : 0;
            for (int c = 0; c < k; c++)
            {
                grad[c * n + b] = (probs[c * n + b] - (c == label ? 1f : 0f)) / n;
            }
        }
        return new LossResult(loss / n, correct, n);
    }

    /// <summary>Soft targets: loss = -sum_c p_c log softmax(z)_c. Correct counts agreement with
    /// <paramref name="labels"/> when given.</summary>
    public static LossResult Soft(Tensor logits, float[] targets, ReadOnlySpan<int> labels, float[] grad, float[] probs)
    {
        int k = logits[0], n = logits[1];
        double loss = 0;
        int correct = 0;
        for (int b = 0; b < n; b++)
        {
            var (logSum, arg) = Softmax(logits.Data, k, n, b, probs);
            for (int c = 0; c < k; c++)
            {
                float p = targets[c * n + b];
                if (p > 0)
                {
                    loss += p * (logSum - logits.Data[c * n + b]);
                }
                grad[c * n + b] = (probs[c * n + b] - p) / n;
            }
            correct += labels.Length == n && arg == labels[b] ? 1 : 0;
        }
        return new LossResult(loss / n, correct, n);
    }

    /// <summary>Writes the softmax of column b into probs and returns log(sum exp z) and the arg max.</summary>
    private static (double LogSumExp, int ArgMax) Softmax(float[] z, int k, int n, int b, float[] probs)
    {
        float max = float.NegativeInfinity;
        int arg = 0;
        for (int c = 0; c < k; c++)
        {
            if (z[c * n + b] > max)
            {
                max = z[c * n + b];
                arg = c;
            }
        }
        double sum = 0;
        for (int c = 0; c < k; c++)
        {
            sum += Math.Exp(z[c * n + b] - max);
        }
        for (int c = 0; c < k; c++)
        {
            probs[c * n + b] = (float)(Math.Exp(z[c * n + b] - max) / sum);
        }
        return (max + Math.Log(sum), arg);
    }
}
