using System.Text.Json.Nodes;

namespace McpFunctions.Tests.Infra;

/// <summary>One invocation of a stand-in command: its arguments, and the file it was handed as <c>@path</c>, if any.</summary>
public sealed record CliCall(string Tool, IReadOnlyList<string> Arguments, string? Body)
{
    public string CommandLine => string.Join(' ', Arguments);

    /// <summary>True when the call starts with these words, e.g. <c>Is("ad", "app", "create")</c>.</summary>
    public bool Is(params string[] words) =>
        Arguments.Count >= words.Length && Arguments.Take(words.Length).SequenceEqual(words, StringComparer.Ordinal);

    /// <summary>The value after <paramref name="name"/>, or null.</summary>
    public string? Option(string name)
    {
        var index = Arguments.ToList().IndexOf(name);
        return index >= 0 && index + 1 < Arguments.Count ? Arguments[index + 1] : null;
    }

    /// <summary>Every value after <paramref name="name"/> up to the next option (az takes lists as separate words).</summary>
    public IReadOnlyList<string> Values(string name) =>
        Arguments.SkipWhile(a => a != name).Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();

    public JsonObject BodyJson => JsonNode.Parse(Body ?? throw new InvalidOperationException($"'{Tool} {CommandLine}' was handed no file."))!.AsObject();

    public override string ToString() => $"{Tool} {CommandLine}";
}
