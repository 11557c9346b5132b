namespace TruncEdge.Emitter;

/// <summary>
/// The stable diagnostic codes of TruncEdge.Emitter, all in one place (docs/emitted-c.md lists
/// them). TE40xx: what to emit; TE41xx: writing the output folder.
/// </summary>
public static class EmitterDiagnosticCodes
{
    /// <summary>The C prefix is not a usable C identifier (or collides with the runtime's names).</summary>
    public const string InvalidPrefix = "TE4000";
    /// <summary>The model has no Conv or Gemm layer, so there is no weight to emit.</summary>
    public const string NoWeightLayers = "TE4001";

    /// <summary>The output path exists and is a file, or a folder TruncEdge did not write.</summary>
    public const string OutputNotReplaceable = "TE4100";
    /// <summary>The output folder could not be written (permissions, disk full, ...).</summary>
    public const string WriteFailed = "TE4101";
}
