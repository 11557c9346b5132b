namespace TruncEdge.Model.Diagnostics;

/// <summary>
/// The stable diagnostic codes of TruncEdge.Model, one place for all of them so that two
/// problems never share a code and a code never changes meaning. docs/model-format.md lists
/// them for users. TE10xx: reading and writing ONNX; TE12xx: the TruncQuant profile.
/// </summary>
public static class ModelDiagnosticCodes
{
    /// <summary>The file could not be opened or read (missing, no permission, I/O error).</summary>
    public const string CannotRead = "TE1000";
    /// <summary>The bytes are not an ONNX model: empty, garbage, or no graph.</summary>
    public const string NotOnnx = "TE1001";
    /// <summary>The file ends in the middle of a protobuf field.</summary>
    public const string Truncated = "TE1002";
    /// <summary>The model imports no opset of the default domain ("" or "ai.onnx").</summary>
    public const string NoDefaultOpset = "TE1003";
    /// <summary>A node belongs to a domain other than the default one.</summary>
    public const string UnsupportedDomain = "TE1004";

    /// <summary>A tensor (initializer, Constant value, tensor attribute) has no name.</summary>
    public const string UnnamedTensor = "TE1010";
    /// <summary>Two initializers, graph inputs or node outputs share a name.</summary>
    public const string DuplicateName = "TE1011";
    /// <summary>A tensor keeps its data outside the model file.</summary>
    public const string ExternalData = "TE1012";
    /// <summary>A tensor or graph input/output has an element type TruncEdge does not read.</summary>
    public const string UnsupportedDataType = "TE1013";
    /// <summary>A tensor's dims are negative or multiply to more elements than an array holds.</summary>
    public const string BadDims = "TE1014";
    /// <summary>A tensor holds a different number of values (or raw bytes) than its dims need.</summary>
    public const string DataSizeMismatch = "TE1015";
    /// <summary>A floating-point tensor holds NaN or an infinity.</summary>
    public const string NonFiniteValue = "TE1016";
    /// <summary>An int32_data value does not fit the tensor's 8-bit element type.</summary>
    public const string ValueOutOfRange = "TE1017";
    /// <summary>Sparse or segmented tensors.</summary>
    public const string UnsupportedTensorForm = "TE1018";

    /// <summary>An attribute of a kind TruncEdge does not read (graph, strings, tensors, ...).</summary>
    public const string UnsupportedAttribute = "TE1020";
    /// <summary>An attribute without a name or value, given twice, or referring to a function's attribute.</summary>
    public const string BadAttribute = "TE1021";
    /// <summary>A Constant node that is not one output and one value.</summary>
    public const string BadConstant = "TE1022";

    /// <summary>A graph input or output that is not a tensor of a readable type.</summary>
    public const string BadGraphValue = "TE1030";

    /// <summary>A node input that nothing produces.</summary>
    public const string MissingInput = "TE1040";
    /// <summary>A node input produced by a later node.</summary>
    public const string NotTopological = "TE1041";
    /// <summary>A graph output that nothing produces.</summary>
    public const string MissingOutput = "TE1043";
    /// <summary>A node without an op type or without outputs.</summary>
    public const string BadNode = "TE1044";
    /// <summary>A metadata key given twice.</summary>
    public const string DuplicateMetadata = "TE1050";

    /// <summary>The model file could not be written.</summary>
    public const string CannotWrite = "TE1090";

    /// <summary>A truncquant.* metadata value is missing or malformed.</summary>
    public const string BadProfileMetadata = "TE1200";
    /// <summary>truncquant.profile names a version this TruncEdge does not know.</summary>
    public const string UnsupportedProfileVersion = "TE1201";
    /// <summary>Precomputed weight codes (W.tq_codes, W.tq_mean_abs) do not fit their weight.</summary>
    public const string BadPrecomputedCodes = "TE1210";
    /// <summary>A weight tensor is not a float tensor the profile can quantize.</summary>
    public const string BadWeight = "TE1211";
    /// <summary>A BatchNorm bit-width variant has some of its four tensors but not all.</summary>
    public const string IncompleteBatchNormVariant = "TE1220";
    /// <summary>A BatchNorm parameter is missing, not float, or of the wrong length.</summary>
    public const string BadBatchNormParams = "TE1221";
}
