using System.Net;

namespace McpFunctions.Auth.Clients;

/// <summary>Which redirect URIs a client may register (RFC 7591, RFC 8252, OAuth 2.1), and loopback recognition.</summary>
internal static class RedirectUris
{
    public const int MaxLength = 2_000;

    /// <summary>Schemes never accepted, even from a native client: they would run script or carry data in the browser.</summary>
    private static readonly string[] Forbidden = ["javascript", "data", "vbscript", "file", "blob", "about", "ftp", "ws", "wss"];

    /// <summary>
    /// https anywhere; http only on a loopback host; a private-use scheme (<c>cursor:</c>, <c>vscode:</c>) for native
    /// clients. Never a fragment, a wildcard or user info.
    /// </summary>
    public static string? Problem(string? value, bool native)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return $"a redirect URI must be 1-{MaxLength} characters";
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || value.Any(char.IsControl) || value.Contains(' '))
        {
            return $"'{value}' is not an absolute URI";
        }

        if (value.Contains('#'))
        {
            return $"'{value}' has a fragment";
        }

        if (value.Contains('*'))
        {
            return $"'{value}' has a wildcard";
        }

        if (uri.UserInfo.Length > 0)
        {
            return $"'{value}' carries user info";
        }

        var scheme = uri.Scheme.ToLowerInvariant();
        if (Forbidden.Contains(scheme))
        {
            return $"the '{scheme}:' scheme is not allowed";
        }

        return scheme switch
        {
            "https" => null,
            "http" => IsLoopback(value, out _) ? null : $"'{value}' uses http on a host that is not loopback; use https",
            _ when native || scheme.Contains('.') || scheme is "cursor" or "vscode" or "vscode-insiders" or "claude" => null,
            _ => $"the '{scheme}:' scheme is accepted only for a native client (application_type \"native\")",
        };
    }

    /// <summary>http(s) on 127.0.0.0/8, [::1] or localhost.</summary>
    public static bool IsLoopback(string value, out Uri uri)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out uri!) || uri.Scheme is not ("http" or "https"))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }
}
