namespace McpFunctions.Features;

/// <summary>
/// A request a feature cannot carry out, for a reason the caller can act on. Features throw these instead of
/// protocol exceptions; <c>Mcp/DomainErrors</c> turns them into MCP errors in one place (an <c>isError</c> tool
/// result, or InvalidParams for prompts, resources and completions).
/// </summary>
internal abstract class DomainException(string message) : Exception(message);

/// <summary>An argument is missing, malformed or out of range; the message says what to send instead.</summary>
internal sealed class InvalidArgumentException(string message) : DomainException(message);

/// <summary>The named item does not exist for the caller (or belongs to someone else, which looks the same).</summary>
internal sealed class NotFoundException(string message) : DomainException(message);

/// <summary>The item kept changing under concurrent writers, past the retries; the caller can simply try again.</summary>
internal sealed class ConflictException(string message) : DomainException(message);

/// <summary>A service the feature depends on refused or failed; the message says whether to retry or to sign in again.</summary>
internal sealed class DependencyException(string message) : DomainException(message);
