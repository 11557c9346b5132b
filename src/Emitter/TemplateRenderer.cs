using HandlebarsDotNet;

namespace TruncEdge.Emitter;

/// <summary>
/// Prints emit models through the Handlebars templates embedded from Templates/*.hbs (partials
/// from Templates/partials/*.hbs, registered under their file name). No escaping: the emit model
/// already holds final C and Markdown text. A binding the model does not have is an error,
/// never an empty string. Output uses "\n" line endings whatever the template files had.
/// One instance per emitter; it keeps no state beyond its compiled templates.
/// </summary>
internal sealed class TemplateRenderer
{
    private const string Prefix = "templates/";
    private readonly Dictionary<string, HandlebarsTemplate<object, object>> _templates = new(StringComparer.Ordinal);

    public TemplateRenderer()
    {
        var handlebars = Handlebars.Create(new HandlebarsConfiguration
        {
            ThrowOnUnresolvedBindingExpression = true,
            TextEncoder = null,
        });
        var assembly = typeof(TemplateRenderer).Assembly;
        // (resource name, name with '/' separators): RecursiveDir uses '\\' when built on Windows.
        var resources = assembly.GetManifestResourceNames()
            .Select(n => (Resource: n, Name: n.Replace('\\', '/')))
            .Where(r => r.Name.StartsWith(Prefix, StringComparison.Ordinal) && r.Name.EndsWith(".hbs", StringComparison.Ordinal))
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var (resource, name) in resources.Where(r => r.Name.StartsWith(Prefix + "partials/", StringComparison.Ordinal)))
        {
            handlebars.RegisterTemplate(name[(Prefix + "partials/").Length..^".hbs".Length], Load(assembly, resource));
        }

        foreach (var (resource, name) in resources.Where(r => !r.Name.StartsWith(Prefix + "partials/", StringComparison.Ordinal)))
        {
            _templates[name[Prefix.Length..^".hbs".Length]] = handlebars.Compile(Load(assembly, resource));
        }
    }

    /// <summary>Renders template <paramref name="name"/> (file name without .hbs, e.g. "model.c").</summary>
    public string Render(string name, object model)
    {
        if (!_templates.TryGetValue(name, out var template))
        {
            throw new InvalidOperationException($"template '{name}.hbs' is not embedded in TruncEdge.Emitter");
        }

        return RuntimeSources.NormaliseText(template(model));
    }

    private static string Load(System.Reflection.Assembly assembly, string name) =>
        RuntimeSources.NormaliseText(RuntimeSources.ReadResource(assembly, name));
}
