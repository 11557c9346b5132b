using TruncEdge.Model.TruncQuant;
using TruncEdge.Trainer.Layers;
using TruncEdge.Trainer.Quantization;
using TruncEdge.Trainer.Tensors;

namespace TruncEdge.Trainer.Zoo;

/// <summary>
/// The model zoo. Every model uses only the patterns the compiler supports:
/// conv -> BN -> activation quantizer; ResNet blocks conv-BN-act-conv-BN-Add(shortcut)-act with an
/// identity or 1x1 conv-BN shortcut; pooling on quantized activations; and before the classifier
/// GlobalAveragePool -> 8-bit activation quantizer -> Flatten -> Gemm (logits, not quantized).
/// The first and the last weight layers are pinned at 8 bits (the compiler never truncates them),
/// and the BatchNorm after the first layer is shared by all members.
/// </summary>
public static class ModelZoo
{
    public static IReadOnlyList<string> Architectures { get; } = ["mlp", "cnn", "resnet8", "resnet20", "dscnn"];

    /// <summary>Builds an architecture with freshly initialized weights (Kaiming normal for
    /// convolutions, PyTorch's uniform for hidden dense layers, U(-1, 1) for the classifier), drawn from <paramref name="rng"/>.</summary>
    public static Network Create(string architecture, InputShape input, int activationBits, WeightQuantizer quantizer, Rng rng)
    {
        var b = new Builder(quantizer, activationBits);
        Layer root = architecture.ToLowerInvariant() switch
        {
            "mlp" => Mlp(b, input, [256, 256, 256]),
            "cnn" => SmallCnn(b, input),
            "resnet8" => ResNet(b, input, blocksPerStage: 1),
            "resnet20" => ResNet(b, input, blocksPerStage: 3),
            "dscnn" => DsCnn(b, input),
            _ => throw new ArgumentException(
                $"unknown model '{architecture}'; expected one of {string.Join(", ", Architectures)}", nameof(architecture)),
        };
        var net = new Network(architecture.ToLowerInvariant(), root, input, activationBits, quantizer);
        Initialize(net, rng);
        return net;
    }

    private static Sequential Mlp(Builder b, InputShape input, int[] hidden)
    {
        var layers = new List<Layer> { new Flatten("flatten") };
        int f = input.Channels * input.Height * input.Width;
        for (int i = 0; i < hidden.Length; i++)
        {
            bool first = i == 0;
            layers.Add(new Dense($"fc{i + 1}", f, hidden[i], bias: false, b.Quantizer, pinned: first));
            layers.Add(new BatchNorm($"bn{i + 1}", hidden[i], shared: first));
            layers.Add(b.Act($"act{i + 1}"));
            f = hidden[i];
        }
        layers.Add(new Dense($"fc{hidden.Length + 1}", f, input.Classes, bias: true, b.Quantizer, pinned: true));
        return new Sequential("mlp", [.. layers]);
    }

    private static Sequential SmallCnn(Builder b, InputShape input)
    {
        var layers = new List<Layer>();
        layers.AddRange(b.ConvBnAct("conv1", ConvSpec.Square(input.Channels, 16, 3), pinned: true));
        layers.Add(new MaxPool2d("pool1", PoolSpec.Square(2)));
        layers.AddRange(b.ConvBnAct("conv2", ConvSpec.Square(16, 32, 3), pinned: false));
        layers.Add(new MaxPool2d("pool2", PoolSpec.Square(2)));
        layers.AddRange(b.ConvBnAct("conv3", ConvSpec.Square(32, 64, 3), pinned: false));
        layers.AddRange(b.Head(64, input.Classes));
        return new Sequential("cnn", [.. layers]);
    }

    /// <summary>CIFAR-style ResNet: a 16-filter stem and three stages of 16, 32, 64 filters
    /// (strides 1, 2, 2). One block per stage is ResNet-8 (MLPerf Tiny), three is ResNet-20.</summary>
    private static Sequential ResNet(Builder b, InputShape input, int blocksPerStage)
    {
        var layers = new List<Layer>();
        layers.AddRange(b.ConvBnAct("conv1", ConvSpec.Square(input.Channels, 16, 3), pinned: true));
        int inC = 16;
        int[] widths = [16, 32, 64];
        for (int s = 0; s < widths.Length; s++)
        {
            for (int k = 0; k < blocksPerStage; k++)
            {
                int stride = s > 0 && k == 0 ? 2 : 1;
                layers.Add(b.Block($"stage{s + 1}.block{k + 1}", inC, widths[s], stride));
                inC = widths[s];
            }
        }
        layers.AddRange(b.Head(inC, input.Classes));
        return new Sequential(blocksPerStage == 1 ? "resnet8" : "resnet20", [.. layers]);
    }

