namespace TruncEdge.Trainer.Training;

/// <summary>
/// The data set a model is evaluated on does not fit it (input shape or class count): a user's
/// choice of model and data, reported as such, unlike an <see cref="ArgumentException"/> from a
/// bug deeper in the trainer.
/// </summary>
public sealed class DataSetMismatchException(string message) : Exception(message);
