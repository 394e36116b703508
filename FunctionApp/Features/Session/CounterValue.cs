namespace McpFunctions.Features.Session;

/// <summary>Result of session_increment.</summary>
internal sealed record CounterValue(string Key, long Value);
