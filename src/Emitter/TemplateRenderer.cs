using Scriban;
using Scriban.Runtime;

namespace TruncEdge.Emitter;

/// <summary>
/// Prints emit models through the Scriban templates embedded from Templates/*.sbn. Templates see
/// the model's members under camelCase names (<c>source.ops</c>, <c>op.calls</c>). No escaping:
/// the emit model already holds final C and Markdown text. A binding the model does not have is
/// an error, never an empty string, and no limit of Scriban's truncates or stops a big model.
/// Output uses "\n" line endings whatever the template files had. One instance per emitter; it
/// keeps no state beyond its parsed templates (a render gets its own context).
/// </summary>
internal sealed class TemplateRenderer
{
    private const string Prefix = "templates/";
    private const string Extension = ".sbn";
    private static readonly MemberRenamerDelegate CamelCase = member => char.ToLowerInvariant(member.Name[0]) + member.Name[1..];

    private readonly Dictionary<string, Template> _templates;

    public TemplateRenderer()
    {
        var assembly = typeof(TemplateRenderer).Assembly;
        _templates = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(Extension, StringComparison.Ordinal))
            .ToDictionary(n => n[Prefix.Length..^Extension.Length], n => Parse(n, RuntimeSources.NormaliseText(RuntimeSources.ReadResource(assembly, n))),
                StringComparer.Ordinal);
    }

    /// <summary>Renders template <paramref name="name"/> (file name without .sbn, e.g. "model.c").</summary>
    public string Render(string name, object model)
    {
        if (!_templates.TryGetValue(name, out var template))
        {
            throw new InvalidOperationException($"template '{name}{Extension}' is not embedded in TruncEdge.Emitter");
        }

        var globals = new ScriptObject();
        globals.Import(model, renamer: CamelCase);
        var context = new TemplateContext
        {
            StrictVariables = true, // an unknown variable throws
            EnableRelaxedMemberAccess = false, // so does an unknown member, or a member of null
            MemberRenamer = CamelCase,
            LoopLimit = 0, // Scriban stops a loop after 1000 items by default: a layer has more code lines
            LimitToString = 0, // and truncates a string past 1 MiB
        };
        context.PushGlobal(globals);
        return RuntimeSources.NormaliseText(template.Render(context));
    }

    private static Template Parse(string name, string text)
    {
        var template = Template.Parse(text, name);
        return template.HasErrors
            ? throw new InvalidOperationException($"template '{name}' does not parse: " + string.Join("; ", template.Messages))
            : template;
    }
}
