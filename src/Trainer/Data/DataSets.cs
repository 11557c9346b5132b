using System.Buffers.Binary;
using System.IO.Compression;

namespace TruncEdge.Trainer.Data;

/// <summary>
/// Loaders for the data sets scripts/fetch-data.sh puts into the cache folder
/// ($TRUNCEDGE_DATA, default ~/.cache/truncedge/data): digits (8x8, sklearn), mnist, fashion
/// (Fashion-MNIST) and cifar10. See docs/training.md.
/// </summary>
public static class DataSets
{
    public static IReadOnlyList<string> Names { get; } = ["digits", "mnist", "fashion", "cifar10"];

    /// <summary>$TRUNCEDGE_DATA, or ~/.cache/truncedge/data.</summary>
    public static string DefaultRoot()
    {
        var env = Environment.GetEnvironmentVariable("TRUNCEDGE_DATA");
        return !string.IsNullOrEmpty(env)
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "truncedge", "data");
    }

    public static DataSplit Load(string name, string? root = null)
    {
        root ??= DefaultRoot();
        return name.ToLowerInvariant() switch
        {
            "digits" => Digits(Path.Combine(root, "digits")),
            "mnist" => Idx("mnist", Path.Combine(root, "mnist")),
            "fashion" or "fashion-mnist" => Idx("fashion", Path.Combine(root, "fashion")),
            "cifar10" or "cifar-10" => Cifar10(Path.Combine(root, "cifar10")),
            _ => throw new DataSetException($"unknown data set '{name}'; expected one of {string.Join(", ", Names)}"),
        };
    }

    /// <summary>
    /// sklearn's 8x8 digits: 1,797 samples of 64 values 0..16 and a label. A value v becomes the
    /// byte code round(v * 255 / 16) with ties up, i.e. (255 v + 8) / 16 in integers (16 -> 255,
    /// 8 -> 128). Sample i goes to the test part when i % 5 == 4 (359 test, 1,438 train).
    /// </summary>
    public static DataSplit Digits(string folder)
    {
        string path = Path.Combine(folder, "digits.csv.gz");
        Require(path, "digits");
        var images = new List<byte>[2] { [], [] };
        var labels = new List<byte>[2] { [], [] };
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        int index = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            var parts = line.Split(',');
            if (parts.Length != 65)
            {
                throw new DataSetException($"{path}: line {index + 1} has {parts.Length} fields, expected 65");
            }
            int part = index % 5 == 4 ? 1 : 0;
            for (int i = 0; i < 64; i++)
            {
                int v = (int)double.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture);
                if (v is < 0 or > 16)
                {
                    throw new DataSetException($"{path}: line {index + 1} has value {v} outside 0..16");
                }
                images[part].Add((byte)((255 * v + 8) / 16));
            }
            labels[part].Add((byte)int.Parse(parts[64], System.Globalization.CultureInfo.InvariantCulture));
            index++;
        }
        return new DataSplit(
            new Dataset("digits", 1, 8, 8, 10, [.. images[0]], [.. labels[0]]),
            new Dataset("digits", 1, 8, 8, 10, [.. images[1]], [.. labels[1]]));
    }

    /// <summary>MNIST-format IDX files (uncompressed, or .gz beside them).</summary>
    public static DataSplit Idx(string name, string folder) => new(
        ReadIdx(name, folder, "train"),
        ReadIdx(name, folder, "t10k"));

    /// <summary>CIFAR-10 binary batches: records of 1 label byte + 3,072 bytes (R, G, B planes of 32x32).</summary>
    public static DataSplit Cifar10(string folder)
    {
        var train = Enumerable.Range(1, 5).Select(i => Path.Combine(folder, $"data_batch_{i}.bin")).ToArray();
        return new DataSplit(ReadCifar(train), ReadCifar([Path.Combine(folder, "test_batch.bin")]));
    }

    private static Dataset ReadCifar(string[] files)
    {
        const int record = 1 + 3072;
        var images = new List<byte[]>();
        var labels = new List<byte>();
        foreach (var f in files)
        {
            Require(f, "cifar10");
            var bytes = File.ReadAllBytes(f);
            if (bytes.Length % record != 0)
            {
                throw new DataSetException($"{f}: {bytes.Length} bytes is not a whole number of {record}-byte records");
            }
            for (int r = 0; r < bytes.Length / record; r++)
            {
                labels.Add(bytes[r * record]);
                images.Add(bytes.AsSpan(r * record + 1, 3072).ToArray());
            }
        }
        return new Dataset("cifar10", 3, 32, 32, 10, images.SelectMany(x => x).ToArray(), [.. labels]);
    }

    private static Dataset ReadIdx(string name, string folder, string prefix)
    {
        var imageBytes = ReadMaybeGz(Path.Combine(folder, $"{prefix}-images-idx3-ubyte"), name);
        var labelBytes = ReadMaybeGz(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte"), name);
        if (imageBytes.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(imageBytes) != 0x803)
        {
            throw new DataSetException($"{folder}/{prefix}-images-idx3-ubyte: not an IDX image file (magic 0x00000803)");
        }
        if (labelBytes.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(labelBytes) != 0x801)
        {
            throw new DataSetException($"{folder}/{prefix}-labels-idx1-ubyte: not an IDX label file (magic 0x00000801)");
        }
        int n = BinaryPrimitives.ReadInt32BigEndian(imageBytes.AsSpan(4));
        int h = BinaryPrimitives.ReadInt32BigEndian(imageBytes.AsSpan(8));
        int w = BinaryPrimitives.ReadInt32BigEndian(imageBytes.AsSpan(12));
        int nl = BinaryPrimitives.ReadInt32BigEndian(labelBytes.AsSpan(4));
        if (n != nl || imageBytes.Length != 16 + (long)n * h * w || labelBytes.Length != 8 + n)
        {
            throw new DataSetException($"{folder}: {prefix} image and label files disagree or are truncated");
        }
        return new Dataset(name, 1, h, w, 10, imageBytes[16..], labelBytes[8..]);
    }

    private static byte[] ReadMaybeGz(string path, string name)
    {
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }
        if (File.Exists(path + ".gz"))
        {
            using var gz = new GZipStream(File.OpenRead(path + ".gz"), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            return ms.ToArray();
        }
        Require(path, name);
        return [];
    }

    private static void Require(string path, string name)
    {
        if (!File.Exists(path))
        {
            throw new DataSetException($"{path} not found; run scripts/fetch-data.sh {name} (or set TRUNCEDGE_DATA)");
        }
    }
}
