using System.ComponentModel;
using System.Security.Claims;
using McpFunctions.Auth.Downstream;
using Microsoft.AspNetCore.Authorization;

namespace McpFunctions.Features.Profile;

/// <summary>
/// An example of a tool that calls another API as the user: the user's profile from Microsoft Graph, with an Entra
/// token Microsoft.Identity.Web acquires for the user (never the token the MCP client sent). Listed only when
/// <c>DownstreamApi</c> is configured and the caller signed in with Entra ID.
/// </summary>
[McpServerToolType]
internal sealed class ProfileTools
{
    [McpServerTool(Name = "profile_get", Title = "Get my directory profile", ReadOnly = true, Idempotent = true, OpenWorld = true, UseStructuredContent = true)]
    [Description("Returns the signed-in user's profile from their organization's directory (Microsoft Graph /me): id, display name, email, user principal name, job title and office. Read-only; fetched live as the user, so it shows only what the user may see.")]
    [Authorize(Policy = DownstreamTokens.CallerPolicy)]
    public static async Task<Profile> GetAsync(ClaimsPrincipal? user, DownstreamApi api, CancellationToken cancellationToken)
    {
        if (user is null)
        {
            throw new DependencyException("Sign-in is required to read your profile.");
        }

        try
        {
            using var json = await api.GetJsonAsync("me?$select=id,displayName,mail,userPrincipalName,jobTitle,officeLocation", user, cancellationToken);
            var root = json.RootElement;
            return new Profile(Text(root, "id"), Text(root, "displayName"), Text(root, "mail"), Text(root, "userPrincipalName"), Text(root, "jobTitle"), Text(root, "officeLocation"));
        }
        catch (DownstreamApiException e)
        {
            throw new DependencyException(e.Failure == DownstreamFailure.Unavailable ? e.Message + " Retry in a moment." : e.Message);
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
