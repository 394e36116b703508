namespace McpFunctions.Features.Profile;

/// <summary>The signed-in user's directory profile, as the downstream API (Microsoft Graph <c>/me</c>) gives it.</summary>
internal sealed record Profile(string? Id, string? DisplayName, string? Mail, string? UserPrincipalName, string? JobTitle, string? OfficeLocation);
