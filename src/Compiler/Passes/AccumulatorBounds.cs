namespace TruncEdge.Compiler.Passes;

/// <summary>Worst-case |accumulator| per output channel: sum |s| * (2^b_in - 1) over the channel's weights.</summary>
public static class AccumulatorBounds
{
    public static long[] PerChannel(byte[] codes, int outChannels, int k, int maxInputCode)
    {
        var per = codes.Length / outChannels;
        var n = (1 << k) - 1;
        var result = new long[outChannels];
        for (var c = 0; c < outChannels; c++)
        {
            long sum = 0;
            for (var i = 0; i < per; i++)
                sum += Math.Abs(2 * (codes[c * per + i] >> (8 - k)) - n);
            result[c] = sum * maxInputCode;
        }
        return result;
    }
}
