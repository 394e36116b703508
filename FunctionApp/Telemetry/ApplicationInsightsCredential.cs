using Azure.Core;
using Azure.Identity;
using McpFunctions.Hosting;

namespace McpFunctions.Telemetry;

/// <summary>
/// The credential for Application Insights with local authentication off, from the setting Azure documents for it:
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> = <c>Authorization=AAD</c>, with <c>ClientId=…</c> for a
/// user-assigned managed identity.
/// </summary>
internal static class ApplicationInsightsCredential
{
    public const string SettingName = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>Null when the setting is absent: the connection string's instrumentation key alone is then used.</summary>
    public static TokenCredential? From(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        string? clientId = null;
        var aad = false;
        foreach (var part in authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, value) = part.IndexOf('=') is var i and > 0 ? (part[..i].Trim(), part[(i + 1)..].Trim()) : (part, "");
            if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                aad = value.Equals("AAD", StringComparison.OrdinalIgnoreCase);
            }
            else if (key.Equals("ClientId", StringComparison.OrdinalIgnoreCase) && value.Length > 0)
            {
                clientId = value;
            }
        }

        if (!aad)
        {
            throw new StartupConfigurationException($"{SettingName} must contain 'Authorization=AAD' (and 'ClientId=<client id>' for a user-assigned identity).");
        }

        return new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}
