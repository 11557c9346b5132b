namespace TruncEdge.Trainer.Data;

/// <summary>
/// Labelled images as the microcontroller receives them: uint8 codes, sample-major, each sample
/// C x H x W (planes), real value code / 255.
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, int channels, int height, int width, int classes, byte[] images, byte[] labels)
    {
        int size = channels * height * width;
        if (size <= 0 || images.Length != labels.Length * size)
        {
            throw new ArgumentException($"{name}: {images.Length} image bytes do not match {labels.Length} samples of {channels}x{height}x{width}");
        }
        if (labels.Any(l => l >= classes))
        {
            throw new ArgumentException($"{name}: a label is outside [0, {classes})");
        }
        Name = name;
        Channels = channels;
        Height = height;
        Width = width;
        Classes = classes;
        Images = images;
        Labels = labels;
    }

    public string Name { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Classes { get; }
    public byte[] Images { get; }
    public byte[] Labels { get; }
    public int Count => Labels.Length;
    public int SampleSize => Channels * Height * Width;

    /// <summary>Sample i as stored: C planes of H x W codes (CHW).</summary>
    public ReadOnlySpan<byte> Sample(int i) => Images.AsSpan(i * SampleSize, SampleSize);

    /// <summary>Sample i in the integer Program's input layout, HWC (docs/integer-semantics.md):
    /// element (h, w, c) at (h*W + w)*C + c.</summary>
    public void CopySampleHwc(int i, Span<byte> destination)
    {
        if (destination.Length < SampleSize)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, a sample has {SampleSize}");
        }
        var s = Sample(i);
        int plane = Height * Width;
        for (int c = 0; c < Channels; c++)
        {
            for (int p = 0; p < plane; p++)
            {
                destination[p * Channels + c] = s[c * plane + p];
            }
        }
    }

    /// <summary>The first <paramref name="count"/> samples (or all, if fewer).</summary>
    public Dataset Take(int count)
    {
        int n = Math.Min(count, Count);
        return new Dataset(Name, Channels, Height, Width, Classes, Images[..(n * SampleSize)], Labels[..n]);
    }
}

/// <summary>A data set's training and test parts.</summary>
public sealed record DataSplit(Dataset Train, Dataset Test);

/// <summary>A data set's files are missing or malformed; the message says which file and how to fetch it.</summary>
public sealed class DataSetException(string message) : Exception(message);
