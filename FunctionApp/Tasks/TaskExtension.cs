namespace McpFunctions.Tasks;

/// <summary>Names of the tasks extension (SEP-2663).</summary>
internal static class TaskExtension
{
    public const string Name = "io.modelcontextprotocol/tasks";

    /// <summary>The protocol revision the extension belongs to.</summary>
    public const string Revision = "2026-07-28";
}
