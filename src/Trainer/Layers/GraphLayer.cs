using TruncEdge.Trainer.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace TruncEdge.Trainer.Layers;

/// <summary>
/// A directed acyclic graph of layers over numbered values (value 0 is the input): each step is a
/// single-input layer or an elementwise Add of two values. Used for models read from ONNX, whose
/// residual structure is arbitrary. Backward runs the steps in reverse and adds the gradients of
/// values that feed several steps.
/// </summary>
public sealed class GraphLayer : Layer
{
    private readonly Step[] _steps;
    private readonly int _values;
    private readonly int _output;
    private readonly Tensors.Buffer[] _sums;
    private readonly Tensors.Buffer[] _grads;
    private Tensor?[] _forward = [];

    public GraphLayer(string name, IReadOnlyList<Step> steps, int values, int output) : base(name)
    {
        _steps = [.. steps];
        _values = values;
        _output = output;
        _sums = Enumerable.Range(0, _steps.Length).Select(_ => new Tensors.Buffer()).ToArray();
        _grads = Enumerable.Range(0, values).Select(_ => new Tensors.Buffer()).ToArray();
        for (int i = 0; i < _steps.Length; i++)
        {
            var s = _steps[i];
            if (s.Inputs.Any(v => v < 0 || v >= s.Output) || s.Output >= values || (s.Layer is null) != (s.Inputs.Length == 2))
            {
                throw new ArgumentException($"{name}: step {i} is malformed or not in topological order");
            }
        }
    }

    /// <summary>One step: a layer applied to Inputs[0], or (Layer null) Inputs[0] + Inputs[1].</summary>
    public sealed record Step(Layer? Layer, int[] Inputs, int Output);

    public IReadOnlyList<Step> Steps => _steps;

    public override IReadOnlyList<Layer> Children => _steps.Where(s => s.Layer is not null).Select(s => s.Layer!).ToList();

    public override Tensor Forward(Tensor x, PassContext ctx)
    {
        _forward = new Tensor?[_values];
        _forward[0] = x;
        for (int i = 0; i < _steps.Length; i++)
        {
            var s = _steps[i];
            if (s.Layer is not null)
            {
                _forward[s.Output] = s.Layer.Forward(_forward[s.Inputs[0]]!, ctx);
            }
            else
            {
                var a = _forward[s.Inputs[0]]!;
                var b = _forward[s.Inputs[1]]!;
                if (!a.Shape.AsSpan().SequenceEqual(b.Shape))
                {
                    throw new ArgumentException($"{Name}: Add of {a} and {b}");
                }
                var sum = _sums[i].Get(false, a.Shape);
                TensorPrimitives.Add(a.Span, b.Span, sum.Span);
                _forward[s.Output] = sum;
            }
        }
        return _forward[_output] ?? throw new InvalidOperationException($"{Name}: the output value is never computed");
    }

    public override Tensor? Backward(Tensor dy, PassContext ctx)
    {
        var grads = new Tensor?[_values];
        Add(grads, _output, dy);
        for (int i = _steps.Length - 1; i >= 0; i--)
        {
            var s = _steps[i];
            var g = grads[s.Output];
            if (g is null)
            {
                continue;
            }
            if (s.Layer is not null)
            {
                var dx = s.Layer.Backward(g, ctx);
                if (dx is not null)
                {
                    Add(grads, s.Inputs[0], dx);
                }
            }
            else
            {
                Add(grads, s.Inputs[0], g);
                Add(grads, s.Inputs[1], g);
            }
        }
        return grads[0];
    }

    /// <summary>grads[v] += d, in the value's own buffer (a layer's gradient buffer is never aliased).</summary>
    private void Add(Tensor?[] grads, int v, Tensor d)
    {
        if (grads[v] is null)
        {
            var t = _grads[v].Get(false, d.Shape);
            d.Span.CopyTo(t.Span);
            grads[v] = t;
        }
        else
        {
            TensorPrimitives.Add(grads[v]!.Span, d.Span, grads[v]!.Span);
        }
    }
}
