using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace McpFunctions.Tests.Infra;

/// <summary>
/// A compiled ARM template, or the template of one module inside it, with just enough expression handling to
/// answer questions about values: literals, <c>parameters('x')</c> (the value the parent module passes, else the
/// default) and <c>variables('x')</c>. Anything computed is reported as unknown rather than guessed.
/// </summary>
public sealed partial class ArmTemplate
{
    private const string DeploymentType = "Microsoft.Resources/deployments";

    private readonly JsonObject? _deployment;
    private readonly ArmTemplate? _parent;

    public ArmTemplate(JsonObject json, JsonObject? deployment, ArmTemplate? parent)
    {
        Json = json;
        _deployment = deployment;
        _parent = parent;
    }

    public JsonObject Json { get; }

    public JsonObject Parameters => Json["parameters"]?.AsObject() ?? [];

    public JsonObject Variables => Json["variables"]?.AsObject() ?? [];

    public JsonObject Outputs => Json["outputs"]?.AsObject() ?? [];

    /// <summary>The resources this template declares itself (language version 2.0 keeps them in an object).</summary>
    public IEnumerable<ArmResource> OwnResources => Json["resources"] switch
    {
        JsonArray array => array.Select(r => new ArmResource(r!.AsObject(), this)),
        JsonObject byName => byName.Select(r => new ArmResource(r.Value!.AsObject(), this)),
        _ => [],
    };

    /// <summary>Every resource in this template and, recursively, in the modules it deploys.</summary>
    public IEnumerable<ArmResource> AllResources => OwnResources.SelectMany(resource =>
        resource.Type == DeploymentType
            ? [resource, .. ModuleOf(resource).AllResources]
            : new[] { resource });

    public ArmTemplate Module(string name)
    {
        var deployment = OwnResources.SingleOrDefault(r => r.Type == DeploymentType && (string?)r.Json["name"] == name)
            ?? throw new InvalidOperationException($"No module deployment named '{name}'.");
        return ModuleOf(deployment);
    }

    /// <summary>The value a template expression or literal stands for, or null when it is computed at deploy time.</summary>
    public JsonNode? Resolve(JsonNode? value)
    {
        switch (value)
        {
            case JsonArray array:
                return new JsonArray(array.Select(Resolve).ToArray());
            case JsonObject obj:
                return new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Resolve(p.Value))));
            case JsonValue scalar when scalar.TryGetValue(out string? text):
                if (text.StartsWith("[[", StringComparison.Ordinal))
                {
                    return JsonValue.Create(text[1..]);
                }

                return text.StartsWith('[') && text.EndsWith(']') ? ResolveExpression(text[1..^1].Trim()) : JsonValue.Create(text);
            default:
                return value?.DeepClone();
        }
    }

    /// <summary>Resolves a bare expression (no brackets), e.g. one captured from inside a larger expression.</summary>
    public JsonNode? ResolveExpression(string expression)
    {
        if (ParameterReference().Match(expression) is { Success: true } parameter)
        {
            var name = parameter.Groups[1].Value;
            var passed = _deployment?["properties"]?["parameters"]?[name]?["value"];
            return passed is not null && _parent is not null
                ? _parent.Resolve(passed)
                : Resolve(Parameters[name]?["defaultValue"]);
        }

        if (VariableReference().Match(expression) is { Success: true } variable)
        {
            return Resolve(Variables[variable.Groups[1].Value]);
        }

        return StringLiteral().Match(expression) is { Success: true } literal ? JsonValue.Create(literal.Groups[1].Value) : null;
    }

    /// <summary>Every string in <paramref name="node"/> and in the variables it refers to, transitively.</summary>
    public IEnumerable<string> ReachableStrings(JsonNode? node) => Reachable(node).OfType<JsonValue>()
        .Select(v => v.TryGetValue(out string? text) ? text : null).OfType<string>();

    /// <summary>Every object key in <paramref name="node"/> and in the variables it refers to, transitively.</summary>
    public IEnumerable<string> ReachableObjectKeys(JsonNode? node) => Reachable(node).OfType<JsonObject>().SelectMany(o => o.Select(p => p.Key));

    private IEnumerable<JsonNode> Reachable(JsonNode? start)
    {
        var visitedVariables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<JsonNode?>([start]);
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case null:
                    continue;
                case JsonArray array:
                    array.ToList().ForEach(pending.Push);
                    break;
                case JsonObject obj:
                    obj.Select(p => p.Value).ToList().ForEach(pending.Push);
                    break;
                case JsonValue scalar when scalar.TryGetValue(out string? text):
                    foreach (Match reference in VariableReferenceInside().Matches(text))
                    {
                        var name = reference.Groups[1].Value;
                        if (visitedVariables.Add(name))
                        {
                            pending.Push(Variables[name]);
                        }
                    }

                    break;
            }

            yield return node;
        }
    }

    private ArmTemplate ModuleOf(ArmResource deployment) =>
        new(deployment.Json["properties"]!["template"]!.AsObject(), deployment.Json, this);

    [GeneratedRegex(@"^parameters\('([^']+)'\)$")]
    private static partial Regex ParameterReference();

    [GeneratedRegex(@"^variables\('([^']+)'\)$")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"variables\('([^']+)'\)")]
    private static partial Regex VariableReferenceInside();

    [GeneratedRegex(@"^'([^']*)'$")]
    private static partial Regex StringLiteral();
}
