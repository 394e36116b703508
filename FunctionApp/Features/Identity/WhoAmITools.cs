using System.ComponentModel;
using System.Security.Claims;
using McpFunctions.Auth;

namespace McpFunctions.Features.Identity;

/// <summary>Tells the model (and the developer) who the server thinks is calling.</summary>
[McpServerToolType]
internal sealed class WhoAmITools
{
    [McpServerTool(Name = "whoami", Title = "Who am I", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Returns the signed-in identity this server acts for (id, name, sign-in method, granted scopes) and the current MCP session and protocol version.")]
    public static WhoAmI WhoAmI(ClaimsPrincipal? user, McpServer server)
    {
        var caller = Caller.From(user);
        return new WhoAmI(
            caller.Id,
            caller.Name,
            caller.AuthenticationMethod,
            caller.Scopes,
            server.SessionId,
            server.NegotiatedProtocolVersion,
            server.ClientInfo is { } client ? $"{client.Name} {client.Version}" : null);
    }
}
