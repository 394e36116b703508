using System.Text.Json.Nodes;

namespace McpFunctions.Tests.Infra;

/// <summary>One resource of a compiled template, with the template that declares it (for resolving its values).</summary>
public sealed record ArmResource(JsonObject Json, ArmTemplate Template)
{
    public string Type => (string)Json["type"]!;

    /// <summary>True for <c>existing</c> references, which Bicep keeps in the template but ARM does not deploy.</summary>
    public bool IsExisting => Json["existing"]?.GetValue<bool>() == true;

    public JsonObject Properties => Json["properties"]?.AsObject() ?? [];

    /// <summary>A property resolved to its value (null when computed at deploy time).</summary>
    public JsonNode? Resolved(string path) => Template.Resolve(Lookup(path));

    public JsonNode? Lookup(string path)
    {
        JsonNode? node = Json;
        foreach (var part in path.Split('.'))
        {
            node = node?[part];
        }

        return node;
    }
}
