namespace McpFunctions.Features.Session;

/// <summary>Result of session_increment.</summary>
public sealed record CounterValue(string Key, long Value);
