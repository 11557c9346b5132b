namespace TruncEdge.Trainer.Losses;

/// <summary>Mean loss over a batch and how many argmax predictions matched the labels.</summary>
public readonly record struct LossResult(double Loss, int Correct, int Count);
