namespace McpFunctions.Sessions.Streams;

/// <summary>Stored state of a POST response stream: its mode, whether its writer finished, and who writes it.</summary>
internal sealed record PostStreamState(bool Polling, bool Completed, string WriterInstance);
