using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Data;

/// <summary>
/// Turns samples into a feature-major float batch [C, N, H, W] with values code / 255 and the
/// matching labels, applying augmentation. Random draws happen in sample order from one
/// generator, so a seed fixes the batch exactly; copying then runs in parallel.
/// </summary>
public sealed class BatchAssembler
{
    private readonly Tensors.Buffer _images = new();
    private int[] _labels = [];

    public (Tensor Images, int[] Labels) Assemble(ComputeContext ctx, Dataset ds, ReadOnlySpan<int> indices,
        Augmentation augmentation, Rng? rng)
    {
        int n = indices.Length, c = ds.Channels, h = ds.Height, w = ds.Width;
        var x = _images.Get(false, c, n, h, w);
        if (_labels.Length != n)
        {
            _labels = new int[n];
        }
        var idx = indices.ToArray();
        var shift = new (int Dy, int Dx, bool Flip)[n];
        for (int i = 0; i < n; i++)
        {
            _labels[i] = ds.Labels[idx[i]];
            if (!augmentation.IsNone)
            {
                var r = rng ?? throw new ArgumentNullException(nameof(rng), "augmentation needs a random generator");
                int p = augmentation.CropPadding;
                int dy = p > 0 ? r.NextInt(2 * p + 1) - p : 0;
                int dx = p > 0 ? r.NextInt(2 * p + 1) - p : 0;
                bool flip = augmentation.HorizontalFlip && r.NextInt(2) == 1;
                shift[i] = (dy, dx, flip);
            }
        }

        var data = x.Data;
        ctx.ForRange(n, 32, (s, e) =>
        {
            for (int i = s; i < e; i++)
            {
                var src = ds.Sample(idx[i]);
                var (dy, dx, flip) = shift[i];
                for (int ch = 0; ch < c; ch++)
                {
                    int dst0 = (ch * n + i) * h * w;
                    for (int y = 0; y < h; y++)
                    {
                        int sy = y + dy;
                        for (int xo = 0; xo < w; xo++)
                        {
                            int sx = (flip ? w - 1 - xo : xo) + dx;
                            data[dst0 + y * w + xo] = (uint)sy < (uint)h && (uint)sx < (uint)w
                                ? src[(ch * h + sy) * w + sx] / 255f
                                : 0f;
                        }
                    }
                }
            }
        });
        return (x, _labels);
    }
}
