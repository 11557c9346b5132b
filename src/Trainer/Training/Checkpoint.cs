using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TruncEdge.Trainer.Optim;
using TruncEdge.Trainer.Zoo;

namespace TruncEdge.Trainer.Training;

/// <summary>
/// A training checkpoint: the options, how many epochs are done, the data-order random state,
/// every parameter, every BatchNorm's running statistics and the optimizer state. Written
/// atomically (temporary file, then rename), so an interrupted write leaves the previous one.
/// Binary, little-endian: "TECK", version, options as JSON, then named float arrays.
/// </summary>
public sealed class Checkpoint
{
    private const uint Magic = 0x4B434554; // "TECK"
    private const int Version = 1;

    public required TrainOptions Options { get; init; }
    public required int EpochsCompleted { get; init; }
    public required long OptimizerSteps { get; init; }
    public required ulong[] DataRngState { get; init; }
    /// <summary>Named arrays: "param:NAME", "bn:NAME.mean"/".var", "opt:NAME".</summary>
    public required IReadOnlyDictionary<string, float[]> Arrays { get; init; }

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = false,
    };

    /// <summary>Captures the state of a network and its optimizer.</summary>
    public static Checkpoint Capture(TrainOptions options, int epochsCompleted, Network net, Optimizer optimizer, ulong[] dataRngState)
    {
        var arrays = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var p in net.Parameters)
        {
            arrays["param:" + p.Name] = (float[])p.Value.Clone();
        }
        foreach (var bn in net.BatchNorms)
        {
            foreach (var st in bn.States)
            {
                arrays["bn:" + st.StatisticsName + ".mean"] = (float[])st.RunningMean.Clone();
                arrays["bn:" + st.StatisticsName + ".var"] = (float[])st.RunningVar.Clone();
            }
        }
        foreach (var (name, values) in optimizer.State())
        {
            arrays["opt:" + name] = (float[])values.Clone();
        }
        return new Checkpoint
        {
            Options = options,
            EpochsCompleted = epochsCompleted,
            OptimizerSteps = optimizer.Steps,
            DataRngState = dataRngState,
            Arrays = arrays,
        };
    }

    /// <summary>Copies the saved state into a network built from the same options, and its optimizer.</summary>
    public void Restore(Network net, Optimizer? optimizer)
    {
        foreach (var p in net.Parameters)
        {
            Copy("param:" + p.Name, p.Value);
            p.MarkChanged();
        }
        foreach (var bn in net.BatchNorms)
        {
            foreach (var st in bn.States)
            {
                Copy("bn:" + st.StatisticsName + ".mean", st.RunningMean);
                Copy("bn:" + st.StatisticsName + ".var", st.RunningVar);
            }
        }
        if (optimizer is not null)
        {
            foreach (var (name, values) in optimizer.State())
            {
                Copy("opt:" + name, values);
            }
            optimizer.RestoreSteps(OptimizerSteps);
        }
    }

    private void Copy(string name, float[] destination)
    {
        if (!Arrays.TryGetValue(name, out var v) || v.Length != destination.Length)
        {
            throw new CheckpointException($"checkpoint has no '{name}' of {destination.Length} values; was it written for another model?");
        }
        v.CopyTo(destination, 0);
    }

    public void Save(string path)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var w = new BinaryWriter(File.Create(tmp), Encoding.UTF8))
            {
                w.Write(Magic);
                w.Write(Version);
                w.Write(JsonSerializer.Serialize(Options, JsonOptions));
                w.Write(EpochsCompleted);
                w.Write(OptimizerSteps);
                foreach (var s in DataRngState)
                {
                    w.Write(s);
                }
                w.Write(Arrays.Count);
                foreach (var (name, values) in Arrays.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.Write(name);
                    w.Write(values.Length);
                    foreach (var v in values)
                    {
                        w.Write(v);
                    }
                }
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    public static Checkpoint Load(string path)
    {
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadUInt32() != Magic)
            {
                throw new CheckpointException($"{path}: not a TruncEdge checkpoint");
            }
            int version = r.ReadInt32();
            if (version != Version)
            {
                throw new CheckpointException($"{path}: checkpoint version {version}, this TruncEdge reads {Version}");
            }
            var options = JsonSerializer.Deserialize<TrainOptions>(r.ReadString(), JsonOptions)
                ?? throw new CheckpointException($"{path}: no options");
            int epochs = r.ReadInt32();
            long steps = r.ReadInt64();
            var rng = new ulong[4];
            for (int i = 0; i < 4; i++)
            {
                rng[i] = r.ReadUInt64();
            }
            int count = r.ReadInt32();
            var arrays = new Dictionary<string, float[]>(StringComparer.Ordinal);
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                int n = r.ReadInt32();
                if (n < 0 || n > (r.BaseStream.Length - r.BaseStream.Position) / 4)
                {
                    throw new CheckpointException($"{path}: array '{name}' claims {n} values; the file is truncated or corrupt");
                }
                var v = new float[n];
                for (int j = 0; j < n; j++)
                {
                    v[j] = r.ReadSingle();
                }
                arrays[name] = v;
            }
            return new Checkpoint { Options = options, EpochsCompleted = epochs, OptimizerSteps = steps, DataRngState = rng, Arrays = arrays };
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or JsonException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{path}: cannot read checkpoint ({e.Message})");
        }
    }
}

/// <summary>A checkpoint file is missing, truncated or belongs to another model.</summary>
public sealed class CheckpointException(string message) : Exception(message);