    /// <summary>DS-CNN (MLPerf Tiny keyword spotting): a 10x4 stride-2 convolution with 64 filters
    /// ("same" padding), four depthwise 3x3 + pointwise 64 blocks, average pool, classifier.</summary>
    private static Sequential DsCnn(Builder b, InputShape input)
    {
        var layers = new List<Layer>();
        var (pt, pb) = SamePadding(input.Height, 10, 2);
        var (pl, pr) = SamePadding(input.Width, 4, 2);
        layers.AddRange(b.ConvBnAct("conv1", new ConvSpec(input.Channels, 64, 10, 4, 2, 2, pt, pl, pb, pr), pinned: true));
        for (int i = 1; i <= 4; i++)
        {
            layers.AddRange(b.ConvBnAct($"block{i}.dw", ConvSpec.Square(64, 64, 3, groups: 64), pinned: false));
            layers.AddRange(b.ConvBnAct($"block{i}.pw", ConvSpec.Square(64, 64, 1), pinned: false));
        }
        layers.AddRange(b.Head(64, input.Classes));
        return new Sequential("dscnn", [.. layers]);
    }

    /// <summary>TensorFlow's "same" padding for stride s: output ceil(in / s), extra padding at the end.</summary>
    private static (int Before, int After) SamePadding(int size, int kernel, int stride)
    {
        int outSize = (size + stride - 1) / stride;
        int total = Math.Max(0, (outSize - 1) * stride + kernel - size);
        return (total / 2, total - total / 2);
    }

    private static void Initialize(Network net, Rng rng)
    {
        foreach (var layer in net.WeightLayers)
        {
            switch (layer)
            {
                case Conv2d c:
                {
                    int fanIn = c.Spec.InChannels / c.Spec.Groups * c.Spec.KernelH * c.Spec.KernelW;
                    double std = Math.Sqrt(2.0 / fanIn);
                    for (int i = 0; i < c.Weight.Length; i++)
                    {
                        c.Weight.Value[i] = (float)(rng.NextGaussian() * std);
                    }
                    c.Weight.MarkChanged();
                    break;
                }
                case Dense d:
                {
                    // A quantized layer's weights are bounded by E = mean |latent| (w = E * s / n,
                    // |s| <= n). Every hidden layer is followed by a BatchNorm, so its scale does
                    // not matter; the classifier's does: with PyTorch's bound 1/sqrt(fan_in) the
                    // logits could barely exceed a few units. The classifier starts at U(-1, 1)
                    // (E = 0.5) and a zero bias.
                    bool classifier = d.Bias is not null;
                    double bound = classifier ? 1.0 : 1.0 / Math.Sqrt(d.InFeatures);
                    for (int i = 0; i < d.Weight.Length; i++)
                    {
                        d.Weight.Value[i] = (float)((2 * rng.NextDouble() - 1) * bound);
                    }
                    d.Weight.MarkChanged();
                    if (d.Bias is { } bias)
                    {
                        Array.Clear(bias.Value);
                        bias.MarkChanged();
                    }
                    break;
                }
            }
        }
    }

    /// <summary>Shared settings of the layers one model is made of.</summary>
    private sealed class Builder(WeightQuantizer quantizer, int activationBits)
    {
        public WeightQuantizer Quantizer => quantizer;

        public ActivationQuantizer Act(string name, int? bits = null) => new(name, bits ?? activationBits);

        /// <summary>conv -> BN -> act; the BN is shared when the conv is pinned.</summary>
        public Layer[] ConvBnAct(string name, ConvSpec spec, bool pinned) =>
        [
            new Conv2d(name, spec, quantizer, pinned),
            new BatchNorm(name + ".bn", spec.OutChannels, shared: pinned),
            Act(name + ".act"),
        ];

        public ResidualBlock Block(string name, int inC, int outC, int stride)
        {
            var branch = new Sequential(name + ".branch",
                new Conv2d(name + ".conv1", ConvSpec.Square(inC, outC, 3, stride), quantizer, pinned: false),
                new BatchNorm(name + ".conv1.bn", outC, shared: false),
                Act(name + ".conv1.act"),
                new Conv2d(name + ".conv2", ConvSpec.Square(outC, outC, 3), quantizer, pinned: false),
                new BatchNorm(name + ".conv2.bn", outC, shared: false));
            Sequential? shortcut = stride == 1 && inC == outC
                ? null
                : new Sequential(name + ".shortcut",
                    new Conv2d(name + ".shortcut", new ConvSpec(inC, outC, 1, 1, stride, stride), quantizer, pinned: false),
                    new BatchNorm(name + ".shortcut.bn", outC, shared: false));
            return new ResidualBlock(name, branch, shortcut, Act(name + ".act"));
        }

        /// <summary>GlobalAveragePool -> 8-bit activation quantizer -> Flatten -> Gemm (pinned).</summary>
        public Layer[] Head(int channels, int classes) =>
        [
            new GlobalAvgPool("pool"),
            Act("pool.act", 8),
            new Flatten("flatten"),
            new Dense("fc", channels, classes, bias: true, quantizer, pinned: true),
        ];
    }
}
