using Microsoft.AspNetCore.Authorization;

namespace McpFunctions.Auth;

/// <summary>
/// Marks a tool, prompt or resource as usable only by a caller whose token grants <paramref name="scope"/> (a delegated
/// scope, or an Entra app role of the same name). The MCP SDK's authorization filters hide it from lists for anyone
/// else; <see cref="ToolScopeStepUp"/> answers a call to a tool with 403 <c>insufficient_scope</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true)]
internal sealed class RequiresScopeAttribute(string scope) : AuthorizeAttribute(scope)
{
    public string Scope { get; } = scope;
}
